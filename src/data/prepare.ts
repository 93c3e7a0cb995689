// Table + DataSpec + compiled graph -> examples in train / validation / test, ready to batch.
// Order of work, and why: (1) split every row by the seed, so a row's split never depends on
// length limits or vocabularies; (2) read each row's cells (empty, too long, not a number: the
// row is dropped and reported); (3) build vocabularies and label lists from the training split
// only, so validation and test measure symbols and words the model never saw; (4) encode.
import type { Program, TokenInputInfo } from '../ir/program';
import { DataSpecSchema, type DataSpec, type DataSpecInput, type SpecProblem } from './spec';
import { makeReport, type DataProblem, type DropReport, type Row, type Table } from './table';
import { planData, type Feed, type Plan, type Target, type TokenFeed } from './plan';
import { readLabel, readNumbers, readSymbols, readTags, type Read } from './cells';
import { buildVocab, countSymbols, encodeSymbols, encoder, IGNORE_INDEX, labelsFrom, withVocab, type Encoder } from './vocab';
import { splitRows, SPLITS, type SplitName } from './split';
import { prepareSeries, type SeriesInfo } from './series';
import { dict } from '../doc/dict';

/** One example: what each graph input is fed and each output is scored against, unbatched. */
export interface Example {
  /** the table row it came from (the first row of its window, for a series) */
  row: number;
  /** by graph input name: token ids as fed (<s>/</s> included), or floats ([F], or [T·F] for a sequence) */
  feeds: Record<string, Int32Array | Float32Array>;
  /** by graph output name: class ids (IGNORE_INDEX where not scored), or floats */
  targets: Record<string, Int32Array | Float32Array>;
  /** the longest token feed (bucketing key); a series window's steps */
  length: number;
  /** series: the "same as last value" forecast of each float target, in the target's units */
  baseline?: Record<string, Float32Array>;
}

export type PreparedInput =
  | {
      kind: 'tokens';
      column: string;
      /** the tokenisation used (its vocab is the graph's, or the one built from the training split) */
      info: TokenInputInfo;
      vocabFrom: 'graph' | 'data';
      /** symbols of the data the vocabulary lacks, most frequent first (they read as <unk>, or dropped their row) */
      lacking: { symbol: string; count: number }[];
      /** the Decoder node whose target this input is */
      decoder?: string;
    }
  | { kind: 'float'; columns: string[]; features: number; sequence: boolean }
  | { kind: 'one_hot'; column: string; labels: string[] }
  | { kind: 'zeros' };

export interface PreparedTarget {
  kind: Target['kind'];
  /** class names by id (class, tags), or the symbols (same_as, next_of) */
  labels?: string[];
  labelsFrom?: 'output' | 'data';
  /** the token input a per-step target follows */
  align?: string;
  columns?: string[];
}

export interface PreparedData {
  spec: DataSpec;
  table: Table;
  plan: Plan;
  inputs: Record<string, PreparedInput>;
  targets: Record<string, PreparedTarget>;
  splits: Record<SplitName, Example[]>;
  /** every row left out (the reader's and this step's), located */
  problems: DataProblem[];
  report: DropReport;
  series?: SeriesInfo;
}

export class DataError extends Error {
  constructor(public readonly problems: SpecProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    this.name = 'DataError';
  }
}

/** Everything read from one row before vocabularies exist. */
interface Candidate {
  row: number;
  symbols: Record<string, string[]>;
  floats: Record<string, Float32Array>;
  labels: Record<string, string>;
  tags: Record<string, string[]>;
}

