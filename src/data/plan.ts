// A DataSpec checked against a compiled graph and a loaded table: which column feeds which
// graph input and how, and what each mapped output is scored against. Every mismatch is a
// problem that names the spec path and says what would fit; nothing here reads the rows.
import type { GraphInput, GraphOutput, Program, TokenInputInfo } from '../ir/program';
import type { DataSpec, SpecProblem, TokenInputMap } from './spec';
import type { Table } from './table';
import { own } from '../doc/dict';

export interface TokenFeed {
  kind: 'tokens';
  input: GraphInput;
  /** the graph's tokenisation (its vocabulary may be replaced by one built from the data) */
  info: TokenInputInfo;
  map: TokenInputMap;
  /** the Decoder node whose target this input is, if it is one */
  decoder?: string;
}
export interface FloatFeed {
  kind: 'float';
  input: GraphInput;
  features: number;
  columns: string[];
  /** a sequence [B,T,F] (a time series' window) rather than a vector [B,F] */
  sequence: boolean;
}
export interface OneHotFeed {
  kind: 'one_hot';
  input: GraphInput;
  column: string;
  /** the classes in order; null: those of the training split, sorted */
  labels: string[] | null;
  features: number;
}
export interface ZerosFeed {
  kind: 'zeros';
  input: GraphInput;
}
export type Feed = TokenFeed | FloatFeed | OneHotFeed | ZerosFeed;

export interface ClassTarget {
  kind: 'class';
  output: GraphOutput;
  column: string;
  labels: string[] | null;
  classes: number | null;
}
export interface TagTarget {
  kind: 'tags';
  output: GraphOutput;
  column: string;
  /** the token input whose tokens the labels follow */
  align: string;
  labels: string[] | null;
  classes: number | null;
}
export interface SameAsTarget {
  kind: 'same_as';
  output: GraphOutput;
  input: string;
}
export interface NextOfTarget {
  kind: 'next_of';
  output: GraphOutput;
  input: string;
  end: 'eos' | 'continue';
}
export interface FloatTarget {
  kind: 'float';
  output: GraphOutput;
  columns: string[];
  /** a value per step [B,T,F] (a time series: the next value at every step) rather than [B,F] */
  perStep: boolean;
}
export type Target = ClassTarget | TagTarget | SameAsTarget | NextOfTarget | FloatTarget;

export interface Plan {
  feeds: Feed[];
  targets: Target[];
  /** the rows are a time series (windows, split by time) */
  series: boolean;
}

const PASS_THROUGH = new Set(['Identity', 'MaskSteps']);

/** Output name -> the graph input fed as a Decoder's target, when the output is that Decoder's
 *  log-probabilities (read from the IR: Output -> [MaskSteps] -> Decode.logprobs, Decode.target). */
export function decoderTargets(program: Program): Map<string, { input: string; decoder: string }> {
  const producer = new Map<string, { op: Program['ops'][number]; index: number }>();
  for (const op of program.ops) op.outputs.forEach((v, index) => producer.set(v, { op, index }));
  const found = new Map<string, { input: string; decoder: string }>();
  for (const out of program.outputs) {
    let p = producer.get(out.value);
    while (p && PASS_THROUGH.has(p.op.op)) p = producer.get(p.op.inputs[0]);
    if (!p || p.op.op !== 'Decode' || p.index !== 1) continue;
    const tgt = program.inputs.find((i) => i.value === p!.op.inputs[7]);
    if (tgt) found.set(out.name, { input: tgt.name, decoder: p.op.node });
  }
  return found;
}

const isState = (i: GraphInput) => i.info.kind === 'float' && i.shape.length === 3 && i.shape[1] === 'B';
const lastDim = (s: readonly (number | string)[]) => (typeof s[s.length - 1] === 'number' ? (s[s.length - 1] as number) : null);

