// Tensors as the runtime, the compiler and the file formats see them.
// float32 data lives in Float32Array. Integer tensors (token ids, lengths) are called
// "int64" because that is what ONNX and the feeds format say, but are held in Int32Array:
// ids are range-checked on entry and BigInt64Array arithmetic would be far slower.

export type DType = 'float32' | 'int64';
export type Dim = number | string;
export type Shape = Dim[];

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array;
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