export function prepareData(program: Program, table: Table, specIn: DataSpec | DataSpecInput): PreparedData {
  const spec = DataSpecSchema.parse(specIn);
  const { plan, problems: specProblems } = planData(program, table, spec);
  if (specProblems.length) throw new DataError(specProblems);
  const rows = spec.max_rows !== undefined ? table.rows.slice(0, spec.max_rows) : table.rows;
  const problems: DataProblem[] = [...table.problems];
  const drop = (row: number, r: Extract<Read<unknown>, { ok: false }>) =>
    problems.push({ kind: r.kind, file: table.name, line: table.lines[row], row: row + 1, column: r.column, message: r.message });

  if (plan.series) {
    const s = prepareSeries(plan, table, spec, rows);
    problems.push(...s.problems);
    return finish(spec, table, plan, s.inputs, s.targets, s.splits, problems, rows.length, s.info);
  }

  // (1) split, (2) read
  const parts = splitRows(rows.length, spec.split);
  const cands: Record<SplitName, Candidate[]> = { train: [], validation: [], test: [] };
  for (const split of SPLITS) {
    for (const r of parts[split]) {
      const c = readRow(plan, rows[r], r);
      if ('ok' in c) drop(r, c);
      else cands[split].push(c);
    }
  }

  // (3) vocabularies and labels from the training split
  const inputs = dict<PreparedInput>(); // keyed by input and output names, the user's (doc/dict.ts)
  const encoders = new Map<string, Encoder>();
  const specIssues: SpecProblem[] = [];
  for (const f of plan.feeds) {
    if (f.kind === 'tokens') {
      const name = f.input.name;
      const info = f.map.vocab === 'data' ? withVocab(f.info, buildVocab(countSymbols(cands.train.map((c) => c.symbols[name])), f.map)) : f.info;
      encoders.set(name, encoder(info));
      inputs[name] = { kind: 'tokens', column: f.map.column, info, vocabFrom: f.map.vocab, lacking: [], decoder: f.decoder };
    } else if (f.kind === 'float') inputs[f.input.name] = { kind: 'float', columns: f.columns, features: f.features, sequence: false };
    else if (f.kind === 'one_hot') {
      const labels = f.labels ?? labelsFrom(cands.train.map((c) => c.labels[f.input.name]));
      if (labels.length !== f.features) specIssues.push({ path: `inputs.${f.input.name}.one_hot`, message: `the training split has ${labels.length} values of "${f.column}" (${labels.slice(0, 8).join(', ')}), "${f.input.name}" has ${f.features} features` });
      inputs[f.input.name] = { kind: 'one_hot', column: f.column, labels };
    } else inputs[f.input.name] = { kind: 'zeros' };
  }
  const targets = dict<PreparedTarget>();
  for (const t of plan.targets) {
    const name = t.output.name;
    if (t.kind === 'class' || t.kind === 'tags') {
      const seen = t.kind === 'class' ? cands.train.map((c) => c.labels[name]) : cands.train.flatMap((c) => c.tags[name]);
      const labels = t.labels ?? labelsFrom(seen);
      if (t.classes !== null && labels.length !== t.classes) {
        specIssues.push({
          path: `targets.${name}`,
          message: `"${name}" scores ${t.classes} classes, the ${t.labels ? 'output has' : 'training split has'} ${labels.length} labels (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', ...' : ''}): give the layer before it ${labels.length} units`,
        });
      }
      targets[name] = { kind: t.kind, labels, labelsFrom: t.labels ? 'output' : 'data', align: t.kind === 'tags' ? t.align : undefined };
    } else if (t.kind === 'same_as' || t.kind === 'next_of') targets[name] = { kind: t.kind, labels: encoders.get(t.input)!.info.vocab, align: t.input };
    else targets[name] = { kind: 'float', columns: t.columns };
  }
  if (specIssues.length) throw new DataError(specIssues);

  // (4) encode
  const lacking = new Map<string, Map<string, number>>();
  const splits: Record<SplitName, Example[]> = { train: [], validation: [], test: [] };
  for (const split of SPLITS) {
    for (const c of cands[split]) {
      const ex = encodeRow(plan, c, encoders, inputs, targets, lacking, split);
      if ('ok' in ex) drop(c.row, ex);
      else splits[split].push(ex);
    }
  }
  for (const [name, m] of lacking) {
    (inputs[name] as Extract<PreparedInput, { kind: 'tokens' }>).lacking = [...m.entries()].sort((a, b) => b[1] - a[1]).map(([symbol, count]) => ({ symbol, count }));
  }
  return finish(spec, table, plan, inputs, targets, splits, problems, rows.length);
}

