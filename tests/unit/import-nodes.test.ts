// What the importer needed from the nodes and runtime: a reverse-only recurrent layer (ONNX
// direction=reverse), a Softmax / LogSoftmax `dim`, the Cumulative node (ONNX Scan with an
// elementwise body) and a float sequence Input with fed per-row lengths (ONNX sequence_lens).
// Each is checked against numbers seqgraph did not make: the ONNX project's reverse cases on
// both kernel backends, a plain reference written here, and the exported model in
// onnxruntime-web (which has its own reverse, sequence_lens, Softmax axis and Scan).
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { exportGraph } from '../../src/onnx/export-graph';
import { importOnnx } from '../../src/onnx/import';
import { runOnnx } from '../../src/onnx/ort';
import { decodeModel, decodeTensor, encodeModel, readTensor } from '../../src/onnx/proto';
import { execute } from '../../src/runtime/execute';
import { setKernelBackend } from '../../src/runtime/kernels/wasm/runtime';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { graphDoc, programOf } from '../helpers/graph';
import { maxDiff, runImported } from '../helpers/import';
import { describeFailures, gradcheck, opProgram } from '../helpers/gradcheck';

afterAll(() => setKernelBackend('auto'));

const DIR = 'tests/fixtures/onnx_node_tests/';
describe('reverse-only layers on both kernel backends (ONNX reverse cases)', () => {
  for (const backend of ['ts', 'simd'] as const) {
    for (const c of ['test_gru_reverse', 'test_lstm_reverse', 'test_simple_rnn_reverse']) {
      it(`${c} on ${backend}`, () => {
        setKernelBackend(backend);
        const bytes = new Uint8Array(readFileSync(`${DIR}${c}/model.onnx`));
        const dir = `${DIR}${c}/test_data_set_0/`;
        const read = (p: string) => readdirSync(dir).filter((f) => f.startsWith(p)).map((f) => [decodeTensor(readFileSync(dir + f)).name!, readTensor(readFileSync(dir + f))] as const);
        const ins = Object.fromEntries(read('input_'));
        const { X, ...constants } = ins;
        const r = importOnnx(bytes, { file: c, constants });
        expect(r.doc.nodes.find((n) => ['GRU', 'LSTM', 'RNN'].includes(n.type))!.params.reverse).toBe(true);
        expect(decodeModel(bytes).graph!.node![0].attribute!.some((a) => a.name === 'direction')).toBe(true);
        const got = runImported(r, { X });
        for (const [name, t] of read('output_')) expect(maxDiff(got[name], t, name)).toBeLessThanOrEqual(1e-5);
        setKernelBackend('auto');
      });
    }
  }
});

