// A Python pickle reader for the subset torch.save writes for a state_dict, that never executes
// anything. The opcodes build plain values (numbers, strings, lists, tuples, dicts); the only
// "calls" allowed are a fixed table of known functions, each interpreted here, never looked up:
// collections.OrderedDict (a dict), torch._utils._rebuild_tensor[_v2] / _rebuild_parameter (a
// tensor view of a storage), and torch.*Storage classes (storage types in persistent ids). A
// GLOBAL naming anything else — os.system, builtins.eval, a model class — is an error that names
// it, raised when the pickle *refers* to it, before any REDUCE could call it.
import { WeightsError } from './tensors';

export class PGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get full(): string {
    return `${this.module}.${this.name}`;
  }
}
export class PTuple {
  constructor(readonly items: PV[]) {}
}
export class PDict {
  readonly entries = new Map<string | number, PV>();
}
/** a persistent id resolved: a storage in the archive */
export interface StorageRef {
  kind: 'storage';
  dtype: string;
  key: string;
  numel: number;
}
/** a tensor: a view of a storage */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}
export type PV = null | boolean | number | string | Uint8Array | PV[] | PTuple | PDict | PGlobal | StorageRef | TensorRef;

const MARK = Symbol('mark');
type Slot = PV | typeof MARK;

export const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', LongStorage: 'int64',
  IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

const isTensor = (v: PV): v is TensorRef => typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
const ints = (v: PV, what: string): number[] => {
  if (!(v instanceof PTuple) || !v.items.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new WeightsError(`${what} is not a tuple of integers`);
  return v.items as number[];
};

export function unpickle(bytes: Uint8Array, file: string, persistentLoad: (pid: PV) => PV): PV {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PV>();
  const text = new TextDecoder();
  let p = 0;
  const fail = (why: string): never => {
    throw new WeightsError(`${file}: ${why} (pickle byte ${p})`);
  };
  const need = (n: number) => {
    if (p + n > bytes.length) fail('the pickle is truncated');
  };
  const u8 = () => (need(1), bytes[p++]);
  const u16 = () => (need(2), (p += 2), view.getUint16(p - 2, true));
  const u32 = () => (need(4), (p += 4), view.getUint32(p - 4, true));
  const i32 = () => (need(4), (p += 4), view.getInt32(p - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(bytes.length)) fail('a length points past the end of the pickle');
    return Number(v);
  };
  const take = (n: number) => (need(n), (p += n), bytes.subarray(p - n, p));
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) fail('the pickle is truncated');
    const s = text.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = (): PV => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail('the pickle pops an empty stack');
    return v as PV;
  };
  const popMark = (): PV[] => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) fail('the pickle has no MARK to pop to');
    const items = stack.splice(k) as PV[];
    items.shift();
    return items;
  };
  const top = (): PV => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('the pickle reads an empty stack');
    return v as PV;
  };
  const global = (module: string, name: string): PGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED.has(full)) {
      // a whole module (torch.save(model), or TorchScript's torch.jit.save) rather than its weights
      const hint = /^(__torch__\.)?torch\.nn\.modules\./.test(full) || full.startsWith('__torch__.') ? '; this file holds a whole model, not a state_dict: save model.state_dict() with torch.save' : '';
      fail(`the pickle refers to ${full}, which seqgraph never runs: only tensor rebuilds (torch._utils) and collections.OrderedDict are allowed in a weights file${hint}`);
    }
    return new PGlobal(module, name);
  };
  const setItem = (d: PV, k: PV, v: PV) => {
    if (!(d instanceof PDict)) fail('SETITEM on something that is not a dict');
    if (typeof k !== 'string' && typeof k !== 'number') fail('a dict key that is not a string or number');
    (d as PDict).entries.set(k as string | number, v);
  };
  const reduce = (f: PV, args: PV): PV => {
    if (!(f instanceof PGlobal)) return fail('REDUCE on something that is not an allowed function');
    if (!(args instanceof PTuple)) return fail(`${f.full} called without an argument tuple`);
    const a = args.items;
    switch (f.full) {
      case 'collections.OrderedDict':
        return new PDict();
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2': {
        const storage = a[0] as StorageRef;
        if (!storage || storage.kind !== 'storage') return fail(`${f.full} called on something that is not a storage`);
        if (typeof a[1] !== 'number') return fail(`${f.full}: the storage offset is not a number`);
        return { kind: 'tensor', storage, offset: a[1], size: ints(a[2], 'a tensor size'), stride: ints(a[3], 'a tensor stride') };
      }
      case 'torch._utils._rebuild_parameter':
        if (!isTensor(a[0])) return fail('_rebuild_parameter of something that is not a tensor');
        return a[0];
      default:
        return fail(`the pickle calls ${f.full}, which is not a function (only tensor rebuilds and OrderedDict are called)`);
    }
  };

  for (let steps = 0; ; steps++) {
    if (steps > 50_000_000) fail('the pickle does not end');
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x28: stack.push(MARK); break;
      case 0x2e: { // STOP
        const v = pop();
        return v;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: case 0x8b: { // LONG1, LONG4
        const n = op === 0x8a ? u8() : u32();
        if (n > 8) fail('an integer longer than 8 bytes');
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x47: need(8); stack.push(view.getFloat64(p, false)); p += 8; break; // BINFLOAT
      case 0x58: stack.push(text.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(text.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text.decode(take(u64()))); break; // BINUNICODE8
      case 0x54: stack.push(String.fromCharCode(...take(i32()))); break; // BINSTRING
      case 0x55: stack.push(String.fromCharCode(...take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l)) fail('APPEND to something that is not a list'); (l as PV[]).push(v); break; }
      case 0x65: { const vs = popMark(); const l = top(); if (!Array.isArray(l)) fail('APPENDS to something that is not a list'); (l as PV[]).push(...vs); break; }
      case 0x29: stack.push(new PTuple([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(new PTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PTuple([pop()])); break;
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PTuple([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PTuple([a, b, c])); break; }
      case 0x7d: stack.push(new PDict()); break; // EMPTY_DICT
      case 0x64: { const kv = popMark(); const d = new PDict(); for (let i = 0; i + 1 < kv.length; i += 2) setItem(d, kv[i], kv[i + 1]); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItem(top(), k, v); break; } // SETITEM
      case 0x75: { const kv = popMark(); const d = top(); for (let i = 0; i + 1 < kv.length; i += 2) setItem(d, kv[i], kv[i + 1]); break; } // SETITEMS
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL of non-strings'); stack.push(global(module as string, name as string)); break; }
      case 0x52: { const args = pop(); const f = pop(); stack.push(reduce(f, args)); break; } // REDUCE
      case 0x62: { // BUILD: the state of an OrderedDict (its _metadata) or a tensor is not needed
        pop();
        const obj = top();
        if (!(obj instanceof PDict) && !isTensor(obj)) fail('BUILD on an object other than a dict or tensor');
        break;
      }
      case 0x51: stack.push(persistentLoad(pop())); break; // BINPERSID
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`the pickle reads memo ${k}, which was never stored`);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x81: case 0x92: return fail('the pickle builds an object of a class (NEWOBJ); a state_dict has none');
      case 0x69: case 0x6f: return fail('the pickle builds an object of a class (INST/OBJ); a state_dict has none');
      default:
        return fail(`pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') is not one a state_dict uses`);
    }
  }
}
