// Small N-d arrays for the importer: the constants an ONNX graph computes with (initializers,
// Constant nodes, the shape arithmetic exporters write) are folded here, and the same transposes
// and reshapes adapt an ONNX model's inputs and outputs to seqgraph's batch-first layout.
//
// floats are float32 (as ONNX computes them: every result is rounded to float32), integers are
// JS numbers (int64 values beyond ±2^53 only ever appear as "to the end" sentinels in Slice, where
// the rounding does not matter), bools are 0/1.
export type ArrDType = 'float' | 'int' | 'bool';

export interface Arr {
  dtype: ArrDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function arr(dtype: ArrDType, shape: number[], data?: ArrayLike<number>): Arr {
  const n = numel(shape);
  const buf = dtype === 'float' ? new Float32Array(n) : new Float64Array(n);
  if (data) {
    if (data.length !== n) throw new Error(`${data.length} values for shape [${shape.join(', ')}]`);
    buf.set(data);
  }
  return { dtype, shape: [...shape], data: buf };
}

export const scalar = (dtype: ArrDType, v: number): Arr => arr(dtype, [], [v]);

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let k = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = k;
    k *= shape[i];
  }
  return s;
}

/** out[i_0..i_n] = x[i_perm^-1 ...]: ONNX Transpose (out axis j is input axis perm[j]) */
export function transpose(x: Arr, perm: number[]): Arr {
  const r = x.shape.length;
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw new Error(`perm [${perm.join(', ')}] is not a permutation of ${r} axes`);
  const outShape = perm.map((p) => x.shape[p]);
  const out = arr(x.dtype, outShape);
  const inStr = stridesOf(x.shape);
  const srcStr = perm.map((p) => inStr[p]);
  const n = out.data.length;
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let i = 0; i < n; i++) {
    out.data[i] = x.data[src];
    for (let a = r - 1; a >= 0; a--) {
      idx[a]++;
      src += srcStr[a];
      if (idx[a] < outShape[a]) break;
      src -= srcStr[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return out;
}

export function reshape(x: Arr, shape: number[]): Arr {
  if (numel(shape) !== x.data.length) throw new Error(`cannot reshape [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
  return { dtype: x.dtype, shape: [...shape], data: x.data };
}

/** broadcast shapes (numpy rules) */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** x's values laid out over `shape` (numpy broadcasting), as a flat index map */
function broadcastIndex(from: readonly number[], to: readonly number[]): (i: number) => number {
  const r = to.length;
  const fs = stridesOf(from);
  const strides = to.map((d, k) => {
    const j = k - (r - from.length);
    return j < 0 || from[j] === 1 ? 0 : fs[j];
  });
  const ts = stridesOf(to);
  return (i) => {
    let src = 0;
    for (let k = 0; k < r; k++) src += Math.floor(i / ts[k]) % to[k] * strides[k];
    return src;
  };
}

export function expand(x: Arr, shape: number[]): Arr {
  const to = broadcastShape(x.shape, shape);
  const out = arr(x.dtype, to);
  const at = broadcastIndex(x.shape, to);
  for (let i = 0; i < out.data.length; i++) out.data[i] = x.data[at(i)];
  return out;
}

export function binary(a: Arr, b: Arr, fn: (x: number, y: number) => number, dtype: ArrDType = a.dtype): Arr {
  const shape = broadcastShape(a.shape, b.shape);
  const out = arr(dtype, shape);
  const ia = broadcastIndex(a.shape, shape), ib = broadcastIndex(b.shape, shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = fn(a.data[ia(i)], b.data[ib(i)]);
  return out;
}

export function unary(a: Arr, fn: (x: number) => number, dtype: ArrDType = a.dtype): Arr {
  const out = arr(dtype, a.shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = fn(a.data[i]);
  return out;
}

export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) throw new Error(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

export function concat(parts: Arr[], axis: number): Arr {
  const r = parts[0].shape.length;
  const ax = normAxis(axis, r);
  const shape = [...parts[0].shape];
  shape[ax] = 0;
  for (const p of parts) {
    if (p.shape.length !== r || p.shape.some((d, i) => i !== ax && d !== parts[0].shape[i])) throw new Error(`Concat: shapes do not line up on axis ${axis}`);
    shape[ax] += p.shape[ax];
  }
  const dtype = parts.some((p) => p.dtype === 'float') ? 'float' : parts[0].dtype;
  const out = arr(dtype, shape);
  const outer = numel(shape.slice(0, ax));
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const k = numel(p.shape.slice(ax));
      out.data.set(p.data.subarray(o * k, o * k + k), off);
      off += k;
    }
  }
  return out;
}

/** ONNX Slice on one axis with a step (ends clamped as ONNX clamps them) */
export function sliceAxis(x: Arr, axis: number, start: number, end: number, step = 1): Arr {
  const ax = normAxis(axis, x.shape.length);
  const n = x.shape[ax];
  const idx = sliceIndices(n, start, end, step);
  return takeAxis(x, ax, idx);
}

/** the indices ONNX Slice picks from an axis of length n */
export function sliceIndices(n: number, start: number, end: number, step: number): number[] {
  if (step === 0) throw new Error('Slice: step 0');
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  const out: number[] = [];
  if (step > 0) {
    s = clamp(s, 0, n);
    e = clamp(e, 0, n);
    for (let i = s; i < e; i += step) out.push(i);
  } else {
    s = clamp(s, -1, n - 1);
    e = clamp(e, -1, n - 1);
    for (let i = s; i > e; i += step) out.push(i);
  }
  return out;
}

/** picks `idx` along axis (Gather with a 1-D index list) */
export function takeAxis(x: Arr, axis: number, idx: number[]): Arr {
  const ax = normAxis(axis, x.shape.length);
  const n = x.shape[ax];
  const shape = [...x.shape];
  shape[ax] = idx.length;
  const out = arr(x.dtype, shape);
  const outer = numel(x.shape.slice(0, ax));
  const inner = numel(x.shape.slice(ax + 1));
  for (let o = 0; o < outer; o++) {
    idx.forEach((i0, j) => {
      const i = i0 < 0 ? i0 + n : i0;
      if (!(i >= 0 && i < n)) throw new Error(`index ${i0} is out of range for an axis of length ${n}`);
      out.data.set(x.data.subarray((o * n + i) * inner, (o * n + i + 1) * inner), (o * idx.length + j) * inner);
    });
  }
  return out;
}

/** ONNX Gather: indices of any shape replace the axis */
export function gather(x: Arr, indices: Arr, axis: number): Arr {
  const ax = normAxis(axis, x.shape.length);
  const taken = takeAxis(x, ax, Array.from(indices.data));
  return reshape(taken, [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)]);
}

export function reduce(x: Arr, axes: number[] | null, keepdims: boolean, fn: 'sum' | 'mean' | 'max' | 'min' | 'prod'): Arr {
  const r = x.shape.length;
  const ax = new Set((axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, r)));
  const outShape = x.shape.map((d, i) => (ax.has(i) ? 1 : d));
  const out = arr(x.dtype === 'bool' ? 'int' : x.dtype, outShape);
  const init = fn === 'max' ? -Infinity : fn === 'min' ? Infinity : fn === 'prod' ? 1 : 0;
  out.data.fill(init);
  const counts = numel(x.shape) / Math.max(1, numel(outShape));
  const at = stridesOf(outShape);
  const xs = stridesOf(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let k = 0; k < r; k++) if (!ax.has(k)) o += (Math.floor(i / xs[k]) % x.shape[k]) * at[k];
    const v = x.data[i];
    const c = out.data[o];
    out.data[o] = fn === 'max' ? Math.max(c, v) : fn === 'min' ? Math.min(c, v) : fn === 'prod' ? c * v : c + v;
  }
  if (fn === 'mean') for (let i = 0; i < out.data.length; i++) out.data[i] /= counts;
  return keepdims ? out : reshape(out, x.shape.filter((_, i) => !ax.has(i)));
}

/** A · B for 2-D matrices (small constant folds only) */
export function matmul(a: Arr, b: Arr): Arr {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) throw new Error(`MatMul of [${a.shape}] and [${b.shape}]`);
  const [M, K] = a.shape;
  const N = b.shape[1];
  const out = arr('float', [M, N]);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += a.data[i * K + k] * b.data[k * N + j];
    out.data[i * N + j] = s;
  }
  return out;
}

export const ints = (x: Arr): number[] => Array.from(x.data);

export function isAll(x: Arr, v: number): boolean {
  for (let i = 0; i < x.data.length; i++) if (x.data[i] !== v) return false;
  return true;
}
