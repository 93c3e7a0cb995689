// Truncated BPTT: a batch's time axis cut into chunks of `bptt_steps`. Each chunk is one
// optimiser step; the recurrent state is carried from one chunk into the next (the runtime's
// finalStates → initialStates) but the gradient is not, exactly as PyTorch's language-model
// example does with `hidden = hidden.detach()` between chunks.
import type { Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import type { LossPlan } from './plan';
import type { Batch } from './types';
import { dictFrom, own } from '../doc/dict';

/** the inputs that have a time axis (axis 1 named T or T_<input>) */
export function timedInputs(program: Program): string[] {
  return program.inputs.filter((i) => typeof i.shape[1] === 'string' && String(i.shape[1]).startsWith('T') && i.shape.length >= 2).map((i) => i.name);
}

function sliceTime(t: Tensor, t0: number, t1: number): Tensor {
  const [B, T] = t.shape;
  const inner = t.shape.slice(2).reduce((a, b) => a * b, 1);
  const n = t1 - t0;
  const data = t.dtype === 'int64' ? new Int32Array(B * n * inner) : new Float32Array(B * n * inner);
  for (let b = 0; b < B; b++) data.set(t.data.subarray((b * T + t0) * inner, (b * T + t1) * inner), b * n * inner);
  return { dtype: t.dtype, shape: [B, n, ...t.shape.slice(2)], data };
}

export interface Chunk {
  batch: Batch;
  /** steps [t0, t1) of the whole batch */
  t0: number;
  t1: number;
}

/** The batch cut into chunks along time; one chunk (the batch itself) without bptt. */
export function chunkBatch(program: Program, plans: readonly LossPlan[], batch: Batch, steps: number | undefined): Chunk[] {
  const timed = timedInputs(program);
  if (!steps || !timed.length) return [{ batch, t0: 0, t1: Infinity }];
  const T = own(batch.feeds, timed[0])?.shape[1];
  if (T === undefined) return [{ batch, t0: 0, t1: Infinity }]; // the runtime names the missing input
  for (const name of timed) {
    const t = own(batch.feeds, name);
    if (t && t.shape[1] !== T) throw new Error(`truncated BPTT: input "${name}" has ${t.shape[1]} steps but "${timed[0]}" has ${T}`);
  }
  if (T <= steps) return [{ batch, t0: 0, t1: T }];
  const chunks: Chunk[] = [];
  for (let t0 = 0; t0 < T; t0 += steps) {
    const t1 = Math.min(T, t0 + steps);
    const feeds = dictFrom(Object.entries(batch.feeds)); // user names as keys
    for (const name of timed) if (feeds[name]) feeds[name] = sliceTime(feeds[name], t0, t1);
    const targets = dictFrom(Object.entries(batch.targets));
    for (const p of plans) {
      const tg = targets[p.spec.output];
      // a target with the wrong length is reported by the loss, on the whole batch's shape
      if (p.perStep && tg && tg.shape.length >= 2 && tg.shape[1] === T) targets[p.spec.output] = sliceTime(tg, t0, t1);
    }
    chunks.push({ batch: { feeds, targets, size: batch.size }, t0, t1 });
  }
  return chunks;
}
