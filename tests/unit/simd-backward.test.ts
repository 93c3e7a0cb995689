// The WebAssembly SIMD backward kernels against the TypeScript reference backward (1e-5 absolute):
// BPTT of RNN (tanh, relu), LSTM and GRU (both linear_before_reset conventions) with either gate
// activation and either candidate activation, one direction and bidirectional, full and ragged
// batches (lengths), with and without initial states, the gradient trace; stacked bidirectional
// models from a graph (Embedding with padding → 2-layer recurrent → Dense); Linear's backward;
// reverse-only layers; and on the SIMD backend the cells without SIMD backward kernels (MGU,
// GRU update_gate 'paper', peephole LSTMs: SIMD forward, TS reference backward).
// Each case runs forwardTrain + backward once on each backend from the same weights and seeds,
// and checks that the SIMD path really ran (its activations stayed in wasm memory and were used).
// The reference itself is checked against PyTorch elsewhere (train-grads-fixture, train-gradcheck).
import { afterAll, describe, expect, it } from 'vitest';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { Program } from '../../src/ir/program';
import { Rng } from '../../src/compiler/rng';
import { backward, forwardTrain, type BackwardResult } from '../../src/runtime/train';
import { floatTensor, type Tensor } from '../../src/runtime/tensor';
import { setKernelBackend, simdAvailable, type KernelBackend } from '../../src/runtime/kernels/wasm/runtime';
import { linearBackwardSimd } from '../../src/runtime/kernels/wasm/linear-simd';
import type { RecurrentSaved } from '../../src/runtime/kernels/recurrent-op';
import { expectClose } from '../helpers/fixtures';
import { opProgram } from '../helpers/gradcheck';
import { recurrentGraph, recurrentSpec, tokenBatches } from '../helpers/train-models';
import { layerProgram, variants, type Variant } from '../helpers/recurrent-programs';

const TOL = 1e-5;

afterAll(() => setKernelBackend('auto'));

interface Run { res: BackwardResult; program: Program; saved: (RecurrentSaved | undefined)[] }

/** forwardTrain + backward on one backend, seeds on every float output */
function run(backend: KernelBackend, program: Program, feeds: Record<string, Tensor>, seedsOf: (outs: Record<string, Tensor>) => Map<string, Float32Array>, trace = false): Run {
  setKernelBackend(backend);
  const f = forwardTrain(program, feeds, { seed: 0, trace });
  const res = backward(f.tape, seedsOf(f.outputs), { trace });
  const saved = f.tape.entries.map((e) => (['RNN', 'LSTM', 'GRU', 'MGU'].includes(e.op.op) ? (e.saved as RecurrentSaved) : undefined));
  return { res, program, saved };
}

/** fallback: the variant's backward is the TS reference's, on the JS trace the SIMD forward wrote */
function compareRuns(ts: Run, simd: Run, fallback = false): void {
  expect([...simd.res.grads.keys()].sort()).toEqual([...ts.res.grads.keys()].sort());
  for (const [name, g] of ts.res.grads) expectClose(`d${name}`, simd.res.grads.get(name)!, g, TOL);
  for (const [name, g] of ts.res.inputGrads) expectClose(`input d${name}`, simd.res.inputGrads.get(name)!, g, TOL);
  // the SIMD backward ran on activations left in wasm memory (not on copies through the TS reference)
  for (const s of simd.saved) {
    if (!s) continue;
    if (fallback) {
      expect(s.simd, 'no wasm-resident activations for a variant without SIMD backward kernels').toBeUndefined();
      expect(s.r.trace, 'the SIMD forward wrote the JS trace the TS backward reads').toBeDefined();
      continue;
    }
    expect(s.simd, 'the SIMD forward saved its activations in wasm memory').toBeDefined();
    expect(s.simd!.consumed, 'the SIMD backward consumed them').toBe(true);
  }
  const gt = ts.res.gradTrace, gs = simd.res.gradTrace;
  expect(gs === undefined).toBe(gt === undefined);
  if (gt && gs) {
    expect(gs.nodes.length).toBe(gt.nodes.length);
    gt.nodes.forEach((nt, i) => {
      const ns = gs.nodes[i];
      expect(ns.lengths).toEqual(nt.lengths);
      expect(ns.layers.length).toBe(nt.layers.length);
      nt.layers.forEach((l, k) => {
        const at = `${nt.node} layer ${l.layer} ${l.direction}`;
        expectClose(`${at} dL/dh`, ns.layers[k].dh, l.dh, TOL);
        if (l.dc) expectClose(`${at} dL/dc`, ns.layers[k].dc!, l.dc, TOL);
      });
    });
  }
}