function finish(
  spec: DataSpec, table: Table, plan: Plan, inputs: Record<string, PreparedInput>, targets: Record<string, PreparedTarget>,
  splits: Record<SplitName, Example[]>, problems: DataProblem[], read: number, series?: SeriesInfo,
): PreparedData {
  problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return { spec, table, plan, inputs, targets, splits, problems, report: makeReport(read + table.problems.length, problems), series };
}

function readRow(plan: Plan, row: Row, r: number): Candidate | Extract<Read<unknown>, { ok: false }> {
  const c: Candidate = { row: r, symbols: {}, floats: {}, labels: {}, tags: {} };
  const totals: Record<string, number> = {};
  for (const f of plan.feeds) {
    const name = f.input.name;
    if (f.kind === 'tokens') {
      const s = readSymbols(row, f.map.column, f.info, f.map);
      if (!s.ok) return s;
      c.symbols[name] = s.value.symbols;
      totals[name] = s.value.total;
    } else if (f.kind === 'float') {
      const x = readNumbers(row, f.columns, f.features);
      if (!x.ok) return x;
      c.floats[name] = x.value;
    } else if (f.kind === 'one_hot') {
      const l = readLabel(row, f.column);
      if (!l.ok) return l;
      c.labels[name] = l.value;
    }
  }
  for (const t of plan.targets) {
    const name = t.output.name;
    if (t.kind === 'class') {
      const l = readLabel(row, t.column);
      if (!l.ok) return l;
      c.labels[name] = l.value;
    } else if (t.kind === 'tags') {
      const l = readTags(row, t.column, totals[t.align], c.symbols[t.align].length);
      if (!l.ok) return l;
      c.tags[name] = l.value;
    } else if (t.kind === 'float') {
      const x = readNumbers(row, t.columns, typeof t.output.shape[1] === 'number' ? (t.output.shape[1] as number) : t.columns.length);
      if (!x.ok) return x;
      c.floats[`target:${name}`] = x.value;
    }
  }
  return c;
}

type Fail = Extract<Read<unknown>, { ok: false }>;

