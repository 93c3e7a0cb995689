// Reading an ONNX file for import, defensively: the bytes must be an ONNX ModelProto (other
// formats are named: a zip / PyTorch file, JSON, HDF5, safetensors), a truncated file says so,
// tensors are bounded in size before anything is allocated (a declared 2 GB tensor is an error
// that states the limit), and external data is read only from files the caller hands over, at
// locations that stay inside the model's folder.
import { decodeModel, dataTypeName, type ModelProto, type TensorProto } from './proto';
import { arr, numel, type Arr } from './import-array';

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** Bounds on what an import may allocate. */
export const LIMITS = {
  /** one tensor (initializer, Constant or external data) */
  tensorBytes: 256 * 1024 * 1024,
  /** all tensors of a model together */
  totalBytes: 1024 * 1024 * 1024,
};

export const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 0)} MiB`;

function startsWith(bytes: Uint8Array, sig: number[]): boolean {
  return sig.every((b, i) => bytes[i] === b);
}

/** What else the bytes might be, when they are not ONNX. */
function sniff(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'the file is empty';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'it is a zip archive (a PyTorch .pt/.pth file? load those with `seqgraph weights load`)';
  if (startsWith(bytes, [0x89, 0x48, 0x44, 0x46])) return 'it is an HDF5 file (a Keras .h5 model? convert it to ONNX first, e.g. with tf2onnx)';
  if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] <= 5) return 'it is a Python pickle (an old-style PyTorch file? load weights with `seqgraph weights load`)';
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b) return 'it is a JSON file (a seqgraph graph? open it as a graph)';
  if (bytes.length >= 10 && bytes[8] === 0x7b && bytes[9] === 0x22) return 'it is a safetensors file (load it with `seqgraph weights load`)';
  return null;
}

/** bytes -> ModelProto, or an ImportError saying what the file is instead */
export function decodeOnnx(bytes: Uint8Array, file: string): ModelProto {
  const other = sniff(bytes);
  if (other) throw new ImportError(`${file}: not an ONNX model: ${other}`);
  let m: ModelProto;
  try {
    m = decodeModel(bytes);
  } catch (e) {
    const why = (e as Error).message;
    const truncated = /index out of range|premature|truncat/i.test(why);
    throw new ImportError(`${file}: ${truncated ? 'the file is truncated or corrupt' : 'not an ONNX model'} (protobuf: ${why})`);
  }
  if (!m.graph || !m.ir_version || !(m.opset_import?.length || m.ir_version < 3)) {
    throw new ImportError(`${file}: not an ONNX model (no ${!m.graph ? 'graph' : !m.ir_version ? 'ir_version' : 'opset_import'}; the bytes decode as protobuf but not as a model)`);
  }
  if (!m.graph.output?.length) throw new ImportError(`${file}: the model's graph has no outputs`);
  return m;
}

/** Why an external-data location is refused, or null when it is a plain relative path inside the folder. */
export function badLocation(loc: string): string | null {
  if (loc === '') return 'it is empty';
  if (loc.includes('\0')) return 'it contains a NUL character';
  if (loc.includes('\\')) return 'it contains a backslash (locations use forward slashes)';
  if (loc.startsWith('/') || /^[A-Za-z]:/.test(loc)) return 'it is an absolute path';
  if (loc.split('/').some((s) => s === '..')) return 'it leaves the model\'s folder (..)';
  return null;
}

/** An external-data file: its size, and a way to read a range of it (the CLI reads only that range). */
export interface ExternalFile {
  size: number;
  read(offset: number, length: number): Uint8Array;
}
/** Hands over an external-data file named by a (checked) relative location, or undefined when there is none. */
export type ExternalFiles = (location: string) => ExternalFile | undefined;

/** external files held in memory (the editor's dropped files), found by their name */
export function externalFromBytes(files: Record<string, Uint8Array>): ExternalFiles {
  return (loc) => {
    const base = loc.split('/').pop()!;
    const bytes = files[loc] ?? files[base];
    return bytes && { size: bytes.byteLength, read: (o, n) => bytes.subarray(o, o + n) };
  };
}

export interface TensorReader {
  read(tp: TensorProto, what: string): Arr;
  /** total bytes read so far */
  total: number;
}

