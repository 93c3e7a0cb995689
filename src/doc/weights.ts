// Weights in a graph file: numbers, or base64 of little-endian float32 (a third of the size).
import type { WeightJSON } from './schema';

function base64ToBytes(b64: string): Uint8Array | null {
  try {
    if (typeof atob === 'function') {
      const bin = atob(b64);
      const out = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    }
  } catch {
    return null;
  }
  return null;
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  const CH = 0x8000;
  for (let i = 0; i < bytes.length; i += CH) bin += String.fromCharCode(...bytes.subarray(i, i + CH));
  return btoa(bin);
}

/** The weight's values, or a message saying what is wrong with them. */
export function decodeWeightData(w: WeightJSON): Float32Array | string {
  const n = w.shape.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  if (typeof w.data === 'string') {
    const bytes = base64ToBytes(w.data);
    if (!bytes) return 'data is not valid base64';
    if (bytes.length % 4 !== 0) return `data has ${bytes.length} bytes, not a whole number of float32 values`;
    data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  } else {
    data = Float32Array.from(w.data);
  }
  if (data.length !== n) return `has ${data.length} values but its shape [${w.shape.join(', ')}] needs ${n}`;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return `value ${i} is ${data[i]} (weights must be finite)`;
  return data;
}

export function encodeWeight(shape: number[], data: Float32Array): WeightJSON {
  const copy = new Float32Array(data); // own buffer, little-endian on every platform we run on
  return { shape: [...shape], data: bytesToBase64(new Uint8Array(copy.buffer)) };
}
