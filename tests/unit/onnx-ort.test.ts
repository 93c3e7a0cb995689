// The onnxruntime-web runner itself: feeds checked by name and type, int64 in and out, sessions
// cached per bytes array, concurrent runs, more models than the cache holds.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clearOrtSessions, configureOrt, runOnnx } from '../../src/onnx/ort';
import { readTensor } from '../../src/onnx/proto';
import { exportOnnx } from '../../src/onnx/export';
import type { Program } from '../../src/ir/program';
import { floatTensor, intTensor } from '../../src/runtime/tensor';

const DIR = fileURLToPath(new URL('../fixtures/onnx_node_tests/', import.meta.url));

function scaleProgram(alpha: number): Program {
  return {
    name: 's',
    inputs: [{ name: 'x', node: 'i', value: 'x', dtype: 'float32', shape: ['B', 2], info: { kind: 'float', features: 2 } }],
    outputs: [{ name: 'y', node: 'o', value: 'y', dtype: 'float32', shape: ['B', 2], kind: 'values' }],
    ops: [{ op: 'Scale', inputs: ['x'], outputs: ['y'], attrs: { alpha }, node: 'n' }],
    values: { x: { name: 'x', dtype: 'float32', shape: ['B', 2] }, y: { name: 'y', dtype: 'float32', shape: ['B', 2] } },
    initializers: {},
    traced: [],
    nodeNames: { n: 'scale' },
    weightRefs: {},
  };
}

describe('runOnnx', () => {
  it('feeds int64 as BigInt64Array and reads int64 back (SeqLengths)', async () => {
    const p: Program = {
      ...scaleProgram(1),
      inputs: [{ name: 'tokens', node: 'i', value: 'tokens', dtype: 'int64', shape: ['B', 'T'], info: { kind: 'tokens', vocab: [], tokenizer: 'chars', pad: 0, unk: 1, add_bos: false, add_eos: false, lowercase: false } }],
      outputs: [{ name: 'n', node: 'o', value: 'n', dtype: 'int64', shape: ['B'], kind: 'values' }],
      ops: [{ op: 'SeqLengths', inputs: ['tokens'], outputs: ['n'], attrs: { pad: 0 }, node: 'n' }],
      values: { tokens: { name: 'tokens', dtype: 'int64', shape: ['B', 'T'] }, n: { name: 'n', dtype: 'int64', shape: ['B'] } },
    };
    const { n } = await runOnnx(exportOnnx(p, { guards: false }), { tokens: intTensor([2, 3], [2147483647, -5, 0, 9, 0, 0]) });
    expect(n).toEqual({ dtype: 'int64', shape: [2], data: new Int32Array([2, 1]) });
  });

  it('narrows an int64 feed for an int32 model input (sequence_lens)', async () => {
    const c = `${DIR}test_gru_seq_length/`;
    const bytes = new Uint8Array(readFileSync(`${c}model.onnx`));
    const names = ['X', 'W', 'R', 'B'];
    const feeds = Object.fromEntries(names.map((nm, i) => [nm, readTensor(readFileSync(`${c}test_data_set_0/input_${i}.pb`))]));
    const out = await runOnnx(bytes, feeds);
    expect(out.Y_h.shape).toEqual([1, 3, 5]);
  });

  it('names a missing or unknown feed, and a wrong dtype', async () => {
    const bytes = exportOnnx(scaleProgram(2));
    await expect(runOnnx(bytes, {})).rejects.toThrow(/no feed for the model's input 'x'/);
    await expect(runOnnx(bytes, { x: floatTensor([1, 2]), z: floatTensor([1]) })).rejects.toThrow(/feed 'z' is not an input/);
    await expect(runOnnx(bytes, { x: intTensor([1, 2], [1, 2]) })).rejects.toThrow(/feed 'x': the model wants float32, got int64/);
    // the session survives failed runs
    expect(Array.from((await runOnnx(bytes, { x: floatTensor([1, 2], [1, -3]) })).y.data)).toEqual([2, -6]);
  });

  it('runs concurrently on one cached session, and on more models than the cache holds', async () => {
    const bytes = exportOnnx(scaleProgram(3));
    const xs = Array.from({ length: 20 }, (_, i) => floatTensor([1, 2], [i, -i]));
    const outs = await Promise.all(xs.map((x) => runOnnx(bytes, { x })));
    outs.forEach((o, i) => expect(Array.from(o.y.data)).toEqual([3 * i, -3 * i]));
    const models = Array.from({ length: 12 }, (_, k) => exportOnnx(scaleProgram(k)));
    const res = await Promise.all(models.map((m) => runOnnx(m, { x: floatTensor([1, 2], [1, 2]) })));
    res.forEach((o, k) => expect(Array.from(o.y.data)).toEqual([k, 2 * k]));
    expect(Array.from((await runOnnx(models[0], { x: floatTensor([1, 2], [5, 5]) })).y.data)).toEqual([0, 0]);
    clearOrtSessions();
    expect(Array.from((await runOnnx(bytes, { x: floatTensor([1, 2], [1, 1]) })).y.data)).toEqual([3, 3]);
  });

  it('refuses new wasmPaths once ort is initialised', () => {
    expect(() => configureOrt({ wasmPaths: '/elsewhere/' })).toThrow(/already initialised/);
    // ort reads its thread count once too: asking for another is refused, the same one is a no-op
    expect(() => configureOrt({ numThreads: 2 })).toThrow(/numThreads can only be set before/);
    expect(() => configureOrt({ numThreads: 1 })).not.toThrow();
  });

  it('rejects bytes that are not a model', async () => {
    await expect(runOnnx(new Uint8Array([1, 2, 3, 4]), {})).rejects.toThrow();
  });
});