export function planData(program: Program, table: Table, spec: DataSpec): { plan: Plan; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  const series = table.kind === 'series' || spec.series !== undefined;
  const hasColumn = (path: string, c: string) => {
    if (table.columns.includes(c)) return true;
    bad(path, `the data (${table.name}) has no column "${c}" (columns: ${table.columns.join(', ') || 'none'})`);
    return false;
  };
  const decoders = decoderTargets(program);
  const decoderOf = new Map([...decoders.values()].map((d) => [d.input, d.decoder]));

  const feeds: Feed[] = [];
  for (const name of Object.keys(spec.inputs)) {
    if (!program.inputs.some((i) => i.name === name)) bad(`inputs.${name}`, `the graph has no input "${name}" (inputs: ${program.inputs.map((i) => i.name).join(', ')})`);
  }
  for (const input of program.inputs) {
    const path = `inputs.${input.name}`;
    const m = own(spec.inputs, input.name); // an Input named "constructor" is not Object's
    if (!m) {
      if (isState(input)) feeds.push({ kind: 'zeros', input });
      else bad(path, `the graph's input "${input.name}" has no mapping: name the column that feeds it`);
      continue;
    }
    if ('zeros' in m) {
      feeds.push({ kind: 'zeros', input });
    } else if ('column' in m) {
      if (input.info.kind !== 'tokens') {
        bad(path, `"${input.name}" takes float numbers [${input.shape.join(', ')}]: map it with {columns: [...]} or {one_hot: column}, not a text column`);
        continue;
      }
      if (hasColumn(`${path}.column`, m.column)) feeds.push({ kind: 'tokens', input, info: input.info, map: m, decoder: decoderOf.get(input.name) });
    } else if ('columns' in m) {
      if (input.info.kind !== 'float') {
        bad(path, `"${input.name}" takes tokens (text): map it with a column name, not {columns}`);
        continue;
      }
      const F = input.info.features;
      const sequence = input.shape.length === 3 && !isState(input);
      if (sequence && !series) bad(path, `"${input.name}" is a float sequence [B,T,${F}]: seqgraph reads those from a time series (a built-in series, or a file with "series": true and "series" options)`);
      else if (sequence ? m.columns.length !== F : m.columns.length !== F && m.columns.length !== 1) {
        bad(`${path}.columns`, `"${input.name}" has ${F} features, ${m.columns.length} columns are mapped${sequence ? '' : ' (or map one column that holds the numbers)'}`);
      }
      if (m.columns.every((c, i) => hasColumn(`${path}.columns[${i}]`, c))) feeds.push({ kind: 'float', input, features: F, columns: m.columns, sequence });
    } else {
      if (input.info.kind !== 'float' || input.shape.length !== 2) {
        bad(path, `one_hot feeds a float vector input [B,F]; "${input.name}" is [${input.shape.join(', ')}]`);
        continue;
      }
      if (m.labels && m.labels.length !== input.info.features) bad(`${path}.labels`, `${m.labels.length} labels, but "${input.name}" has ${input.info.features} features`);
      if (hasColumn(`${path}.one_hot`, m.one_hot)) feeds.push({ kind: 'one_hot', input, column: m.one_hot, labels: m.labels ?? null, features: input.info.features });
    }
  }

  const targets: Target[] = [];
  const tokenFeed = (name: string) => feeds.find((f): f is TokenFeed => f.kind === 'tokens' && f.input.name === name);
  for (const [name, m] of Object.entries(spec.targets)) {
    const path = `targets.${name}`;
    const output = program.outputs.find((o) => o.name === name);
    if (!output) {
      bad(path, `the graph has no output "${name}" (outputs: ${program.outputs.map((o) => o.name).join(', ')})`);
      continue;
    }
    const rank = output.shape.length;
    const C = lastDim(output.shape);
    if (output.kind === 'tokens') {
      bad(path, `"${name}" returns token ids (argmax or decoding); score the log-probabilities instead (the Decoder's logprobs output)`);
      continue;
    }
    if ('same_as' in m || 'next_of' in m) {
      const src = 'same_as' in m ? m.same_as : m.next_of;
      const feed = tokenFeed(src);
      if (!feed) {
        bad(path, `"${src}" is not a token input of the graph mapped to a column`);
        continue;
      }
      if (rank !== 3 || output.shape[1] !== feed.input.shape[1]) {
        bad(path, `"${name}" [${output.shape.join(', ')}] doesn't step along "${src}" [${feed.input.shape.join(', ')}]`);
        continue;
      }
      if (C !== null && feed.map.vocab === 'graph' && C !== feed.info.vocab.length) {
        bad(path, `"${name}" scores ${C} classes, "${src}" has ${feed.info.vocab.length} symbols: they must be the same vocabulary`);
        continue;
      }
      if ('same_as' in m) targets.push({ kind: 'same_as', output, input: src });
      else targets.push({ kind: 'next_of', output, input: src, end: m.end ?? (table.kind === 'windows' ? 'continue' : 'eos') });
      continue;
    }
    if ('columns' in m || output.kind === 'values') {
      const columns = 'columns' in m ? m.columns : [m.column];
      if (output.kind !== 'values') bad(path, `"${name}" is over classes (${output.kind}); map a label column, not {columns}`);
      else if (C !== null && columns.length !== C && columns.length !== 1) bad(path, `"${name}" has ${C} values per ${rank === 3 ? 'step' : 'row'}, ${columns.length} columns are mapped`);
      else if (rank === 3 && !series) bad(path, `"${name}" has a value per step: seqgraph reads per-step numbers from a time series`);
      else if (columns.every((c, i) => hasColumn(`${path}.columns[${i}]`, c))) targets.push({ kind: 'float', output, columns, perStep: rank === 3 });
      continue;
    }
    if (!hasColumn(`${path}.column`, m.column)) continue;
    const labels = m.labels === 'output' && output.labels?.length ? output.labels : null;
    if (rank === 2) {
      targets.push({ kind: 'class', output, column: m.column, labels, classes: C });
    } else if (rank === 3) {
      const align = feeds.find((f): f is TokenFeed => f.kind === 'tokens' && f.input.shape[1] === output.shape[1]);
      if (!align) bad(path, `"${name}" has a class per step of ${String(output.shape[1])}, but no mapped token input has that time axis`);
      else targets.push({ kind: 'tags', output, column: m.column, align: align.input.name, labels, classes: C });
    } else bad(path, `"${name}" [${output.shape.join(', ')}] is neither per row nor per step`);
  }
  return { plan: { feeds, targets, series }, problems };
}
