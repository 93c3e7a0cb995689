// Named tensors read from a weights file (a PyTorch state_dict or safetensors), and the bounds
// every reader keeps to, so a hostile file is an error before anything large is allocated.

export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

export const WEIGHT_LIMITS = {
  /** one tensor */
  tensorBytes: 256 * 1024 * 1024,
  /** every tensor of a file together (and every member of a zip, inflated) */
  totalBytes: 1024 * 1024 * 1024,
  /** a zip member may inflate to at most this many times its compressed size */
  zipRatio: 200,
  /** the JSON header of a safetensors file */
  headerBytes: 64 * 1024 * 1024,
};

export const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 0)} MiB`;

export interface NamedTensor {
  name: string;
  /** as the file stores it: float32, float64, float16, bfloat16, int64, ... */
  dtype: string;
  shape: number[];
  /** the values as float32 for floating-point tensors; null for integer and bool tensors (not weights) */
  data: Float32Array | null;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** IEEE half -> number */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const bf16 = new Float32Array(1);
const bf16u = new Uint32Array(bf16.buffer);
export function bfloat16ToFloat(h: number): number {
  bf16u[0] = h << 16;
  return bf16[0];
}

/** little-endian element `i` of a float dtype, or null for an integer dtype */
export function floatReader(dtype: string, bytes: Uint8Array): ((i: number) => number) | null {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32': return (i) => v.getFloat32(i * 4, true);
    case 'float64': return (i) => v.getFloat64(i * 8, true);
    case 'float16': return (i) => halfToFloat(v.getUint16(i * 2, true));
    case 'bfloat16': return (i) => bfloat16ToFloat(v.getUint16(i * 2, true));
    default: return null;
  }
}

export const ITEM_BYTES: Record<string, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/** refuse a tensor bigger than the limit, saying which and how big */
export function checkSize(file: string, name: string, shape: number[], dtype: string): number {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new WeightsError(`${file}: tensor '${name}' has an invalid shape [${shape.join(', ')}]`);
  const bytes = numel(shape) * (ITEM_BYTES[dtype] ?? 8);
  if (bytes > WEIGHT_LIMITS.tensorBytes) throw new WeightsError(`${file}: tensor '${name}' declares [${shape.join(', ')}] ${dtype} = ${mib(bytes)}; seqgraph loads tensors up to ${mib(WEIGHT_LIMITS.tensorBytes)} each`);
  return bytes;
}
