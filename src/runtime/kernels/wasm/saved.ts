// What a training forward on the SIMD kernels keeps for backward: every step's activations, in
// wasm memory, in a per-layer arena that every training step reuses.
//
// Why it is laid out this way:
// - Rows in "packed" order, as PyTorch's PackedSequence orders them: processing step s, then
//   sorted row r (longest first), at row q = off[s] + r, where off[s] counts the rows that ran
//   before step s. The rows of one step are then contiguous in every saved array, so backward
//   runs one kernel call and one gemm per step over all running rows, and the weight gradients
//   are single products over all P = Σ lengths rows (padded steps take no room and no flops).
// - One arena per prepared layer (per program op), grown to the largest batch seen and reused:
//   a training loop writes the same wasm block step after step, so wasm memory does not grow,
//   and nothing is copied out to JS arrays and back.
// - A newer training forward of the same program overwrites the arena. If the earlier tape's
//   backward has not run yet, its activations are first copied out to JS arrays (its backward
//   then runs on the TS reference, exactly); once backward has run, they are simply dropped, and
//   a second backward of that tape says so (see recurrent-op.ts).
import type { FArr } from '../../tensor';
import type { LayerResult, LayerTrace, PreparedLayer } from '../recurrent';
import type { SimdRuntime } from './runtime';

/** the packed row order of one batch: off[s] = rows run before step s, P = all rows */
export interface PackedRows {
  P: number;
  off: Int32Array;
  /** copies of the forward's sorted order and lengths (the workspace's arrays are reused) */
  perm: Int32Array;
  len: Int32Array;
}

export interface Arena {
  ptr: number;
  bytes: number;
  /** bumped by every forward that writes the arena: saved activations of another gen are gone */
  gen: number;
  owner: SimdSaved | null;
}

export interface SimdSaved extends PackedRows {
  arena: Arena;
  gen: number;
  B: number;
  T: number;
  /** arrays per direction, and bytes between two of them */
  S: number;
  trs: number;
  h0?: FArr;
  c0?: FArr;
  /** the forward's result: where the activations go if the arena is claimed before backward ran */
  result: LayerResult;
  /** backward has run on these activations */
  consumed: boolean;
}

/** the part of a SIMD layer this module needs (recurrent-simd.ts owns the rest) */
export interface ArenaOwner {
  Hp: number;
  /** every wasm block the layer owns (freed with it) */
  ptrs: number[];
  arena?: Arena;
}

export function packedRows(B: number, T: number, perm: Int32Array, len: Int32Array): PackedRows {
  const off = new Int32Array(T + 1);
  let nA = B;
  for (let s = 0; s < T; s++) {
    while (nA > 0 && len[perm[nA - 1]] <= s) nA--;
    off[s + 1] = off[s] + nA;
  }
  return { P: off[T], off, perm: perm.slice(0, B), len: len.slice(0, B) };
}

export const TRACE_NAMES: Record<string, string[]> = { LSTM: ['i', 'f', 'g', 'o', 'c', 'h'], GRU: ['r', 'z', 'n', 'h'], RNN: ['a', 'h'], MGU: ['f', 'n', 'h'] };

/** true while `s` still holds its activations */
export const isLive = (s: SimdSaved): boolean => s.gen === s.arena.gen;

/**
 * The layer's arena, at least `bytes` big, for a new training forward: an earlier tape that still
 * needs its activations gets them copied out first.
 */
export function claimArena(rt: SimdRuntime, sl: ArenaOwner, layer: PreparedLayer, bytes: number): Arena {
  const ar = (sl.arena ??= { ptr: 0, bytes: 0, gen: 0, owner: null });
  const o = ar.owner;
  if (o !== null && isLive(o) && !o.consumed && o.result.trace === undefined) o.result.trace = traceFromArena(rt.f32(), layer, sl.Hp, o);
  ar.gen++;
  ar.owner = null;
  if (ar.bytes < bytes) {
    if (ar.ptr !== 0) {
      rt.free(ar.ptr);
      sl.ptrs.splice(sl.ptrs.indexOf(ar.ptr), 1);
      ar.ptr = 0;
      ar.bytes = 0;
    }
    ar.ptr = rt.alloc(bytes);
    ar.bytes = bytes;
    sl.ptrs.push(ar.ptr);
  }
  return ar;
}

/** the saved activations as the forward Trace lays them out ([B, T, H] per array, 0 past a row's length) */
export function traceFromArena(f: Float32Array, layer: PreparedLayer, Hp: number, s: SimdSaved): LayerTrace[] {
  const { spec, D, H } = layer;
  const { B, T, off, perm, len, S, trs } = s;
  const names = TRACE_NAMES[spec.cell], isLSTM = spec.cell === 'LSTM', BTH = B * T * H;
  const all = new Float32Array(D * names.length * BTH);
  const out: LayerTrace[] = [];
  for (let d = 0; d < D; d++) {
    // the second direction, or a reverse-only layer (ONNX direction=reverse), ran right to left
    const reverse = d === 1 || (D === 1 && spec.reverse === true);
    const arr = (n: number): Float32Array => {
      const dst = all.subarray((d * names.length + n) * BTH, (d * names.length + n + 1) * BTH);
      const base = (s.arena.ptr + (d * S + n) * trs) >> 2;
      for (let st = 0; st < T; st++) {
        for (let q = off[st], r = 0; q < off[st + 1]; q++, r++) {
          const b = perm[r], t = reverse ? len[b] - 1 - st : st;
          dst.set(f.subarray(base + q * Hp, base + q * Hp + H), (b * T + t) * H);
        }
      }
      return dst;
    };
    const t: LayerTrace = { h: arr(names.length - 1), gates: {} };
    if (isLSTM) t.c = arr(4);
    for (let n = 0; n < (isLSTM ? 4 : names.length - 1); n++) t.gates[names[n]] = arr(n);
    out.push(t);
  }
  return out;
}
