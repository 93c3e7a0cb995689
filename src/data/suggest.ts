// A first DataSpec for a graph and a data set, so `seqgraph train g.json --data names-gender`
// and the editor's data picker work without hand-written mappings. Built-in sets say which
// column plays which role (catalog.ts); for a file, columns are matched by input/output name
// first, then by what fits. The person can change every choice afterwards.
import type { Program } from '../ir/program';
import { DataSpecSchema, type DataSpec, type DataSpecInput } from './spec';
import type { Table } from './table';
import { builtinInfo } from './builtin/catalog';
import { decoderTargets } from './plan';
import { symbolsOf } from './vocab';
import { cellText } from './table';

type Inputs = DataSpec['inputs'];
type Targets = DataSpec['targets'];

/** Share of a column's symbol occurrences (first 2,000 rows) that a vocabulary holds. */
function coverage(table: Table, column: string, info: Parameters<typeof symbolsOf>[1] & { vocab: string[] }): number {
  const v = new Set(info.vocab);
  let all = 0;
  let known = 0;
  for (const r of table.rows.slice(0, 2000)) {
    for (const s of symbolsOf(cellText(r[column]), info)) {
      all++;
      if (v.has(s)) known++;
    }
  }
  return all ? known / all : 1;
}

/** Whether an output's labels name every label of the column (first 2,000 rows). */
function labelsCover(table: Table, column: string, labels: string[] | undefined, perToken: boolean): boolean {
  if (!labels?.length) return false;
  const have = new Set(labels);
  return table.rows.slice(0, 2000).every((r) => {
    const t = cellText(r[column]).trim();
    return (perToken ? t.split(/\s+/) : [t]).every((l) => !l || have.has(l));
  });
}

export function suggestSpec(program: Program, table: Table, source: DataSpecInput['source']): DataSpec {
  const info = 'builtin' in source ? builtinInfo(source.builtin) : undefined;
  const roles = info?.roles ?? {};
  const d = info?.defaults ?? {};
  const cols = table.columns;
  const byName = (n: string) => cols.find((c) => c.toLowerCase() === n.toLowerCase());
  const decoders = decoderTargets(program);
  const decoderInputs = new Set([...decoders.values()].map((x) => x.input));
  const inputs: Inputs = {};
  const targets: Targets = {};
  const usedText = new Set<string>();

  for (const inp of program.inputs) {
    if (inp.info.kind === 'tokens') {
      const tokenInfo = inp.info;
      const column = byName(inp.name) ?? (decoderInputs.has(inp.name) ? roles.sequence : roles.text) ?? cols.find((c) => !usedText.has(c)) ?? cols[0];
      if (!column) continue;
      usedText.add(column);
      // a graph whose vocabulary misses much of the data gets the data's (the report shows it)
      const vocab = coverage(table, column, tokenInfo) < 0.99 ? 'data' : 'graph';
      inputs[inp.name] = {
        column, vocab, min_count: vocab === 'data' ? d.min_count ?? 1 : 1, max_vocab: vocab === 'data' ? d.max_vocab : undefined,
        max_length: d.max_length, too_long: d.too_long ?? 'drop', unknown: 'unk',
      };
    } else if (inp.shape.length === 3 && inp.shape[1] === 'B') {
      inputs[inp.name] = { zeros: true };
    } else if (inp.shape.length === 3) {
      const feats = roles.features ?? cols.filter((c) => c !== 'date');
      inputs[inp.name] = { columns: feats.slice(0, inp.info.features) };
    } else {
      // a vector: the one-hot of a label column when its size fits (a generator conditioned on gender)
      const label = roles.label ?? cols.find((c) => !usedText.has(c));
      inputs[inp.name] = label ? { one_hot: label } : { zeros: true };
    }
  }

  for (const out of program.outputs) {
    if (out.kind === 'tokens') continue;
    const dec = decoders.get(out.name);
    if (dec) {
      targets[out.name] = { same_as: dec.input };
      continue;
    }
    const rank = out.shape.length;
    if (out.kind === 'values') {
      if (rank === 3 && !program.inputs.some((i) => i.info.kind === 'float' && i.shape[1] === out.shape[1] && i.shape[0] === 'B')) continue;
      const forecast = roles.forecast ?? (byName(out.name) ? [byName(out.name)!] : undefined);
      if (forecast) targets[out.name] = { columns: forecast.slice(0, typeof out.shape[rank - 1] === 'number' ? (out.shape[rank - 1] as number) : 1) };
      continue;
    }
    if (rank === 2) {
      const column = byName(out.name) ?? roles.label ?? cols.find((c) => !usedText.has(c));
      if (column) targets[out.name] = { column, labels: labelsCover(table, column, out.labels, false) ? 'output' : 'data' };
    } else if (rank === 3) {
      const aligned = program.inputs.find((i) => i.info.kind === 'tokens' && i.shape[1] === out.shape[1]);
      if (!aligned || aligned.info.kind !== 'tokens') continue;
      const C = out.shape[2];
      const sameVocab = C === aligned.info.vocab.length && (!out.labels || out.labels.every((l, i) => l === (aligned.info as { vocab: string[] }).vocab[i]));
      if (sameVocab && !roles.tags) targets[out.name] = { next_of: aligned.name, end: table.kind === 'windows' ? 'continue' : 'eos' };
      else {
        // only a column meant for it: attention weights and the like are per step too, but no target
        const column = byName(out.name) ?? roles.tags;
        if (column) targets[out.name] = { column, labels: labelsCover(table, column, out.labels, true) ? 'output' : 'data' };
      }
    }
  }
  const series = table.kind === 'series' ? d.series ?? { window: 24, stride: 1, horizon: 1, difference: [], normalise: true } : undefined;
  return DataSpecSchema.parse({ source, inputs, targets, split: d.split ?? { validation: 0.1, test: 0.1, seed: 1 }, series });
}
