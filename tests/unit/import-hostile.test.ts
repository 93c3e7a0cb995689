// Malformed and hostile files: each is a clear error naming the file and what is wrong; nothing
// hangs, nothing is executed, nothing large is allocated before the bounds are checked.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { externalBeside } from '../../src/cli/import-commands';
import { importOnnx } from '../../src/onnx/import';
import { attr, DataType, encodeModel, floatTensorProto, type ModelProto, type TensorProto } from '../../src/onnx/proto';
import { readWeights } from '../../src/weights/index';
import { writeSafetensors } from '../../src/weights/safetensors';

/** a small valid model: y = Relu(x · W + b) over a vector input */
function model(extra: Partial<{ inits: TensorProto[]; nodes: ModelProto['graph'] }> = {}): ModelProto {
  return {
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ op_type: 'Gemm', input: ['x', 'W', 'b'], output: ['h'], name: '/fc/Gemm', attribute: [attr.int('transB', 1)] }, { op_type: 'Relu', input: ['h'], output: ['y'], name: '/Relu' }],
      initializer: [floatTensorProto('W', [2, 3], [1, 2, 3, 4, 5, 6]), floatTensorProto('b', [2], [0.5, -0.5]), ...(extra.inits ?? [])],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 3 }] } } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 2 }] } } } }],
    },
  };
}
const bytes = (m: ModelProto) => encodeModel(m);

