// safetensors files, both ways: 8 bytes (little-endian u64) giving the length N of a JSON header
// { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, "__metadata__": {...} },
// then the tensors' little-endian bytes, offsets counted from the end of the header. The header
// length, every shape and every offset are checked against the file before anything is read.
import { checkSize, floatReader, mib, numel, WEIGHT_LIMITS, WeightsError, type NamedTensor } from './tensors';

const DTYPES: Record<string, { name: string; bytes: number }> = {
  F32: { name: 'float32', bytes: 4 }, F64: { name: 'float64', bytes: 8 }, F16: { name: 'float16', bytes: 2 }, BF16: { name: 'bfloat16', bytes: 2 },
  I64: { name: 'int64', bytes: 8 }, I32: { name: 'int32', bytes: 4 }, I16: { name: 'int16', bytes: 2 }, I8: { name: 'int8', bytes: 1 },
  U8: { name: 'uint8', bytes: 1 }, BOOL: { name: 'bool', bytes: 1 },
};

export function readSafetensors(bytes: Uint8Array, file: string): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new WeightsError(`${file}: too short to be a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(WEIGHT_LIMITS.headerBytes)) throw new WeightsError(`${file}: declares a ${n}-byte header; seqgraph reads headers up to ${mib(WEIGHT_LIMITS.headerBytes)}`);
  const N = Number(n);
  if (8 + N > bytes.length) throw new WeightsError(`${file}: the header (${N} bytes) runs past the end of the file (${bytes.length} bytes): truncated, or not safetensors`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + N)));
  } catch (e) {
    throw new WeightsError(`${file}: the header is not valid JSON (${(e as Error).message}): not a safetensors file`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new WeightsError(`${file}: the header is not a JSON object`);
  const data = bytes.subarray(8 + N);
  const tensors: NamedTensor[] = [];
  let metadata: Record<string, string> = {};
  let total = 0;
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dt = typeof e?.dtype === 'string' ? DTYPES[e.dtype] : undefined;
    if (!dt) throw new WeightsError(`${file}: tensor '${name}' has dtype ${JSON.stringify(e?.dtype)}, which seqgraph does not read`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new WeightsError(`${file}: tensor '${name}' has an invalid shape`);
    total += checkSize(file, name, shape, dt.name);
    if (total > WEIGHT_LIMITS.totalBytes) throw new WeightsError(`${file}: the tensors pass ${mib(WEIGHT_LIMITS.totalBytes)} in all, the most seqgraph loads`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[0] > off[1]) throw new WeightsError(`${file}: tensor '${name}' has invalid data_offsets`);
    const [b, end] = off as number[];
    if (end > data.length) throw new WeightsError(`${file}: tensor '${name}' lies past the end of the file (bytes ${b}..${end} of ${data.length}): truncated`);
    if (end - b !== numel(shape) * dt.bytes) throw new WeightsError(`${file}: tensor '${name}' has ${end - b} bytes; [${shape.join(', ')}] ${dt.name} needs ${numel(shape) * dt.bytes}`);
    const read = floatReader(dt.name, data.subarray(b, end));
    tensors.push({ name, dtype: dt.name, shape: [...shape], data: read ? Float32Array.from({ length: numel(shape) }, (_, i) => read(i)) : null });
  }
  return { tensors, metadata };
}

/** float32 tensors -> a safetensors file (names sorted, header padded to 8 bytes as the reference writer does) */
export function writeSafetensors(tensors: { name: string; shape: number[]; data: Float32Array }[], metadata?: Record<string, string>): Uint8Array {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of sorted) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let text = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (text.length % 8)) % 8;
  if (pad) text = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + text.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const t of sorted) {
    for (let i = 0; i < t.data.length; i++) view.setFloat32(at + i * 4, t.data[i], true);
    at += t.data.length * 4;
  }
  return out;
}
