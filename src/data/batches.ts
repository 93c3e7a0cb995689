// Examples -> Batches, the form the trainer takes (TEAM.md): feeds by graph input name exactly
// as execute() takes them, targets by graph output name. Token rows are padded at the end with
// the Input's <pad> (as encodeBatch does), per-step targets with IGNORE_INDEX. Training batches
// are grouped by length so padding stays small: each epoch shuffles the rows with its own seed,
// sorts pools of 50 batches' worth by length, cuts them into batches and shuffles the batches.
import { floatTensor, intTensor, type Tensor } from '../runtime/tensor';
import type { Example, PreparedData } from './prepare';
import { IGNORE_INDEX } from './vocab';
import { epochSeed, permutation, type SplitName } from './split';
import { dict } from '../doc/dict';

/** What the trainer steps on (TEAM.md's `Batch`). */
export interface Batch {
  /** by graph input name: token ids int64 [B,T] (padded with <pad>), floats [B,F] / [B,T,F] */
  feeds: Record<string, Tensor>;
  /** by graph output name: class ids int64 [B] or [B,T] (IGNORE_INDEX where not scored), or float32 values */
  targets: Record<string, Tensor>;
  size: number;
}

/** A Batch that also says which examples it holds (results tables, "open in the inspector"). */
export interface DataBatch extends Batch {
  examples: Example[];
}

export interface BatchOptions {
  batchSize: number;
  /** shuffle (training) or keep a fixed order (evaluation; still sorted by length) */
  shuffle?: boolean;
  seed?: number;
  epoch?: number;
  /** group by length (default true) */
  bucket?: boolean;
}

/** Batches of pool × batchSize rows are sorted by length together. */
export const BUCKET_POOL = 50;

const hasPad = (pad: number | undefined) => typeof pad === 'number' && pad >= 0;

/** The batches of one epoch of a split. */
export function epochBatches(data: PreparedData, split: SplitName, opts: BatchOptions): DataBatch[] {
  return batchOrder(data.splits[split], data, opts).map((idx) => makeBatch(data, idx.map((i) => data.splits[split][i])));
}

/** Indices into `examples`, grouped into batches. */
export function batchOrder(examples: readonly Example[], data: Pick<PreparedData, 'inputs'>, opts: BatchOptions): number[][] {
  const B = Math.max(1, Math.floor(opts.batchSize));
  const n = examples.length;
  const bucket = opts.bucket ?? true;
  // an Input without <pad> can't pad: every batch then holds rows of one length
  const exact = Object.values(data.inputs).some((i) => i.kind === 'tokens' && !hasPad(i.info.pad));
  const seed = epochSeed(opts.seed ?? 1, opts.epoch ?? 0);
  const order = opts.shuffle ? permutation(n, seed) : Array.from({ length: n }, (_, i) => i);
  const len = (i: number) => examples[i].length;
  const batches: number[][] = [];
  if (exact) {
    const groups = new Map<number, number[]>();
    for (const i of order) (groups.get(len(i)) ?? groups.set(len(i), []).get(len(i))!).push(i);
    for (const g of [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k)!)) for (let s = 0; s < g.length; s += B) batches.push(g.slice(s, s + B));
  } else if (!bucket) {
    for (let s = 0; s < n; s += B) batches.push(order.slice(s, s + B));
  } else {
    const pool = opts.shuffle ? B * BUCKET_POOL : n;
    for (let p = 0; p < n; p += pool) {
      // stable sort: rows of one length keep the shuffled order, so they mix across epochs
      const part = order.slice(p, p + pool).sort((a, b) => len(a) - len(b));
      for (let s = 0; s < part.length; s += B) batches.push(part.slice(s, s + B));
    }
  }
  if (opts.shuffle) {
    const perm = permutation(batches.length, seed ^ 0x2545f491);
    return perm.map((i) => batches[i]);
  }
  return batches;
}

/** Stack examples into one batch. */
export function makeBatch(data: Pick<PreparedData, 'plan' | 'inputs'>, examples: Example[]): DataBatch {
  const B = examples.length;
  if (!B) throw new Error('a batch needs at least one example');
  const feeds = dict<Tensor>(); // by input name: the user's ("__proto__" too)
  const tokenT = new Map<string, number>();
  for (const f of data.plan.feeds) {
    const name = f.input.name;
    const p = data.inputs[name];
    if (p.kind === 'tokens') {
      const rows = examples.map((e) => e.feeds[name] as Int32Array);
      const T = Math.max(1, ...rows.map((r) => r.length));
      tokenT.set(name, T);
      const t = intTensor([B, T]);
      // an input without padding takes only rows of one length (fidelity: padding is optional)
      if (p.info.pad === undefined) {
        const b = rows.findIndex((r) => r.length !== T);
        if (b >= 0) throw new Error(`input "${name}" has no padding, so a batch needs rows of one length: row ${b} has ${rows[b].length} tokens, another has ${T} (turn padding on, or batch by exact length)`);
      } else t.data.fill(p.info.pad);
      rows.forEach((r, b) => t.data.set(r, b * T));
      feeds[name] = t;
    } else if (p.kind === 'zeros') {
      // [layers, B, F] for a State; any other fixed shape with its batch axis set
      feeds[name] = floatTensor(f.input.shape.map((d) => (d === 'B' ? B : typeof d === 'number' ? d : 1)));
    } else {
      const first = examples[0].feeds[name] as Float32Array;
      const F = p.kind === 'float' ? p.features : p.labels.length;
      const shape = p.kind === 'float' && p.sequence ? [B, first.length / F, F] : [B, F];
      feeds[name] = floatTensor(shape, concat(examples.map((e) => e.feeds[name] as Float32Array)));
    }
  }
  const targets = dict<Tensor>(); // by output name
  for (const t of data.plan.targets) {
    const name = t.output.name;
    if (t.kind === 'class') targets[name] = intTensor([B], examples.map((e) => (e.targets[name] as Int32Array)[0]));
    else if (t.kind === 'float') {
      const first = examples[0].targets[name];
      const F = t.columns.length === 1 && typeof t.output.shape[t.output.shape.length - 1] === 'number' ? (t.output.shape[t.output.shape.length - 1] as number) : t.columns.length;
      targets[name] = floatTensor(t.perStep ? [B, first.length / F, F] : [B, F], concat(examples.map((e) => e.targets[name] as Float32Array)));
    } else {
      // per step: as long as the input it follows is in this batch
      const along = t.kind === 'tags' ? t.align : t.input;
      const T = tokenT.get(along)!;
      const y = intTensor([B, T]);
      y.data.fill(IGNORE_INDEX);
      examples.forEach((e, b) => y.data.set(e.targets[name] as Int32Array, b * T));
      targets[name] = y;
    }
  }
  return { feeds, targets, size: B, examples };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** How much of the token feeds is padding: padded positions / all positions. */
export function paddingFraction(batches: readonly Batch[], data: Pick<PreparedData, 'inputs'>): number {
  let pad = 0;
  let all = 0;
  for (const b of batches) {
    for (const [name, t] of Object.entries(b.feeds)) {
      const p = data.inputs[name];
      if (p?.kind !== 'tokens') continue;
      all += t.data.length;
      for (let i = 0; i < t.data.length; i++) if (t.data[i] === p.info.pad) pad++;
    }
  }
  return all ? pad / all : 0;
}
