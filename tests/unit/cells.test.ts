// Every fast copy of the cell maths against the one reference statement (cells.ts cellStepRef,
// double precision, written from the weight matrices): the TS time loops and the WebAssembly SIMD
// gate kernels (every cell — MGU too —, activation pair, GRU convention of linear_before_reset and
// of the update gate, LSTM with and without peepholes), the decoder's own step
// (decoder.ts cellUpdate, every activation pair), and the ONNX step graph an exported decoder runs
// (export-decoder-step.ts cellStep, in onnxruntime). Backward is checked against finite differences
// of these same forwards (train-gradcheck.test.ts) and against PyTorch (train-grads-fixture.test.ts).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { actCode, cellStepRef, CELL_GATES, GATE_COUNT, ractCode, type CellKind, type CellSpec } from '../../src/runtime/kernels/cells';
import { prepareLayer, runLayer } from '../../src/runtime/kernels/recurrent';
import { cellUpdate } from '../../src/runtime/kernels/decoder';
import { cellStep } from '../../src/onnx/export-decoder-step';
import { GraphBuilder } from '../../src/onnx/export-builder';
import { attr, DataType, encodeModel, floatTensorProto, type ValueInfoProto } from '../../src/onnx/proto';
import { runOnnx } from '../../src/onnx/ort';
import { floatTensor } from '../../src/runtime/tensor';
import { expectClose } from '../helpers/fixtures';

const rng = new Rng(99);
const rand = (n: number, s = 0.8) => Float32Array.from({ length: n }, () => rng.uniform(-s, s));

const SPECS: CellSpec[] = [];
for (const cell of ['RNN', 'LSTM', 'GRU', 'MGU'] as CellKind[]) {
  for (const activation of ['tanh', 'relu'] as const) {
    for (const recurrentActivation of cell === 'RNN' ? (['sigmoid'] as const) : (['sigmoid', 'hard_sigmoid'] as const)) {
      for (const linearBeforeReset of cell === 'GRU' ? [true, false] : [true]) {
        if (cell === 'GRU') for (const updateGate of ['pytorch', 'paper'] as const) SPECS.push({ cell, activation, recurrentActivation, linearBeforeReset, updateGate });
        else if (cell === 'LSTM') for (const peephole of [false, true]) SPECS.push({ cell, activation, recurrentActivation, linearBeforeReset, peephole });
        else SPECS.push({ cell, activation, recurrentActivation, linearBeforeReset });
      }
    }
  }
}
const label = (s: CellSpec) =>
  `${s.cell} ${s.activation}/${s.recurrentActivation}${s.cell === 'GRU' ? ` linear_before_reset=${s.linearBeforeReset} update_gate=${s.updateGate}` : ''}${s.peephole ? ' peephole' : ''}`;
/** the cells the decoder steps and its ONNX step graph writes: PyTorch's modules */
const torchCell = (s: CellSpec) => s.cell !== 'MGU' && s.updateGate !== 'paper' && !s.peephole;

/** random weights, inputs and states for B rows of one cell */
function setup(spec: CellSpec, B = 3, I = 5, H = 9) {
  const GH = GATE_COUNT[spec.cell] * H;
  const w = { w_ih: rand(GH * I), w_hh: rand(GH * H), b_ih: rand(GH), b_hh: rand(GH), ...(spec.peephole ? { p: rand(3 * H) } : {}) };
  const x = rand(B * I, 1.5), h = rand(B * H), c = rand(B * H);
  const ref = Array.from({ length: B }, (_, b) =>
    cellStepRef(spec, w, I, H, x.subarray(b * I, (b + 1) * I), h.subarray(b * H, (b + 1) * H), spec.cell === 'LSTM' ? c.subarray(b * H, (b + 1) * H) : undefined));
  return { B, I, H, GH, w, x, h, c, ref };
}

describe('the TS time loop and the SIMD gate kernels against the reference cell', () => {
  for (const spec of SPECS) {
    for (const backend of ['ts', 'simd'] as const) {
      it(`${label(spec)} (${backend})`, () => {
        const { B, I, H, w, x, h, c, ref } = setup(spec);
        const layer = prepareLayer({ ...spec, inputSize: I, hiddenSize: H, bidirectional: false }, w);
        const r = runLayer(layer, x, B, 1, { h0: h, c0: spec.cell === 'LSTM' ? c : undefined, trace: true, backend });
        expectClose(`${label(spec)} h`, r.y, ref.flatMap((s) => s.h), 1e-5);
        if (spec.cell === 'LSTM') expectClose(`${label(spec)} c`, r.cN!, ref.flatMap((s) => s.c!), 1e-5);
        for (const g of CELL_GATES[spec.cell]) expectClose(`${label(spec)} gate ${g}`, r.trace![0].gates[g], ref.flatMap((s) => s.gates[g]), 1e-5);
      });
    }
  }
});