const name = (v: Variant) => `${v.cell} ${v.activation}${v.cell === 'RNN' ? '' : ` ${v.ra}`}${v.cell === 'GRU' ? ` linear_before_reset=${v.lbr}` : ''}${v.paper ? ' update_gate=paper' : ''}${v.peephole ? ' peephole' : ''}${v.reverse ? ' direction=reverse' : ''}`;

/** forwardTrain + backward of one layer on both backends from the same weights and seeds */
function compareLayer(v: Variant, bi: boolean, ragged: boolean, fallback: boolean, B: number, T: number, I: number, H: number): void {
  const p = layerProgram(v, bi, ragged, ragged, new Rng(17 + (bi ? 1 : 0) + (ragged ? 2 : 0)), B, T, I, H);
  const seedRng = new Rng(99);
  const seeds = p.outputs.map((o, i) => [o.value, Float32Array.from({ length: i === 0 ? B * T * (bi ? 2 : 1) * H : (bi ? 2 : 1) * B * H }, () => seedRng.uniform(-1, 1))] as const);
  compareRuns(run('ts', p, {}, () => new Map(seeds)), run('simd', p, {}, () => new Map(seeds)), fallback);
}

describe.runIf(simdAvailable())('SIMD BPTT = TS reference BPTT (1e-5), one layer', () => {
  // H = 11 and I = 5 are not multiples of the SIMD width (the kernels pad H to 8 internally)
  const B = 5, T = 7, I = 5, H = 11;
  for (const v of variants()) {
    for (const bi of [false, true]) {
      for (const ragged of [false, true]) {
        it(`${name(v)}${bi ? ' bidirectional' : ''}${ragged ? ', ragged lengths + initial state' : ''}`, () => {
          const rng = new Rng(17 + (bi ? 1 : 0) + (ragged ? 2 : 0));
          const p = layerProgram(v, bi, ragged, ragged, rng, B, T, I, H);
          // the same random seeds for both runs: dL/dY, dL/dh_n (and dL/dc_n)
          const seedRng = new Rng(99);
          const seeds = p.outputs.map((o, i) => [o.value, Float32Array.from({ length: i === 0 ? B * T * (bi ? 2 : 1) * H : (bi ? 2 : 1) * B * H }, () => seedRng.uniform(-1, 1))] as const);
          const seedsOf = () => new Map(seeds);
          compareRuns(run('ts', p, {}, seedsOf), run('simd', p, {}, seedsOf));
        });
      }
    }
  }

  it('with the gradient trace (dL/dh_t, dL/dc_t per step): LSTM and GRU, bidirectional, ragged', () => {
    for (const v of [{ cell: 'LSTM', activation: 'tanh', ra: 'sigmoid', lbr: true }, { cell: 'GRU', activation: 'tanh', ra: 'sigmoid', lbr: false }] as Variant[]) {
      const p = layerProgram(v, true, true, true, new Rng(3), B, T, I, H);
      const seedRng = new Rng(4);
      const seeds = p.outputs.map((o, i) => [o.value, Float32Array.from({ length: i === 0 ? B * T * 2 * H : 2 * B * H }, () => seedRng.uniform(-1, 1))] as const);
      const ts = run('ts', p, {}, () => new Map(seeds), true), simd = run('simd', p, {}, () => new Map(seeds), true);
      expect(ts.res.gradTrace).toBeDefined();
      compareRuns(ts, simd);
    }
  });

  it('H a multiple of 8 and a bigger batch (no padding lanes; the per-step gemm over many rows)', () => {
    for (const v of [{ cell: 'LSTM', activation: 'tanh', ra: 'sigmoid', lbr: true }, { cell: 'GRU', activation: 'tanh', ra: 'sigmoid', lbr: true }, { cell: 'GRU', activation: 'tanh', ra: 'sigmoid', lbr: false }] as Variant[]) {
      const p = layerProgram(v, true, true, false, new Rng(8), 19, 9, 16, 24);
      const seedRng = new Rng(5);
      const seeds = p.outputs.map((o, i) => [o.value, Float32Array.from({ length: i === 0 ? 19 * 9 * 2 * 24 : 2 * 19 * 24 }, () => seedRng.uniform(-1, 1))] as const);
      compareRuns(run('ts', p, {}, () => new Map(seeds)), run('simd', p, {}, () => new Map(seeds)));
    }
  });
});

