// Kernels for the IR's non-recurrent ops. Plain loops on Float32Array: they are cheap next to
// the recurrent layers, and written so the reference maths is obvious. Each takes the op's
// inputs (undefined for an absent optional input) and attributes and returns its outputs.
import { floatTensor, intTensor, positionOf, size, type Tensor } from '../tensor';
import { gemm } from './gemm';

export class KernelError extends Error {}

type Attrs = Record<string, unknown>;

const f32 = (t: Tensor) => t.data as Float32Array;

export function gather(data: Tensor, idx: Tensor): Tensor {
  const [N, D] = data.shape;
  const out = floatTensor([...idx.shape, D]);
  const src = f32(data);
  const dst = f32(out);
  for (let i = 0; i < idx.data.length; i++) {
    const id = idx.data[i];
    if (!(id >= 0 && id < N)) throw new KernelError(`token id ${id} at ${positionOf(idx.shape, i)} is out of range: the table has ${N} rows (ids 0..${N - 1})`);
    dst.set(src.subarray(id * D, id * D + D), i * D);
  }
  return out;
}

/** Y = X·Wᵀ + b on the last axis; Wt is W pre-transposed to [K, N] (done once per program). */
export function linear(x: Tensor, Wt: Float32Array, N: number, bias: Tensor | undefined): Tensor {
  const K = x.shape[x.shape.length - 1];
  const M = size(x.shape) / K;
  const out = floatTensor([...x.shape.slice(0, -1), N]);
  gemm(f32(x), 0, M, K, Wt, N, bias ? f32(bias) : null, f32(out), 0);
  return out;
}

function sameShape(a: Tensor, b: Tensor, what: string) {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) throw new KernelError(`${what}: shapes [${a.shape}] and [${b.shape}] differ`);
}

export function map(x: Tensor, fn: 'tanh' | 'sigmoid' | 'relu' | 'hard_sigmoid' | 'scale', alpha = 1): Tensor {
  const out = floatTensor(x.shape);
  const s = f32(x);
  const d = f32(out);
  const n = s.length;
  switch (fn) {
    case 'tanh': for (let i = 0; i < n; i++) d[i] = Math.tanh(s[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) d[i] = 1 / (1 + Math.exp(-s[i])); break;
    case 'relu': for (let i = 0; i < n; i++) d[i] = s[i] > 0 ? s[i] : 0; break;
    case 'hard_sigmoid': for (let i = 0; i < n; i++) { const v = 0.2 * s[i] + 0.5; d[i] = v < 0 ? 0 : v > 1 ? 1 : v; } break;
    case 'scale': for (let i = 0; i < n; i++) d[i] = alpha * s[i]; break;
  }
  return out;
}

export function binary(a: Tensor, b: Tensor, fn: 'add' | 'mul'): Tensor {
  sameShape(a, b, fn);
  const out = floatTensor(a.shape);
  const x = f32(a), y = f32(b), d = f32(out);
  if (fn === 'add') for (let i = 0; i < d.length; i++) d[i] = x[i] + y[i];
  else for (let i = 0; i < d.length; i++) d[i] = x[i] * y[i];
  return out;
}

/** softmax (or log-softmax) over `axis` (default the last): each line along it normalised on its own */
export function softmax(x: Tensor, log: boolean, axis = x.shape.length - 1): Tensor {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const D = x.shape[ax];
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const out = floatTensor(x.shape);
  const s = f32(x), d = f32(out);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const r = o * D * inner + i; // element j of this line sits at r + j * inner
      let m = -Infinity;
      for (let j = 0; j < D; j++) if (s[r + j * inner] > m) m = s[r + j * inner];
      let sum = 0;
      for (let j = 0; j < D; j++) sum += Math.exp(s[r + j * inner] - m);
      if (log) {
        const lse = m + Math.log(sum);
        for (let j = 0; j < D; j++) d[r + j * inner] = s[r + j * inner] - lse;
      } else {
        for (let j = 0; j < D; j++) d[r + j * inner] = Math.exp(s[r + j * inner] - m) / sum;
      }
    }
  }
  return out;
}

function strides(shape: number[], axis: number) {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { outer, inner };
}

export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const { outer, inner } = strides(x.shape, axis);
  const n = x.shape[axis];
  if (start < 0 || end > n || start >= end) throw new KernelError(`slice [${start}, ${end}) of an axis of length ${n}`);
  const shape = [...x.shape];
  shape[axis] = end - start;
  const out = x.dtype === 'float32' ? floatTensor(shape) : intTensor(shape);
  for (let o = 0; o < outer; o++) out.data.set(x.data.subarray((o * n + start) * inner, (o * n + end) * inner), o * (end - start) * inner);
  return out;
}

export function concat(parts: Tensor[], axis: number): Tensor {
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((a, p) => a + p.shape[axis], 0);
  for (const p of parts) {
    if (p.shape.length !== shape.length || p.shape.some((d, i) => i !== axis && d !== shape[i])) throw new KernelError(`concat: shapes [${parts.map((q) => q.shape.join(',')).join('] [')}] do not line up on axis ${axis}`);
  }
  const out = floatTensor(shape);
  const { outer } = strides(shape, axis);
  const innerOf = (p: Tensor) => p.shape.slice(axis).reduce((a, b) => a * b, 1);
  const total = innerOf(out);
  for (let o = 0; o < outer; o++) {
    let off = o * total;
    for (const p of parts) {
      const k = innerOf(p);
      out.data.set(p.data.subarray(o * k, o * k + k), off);
      off += k;
    }
  }
  return out;
}