function encodeRow(
  plan: Plan, c: Candidate, encoders: Map<string, Encoder>, inputs: Record<string, PreparedInput>, targets: Record<string, PreparedTarget>,
  lacking: Map<string, Map<string, number>>, split: SplitName,
): Example | Fail {
  const ex: Example = { row: c.row, feeds: dict(), targets: dict(), length: 0 };
  const core = new Map<string, Int32Array>();
  for (const f of plan.feeds as Feed[]) {
    const name = f.input.name;
    if (f.kind === 'tokens') {
      const enc = encoders.get(name)!;
      const symbols = c.symbols[name];
      // a text window's last symbol is only a target (next_of with end = continue), never fed
      const cut = plan.targets.some((t) => t.kind === 'next_of' && t.input === name && t.end === 'continue');
      const { ids, unknown } = encodeSymbols(cut ? symbols.slice(0, -1) : symbols, enc);
      const full = cut ? encodeSymbols(symbols, enc).ids : ids;
      const off = enc.info.add_bos && enc.info.bos !== undefined ? 1 : 0;
      core.set(name, full.subarray(off, off + symbols.length));
      if (unknown.length) {
        const isData = f.map.vocab === 'data';
        // a data vocabulary lacks symbols of validation/test by design; report only the graph's gaps
        if (!isData || split === 'train') {
          const m = lacking.get(name) ?? new Map<string, number>();
          lacking.set(name, m);
          for (const s of unknown) m.set(s, (m.get(s) ?? 0) + 1);
        }
        if (f.map.unknown === 'drop' || enc.info.unk === undefined) {
          const list = [...new Set(unknown)].slice(0, 5).map((s) => JSON.stringify(s)).join(', ');
          return { ok: false, kind: 'unknown_symbol', column: f.map.column, message: `${list} not in the vocabulary of "${name}"` };
        }
      }
      ex.feeds[name] = ids;
      ex.length = Math.max(ex.length, ids.length);
    } else if (f.kind === 'float') ex.feeds[name] = c.floats[name];
    else if (f.kind === 'one_hot') {
      const labels = (inputs[name] as Extract<PreparedInput, { kind: 'one_hot' }>).labels;
      const k = labels.indexOf(c.labels[name]);
      if (k < 0) return { ok: false, kind: 'unknown_label', column: f.column, message: `"${c.labels[name]}" is not one of ${labels.join(', ')}` };
      const v = new Float32Array(labels.length);
      v[k] = 1;
      ex.feeds[name] = v;
    }
  }
  for (const t of plan.targets) {
    const name = t.output.name;
    const p = targets[name];
    if (t.kind === 'class') {
      const k = p.labels!.indexOf(c.labels[name]);
      if (k < 0) return unknownLabel(t.column, c.labels[name], p);
      ex.targets[name] = Int32Array.of(k);
    } else if (t.kind === 'tags') {
      const feed = ex.feeds[t.align] as Int32Array;
      const info = encoders.get(t.align)!.info;
      const y = new Int32Array(feed.length).fill(IGNORE_INDEX);
      const off = info.add_bos && info.bos !== undefined ? 1 : 0;
      const tags = c.tags[name];
      for (let i = 0; i < tags.length; i++) {
        const k = p.labels!.indexOf(tags[i]);
        if (k < 0) return unknownLabel(t.column, tags[i], p);
        y[off + i] = k;
      }
      ex.targets[name] = y;
    } else if (t.kind === 'same_as') {
      // the Decoder is fed <s> then target[t-1] and scored on target[t]: the ids it is given are
      // the ids it must produce, </s> included (the shift happens inside the Decoder)
      ex.targets[name] = (ex.feeds[t.input] as Int32Array).slice();
    } else if (t.kind === 'next_of') ex.targets[name] = nextTokens(core.get(t.input)!, encoders.get(t.input)!.info, t.end);
    else ex.targets[name] = c.floats[`target:${name}`];
  }
  return ex;
}

function unknownLabel(column: string, label: string, p: PreparedTarget): Fail {
  const why = p.labelsFrom === 'output' ? `not one of the output's labels (${p.labels!.slice(0, 8).join(', ')})` : 'not seen in the training split';
  return { ok: false, kind: 'unknown_label', column, message: `label "${label}" is ${why}` };
}

/** A language model's targets. `core` holds the ids of all the row's symbols (no <s>/</s>); the
 *  model is fed <s> (if the Input adds it) and the first `k` of them: all of them with end = eos,
 *  all but the last with continue (a text window: the symbol after it is only a target). At
 *  every step the target is the next symbol; after the last one fed it is </s> (end = eos) or
 *  the cut symbol (continue). Steps with nothing to predict (the Input's own </s>) hold
 *  IGNORE_INDEX, as do all with no </s> in the vocabulary to end on. */
export function nextTokens(core: Int32Array, info: TokenInputInfo, end: 'eos' | 'continue'): Int32Array {
  const bos = info.add_bos && info.bos !== undefined ? 1 : 0;
  const eos = info.add_eos && info.eos !== undefined ? 1 : 0;
  const k = end === 'continue' ? core.length - 1 : core.length;
  const y = new Int32Array(bos + k + eos).fill(IGNORE_INDEX);
  if (bos) y[0] = core[0];
  for (let i = 0; i < k; i++) y[bos + i] = i + 1 < core.length ? core[i + 1] : info.eos !== undefined ? info.eos : IGNORE_INDEX;
  return y;
}