describe('LSTM peepholes imported from ONNX, reverse and bidirectional, on both kernel backends', () => {
  // test_lstm_with_peepholes' model made reverse / bidirectional, with peepholes whose i, o, f
  // blocks differ and ragged rows: onnxruntime-web is the reference
  for (const direction of ['reverse', 'bidirectional'] as const) {
    it(`${direction}: ts and simd match onnxruntime`, async () => {
      const dir = `${DIR}test_lstm_with_peepholes/test_data_set_0/`;
      const given = Object.fromEntries(readdirSync(dir).filter((f) => f.startsWith('input_')).map((f) => [decodeTensor(readFileSync(dir + f)).name!, readTensor(readFileSync(dir + f))] as const));
      const D = direction === 'bidirectional' ? 2 : 1, H = 3;
      const m = decodeModel(new Uint8Array(readFileSync(`${DIR}test_lstm_with_peepholes/model.onnx`)));
      const lstm = m.graph!.node![0];
      lstm.attribute = [...lstm.attribute!.filter((a) => a.name !== 'direction'), { name: 'direction', type: 3, s: new TextEncoder().encode(direction) }];
      m.graph!.input!.find((i) => i.name === 'X')!.type!.tensor_type!.shape!.dim![0] = { dim_param: 'T' };
      for (const i of m.graph!.input!) if (['W', 'R', 'B', 'P', 'initial_h', 'initial_c'].includes(i.name!)) i.type!.tensor_type!.shape!.dim![0] = { dim_value: D };
      for (const o of m.graph!.output!) o.type!.tensor_type!.shape = undefined; // the declared D is 1
      const twice = (x: Tensor): Tensor => ({ ...x, shape: [D, ...x.shape.slice(1)], data: Float32Array.from({ length: D * x.data.length }, (_, k) => x.data[k % x.data.length] * (k < x.data.length ? 1 : -0.7)) });
      const constants = { W: twice(given.W), R: twice(given.R), B: twice(given.B), P: floatTensor([D, 3 * H], Array.from({ length: D * 3 * H }, (_, k) => 0.5 * Math.cos(1.3 * k) + [0.4, -0.5, 0.2][Math.floor(k / H) % 3])) };
      const feeds = {
        X: floatTensor([4, 2, 4], Array.from({ length: 32 }, (_, k) => Math.sin(0.9 * k))),
        initial_h: floatTensor([D, 2, H], Array.from({ length: D * 2 * H }, (_, k) => 0.1 * k - 0.3)),
        initial_c: floatTensor([D, 2, H], Array.from({ length: D * 2 * H }, (_, k) => 0.25 - 0.05 * k)),
        sequence_lens: intTensor([2], [4, 2]),
      };
      const bytes = encodeModel(m);
      const want = await runOnnx(bytes, { ...feeds, ...constants });
      const r = importOnnx(bytes, { file: `peepholes_${direction}.onnx`, constants });
      expect(r.doc.nodes.find((n) => n.type === 'LSTM')!.params).toMatchObject({ peephole: true, ...(D === 2 ? { bidirectional: true } : { reverse: true }) });
      for (const backend of ['ts', 'simd'] as const) {
        setKernelBackend(backend);
        const got = runImported(r, feeds);
        for (const k of Object.keys(want)) expect(maxDiff(got[k], want[k], `${backend} ${k}`), `${backend} ${k}`).toBeLessThanOrEqual(1e-4);
      }
      setKernelBackend('auto');
    });
  }
});

const seq = (B: number, T: number, F: number, seed = 1) => floatTensor([B, T, F], Array.from({ length: B * T * F }, (_, i) => Math.sin(seed * 0.7 + i * 1.3)));

describe('reverse-only layers and fed lengths, exported: onnxruntime agrees', () => {
  it('LSTM reverse over ragged float sequences (Input lengths -> ONNX sequence_lens)', async () => {
    const raw = graphDoc(
      [['x', 'Input', { kind: 'sequence', features: 3, lengths: true }], ['rnn', 'LSTM', { hidden_size: 4, reverse: true }], ['y', 'Output'], ['h', 'Output']],
      [['x.sequence', 'rnn.input'], ['rnn.output', 'y.value'], ['rnn.last', 'h.value']],
    );
    const feeds = { x: seq(3, 5, 3), x_lengths: intTensor([3], [5, 2, 4]) };
    const program = programOf(raw);
    const ours = execute(program, feeds).outputs;
    const theirs = await runOnnx(exportGraph(program, raw as never), feeds);
    for (const k of ['y', 'h']) expect(maxDiff(ours[k], theirs[k], k)).toBeLessThanOrEqual(1e-5);
    // padded steps read 0; the reverse direction starts at each row's last real step
    expect(Array.from(ours.y.data.slice(1 * 5 * 4 + 2 * 4, 2 * 5 * 4)).every((v) => v === 0)).toBe(true);
    // a length outside 1..T is refused, naming the row
    expect(() => execute(program, { ...feeds, x_lengths: intTensor([3], [5, 0, 4]) })).toThrow(/row 1 has length 0; lengths must lie in 1\.\.5/);
  });
});