describe('hostile ONNX files', () => {
  it('a valid small model imports (the base the others break)', () => {
    const r = importOnnx(bytes(model()), { file: 'ok.onnx' });
    expect(r.doc.nodes.map((n) => n.type)).toEqual(['Input', 'Dense', 'Activation', 'Output']);
  });

  it('truncated protobuf', () => {
    const b = bytes(model());
    expect(() => importOnnx(b.subarray(0, Math.floor(b.length * 0.6)), { file: 'cut.onnx' })).toThrow(/cut\.onnx: the file is truncated or corrupt \(protobuf: /);
  });

  it('wrong magic: a zip, JSON, HDF5, an empty file, random bytes', () => {
    const zip = zipSync({ 'archive/data.pkl': new Uint8Array([0x80, 2, 0x7d, 0x2e]) });
    expect(() => importOnnx(zip, { file: 'w.onnx' })).toThrow(/w\.onnx: not an ONNX model: it is a zip archive \(a PyTorch \.pt\/\.pth file\?/);
    expect(() => importOnnx(new TextEncoder().encode('{"format":"seqgraph"}'), { file: 'g.onnx' })).toThrow(/not an ONNX model: it is a JSON file/);
    expect(() => importOnnx(new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a]), { file: 'k.onnx' })).toThrow(/HDF5/);
    expect(() => importOnnx(new Uint8Array(0), { file: 'e.onnx' })).toThrow(/e\.onnx: not an ONNX model: the file is empty/);
    const rnd = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    expect(() => importOnnx(rnd, { file: 'r.onnx' })).toThrow(/r\.onnx: (not an ONNX model|the file is truncated or corrupt)/);
  });

  it('a 2 GB declared tensor is refused by a stated limit before anything is allocated', () => {
    const huge: TensorProto = { name: 'huge', dims: [536870912], data_type: DataType.FLOAT, raw_data: new Uint8Array(8) };
    const t0 = Date.now();
    expect(() => importOnnx(bytes(model({ inits: [huge] })), { file: 'big.onnx' })).toThrow(/big\.onnx: initializer 'huge' declares \[536870912\] float = 2048 MiB; seqgraph reads tensors up to 256 MiB each/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  const external = (location: string, extra: { offset?: number; length?: number } = {}): TensorProto => ({
    name: 'W', dims: [2, 3], data_type: DataType.FLOAT, data_location: 1,
    external_data: [{ key: 'location', value: location }, ...(extra.offset !== undefined ? [{ key: 'offset', value: String(extra.offset) }] : []), ...(extra.length !== undefined ? [{ key: 'length', value: String(extra.length) }] : [])],
  });
  const withExternal = (t: TensorProto) => {
    const m = model();
    m.graph!.initializer![0] = t;
    return bytes(m);
  };

  it('missing external data', () => {
    expect(() => importOnnx(withExternal(external('weights.bin')), { file: 'm.onnx' })).toThrow(/m\.onnx: initializer 'W': its data is in the external file 'weights\.bin', which was not given/);
  });

  it('external-data paths that leave the model\'s folder are refused, in the library and the CLI', () => {
    expect(() => importOnnx(withExternal(external('../secret.bin')), { file: 'm.onnx', external: () => ({ size: 24, read: () => new Uint8Array(24) }) })).toThrow(/location '\.\.\/secret\.bin' is refused: it leaves the model's folder/);
    expect(() => importOnnx(withExternal(external('/etc/passwd')), { file: 'm.onnx' })).toThrow(/'\/etc\/passwd' is refused: it is an absolute path/);
    expect(() => importOnnx(withExternal(external('a\\..\\b')), { file: 'm.onnx' })).toThrow(/refused: it contains a backslash/);
    // a link inside the folder that points outside it
    const root = mkdtempSync(path.join(tmpdir(), 'seqgraph-hostile-'));
    mkdirSync(path.join(root, 'model'));
    writeFileSync(path.join(root, 'outside.bin'), new Uint8Array(24));
    symlinkSync(path.join(root, 'outside.bin'), path.join(root, 'model', 'w.bin'));
    expect(() => importOnnx(withExternal(external('w.bin')), { file: 'm.onnx', external: externalBeside(path.join(root, 'model', 'm.onnx')) })).toThrow(/outside the model's folder; refused/);
  });

  it('external data past the end of its file, or of the wrong length', () => {
    const ext = { external: () => ({ size: 16, read: () => new Uint8Array(16) }) };
    expect(() => importOnnx(withExternal(external('w.bin', { offset: 0, length: 24 })), { file: 'm.onnx', ...ext })).toThrow(/external data \[0, 24\) lies past the end of 'w\.bin' \(16 bytes\)/);
    expect(() => importOnnx(withExternal(external('w.bin', { length: 8 })), { file: 'm.onnx', ...ext })).toThrow(/external data length 8 does not match its dims \(24 bytes\)/);
  });

  it('an op seqgraph has no node for is reported with its type, name and inputs; nothing is imported', () => {
    const m = model();
    m.graph!.node!.splice(1, 1, { op_type: 'Erf', input: ['h'], output: ['y'], name: '/act/Erf' });
    expect(() => importOnnx(bytes(m), { file: 'erf.onnx' })).toThrow(/erf\.onnx: seqgraph cannot import this model; nothing was imported\. 1 ONNX node not understood:\n {2}Erf '\/act\/Erf' \(inputs: h\): seqgraph has no node for Erf/);
  });

  it('many ambiguous inputs do not make the importer hang', () => {
    const m = model();
    const n = 14;
    m.graph!.input = Array.from({ length: n }, (_, i) => ({ name: `x${i}`, type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 3 }] } } } }));
    m.graph!.node = Array.from({ length: n }, (_, i) => ({ op_type: 'Erf', input: [`x${i}`], output: [`e${i}`], name: `erf${i}` }));
    m.graph!.output = m.graph!.node.map((x) => ({ name: x.output![0], type: { tensor_type: { elem_type: 1 } } }));
    const t0 = Date.now();
    expect(() => importOnnx(bytes(m), { file: 'many.onnx' })).toThrow(/14 ONNX nodes not understood/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

// ---- weights files

const enc = new TextEncoder();
const cat = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const str = (s: string) => cat([0x58], new Uint8Array(new Uint32Array([s.length]).buffer), enc.encode(s)); // BINUNICODE
const torchZip = (pkl: Uint8Array, extra: Record<string, Uint8Array> = {}) => zipSync({ 'archive/data.pkl': pkl, ...extra }, { level: 0 });

describe('hostile weights files', () => {
  it('a pickle that calls os.system is refused when it names it, before any call', () => {
    // cos\nsystem\n  X'echo pwned'  TUPLE1  REDUCE  STOP
    const pkl = cat([0x80, 2], enc.encode('cos\nsystem\n'), str('echo pwned'), [0x85, 0x52, 0x2e]);
    expect(() => readWeights(torchZip(pkl), 'evil.pt')).toThrow(/evil\.pt: archive\/data\.pkl: the pickle refers to os\.system, which seqgraph never runs: only tensor rebuilds \(torch\._utils\) and collections\.OrderedDict are allowed/);
  });

  it('STACK_GLOBAL builtins.eval, a class instance, and an unknown opcode are refused too', () => {
    const sg = cat([0x80, 4], str('builtins'), str('eval'), [0x93], str('1+1'), [0x85, 0x52, 0x2e]);
    expect(() => readWeights(torchZip(sg), 'e.pt')).toThrow(/refers to builtins\.eval, which seqgraph never runs/);
    const newobj = cat([0x80, 2], enc.encode('ccollections\nOrderedDict\n'), [0x29, 0x81, 0x2e]);
    expect(() => readWeights(torchZip(newobj), 'o.pt')).toThrow(/builds an object of a class \(NEWOBJ\)/);
    expect(() => readWeights(torchZip(cat([0x80, 2, 0x49, 0x2e])), 'i.pt')).toThrow(/pickle opcode 0x49 \('I'\) is not one a state_dict uses/);
    expect(() => readWeights(torchZip(cat([0x80, 2, 0x58, 0xff, 0xff])), 't.pt')).toThrow(/the pickle is truncated/);
  });

  it('a whole model (torch.save(model)) is refused with the fix: save its state_dict', () => {
    const whole = cat([0x80, 2], enc.encode('ctorch.nn.modules.linear\nLinear\n'), [0x29, 0x81, 0x2e]);
    expect(() => readWeights(torchZip(whole), 'model.pt')).toThrow(/refers to torch\.nn\.modules\.linear\.Linear, which seqgraph never runs.*; this file holds a whole model, not a state_dict: save model\.state_dict\(\) with torch\.save/);
  });

  it('a zip bomb is refused by its ratio; a member declaring more than the limit by its size', () => {
    const bomb = zipSync({ 'archive/data.pkl': new Uint8Array(8), 'archive/data/0': new Uint8Array(4 * 1024 * 1024) }, { level: 6 });
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => readWeights(bomb, 'bomb.pt')).toThrow(/bomb\.pt: member 'archive\/data\/0' would inflate \d+× .*refused as a zip bomb \(at most 200×\)/);
    // a stored member whose central directory entry claims 3 GB
    const z = zipSync({ 'archive/data.pkl': new Uint8Array(8) }, { level: 0 });
    const view = new DataView(z.buffer);
    for (let i = z.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50) {
        view.setUint32(i + 24, 3_000_000_000, true);
        break;
      }
    }
    expect(() => readWeights(z, 'liar.pt')).toThrow(/liar\.pt: member 'archive\/data\.pkl' would inflate to 2861 MiB; seqgraph reads members up to 256 MiB/);
  });

  it('a 2 GB declared tensor, in safetensors and in a .pt pickle', () => {
    const header = enc.encode(JSON.stringify({ w: { dtype: 'F32', shape: [536870912], data_offsets: [0, 2147483648] } }));
    const st = cat(new Uint8Array(new BigUint64Array([BigInt(header.length)]).buffer), header, new Uint8Array(16));
    expect(() => readWeights(st, 'big.safetensors')).toThrow(/big\.safetensors: tensor 'w' declares \[536870912\] float32 = 2048 MiB; seqgraph loads tensors up to 256 MiB each/);
    // _rebuild_tensor_v2(storage('0', FloatStorage, n = 536870912), 0, (536870912,), (1,), False, OrderedDict())
    const pid = cat([0x28], str('storage'), enc.encode('ctorch\nFloatStorage\n'), str('0'), str('cpu'), [0x4a], new Uint8Array(new Int32Array([536870912]).buffer), [0x74, 0x51]);
    const pkl = cat([0x80, 2, 0x7d], str('w'), enc.encode('ctorch._utils\n_rebuild_tensor_v2\n'), [0x28], pid, [0x4b, 0, 0x4a], new Uint8Array(new Int32Array([536870912]).buffer), [0x85, 0x4b, 1, 0x85, 0x89, 0x7d, 0x74, 0x52, 0x73, 0x2e]);
    expect(() => readWeights(torchZip(pkl, { 'archive/data/0': new Uint8Array(8) }), 'big.pt')).toThrow(/big\.pt: tensor 'w' declares \[536870912\] float32 = 2048 MiB; seqgraph loads tensors up to 256 MiB each/);
  });

  it('truncated and inconsistent safetensors', () => {
    const ok = writeSafetensors([{ name: 'a', shape: [2], data: new Float32Array([1, 2]) }]);
    expect(readWeights(ok, 'ok.safetensors').tensors[0].data).toEqual(new Float32Array([1, 2]));
    expect(() => readWeights(ok.subarray(0, ok.length - 4), 'cut.safetensors')).toThrow(/cut\.safetensors: tensor 'a' lies past the end of the file .*truncated/);
    const huge = new Uint8Array(ok);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readWeights(huge, 'h.safetensors')).toThrow(/declares a \d+-byte header; seqgraph reads headers up to 64 MiB/);
    expect(() => readWeights(enc.encode('hello'), 'x.bin')).toThrow(/x\.bin: not a PyTorch state_dict/);
  });
});