const WIDTH: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function tensorReader(file: string, external?: ExternalFiles): TensorReader {
  const r: TensorReader = {
    total: 0,
    read(tp, what) {
      const name = tp.name ? `'${tp.name}'` : '(unnamed)';
      const label = `${file}: ${what} ${name}`;
      const dims = (tp.dims ?? []).map(Number);
      if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new ImportError(`${label} has invalid dims [${dims.join(', ')}]`);
      const dt = tp.data_type ?? 0;
      const width = WIDTH[dt];
      if (width === undefined) throw new ImportError(`${label} has data type ${dataTypeName(dt)}, which seqgraph does not read (float, double, float16, bfloat16 and integer types only)`);
      const n = numel(dims);
      const bytes = n * width;
      if (bytes > LIMITS.tensorBytes) throw new ImportError(`${label} declares [${dims.join(', ')}] ${dataTypeName(dt)} = ${mib(bytes)}; seqgraph reads tensors up to ${mib(LIMITS.tensorBytes)} each`);
      if (r.total + bytes > LIMITS.totalBytes) throw new ImportError(`${label}: the model's tensors pass ${mib(LIMITS.totalBytes)} in all, the most seqgraph imports`);
      r.total += bytes;
      let raw = tp.raw_data && tp.raw_data.length ? tp.raw_data : undefined;
      if (tp.data_location === 1) raw = externalBytes(tp, label, bytes, external);
      if (raw && raw.byteLength !== bytes) throw new ImportError(`${label}: has ${raw.byteLength} bytes of data, dims [${dims.join(', ')}] ${dataTypeName(dt)} need ${bytes}`);
      const isFloat = dt === 1 || dt === 10 || dt === 11 || dt === 16;
      const out = arr(isFloat ? 'float' : dt === 9 ? 'bool' : 'int', dims);
      if (raw) {
        const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        for (let i = 0; i < n; i++) {
          const o = i * width;
          out.data[i] =
            dt === 1 ? v.getFloat32(o, true) : dt === 11 ? v.getFloat64(o, true) : dt === 10 ? f16(v.getUint16(o, true))
            : dt === 16 ? new Float32Array(new Uint32Array([v.getUint16(o, true) << 16]).buffer)[0]
            : dt === 7 ? Number(v.getBigInt64(o, true)) : dt === 13 ? Number(v.getBigUint64(o, true))
            : dt === 6 ? v.getInt32(o, true) : dt === 12 ? v.getUint32(o, true) : dt === 5 ? v.getInt16(o, true) : dt === 4 ? v.getUint16(o, true)
            : dt === 3 ? v.getInt8(o) : v.getUint8(o);
        }
        return out;
      }
      const field: ArrayLike<number> | undefined =
        dt === 1 ? tp.float_data : dt === 11 ? tp.double_data : dt === 7 ? tp.int64_data : dt === 13 || dt === 12 ? tp.uint64_data : tp.int32_data;
      const vals = field ?? [];
      if (vals.length !== n) throw new ImportError(`${label}: has ${vals.length} values, dims [${dims.join(', ')}] need ${n}`);
      if (dt === 10) for (let i = 0; i < n; i++) out.data[i] = f16(vals[i]);
      else if (dt === 16) for (let i = 0; i < n; i++) out.data[i] = new Float32Array(new Uint32Array([vals[i] << 16]).buffer)[0];
      else out.data.set(Array.from(vals, Number));
      return out;
    },
  };
  return r;
}

function externalBytes(tp: TensorProto, label: string, bytes: number, external: ExternalFiles | undefined): Uint8Array {
  const kv = new Map((tp.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const loc = kv.get('location');
  if (loc === undefined) throw new ImportError(`${label}: its data is external but names no location`);
  const bad = badLocation(loc);
  if (bad) throw new ImportError(`${label}: external data location '${loc}' is refused: ${bad}`);
  const data = external?.(loc);
  if (!data) throw new ImportError(`${label}: its data is in the external file '${loc}', which was not given (put it beside the model; in the editor, drop or pick it together with the .onnx file)`);
  const offset = Number(kv.get('offset') ?? 0);
  const length = kv.has('length') ? Number(kv.get('length')) : bytes;
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(length) || length < 0) throw new ImportError(`${label}: external data offset ${kv.get('offset')} / length ${kv.get('length')} are not valid`);
  if (length !== bytes) throw new ImportError(`${label}: external data length ${length} does not match its dims (${bytes} bytes)`);
  if (offset + length > data.size) throw new ImportError(`${label}: external data [${offset}, ${offset + length}) lies past the end of '${loc}' (${data.size} bytes): the file is truncated or not this model's`);
  return data.read(offset, length);
}