/** tokens [B,T] -> lengths [B]: padding must sit at the end of a row, and a row must not be empty */
export function seqLengths(tokens: Tensor, pad: number): Tensor {
  const [B, T] = tokens.shape;
  const out = intTensor([B]);
  for (let b = 0; b < B; b++) {
    let len = 0;
    for (let t = 0; t < T; t++) {
      if (tokens.data[b * T + t] !== pad) {
        if (len !== t) throw new KernelError(`row ${b} has <pad> at step ${len} before a real token at step ${t}: padding must be at the end`);
        len = t + 1;
      }
    }
    if (len === 0) throw new KernelError(`row ${b} is empty (only <pad>): give every row at least one token`);
    out.data[b] = len;
  }
  return out;
}

/** fed per-row lengths of a float sequence: each in 1..T */
export function checkLengths(x: Tensor, lengths: Tensor): Tensor {
  const [B, T] = x.shape;
  if (lengths.shape.length !== 1 || lengths.shape[0] !== B) throw new KernelError(`the lengths have shape [${lengths.shape.join(', ')}]; the sequence has ${B} rows, so [${B}] is needed`);
  for (let b = 0; b < B; b++) {
    const L = lengths.data[b];
    if (!(L >= 1 && L <= T)) throw new KernelError(`row ${b} has length ${L}; lengths must lie in 1..${T} (the sequence's steps)`);
  }
  return lengths;
}

function lengthsOr(lengths: Tensor | undefined, B: number, T: number): ArrayLike<number> {
  return lengths ? lengths.data : new Int32Array(B).fill(T);
}

export function lastStep(x: Tensor, lengths: Tensor | undefined): Tensor {
  const [B, T, D] = x.shape;
  const len = lengthsOr(lengths, B, T);
  const out = floatTensor([B, D]);
  for (let b = 0; b < B; b++) {
    const t = len[b] - 1;
    out.data.set(x.data.subarray((b * T + t) * D, (b * T + t + 1) * D), b * D);
  }
  return out;
}

export function seqPool(x: Tensor, lengths: Tensor | undefined, mode: string): Tensor {
  const [B, T, D] = x.shape;
  const len = lengthsOr(lengths, B, T);
  const out = floatTensor([B, D]);
  const s = f32(x), d = f32(out);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < D; j++) {
      let acc = mode === 'max' ? -Infinity : 0;
      for (let t = 0; t < len[b]; t++) {
        const v = s[(b * T + t) * D + j];
        acc = mode === 'max' ? (v > acc ? v : acc) : acc + v;
      }
      d[b * D + j] = mode === 'max' ? acc : acc / len[b];
    }
  }
  return out;
}

export function repeatVector(v: Tensor, n: number): Tensor {
  const [B, D] = v.shape;
  const out = floatTensor([B, n, D]);
  for (let b = 0; b < B; b++) for (let t = 0; t < n; t++) out.data.set(v.data.subarray(b * D, b * D + D), (b * n + t) * D);
  return out;
}

export function maskSteps(x: Tensor, lengths: Tensor): Tensor {
  const [B, T, D] = x.shape;
  const out = floatTensor(x.shape, x.data);
  for (let b = 0; b < B; b++) out.data.fill(0, (b * T + lengths.data[b]) * D, (b + 1) * T * D);
  return out;
}

export function mergeDirections(x: Tensor, mode: string): Tensor {
  const D2 = x.shape[x.shape.length - 1];
  const H = D2 / 2;
  const out = floatTensor([...x.shape.slice(0, -1), H]);
  const s = f32(x), d = f32(out);
  for (let r = 0, o = 0; r < s.length; r += D2, o += H) {
    for (let j = 0; j < H; j++) {
      const a = s[r + j], b = s[r + H + j];
      d[o + j] = mode === 'sum' ? a + b : mode === 'mul' ? a * b : 0.5 * (a + b);
    }
  }
  return out;
}

export function stateToVector(s: Tensor): Tensor {
  const [D, B, H] = s.shape;
  const out = floatTensor([B, D * H]);
  for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) out.data.set(s.data.subarray((d * B + b) * H, (d * B + b + 1) * H), b * D * H + d * H);
  return out;
}

const IDENTITY: Record<string, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/** Y_t = Y_{t-1} op X_t over the valid steps of each row; steps past a row's length carry its last value */
export function cumulative(x: Tensor, initial: Tensor | undefined, lengths: Tensor | undefined, op: string): [Tensor, Tensor] {
  const [B, T, D] = x.shape;
  if (!(op in IDENTITY)) throw new KernelError(`Cumulative: unknown op ${op} (sum, prod, max, min)`);
  const len = lengthsOr(lengths, B, T);
  const y = floatTensor(x.shape), last = floatTensor([B, D]);
  const s = f32(x), d = f32(y), l = f32(last);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < D; j++) {
      let acc = initial ? initial.data[b * D + j] : IDENTITY[op];
      for (let t = 0; t < T; t++) {
        if (t < len[b]) {
          const v = s[(b * T + t) * D + j];
          acc = op === 'sum' ? acc + v : op === 'prod' ? acc * v : op === 'max' ? (v > acc ? v : acc) : v < acc ? v : acc;
        }
        d[(b * T + t) * D + j] = acc;
      }
      l[b * D + j] = acc;
    }
  }
  return [y, last];
}

export type { Attrs };
