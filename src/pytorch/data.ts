// The data set for train.py: seqgraph's data layer (src/data) has already read the source, mapped
// the columns, built the vocabularies, split the rows and encoded every example; the export writes
// those prepared examples as JSON lines (data/train.jsonl, data/validation.jsonl, data/test.jsonl)
// and data.json, which says how train.py stacks them into batches exactly as makeBatch
// (src/data/batches.ts) does. So train.py reimplements no parser or tokeniser, only batching.
import type { Program } from '../ir/program';
import type { Example, PreparedData } from '../data/prepare';
import { BUCKET_POOL } from '../data/batches';
import { SPLITS } from '../data/split';
import { IGNORE_INDEX } from '../data/vocab';
import { PyTorchExportError } from './context';

export type FeedInfo =
  | { kind: 'tokens'; pad: number | null }
  | { kind: 'float'; features: number; sequence: boolean }
  | { kind: 'one_hot'; features: number }
  | { kind: 'zeros'; shape: (number | 'B')[] };

export type TargetInfo =
  | { kind: 'class' }
  | { kind: 'float'; features: number; per_step: boolean }
  /** a class id per step of a token input (tags, a Decoder's target, a language model's next token) */
  | { kind: 'steps'; along: string };

export interface DataJSON {
  /** the graph file's data mapping (training.data), for the record */
  spec: unknown;
  feeds: Record<string, FeedInfo>;
  targets: Record<string, TargetInfo>;
  /** examples per split */
  counts: Record<string, number>;
  /** batches of pool × batch_size rows are sorted by length together (src/data/batches.ts) */
  bucket_pool: number;
  ignore_index: number;
}

function feedInfo(data: PreparedData, program: Program, name: string): FeedInfo {
  const p = data.inputs[name];
  const input = program.inputs.find((i) => i.name === name)!;
  switch (p.kind) {
    case 'tokens':
      return { kind: 'tokens', pad: p.info.pad ?? null };
    case 'float':
      return { kind: 'float', features: p.features, sequence: p.sequence };
    case 'one_hot':
      return { kind: 'one_hot', features: p.labels.length };
    case 'zeros':
      return { kind: 'zeros', shape: input.shape.map((d) => (d === 'B' ? 'B' : typeof d === 'number' ? d : 1)) };
  }
}

/** data.json and the examples of every split as JSON lines */
export function dataFiles(data: PreparedData, program: Program): { path: string; data: string }[] {
  for (const input of program.inputs) {
    const p = data.inputs[input.name];
    if (!p) throw new PyTorchExportError(`the data has no mapping for input "${input.name}"`);
    if (p.kind === 'tokens' && input.info.kind === 'tokens' && p.info.vocab.join('\u0000') !== input.info.vocab.join('\u0000')) {
      throw new PyTorchExportError(`the data's vocabulary for input "${input.name}" (${p.info.vocab.length} symbols) is not the graph's (${input.info.vocab.length}): apply the data's vocabularies to the graph first (applyToDoc), so ids mean the same symbols`);
    }
  }
  const targets: Record<string, TargetInfo> = {};
  for (const t of data.plan.targets) {
    const name = t.output.name;
    if (t.kind === 'class') targets[name] = { kind: 'class' };
    else if (t.kind === 'float') {
      const last = t.output.shape[t.output.shape.length - 1];
      targets[name] = { kind: 'float', features: t.columns.length === 1 && typeof last === 'number' ? last : t.columns.length, per_step: t.perStep };
    } else targets[name] = { kind: 'steps', along: t.kind === 'tags' ? t.align : t.input };
  }
  const json: DataJSON = {
    spec: data.spec,
    feeds: Object.fromEntries(program.inputs.map((i) => [i.name, feedInfo(data, program, i.name)])),
    targets,
    counts: Object.fromEntries(SPLITS.map((s) => [s, data.splits[s].length])),
    bucket_pool: BUCKET_POOL,
    ignore_index: IGNORE_INDEX,
  };
  const line = (e: Example) =>
    JSON.stringify({
      feeds: Object.fromEntries(Object.entries(e.feeds).map(([k, v]) => [k, Array.from(v)])),
      targets: Object.fromEntries(Object.entries(e.targets).map(([k, v]) => [k, Array.from(v)])),
      length: e.length,
    });
  return [
    { path: 'data.json', data: JSON.stringify(json, null, 1) + '\n' },
    ...SPLITS.map((s) => ({ path: `data/${s}.jsonl`, data: data.splits[s].map(line).join('\n') + (data.splits[s].length ? '\n' : '') })),
  ];
}
