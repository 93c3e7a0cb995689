// PyTorch .pt / .pth files written by torch.save (PyTorch ≥ 1.6): a zip archive holding
// <name>/data.pkl (the pickled object: for a state_dict, an OrderedDict of tensors) and
// <name>/data/<key> (each storage's raw little-endian bytes). The pickle is read by pickle.ts,
// which runs nothing; tensors are views (offset, size, stride) of those storages.
import { PDict, unpickle, STORAGE_DTYPES, PGlobal, PTuple, type PV, type StorageRef, type TensorRef } from './pickle';
import { readZip } from './zip';
import { checkSize, floatReader, ITEM_BYTES, numel, WeightsError, type NamedTensor } from './tensors';

const isTensor = (v: PV): v is TensorRef => typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';

/** the tensors of a torch.save file, by their state_dict names */
export function readTorch(bytes: Uint8Array, file: string): { tensors: NamedTensor[]; notes: string[] } {
  if (bytes[0] === 0x80) throw new WeightsError(`${file}: this is PyTorch's legacy (pre-1.6) format; load and save it again with torch.save in a recent PyTorch`);
  const zip = readZip(bytes, file);
  const pkl = [...zip.keys()].find((k) => /(^|\/)data\.pkl$/.test(k));
  if (!pkl) throw new WeightsError(`${file}: a zip archive without data.pkl, so not a torch.save file`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = zip.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(order).trim() !== 'little') throw new WeightsError(`${file}: the tensors are stored big-endian; seqgraph reads little-endian files`);
  const obj = unpickle(zip.get(pkl)!, `${file}: ${pkl}`, (pid) => {
    const t = pid instanceof PTuple ? pid.items : [];
    const [tag, type, key, , n] = t;
    if (tag !== 'storage' || !(type instanceof PGlobal) || typeof key !== 'string' || typeof n !== 'number') throw new WeightsError(`${file}: a persistent id that is not a tensor storage`);
    const dtype = STORAGE_DTYPES[type.name];
    if (!dtype) throw new WeightsError(`${file}: storage type ${type.full} is not read`);
    return { kind: 'storage', dtype, key, numel: n } satisfies StorageRef;
  });
  const notes: string[] = [];
  let root = obj;
  // a checkpoint dict around the state_dict: take the model's
  if (root instanceof PDict && ![...root.entries.values()].some(isTensor)) {
    for (const k of ['state_dict', 'model_state_dict', 'model']) {
      const v = root.entries.get(k);
      if (v instanceof PDict) {
        notes.push(`${file}: a checkpoint; read its '${k}'`);
        root = v;
        break;
      }
    }
  }
  const tensors: NamedTensor[] = [];
  const walk = (v: PV, name: string) => {
    if (isTensor(v)) tensors.push(materialize(v, name, zip, prefix, file));
    else if (v instanceof PDict) for (const [k, x] of v.entries) walk(x, name ? `${name}.${k}` : String(k));
  };
  if (isTensor(root)) walk(root, 'tensor');
  else if (root instanceof PDict) walk(root, '');
  else throw new WeightsError(`${file}: holds no state_dict (a dict of tensors); save model.state_dict(), not the model`);
  if (!tensors.length) throw new WeightsError(`${file}: holds no tensors`);
  return { tensors, notes };
}

function materialize(t: TensorRef, name: string, zip: Map<string, Uint8Array>, prefix: string, file: string): NamedTensor {
  const { storage, offset, size, stride } = t;
  checkSize(file, name, size, storage.dtype);
  const raw = zip.get(`${prefix}data/${storage.key}`);
  if (!raw) throw new WeightsError(`${file}: tensor '${name}' reads storage ${storage.key}, which the archive lacks`);
  const item = ITEM_BYTES[storage.dtype];
  if (raw.byteLength < storage.numel * item) throw new WeightsError(`${file}: storage ${storage.key} has ${raw.byteLength} bytes, fewer than its ${storage.numel} ${storage.dtype} values`);
  if (size.length !== stride.length) throw new WeightsError(`${file}: tensor '${name}' has ${size.length} sizes but ${stride.length} strides`);
  const n = numel(size);
  // the last element the view reads must lie in the storage
  const last = offset + size.reduce((s, d, i) => s + (d > 0 ? (d - 1) * stride[i] : 0), 0);
  if (n > 0 && (offset < 0 || stride.some((s) => s < 0) || last >= storage.numel)) throw new WeightsError(`${file}: tensor '${name}' reads past the end of its storage`);
  const read = floatReader(storage.dtype, raw);
  if (!read) return { name, dtype: storage.dtype, shape: [...size], data: null };
  const out = new Float32Array(n);
  const idx = new Array<number>(size.length).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = read(src);
    for (let a = size.length - 1; a >= 0; a--) {
      idx[a]++;
      src += stride[a];
      if (idx[a] < size[a]) break;
      src -= stride[a] * size[a];
      idx[a] = 0;
    }
  }
  return { name, dtype: storage.dtype, shape: [...size], data: out };
}
