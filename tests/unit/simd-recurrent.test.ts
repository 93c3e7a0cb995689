// Whole recurrent layers on the SIMD kernels: the PyTorch fixtures (cells.json, gates.json) run
// on BOTH backends at 1e-5, and a randomized comparison of SIMD against the TS reference over
// every cell / activation / bidirectional / ragged combination, with sizes that are not
// multiples of 4 or 8 (the SIMD path pads H to a multiple of 8 internally).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prepareLayer, runLayer, Workspace,
  type Activation, type CellKind, type DirectionWeights, type LayerResult, type LayerSpec, type RecurrentActivation,
} from '../../src/runtime/kernels/recurrent';
import { setKernelBackend, type KernelBackend } from '../../src/runtime/kernels/wasm/runtime';
import { mulberry32 } from '../helpers/rng';

const TOL = 1e-5;
interface TJ { shape: number[]; data: number[] }
const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/pytorch/${name}`, import.meta.url), 'utf8'));
const f32 = (t: TJ | number[]) => Float32Array.from(Array.isArray(t) ? t : t.data);

function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = TOL): void {
  expect(got.length, `${name}: length`).toBe(want.length);
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= worst)) { worst = d; at = i; }
  }
  if (!(worst <= tol)) throw new Error(`${name}: max abs diff ${worst} at flat index ${at} (got ${got[at]}, want ${want[at]})`);
}

const randArr = (rnd: () => number, n: number, scale = 1) => Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);
const G_OF: Record<CellKind, number> = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 };

// ---------------------------------------------------------------- PyTorch fixtures, both backends

const KIND: Record<string, { cell: CellKind; activation: Activation }> = {
  rnn_tanh: { cell: 'RNN', activation: 'tanh' }, rnn_relu: { cell: 'RNN', activation: 'relu' },
  lstm: { cell: 'LSTM', activation: 'tanh' }, gru: { cell: 'GRU', activation: 'tanh' },
};

for (const backend of ['ts', 'simd'] as KernelBackend[]) {
  describe(`PyTorch fixtures on the ${backend} kernels`, () => {
    beforeAll(() => setKernelBackend(backend));
    afterAll(() => setKernelBackend('auto'));
    const cells = fixture('cells.json');
    const ws = new Workspace();
    for (const c of cells.cases) {
      it(`cells.json ${c.name}`, () => {
        const { cell, activation } = KIND[c.kind];
        const D = c.bidirectional ? 2 : 1, H = c.hidden_size, B = c.batch, T = c.seq_len, n = D * B * H;
        const w = c.weights as Record<string, TJ>;
        const dir = (l: number, sfx: string): DirectionWeights => ({
          w_ih: f32(w[`weight_ih_l${l}${sfx}`]), w_hh: f32(w[`weight_hh_l${l}${sfx}`]),
          b_ih: f32(w[`bias_ih_l${l}${sfx}`]), b_hh: f32(w[`bias_hh_l${l}${sfx}`]),
        });
        const layers = Array.from({ length: c.num_layers }, (_, l) => prepareLayer({
          cell, activation, recurrentActivation: 'sigmoid', linearBeforeReset: true,
          inputSize: l === 0 ? c.input_size : D * H, hiddenSize: H, bidirectional: D === 2,
        }, dir(l, ''), D === 2 ? dir(l, '_reverse') : undefined));
        for (const zero of [false, true]) {
          const h0 = zero ? undefined : f32(c.h0), c0 = zero || !c.c0 ? undefined : f32(c.c0);
          const hN = new Float32Array(layers.length * n), cN = new Float32Array(layers.length * n);
          let inp: Float32Array = f32(c.x);
          layers.forEach((layer, l) => {
            const r = runLayer(layer, inp, B, T, { h0: h0?.subarray(l * n, (l + 1) * n), c0: c0?.subarray(l * n, (l + 1) * n), workspace: ws });
            hN.set(r.hN, l * n);
            if (r.cN) cN.set(r.cN, l * n);
            inp = r.y;
          });
          if (backend === 'simd') expect((layers[0] as { simd?: unknown }).simd, 'the SIMD path ran').toBeTruthy();
          if (zero) { expectClose(`${c.name} output_zero_state`, inp, c.output_zero_state.data); continue; }
          expectClose(`${c.name} output`, inp, c.output.data);
          expectClose(`${c.name} h_n`, hN, c.h_n.data);
          if (c.c_n) expectClose(`${c.name} c_n`, cN, c.c_n.data);
        }
      });
    }
    const g = fixture('gates.json');
    for (const [key, cell, names] of [['lstm', 'LSTM', ['i', 'f', 'g', 'o', 'c', 'h']], ['gru', 'GRU', ['r', 'z', 'n', 'h']]] as const) {
      it(`gates.json ${key} (per-timestep trace)`, () => {
        const f = g[key], w = f.weights;
        const [B, T, I] = f.x.shape as number[];
        const H = w.weight_hh_l0.shape[1];
        const layer = prepareLayer({ cell, inputSize: I, hiddenSize: H, bidirectional: false, activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true },
          { w_ih: f32(w.weight_ih_l0), w_hh: f32(w.weight_hh_l0), b_ih: f32(w.bias_ih_l0), b_hh: f32(w.bias_hh_l0) });
        const r = runLayer(layer, f32(f.x), B, T, { trace: true });
        const tr = r.trace![0];
        for (const name of names) {
          const src = name === 'h' ? tr.h : name === 'c' ? tr.c! : tr.gates[name];
          for (let t = 0; t < T; t++) {
            const got = new Float32Array(B * H);
            for (let b = 0; b < B; b++) got.set(src.subarray((b * T + t) * H, (b * T + t + 1) * H), b * H);
            expectClose(`${key} ${name} t=${t}`, got, f.steps[t][name].data);
          }
        }
        expectClose(`${key} trace h == y`, tr.h, r.y, 0);
      });
    }
  });
}

// ---------------------------------------------------------------- randomized SIMD vs TS

interface Cfg { cell: CellKind; activation: Activation; ract: RecurrentActivation; lbr: boolean }
const CONFIGS: Cfg[] = [];
for (const cell of ['RNN', 'LSTM', 'GRU'] as CellKind[]) {
  for (const activation of ['tanh', 'relu'] as Activation[]) {
    for (const ract of (cell === 'RNN' ? ['sigmoid'] : ['sigmoid', 'hard_sigmoid']) as RecurrentActivation[]) {
      for (const lbr of cell === 'GRU' ? [true, false] : [false]) CONFIGS.push({ cell, activation, ract, lbr });
    }
  }
}

function compareBackends(name: string, a: LayerResult, b: LayerResult): void {
  expectClose(`${name} y`, a.y, b.y);
  expectClose(`${name} hN`, a.hN, b.hN);
  if (a.cN || b.cN) expectClose(`${name} cN`, a.cN!, b.cN!);
  expect(a.trace?.length).toBe(b.trace?.length);
  a.trace?.forEach((ta, d) => {
    const tb = b.trace![d];
    expectClose(`${name} trace[${d}].h`, ta.h, tb.h);
    if (ta.c || tb.c) expectClose(`${name} trace[${d}].c`, ta.c!, tb.c!);
    expect(Object.keys(ta.gates).sort()).toEqual(Object.keys(tb.gates).sort());
    for (const k of Object.keys(tb.gates)) expectClose(`${name} trace[${d}].${k}`, ta.gates[k], tb.gates[k]);
  });
}

describe('SIMD kernels vs the TS reference (randomized)', () => {
  const ws = new Workspace(); // shared across cases of different shapes: buffers grow and are reused
  CONFIGS.forEach((cfg, ci) => {
    const label = `${cfg.cell}/${cfg.activation}/${cfg.ract}${cfg.cell === 'GRU' ? `/lbr=${cfg.lbr}` : ''}`;
    it(label, () => {
      const rnd = mulberry32(1000 + ci);
      for (let trial = 0; trial < 6; trial++) {
        // odd sizes on purpose: H = 1..21 (rarely a multiple of 4 or 8), I = 1..19, B up to 11
        const B = 1 + Math.floor(rnd() * 11), T = 1 + Math.floor(rnd() * 9);
        const I = 1 + Math.floor(rnd() * 19), H = 1 + Math.floor(rnd() * 21);
        const bi = trial % 2 === 1, ragged = trial >= 2, D = bi ? 2 : 1, GH = G_OF[cfg.cell] * H;
        const spec: LayerSpec = { cell: cfg.cell, inputSize: I, hiddenSize: H, bidirectional: bi, activation: cfg.activation, recurrentActivation: cfg.ract, linearBeforeReset: cfg.lbr };
        const dir = (): DirectionWeights => ({ w_ih: randArr(rnd, GH * I, 0.7), w_hh: randArr(rnd, GH * H, 0.7), b_ih: randArr(rnd, GH, 0.5), b_hh: randArr(rnd, GH, 0.5) });
        const layer = prepareLayer(spec, dir(), bi ? dir() : undefined);
        const x = randArr(rnd, B * T * I, 2);
        const h0 = trial % 3 === 0 ? undefined : randArr(rnd, D * B * H, 0.9);
        const c0 = cfg.cell === 'LSTM' && trial % 3 !== 0 ? randArr(rnd, D * B * H, 0.9) : undefined;
        // ragged: unsorted lengths in [0, T], at least one full row
        const lengths = ragged ? Int32Array.from({ length: B }, (_, b) => (b === B - 1 ? T : Math.floor(rnd() * (T + 1)))) : undefined;
        const opts = { h0, c0, lengths, trace: true };
        const name = `${label} B=${B} T=${T} I=${I} H=${H}${bi ? ' bi' : ''}${ragged ? ` lengths=[${lengths}]` : ''}`;
        const simd = runLayer(layer, x, B, T, { ...opts, backend: 'simd', workspace: ws });
        const ts = runLayer(layer, x, B, T, { ...opts, backend: 'ts' });
        compareBackends(name, simd, ts);
        // without the trace too (the kernels take another branch)
        const plain = runLayer(layer, x, B, T, { ...opts, trace: false, backend: 'simd', workspace: ws });
        expectClose(`${name} untraced y`, plain.y, simd.y, 0);
        expect(plain.trace).toBeUndefined();
      }
    });
  });

  it('larger layers (H = 37, 64, 100; B = 1, 7, 32) agree, and earlier results are not clobbered', () => {
    const rnd = mulberry32(99);
    const kept: { y: Float32Array; copy: Float32Array }[] = [];
    for (const [cell, B, T, I, H] of [['LSTM', 1, 20, 33, 37], ['GRU', 7, 12, 16, 64], ['LSTM', 32, 6, 40, 100], ['RNN', 5, 30, 3, 64]] as const) {
      const GH = G_OF[cell] * H;
      const layer = prepareLayer({ cell, inputSize: I, hiddenSize: H, bidirectional: true, activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true },
        { w_ih: randArr(rnd, GH * I, 0.3), w_hh: randArr(rnd, GH * H, 0.3), b_ih: randArr(rnd, GH, 0.3), b_hh: randArr(rnd, GH, 0.3) },
        { w_ih: randArr(rnd, GH * I, 0.3), w_hh: randArr(rnd, GH * H, 0.3), b_ih: randArr(rnd, GH, 0.3), b_hh: randArr(rnd, GH, 0.3) });
      const x = randArr(rnd, B * T * I, 1);
      const lengths = Int32Array.from({ length: B }, (_, b) => Math.max(1, T - b));
      const simd = runLayer(layer, x, B, T, { lengths, trace: true, backend: 'simd' });
      const ts = runLayer(layer, x, B, T, { lengths, trace: true, backend: 'ts' });
      compareBackends(`${cell} B=${B} T=${T} I=${I} H=${H}`, simd, ts);
      kept.push({ y: simd.y, copy: simd.y.slice() });
    }
    kept.forEach((k, i) => expectClose(`result ${i} intact`, k.y, k.copy, 0));
  });
});