describe('Softmax and LogSoftmax over a chosen dim', () => {
  const softmaxRef = (x: Tensor, axis: number, log: boolean) => {
    const [A, B, C] = x.shape;
    const out = new Float64Array(x.data.length);
    const at = (a: number, b: number, c: number) => (a * B + b) * C + c;
    const dims = [A, B, C];
    for (let i = 0; i < x.data.length; i++) {
      const idx = [Math.floor(i / (B * C)), Math.floor(i / C) % B, i % C];
      let m = -Infinity;
      for (let k = 0; k < dims[axis]; k++) { const j = [...idx]; j[axis] = k; m = Math.max(m, x.data[at(j[0], j[1], j[2])]); }
      let s = 0;
      for (let k = 0; k < dims[axis]; k++) { const j = [...idx]; j[axis] = k; s += Math.exp(x.data[at(j[0], j[1], j[2])] - m); }
      out[i] = log ? x.data[i] - m - Math.log(s) : Math.exp(x.data[i] - m) / s;
    }
    return { shape: x.shape, data: out };
  };
  for (const [type, dim] of [['Softmax', 1], ['Softmax', 0], ['LogSoftmax', 1], ['LogSoftmax', -1]] as const) {
    it(`${type} dim ${dim} on a sequence matches a plain reference and onnxruntime`, async () => {
      const raw = graphDoc([['x', 'Input', { kind: 'sequence', features: 4 }], ['s', type, { dim }], ['y', 'Output']], [['x.sequence', 's.input'], ['s.output', 'y.value']]);
      const x = seq(2, 3, 4, dim + 3);
      const program = programOf(raw);
      const ours = execute(program, { x }).outputs.y;
      expect(maxDiff(ours, softmaxRef(x, dim < 0 ? dim + 3 : dim, type === 'LogSoftmax'), type)).toBeLessThanOrEqual(1e-6);
      const theirs = (await runOnnx(exportGraph(program, raw as never), { x })).y;
      expect(maxDiff(ours, theirs, type)).toBeLessThanOrEqual(1e-6);
    });
  }
  it('a dim outside the input is an error naming the param', () => {
    const raw = graphDoc([['x', 'Input', { kind: 'vector', features: 4 }], ['s', 'Softmax', { dim: 2 }], ['y', 'Output']], [['x.vector', 's.input'], ['s.output', 'y.value']]);
    expect(() => programOf(raw)).toThrow(/s \(dim\): 2 is not an axis of a Vector \[B, 4\] \(use -2\.\.1\)/);
  });
});

