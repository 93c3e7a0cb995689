// A state_dict as torch.save writes it (PyTorch >= 1.6; torch.load reads it, also with
// weights_only=True): a zip archive, stored uncompressed, holding
//   archive/data.pkl   pickle (protocol 2) of an OrderedDict name -> tensor, each tensor
//                      torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
//                      with its storage a persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
//   archive/data/<key> each storage's raw little-endian float32 bytes
//   archive/version    "3"
//   archive/byteorder  "little"
// Only the pickle opcodes this needs are written; the archive is made with fflate.
import { zipSync } from 'fflate';

class Pickler {
  private bytes: number[] = [];
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`)); // GLOBAL
  }
  str(s: string): this {
    const u = new TextEncoder().encode(s);
    return this.op(0x58, ...le32(u.length), ...u); // BINUNICODE
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n); // BININT1
    if (n >= -0x80000000 && n < 0x80000000) return this.op(0x4a, ...le32(n)); // BININT
    // LONG1: little-endian two's complement
    const out: number[] = [];
    let v = BigInt(n);
    do {
      out.push(Number(v & 0xffn));
      v >>= 8n;
    } while (!(v === 0n && (out[out.length - 1] & 0x80) === 0) && !(v === -1n && (out[out.length - 1] & 0x80) !== 0));
    return this.op(0x8a, out.length, ...out);
  }
  tuple(items: number[]): this {
    this.op(0x28); // MARK
    for (const i of items) this.int(i);
    return this.op(0x74); // TUPLE
  }
  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').op(0x29, 0x52); // EMPTY_TUPLE REDUCE
  }
  result(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** float32 tensors -> the bytes of a torch.save'd state_dict (.pt) */
export function writeTorchSave(tensors: { name: string; shape: number[]; data: Float32Array }[], archive = 'archive'): Uint8Array {
  const p = new Pickler().op(0x80, 2); // PROTO 2
  p.emptyOrderedDict().op(0x28); // the dict, MARK for SETITEMS
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  tensors.forEach((t, key) => {
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2').op(0x28); // MARK: its arguments
    p.op(0x28).str('storage').global('torch', 'FloatStorage').str(String(key)).str('cpu').int(t.data.length).op(0x74, 0x51); // TUPLE BINPERSID
    p.int(0);
    p.tuple(t.shape);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    p.tuple(stride);
    p.op(0x89); // NEWFALSE: requires_grad
    p.emptyOrderedDict(); // backward hooks
    p.op(0x74, 0x52); // TUPLE REDUCE
    const raw = new Uint8Array(t.data.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < t.data.length; i++) view.setFloat32(i * 4, t.data[i], true);
    files[`${archive}/data/${key}`] = [raw, { level: 0 }];
  });
  p.op(0x75, 0x2e); // SETITEMS STOP
  return zipSync({
    [`${archive}/data.pkl`]: [p.result(), { level: 0 }],
    [`${archive}/byteorder`]: [new TextEncoder().encode('little'), { level: 0 }],
    ...files,
    [`${archive}/version`]: [new TextEncoder().encode('3\n'), { level: 0 }],
  });
}