describe.runIf(simdAvailable())('SIMD backend training of the cells without SIMD backward kernels (MGU, update_gate paper, peepholes) = TS reference (1e-5)', () => {
  // their forward runs on the SIMD kernels and writes the JS trace; backward is the TS reference's
  const B = 5, T = 7, I = 5, H = 11;
  const cases: Variant[] = [];
  for (const activation of ['tanh', 'relu'] as const) {
    for (const ra of ['sigmoid', 'hard_sigmoid'] as const) {
      cases.push({ cell: 'MGU', activation, ra, lbr: true }, { cell: 'LSTM', activation, ra, lbr: true, peephole: true });
      for (const lbr of [true, false]) cases.push({ cell: 'GRU', activation, ra, lbr, paper: true });
    }
  }
  for (const v of cases) {
    for (const bi of [false, true]) {
      it(`${name(v)}${bi ? ' bidirectional' : ''}, ragged lengths + initial state`, () => compareLayer(v, bi, true, true, B, T, I, H));
    }
  }
  it('full batches (no lengths), H a multiple of 8', () => {
    for (const v of cases.filter((c) => c.activation === 'tanh' && c.ra === 'sigmoid')) compareLayer(v, true, false, true, 6, 5, 4, 16);
  });
});

describe.runIf(simdAvailable())('SIMD BPTT of reverse-only layers (ONNX direction=reverse) = TS reference (1e-5)', () => {
  for (const v of [{ cell: 'RNN', activation: 'tanh', ra: 'sigmoid', lbr: true }, { cell: 'LSTM', activation: 'tanh', ra: 'sigmoid', lbr: true }, { cell: 'GRU', activation: 'tanh', ra: 'sigmoid', lbr: true }, { cell: 'GRU', activation: 'tanh', ra: 'sigmoid', lbr: false }] as Variant[]) {
    it(`${name({ ...v, reverse: true })}, ragged lengths + initial state`, () => compareLayer({ ...v, reverse: true }, false, true, false, 5, 7, 5, 11));
  }
});

