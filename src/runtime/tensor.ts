// Tensors as the runtime, the compiler and the file formats see them.
// float32 data lives in Float32Array. Integer tensors (token ids, lengths) are called
// "int64" because that is what ONNX and the feeds format say, but are held in Int32Array:
// ids are range-checked on entry and BigInt64Array arithmetic would be far slower.
//
//
// Float64: the finite-difference gradient check (tests/helpers/gradcheck.ts) runs the TS
// reference kernels in double precision by putting Float64Arrays where float32 tensors keep their
// data (float64Tensor() below; the declared type stays Float32Array so that code outside the
// kernels, which never meets one, is not burdened with a third case). Kernels read float data as
// FArr and allocate their results like their inputs (allocLike), so a program whose weights and
// feeds are Float64Array runs in float64 end to end. Ordinary runs never see a Float64Array, so
// the float32 path's typed-array accesses stay monomorphic (what V8 optimises best).

export type DType = 'float32' | 'int64';
export type Dim = number | string;
export type Shape = Dim[];

/** float storage: Float32Array, or Float64Array in the float64 gradient check */
export type FArr = Float32Array | Float64Array;

export interface Tensor {
  dtype: DType;
  shape: number[];
  /** float32: a Float32Array (a Float64Array only inside the float64 gradient check; see above) */
  data: Float32Array | Int32Array;
}

/** a zeroed float array of n values with the precision of `like` (Float32Array unless `like` is a Float64Array) */
export function allocLike(like: ArrayLike<number> | undefined, n: number): FArr {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** a tensor's float data with its true type */
export const fdata = (t: Tensor): FArr => t.data as FArr;

/** a float tensor over `data` (a Float64Array in the float64 gradient check) */
export function floatOf(shape: number[], data: FArr): Tensor {
  return { dtype: 'float32', shape: [...shape], data: data as Float32Array };
}

/** a zeroed float tensor with the precision of `like` */
export function floatLike(like: Tensor | FArr | undefined, shape: number[]): Tensor {
  const arr = like !== undefined && 'data' in like ? like.data : like;
  return floatOf(shape, allocLike(arr, size(shape)));
}

/** a float64 copy of a float tensor (for the gradient check) */
export function float64Tensor(t: Tensor): Tensor {
  return t.dtype === 'float32' ? floatOf(t.shape, Float64Array.from(t.data)) : t;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function floatTensor(shape: number[], data?: ArrayLike<number>): Tensor {
  const n = size(shape);
  const buf = new Float32Array(n);
  if (data) {
    if (data.length !== n) throw new Error(`tensor data has ${data.length} values, shape [${shape.join(', ')}] needs ${n}`);
    buf.set(data);
  }
  return { dtype: 'float32', shape: [...shape], data: buf };
}

export function intTensor(shape: number[], data?: ArrayLike<number>): Tensor {
  const n = size(shape);
  const buf = new Int32Array(n);
  if (data) {
    if (data.length !== n) throw new Error(`tensor data has ${data.length} values, shape [${shape.join(', ')}] needs ${n}`);
    // Int32Array.set would wrap 4294967300 to 4 without a word
    for (let i = 0; i < n; i++) if (data[i] !== (data[i] | 0)) throw new RangeError(`int64 value ${data[i]} at ${positionOf(shape, i)} does not fit in the 32-bit integers seqgraph holds ids in`);
    buf.set(data);
  }
  return { dtype: 'int64', shape: [...shape], data: buf };
}

export function shapeStr(shape: readonly Dim[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Index of the first NaN or ±Inf in `d`, or -1. Every result of every op goes through this, so
 * it is written for speed: x * 0 is 0 for every finite x and NaN otherwise, and four independent
 * sums of those keep the loop free of branches and of one long add chain (about 2.5x faster than
 * a test per element in V8); only a sum that is not 0 pays for the search.
 */
export function firstNonFinite(d: ArrayLike<number>): number {
  const n = d.length, n4 = n - (n & 3);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = 0;
  for (; j < n4; j += 4) {
    s0 += d[j] * 0;
    s1 += d[j + 1] * 0;
    s2 += d[j + 2] * 0;
    s3 += d[j + 3] * 0;
  }
  for (; j < n; j++) s0 += d[j] * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (j = 0; j < n; j++) if (!Number.isFinite(d[j])) return j;
  return -1;
}

/** Row-major index -> "[b, t, d]" for error messages. */
export function positionOf(shape: readonly number[], flat: number): string {
  const idx: number[] = [];
  let rest = flat;
  for (let i = shape.length - 1; i >= 0; i--) {
    idx.unshift(rest % shape[i]);
    rest = Math.floor(rest / shape[i]);
  }
  return `[${idx.join(', ')}]`;
}

/** JSON form used by feeds, outputs, fixtures and graph weights. */
export interface TensorJSON {
  dtype?: DType;
  shape: number[];
  data: number[];
}

export function toJSON(t: Tensor): TensorJSON {
  return { dtype: t.dtype, shape: [...t.shape], data: Array.from(t.data) };
}

export function fromJSON(j: TensorJSON): Tensor {
  return j.dtype === 'int64' ? intTensor(j.shape, j.data) : floatTensor(j.shape, j.data);
}