describe("the decoder's cell step against the reference cell", () => {
  for (const spec of SPECS.filter((s) => s.linearBeforeReset && torchCell(s))) {
    it(label(spec), () => {
      const { B, I, H, GH, w, x, h, c, ref } = setup(spec);
      // the decoder's step receives the two products; make them in double precision from the same weights
      const xp = new Float32Array(B * GH), hh = new Float32Array(B * GH);
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < GH; k++) {
          let sx = w.b_ih[k], sh = w.b_hh[k];
          for (let i = 0; i < I; i++) sx += w.w_ih[k * I + i] * x[b * I + i];
          for (let i = 0; i < H; i++) sh += w.w_hh[k * H + i] * h[b * H + i];
          xp[b * GH + k] = sx;
          hh[b * GH + k] = sh;
        }
      }
      const hs = h.slice(), cs = c.slice(), gates = new Float32Array(B * GH);
      cellUpdate(spec.cell as 'RNN' | 'LSTM' | 'GRU', B, H, xp, hh, hs, cs, 0, gates, 0, actCode(spec.activation), ractCode(spec.recurrentActivation));
      expectClose(`decoder ${label(spec)} h`, hs, ref.flatMap((s) => s.h), 1e-5);
      if (spec.cell === 'LSTM') expectClose(`decoder ${label(spec)} c`, cs, ref.flatMap((s) => s.c!), 1e-5);
      CELL_GATES[spec.cell].forEach((g, k) => {
        const got = Array.from({ length: B * H }, (_, i) => gates[Math.floor(i / H) * GH + k * H + (i % H)]);
        expectClose(`decoder ${label(spec)} gate ${g}`, got, ref.flatMap((s) => s.gates[g]), 1e-5);
      });
    });
  }
});

const info = (name: string, dims: number[]): ValueInfoProto => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } });

describe('the exported decoder step graph (ONNX, in onnxruntime) against the reference cell', () => {
  // what the decoder supports, hence what its export writes: PyTorch's cells
  for (const spec of SPECS.filter((s) => s.activation === 'tanh' && s.recurrentActivation === 'sigmoid' && s.linearBeforeReset && torchCell(s))) {
    it(label(spec), async () => {
      const { B, I, H, GH, w, x, h, c, ref } = setup(spec);
      const b = new GraphBuilder(17);
      const W = (name: string, v: Float32Array, dims: number[]) => b.addInitializer(floatTensorProto(name, dims, v));
      const gemm = (X: string, Wn: string, bn: string) => b.op('Gemm', [X, Wn, bn], [attr.int('transB', 1)]);
      const xp = gemm('x', W('w_ih', w.w_ih, [GH, I]), W('b_ih', w.b_ih, [GH]));
      const hh = gemm('h', W('w_hh', w.w_hh, [GH, H]), W('b_hh', w.b_hh, [GH]));
      const [hOut, cOut] = cellStep(b, spec.cell as 'RNN' | 'LSTM' | 'GRU', xp, hh, 'h', spec.cell === 'LSTM' ? 'c' : undefined);
      b.op('Identity', [hOut], [], 'h_out');
      if (cOut) b.op('Identity', [cOut], [], 'c_out');
      const bytes = encodeModel({
        ir_version: 8, opset_import: [{ domain: '', version: 17 }], producer_name: 'test',
        graph: {
          name: 'cell', node: b.nodes, initializer: b.initializers,
          input: [info('x', [B, I]), info('h', [B, H]), ...(cOut ? [info('c', [B, H])] : [])],
          output: [info('h_out', [B, H]), ...(cOut ? [info('c_out', [B, H])] : [])],
        },
      });
      const out = await runOnnx(bytes, { x: floatTensor([B, I], x), h: floatTensor([B, H], h), ...(cOut ? { c: floatTensor([B, H], c) } : {}) });
      expectClose(`onnx ${label(spec)} h`, out.h_out.data, ref.flatMap((s) => s.h), 1e-5);
      if (cOut) expectClose(`onnx ${label(spec)} c`, out.c_out.data, ref.flatMap((s) => s.c!), 1e-5);
      expect(out.h_out.shape).toEqual([B, H]);
    });
  }
});