describe('Cumulative (running sum / product / max / min over time)', () => {
  const ref = (x: Tensor, init: Tensor | undefined, lengths: number[], op: string) => {
    const [B, T, D] = x.shape;
    const y = new Float64Array(B * T * D), last = new Float64Array(B * D);
    const id = { sum: 0, prod: 1, max: -Infinity, min: Infinity }[op]!;
    for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) {
      let acc = init ? init.data[b * D + d] : id;
      for (let t = 0; t < T; t++) {
        if (t < lengths[b]) {
          const v = x.data[(b * T + t) * D + d];
          acc = op === 'sum' ? acc + v : op === 'prod' ? acc * v : op === 'max' ? Math.max(acc, v) : Math.min(acc, v);
        }
        y[(b * T + t) * D + d] = t < lengths[b] ? acc : 0; // Output zeroes padded steps
      }
      last[b * D + d] = acc;
    }
    return { y: { shape: x.shape, data: y }, last: { shape: [B, D], data: last } };
  };
  for (const op of ['sum', 'prod', 'max', 'min']) {
    it(`cum${op} with an initial value and ragged rows: reference and onnxruntime (Scan)`, async () => {
      const raw = graphDoc(
        [['x', 'Input', { kind: 'sequence', features: 2, lengths: true }], ['h', 'Input', { kind: 'vector', features: 2 }], ['c', 'Cumulative', { op }], ['y', 'Output'], ['last', 'Output']],
        [['x.sequence', 'c.input'], ['h.vector', 'c.initial'], ['c.output', 'y.value'], ['c.last', 'last.value']],
      );
      const x = seq(3, 4, 2, op.length);
      const h = floatTensor([3, 2], [0.5, -1, 2, 0.25, -0.5, 1]);
      const lengths = [4, 1, 3];
      const feeds = { x, h, x_lengths: intTensor([3], lengths) };
      const program = programOf(raw);
      const ours = execute(program, feeds).outputs;
      const want = ref(x, h, lengths, op);
      expect(maxDiff(ours.y, want.y, 'y')).toBeLessThanOrEqual(1e-6);
      expect(maxDiff(ours.last, want.last, 'last')).toBeLessThanOrEqual(1e-6);
      const theirs = await runOnnx(exportGraph(program, raw as never), feeds);
      expect(maxDiff(ours.y, theirs.y, 'y')).toBeLessThanOrEqual(1e-6);
      expect(maxDiff(ours.last, theirs.last, 'last')).toBeLessThanOrEqual(1e-6);
      // and it comes back from its own export as the same node
      const back = importOnnx(exportGraph(program, raw as never), { file: 'cum.onnx', structure: false });
      expect(back.doc.nodes.map((n) => n.type)).toContain('Cumulative');
    });
  }
});


describe('backward of what import added (float64 finite differences)', () => {
  const t = (shape: number[], seed: number) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed + i * 0.77) * 0.8 + (seed % 2 ? 0.1 : -0.05)));
  for (const op of ['sum', 'prod', 'max', 'min']) {
    it(`Cumulative ${op} with an initial value and ragged rows`, () => {
      const p = opProgram('Cumulative', [t([3, 4, 2], op.length), t([3, 2], 9), intTensor([3], [4, 2, 3])], { op }, 2);
      const r = gradcheck(p, {}, { tol: 1e-6 });
      expect(r.ok, describeFailures(r)).toBe(true);
    });
  }
  for (const [op, axis] of [['Softmax', 0], ['Softmax', 1], ['LogSoftmax', 1], ['LogSoftmax', 0]] as const) {
    it(`${op} over axis ${axis}`, () => {
      const r = gradcheck(opProgram(op, [t([3, 4, 5], axis + 2)], { axis }), {}, { tol: 1e-6 });
      expect(r.ok, describeFailures(r)).toBe(true);
    });
  }
  // the cells' variants too (merged from the cells branch): LSTM peepholes, GRU's paper update gate, MGU
  const CASES = [['RNN'], ['LSTM'], ['GRU'], ['LSTM', 'peephole'], ['GRU', 'paper'], ['MGU']] as const;
  for (const [cell, variant] of CASES) {
    it(`${cell}${variant ? ` ${variant}` : ''} reverse-only with an initial state and ragged rows (BPTT right to left)`, () => {
      const G = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 }[cell], H = 3, I = 2, B = 2, T = 4;
      const ins = [t([B, T, I], 1), t([G * H, I], 2), t([G * H, H], 3), t([G * H], 4), t([G * H], 5), undefined, undefined, undefined, undefined, t([1, B, H], 6), ...(cell === 'LSTM' ? [t([1, B, H], 7)] : []), intTensor([B], [4, 2])];
      if (variant === 'peephole') ins.push(t([3 * H], 8), undefined);
      const attrs = { hidden_size: H, direction: 'reverse', ...(variant === 'paper' ? { update_gate: 'paper' } : {}) };
      const p = opProgram(cell, ins, attrs, cell === 'LSTM' ? 3 : 2);
      const r = gradcheck(p, {}, { tol: 1e-6 });
      expect(r.ok, describeFailures(r)).toBe(true);
    });
  }
});