describe.runIf(simdAvailable())('SIMD backward = TS reference on whole graphs: Embedding (padding) → stacked bidirectional → Dense', () => {
  for (const cell of ['RNN', 'LSTM', 'GRU'] as const) {
    for (const head of ['last', 'steps'] as const) {
      it(`${cell}, 2 layers, bidirectional, ragged token batch, head on ${head}`, () => {
        const m = recurrentSpec({ cell, layers: 2, bidirectional: true, head, hidden: 13, emb: 7, vocab: 12, classes: 5 });
        const loaded = checkGraph(recurrentGraph(m));
        if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
        const program = compile(loaded.doc).program!;
        let s = 7;
        const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
        const batch = tokenBatches(rand, m, 1, 6, 8)[0];
        const seedOf = (outs: Record<string, Tensor>) => {
          const out = program.outputs[0], n = outs[out.name].data.length, r = new Rng(11);
          return new Map([[out.value, Float32Array.from({ length: n }, () => r.uniform(-1, 1))]]);
        };
        const ts = run('ts', program, batch.feeds, seedOf), simd = run('simd', program, batch.feeds, seedOf);
        expect(simd.saved.filter(Boolean).length, 'two recurrent layers on the tape').toBe(2);
        compareRuns(ts, simd);
      });
    }
  }
});

describe.runIf(simdAvailable())('SIMD Linear backward = TS reference (dX, dW, db)', () => {
  it('a product big enough for the SIMD kernels (M·N·K past the threshold), sizes not multiples of 8', () => {
    const rng = new Rng(21);
    const M = 45, K = 37, N = 29;
    const rand = (shape: number[]) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)));
    const X = rand([M, K]), W = rand([N, K]), b = rand([N]);
    const dY = Float32Array.from({ length: M * N }, () => rng.uniform(-1, 1));
    // the kernel itself runs (not the fallback)
    const direct = linearBackwardSimd(X.data as Float32Array, W.data as Float32Array, dY, M, K, N, [true, true, true]);
    expect(direct, 'the SIMD Linear backward ran').not.toBeNull();
    const p = opProgram('Linear', [X, W, b]);
    const seedsOf = () => new Map([['out0', dY]]);
    const ts = run('ts', p, {}, seedsOf), simd = run('simd', p, {}, seedsOf);
    compareRuns(ts, simd);
    expectClose('direct dX', direct![0]!, ts.res.grads.get('in0')!, TOL);
    expectClose('direct dW', direct![1]!, ts.res.grads.get('in1')!, TOL);
    expectClose('direct db', direct![2]!, ts.res.grads.get('in2')!, TOL);
  });
});

describe.runIf(simdAvailable())('SIMD saved activations: one arena per layer, reused by every training step', () => {
  const v: Variant = { cell: 'LSTM', activation: 'tanh', ra: 'sigmoid', lbr: true };
  const seedsFor = (p: Program) => {
    const r = new Rng(1);
    return new Map(p.outputs.map((o, i) => [o.value, Float32Array.from({ length: i === 0 ? 3 * 4 * 6 : 3 * 6 }, () => r.uniform(-1, 1))] as const));
  };

  it('a second forwardTrain before the first tape\'s backward: the first tape still gets exact gradients', () => {
    const p = layerProgram(v, false, true, true, new Rng(2), 3, 4, 3, 6);
    setKernelBackend('ts');
    const want = backward(forwardTrain(p, {}, { seed: 0 }).tape, seedsFor(p));
    setKernelBackend('simd');
    const first = forwardTrain(p, {}, { seed: 0 });
    const second = forwardTrain(p, {}, { seed: 0 });
    const g1 = backward(first.tape, seedsFor(p)), g2 = backward(second.tape, seedsFor(p));
    for (const [n, g] of want.grads) {
      expectClose(`first tape d${n}`, g1.grads.get(n)!, g, TOL);
      expectClose(`second tape d${n}`, g2.grads.get(n)!, g, TOL);
    }
  });

  it('a second backward of a tape whose activations a newer forward reused: a clear error', () => {
    const p = layerProgram(v, false, false, false, new Rng(2), 3, 4, 3, 6);
    setKernelBackend('simd');
    const first = forwardTrain(p, {}, { seed: 0 });
    backward(first.tape, seedsFor(p));
    forwardTrain(p, {}, { seed: 0 });
    expect(() => backward(first.tape, seedsFor(p))).toThrow(/activations this training forward saved were released/);
  });
});
