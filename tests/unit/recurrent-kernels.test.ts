// Recurrent kernels against PyTorch fixtures and a plain scalar reference.
//
// Why it is laid out this way: the PyTorch fixtures (cells.json, gates.json) pin the numbers the
// runtime must reproduce; what PyTorch cannot give (ragged lengths row by row, GRU with
// linear_before_reset=false, hard_sigmoid, relu candidates) is checked against `refLayer` below, a
// deliberately naive per-scalar implementation written straight from the formulas, sharing no code
// with the kernels. Every comparison is a max-abs-diff that reports the case and the worst index.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gemm, transpose } from '../../src/runtime/kernels/gemm';
import {
  prepareLayer, runLayer, Workspace,
  type CellKind, type DirectionWeights, type LayerSpec, type Activation, type RecurrentActivation,
} from '../../src/runtime/kernels/recurrent';
import { describeEachBackend } from '../helpers/backends';
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
    if (!(d <= worst)) { worst = d; at = i; } // NaN counts as worst
  }
  if (!(worst <= tol)) {
    throw new Error(`${name}: max abs diff ${worst} at flat index ${at} (got ${got[at]}, want ${want[at]})`);
  }
}

const randArr = (rnd: () => number, n: number, scale = 1) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rnd() * 2 - 1) * scale;
  return a;
};
const G_OF: Record<CellKind, number> = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 };
function randWeights(rnd: () => number, cell: CellKind, I: number, H: number): DirectionWeights {
  const GH = G_OF[cell] * H, s = 1 / Math.sqrt(H);
  return { w_ih: randArr(rnd, GH * I, s), w_hh: randArr(rnd, GH * H, s), b_ih: randArr(rnd, GH, s), b_hh: randArr(rnd, GH, s) };
}

// ---------------------------------------------------------------- PyTorch cells.json

const KIND: Record<string, { cell: CellKind; activation: Activation }> = {
  rnn_tanh: { cell: 'RNN', activation: 'tanh' }, rnn_relu: { cell: 'RNN', activation: 'relu' },
  lstm: { cell: 'LSTM', activation: 'tanh' }, gru: { cell: 'GRU', activation: 'tanh' },
};

function torchLayers(c: any, w: Record<string, TJ>) {
  const { cell, activation } = KIND[c.kind];
  const D = c.bidirectional ? 2 : 1, H = c.hidden_size;
  const dir = (l: number, sfx: string): DirectionWeights => ({
    w_ih: f32(w[`weight_ih_l${l}${sfx}`]), w_hh: f32(w[`weight_hh_l${l}${sfx}`]),
    b_ih: f32(w[`bias_ih_l${l}${sfx}`]), b_hh: f32(w[`bias_hh_l${l}${sfx}`]),
  });
  return Array.from({ length: c.num_layers }, (_, l) => prepareLayer({
    cell, activation, recurrentActivation: 'sigmoid', linearBeforeReset: true,
    inputSize: l === 0 ? c.input_size : D * H, hiddenSize: H, bidirectional: D === 2,
  }, dir(l, ''), D === 2 ? dir(l, '_reverse') : undefined));
}

/** Runs a stacked model the way nn.RNN/LSTM/GRU does; returns output and [L*D, B, H] states. */
function runStack(layers: ReturnType<typeof torchLayers>, x: Float32Array, B: number, T: number,
  h0?: Float32Array, c0?: Float32Array, ws?: Workspace) {
  const D = layers[0].spec.bidirectional ? 2 : 1, H = layers[0].spec.hiddenSize, n = D * B * H;
  const hN = new Float32Array(layers.length * n), cN = new Float32Array(layers.length * n);
  let inp = x;
  layers.forEach((layer, l) => {
    const r = runLayer(layer, inp, B, T, {
      h0: h0?.subarray(l * n, (l + 1) * n), c0: c0?.subarray(l * n, (l + 1) * n), workspace: ws,
    });
    hN.set(r.hN, l * n);
    if (r.cN) cN.set(r.cN, l * n);
    inp = r.y;
  });
  return { y: inp, hN, cN };
}

describeEachBackend('PyTorch cells.json', () => {
  const cells = fixture('cells.json');
  it('has 16 cases', () => expect(cells.cases.length).toBe(16));
  const ws = new Workspace();
  for (const c of cells.cases) {
    it(c.name, () => {
      const layers = torchLayers(c, c.weights);
      const B = c.batch, T = c.seq_len;
      const x = f32(c.x);
      const r = runStack(layers, x, B, T, f32(c.h0), c.c0 ? f32(c.c0) : undefined, ws);
      expectClose(`${c.name} output`, r.y, c.output.data);
      expectClose(`${c.name} h_n`, r.hN, c.h_n.data);
      if (c.c_n) expectClose(`${c.name} c_n`, r.cN, c.c_n.data);
      const z = runStack(layers, x, B, T, undefined, undefined, ws);
      expectClose(`${c.name} output_zero_state`, z.y, c.output_zero_state.data);
    });
  }
});

// ---------------------------------------------------------------- PyTorch gates.json

describeEachBackend('PyTorch gates.json (per-timestep trace)', () => {
  const g = fixture('gates.json');
  for (const [key, cell, names] of [['lstm', 'LSTM', ['i', 'f', 'g', 'o', 'c', 'h']], ['gru', 'GRU', ['r', 'z', 'n', 'h']]] as const) {
    it(key, () => {
      const f = g[key], w = f.weights;
      const [B, T, I] = f.x.shape as number[];
      const H = w.weight_hh_l0.shape[1];
      const layer = prepareLayer({ cell, inputSize: I, hiddenSize: H, bidirectional: false, activation: 'tanh',
        recurrentActivation: 'sigmoid', linearBeforeReset: true },
      { w_ih: f32(w.weight_ih_l0), w_hh: f32(w.weight_hh_l0), b_ih: f32(w.bias_ih_l0), b_hh: f32(w.bias_hh_l0) });
      const r = runLayer(layer, f32(f.x), B, T, { trace: true });
      const tr = r.trace![0];
      expect(f.steps.length).toBe(T);
      for (const name of names) {
        const src = name === 'h' ? tr.h : name === 'c' ? tr.c! : tr.gates[name];
        expect(src, `${key} trace has ${name}`).toBeDefined();
        for (let t = 0; t < T; t++) {
          const got = new Float32Array(B * H);
          for (let b = 0; b < B; b++) got.set(src.subarray((b * T + t) * H, (b * T + t + 1) * H), b * H);
          expectClose(`${key} ${name} t=${t}`, got, f.steps[t][name].data);
        }
      }
      // The trace's h is the layer output.
      expectClose(`${key} trace h == y`, tr.h, r.y, 0);
    });
  }
});

// ---------------------------------------------------------------- naive scalar reference

const sig = (v: number) => 1 / (1 + Math.exp(-v));
const hsig = (v: number) => Math.max(0, Math.min(1, 0.2 * v + 0.5));
const actF = (a: Activation) => (a === 'tanh' ? Math.tanh : (v: number) => Math.max(0, v));

/** W[row, :] · v  for a row-major matrix with `cols` columns. */
function dotRow(W: Float32Array, row: number, cols: number, v: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < cols; k++) s += W[row * cols + k] * v[k];
  return s;
}

/** One direction of one layer on one sequence x[t][I], plain formulas. */
function refDirection(spec: LayerSpec, w: DirectionWeights, xs: Float32Array[], h0: number[], c0: number[]) {
  const H = spec.hiddenSize, I = spec.inputSize;
  const f = actF(spec.activation), g = spec.recurrentActivation === 'sigmoid' ? sig : hsig;
  let h = h0.slice(), c = c0.slice();
  const out: { h: number[]; c: number[]; gates: Record<string, number[]> }[] = [];
  for (const x of xs) {
    const pre = (gate: number, j: number) => dotRow(w.w_ih, gate * H + j, I, x) + w.b_ih[gate * H + j];
    const rec = (gate: number, j: number, v: number[]) => dotRow(w.w_hh, gate * H + j, H, v) + w.b_hh[gate * H + j];
    const nh: number[] = [], nc: number[] = [];
    const gates: Record<string, number[]> = {};
    if (spec.cell === 'RNN') {
      gates.a = [];
      for (let j = 0; j < H; j++) { const a = pre(0, j) + rec(0, j, h); gates.a.push(a); nh.push(f(a)); }
    } else if (spec.cell === 'LSTM') {
      for (const k of 'ifgo') gates[k] = [];
      for (let j = 0; j < H; j++) {
        const i = g(pre(0, j) + rec(0, j, h)), fg = g(pre(1, j) + rec(1, j, h));
        const gg = f(pre(2, j) + rec(2, j, h)), o = g(pre(3, j) + rec(3, j, h));
        const cc = fg * c[j] + i * gg;
        nc.push(cc); nh.push(o * f(cc));
        gates.i.push(i); gates.f.push(fg); gates.g.push(gg); gates.o.push(o);
      }
    } else {
      const r: number[] = [], z: number[] = [];
      for (let j = 0; j < H; j++) { r.push(g(pre(0, j) + rec(0, j, h))); z.push(g(pre(1, j) + rec(1, j, h))); }
      const rh = h.map((v, j) => r[j] * v);
      const n: number[] = [];
      for (let j = 0; j < H; j++) {
        n.push(f(spec.linearBeforeReset ? pre(2, j) + r[j] * rec(2, j, h) : pre(2, j) + rec(2, j, rh)));
        nh.push((1 - z[j]) * n[j] + z[j] * h[j]);
      }
      Object.assign(gates, { r, z, n });
    }
    h = nh; if (spec.cell === 'LSTM') c = nc;
    out.push({ h, c, gates });
  }
  return out;
}

/** Full layer reference with lengths: builds the same [B,T,*] arrays runLayer returns. */
function refLayer(spec: LayerSpec, dirs: DirectionWeights[], x: Float32Array, B: number, T: number,
  lengths: number[], h0: Float32Array, c0: Float32Array) {
  const H = spec.hiddenSize, I = spec.inputSize, D = dirs.length;
  const names = spec.cell === 'RNN' ? ['a'] : spec.cell === 'LSTM' ? ['i', 'f', 'g', 'o'] : ['r', 'z', 'n'];
  const y = new Float32Array(B * T * D * H), hN = new Float32Array(D * B * H), cN = new Float32Array(D * B * H);
  const tr = dirs.map(() => ({ h: new Float32Array(B * T * H), c: new Float32Array(B * T * H),
    gates: Object.fromEntries(names.map((n) => [n, new Float32Array(B * T * H)])) as Record<string, Float32Array> }));
  for (let d = 0; d < D; d++) {
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const ts = Array.from({ length: L }, (_, s) => (d === 0 ? s : L - 1 - s));
      const xs = ts.map((t) => x.subarray((b * T + t) * I, (b * T + t + 1) * I));
      const st0 = (a: Float32Array) => Array.from(a.subarray((d * B + b) * H, (d * B + b + 1) * H));
      const steps = refDirection(spec, dirs[d], xs, st0(h0), st0(c0));
      steps.forEach((st, s) => {
        const t = ts[s];
        for (let j = 0; j < H; j++) {
          y[(b * T + t) * D * H + d * H + j] = st.h[j];
          tr[d].h[(b * T + t) * H + j] = st.h[j];
          tr[d].c[(b * T + t) * H + j] = st.c[j];
          for (const n of names) tr[d].gates[n][(b * T + t) * H + j] = st.gates[n][j];
        }
      });
      const last = steps.length ? steps[steps.length - 1] : { h: st0(h0), c: st0(c0) };
      hN.set(last.h, (d * B + b) * H); cN.set(last.c, (d * B + b) * H);
    }
  }
  return { y, hN, cN, tr };
}

interface Cfg { cell: CellKind; activation: Activation; ract: RecurrentActivation; lbr: boolean }
const CONFIGS: Cfg[] = [
  { cell: 'GRU', activation: 'tanh', ract: 'sigmoid', lbr: false },
  { cell: 'GRU', activation: 'tanh', ract: 'hard_sigmoid', lbr: false },
  { cell: 'GRU', activation: 'tanh', ract: 'hard_sigmoid', lbr: true },
  { cell: 'GRU', activation: 'relu', ract: 'sigmoid', lbr: true },
  { cell: 'LSTM', activation: 'tanh', ract: 'sigmoid', lbr: false },
  { cell: 'LSTM', activation: 'tanh', ract: 'hard_sigmoid', lbr: false },
  { cell: 'LSTM', activation: 'relu', ract: 'sigmoid', lbr: false },
  { cell: 'RNN', activation: 'tanh', ract: 'sigmoid', lbr: false },
  { cell: 'RNN', activation: 'relu', ract: 'sigmoid', lbr: false },
];
const cfgName = (c: Cfg) => `${c.cell}/${c.activation}/${c.ract}${c.cell === 'GRU' ? `/lbr=${c.lbr}` : ''}`;

function makeCase(cfg: Cfg, seed: number, B: number, T: number, I: number, H: number, bidirectional: boolean) {
  const rnd = mulberry32(seed);
  const D = bidirectional ? 2 : 1;
  const spec: LayerSpec = { cell: cfg.cell, inputSize: I, hiddenSize: H, bidirectional, activation: cfg.activation,
    recurrentActivation: cfg.ract, linearBeforeReset: cfg.lbr };
  const dirs = Array.from({ length: D }, () => randWeights(rnd, cfg.cell, I, H));
  const x = randArr(rnd, B * T * I, 1.5);
  const h0 = randArr(rnd, D * B * H, 0.8), c0 = randArr(rnd, D * B * H, 0.8);
  return { spec, dirs, x, h0, c0, layer: prepareLayer(spec, dirs[0], dirs[1]) };
}

function compareWithRef(name: string, k: ReturnType<typeof makeCase>, B: number, T: number, lengths?: number[]) {
  const isLSTM = k.spec.cell === 'LSTM';
  const c0 = isLSTM ? k.c0 : new Float32Array(k.c0.length);
  const r = runLayer(k.layer, k.x, B, T, { h0: k.h0, c0: isLSTM ? k.c0 : undefined, trace: true,
    lengths: lengths ? Int32Array.from(lengths) : undefined });
  const ref = refLayer(k.spec, k.dirs, k.x, B, T, lengths ?? Array(B).fill(T), k.h0, c0);
  expectClose(`${name} y`, r.y, ref.y);
  expectClose(`${name} hN`, r.hN, ref.hN);
  if (isLSTM) expectClose(`${name} cN`, r.cN!, ref.cN);
  r.trace!.forEach((tr, d) => {
    expectClose(`${name} trace[${d}].h`, tr.h, ref.tr[d].h);
    if (isLSTM) expectClose(`${name} trace[${d}].c`, tr.c!, ref.tr[d].c);
    for (const g of Object.keys(ref.tr[d].gates)) expectClose(`${name} trace[${d}].${g}`, tr.gates[g], ref.tr[d].gates[g]);
  });
}

describeEachBackend('scalar reference: linear_before_reset=false, hard_sigmoid, relu', () => {
  CONFIGS.forEach((cfg, ci) => {
    for (const bi of [false, true]) {
      const name = `${cfgName(cfg)} ${bi ? 'bi' : 'uni'}`;
      it(name, () => {
        // B=5 exercises both the 4-row and the 1-row gemm paths; odd I/H the k remainders.
        compareWithRef(name, makeCase(cfg, 100 + ci * 2 + (bi ? 1 : 0), 5, 6, 7, 5, bi), 5, 6);
      });
    }
  });
  it('lbr=false differs from lbr=true (the flag is honoured)', () => {
    const a = makeCase(CONFIGS[0], 7, 2, 4, 3, 4, false);
    const b = prepareLayer({ ...a.spec, linearBeforeReset: true }, a.dirs[0]);
    const ya = runLayer(a.layer, a.x, 2, 4, { h0: a.h0 }).y, yb = runLayer(b, a.x, 2, 4, { h0: a.h0 }).y;
    let diff = 0;
    for (let i = 0; i < ya.length; i++) diff = Math.max(diff, Math.abs(ya[i] - yb[i]));
    expect(diff).toBeGreaterThan(1e-3);
  });
});

// ---------------------------------------------------------------- ragged lengths

describeEachBackend('ragged lengths (packed-sequence semantics)', () => {
  const lengths = [4, 7, 1, 5, 7, 2]; // unsorted on purpose
  const B = lengths.length, T = 7, I = 5, H = 6;
  CONFIGS.forEach((cfg, ci) => {
    const name = `${cfgName(cfg)} bi ragged`;
    it(`${name}: each row equals running it alone with T = L_b`, () => {
      const k = makeCase(cfg, 300 + ci, B, T, I, H, true);
      const isLSTM = cfg.cell === 'LSTM';
      const full = runLayer(k.layer, k.x, B, T, { h0: k.h0, c0: isLSTM ? k.c0 : undefined, trace: true,
        lengths: Int32Array.from(lengths) });
      for (let b = 0; b < B; b++) {
        const L = lengths[b];
        const rowState = (a: Float32Array) => {
          const o = new Float32Array(2 * H);
          for (let d = 0; d < 2; d++) o.set(a.subarray((d * B + b) * H, (d * B + b + 1) * H), d * H);
          return o;
        };
        const alone = runLayer(k.layer, k.x.slice(b * T * I, (b * T + L) * I), 1, L,
          { h0: rowState(k.h0), c0: isLSTM ? rowState(k.c0) : undefined, trace: true });
        const n = `${name} row ${b} (L=${L})`;
        const yRow = full.y.subarray(b * T * 2 * H, (b + 1) * T * 2 * H);
        expectClose(`${n} y valid`, yRow.subarray(0, L * 2 * H), alone.y, 0);
        expectClose(`${n} y padded is 0`, yRow.subarray(L * 2 * H), new Float32Array((T - L) * 2 * H), 0);
        expectClose(`${n} hN`, rowState(full.hN), alone.hN, 0);
        if (isLSTM) expectClose(`${n} cN`, rowState(full.cN!), alone.cN!, 0);
        for (let d = 0; d < 2; d++) {
          const ft = full.trace![d], at = alone.trace![0 + d];
          const arrays: [string, Float32Array, Float32Array][] = [['h', ft.h, at.h]];
          if (isLSTM) arrays.push(['c', ft.c!, at.c!]);
          for (const g of Object.keys(ft.gates)) arrays.push([g, ft.gates[g], at.gates[g]]);
          for (const [g, fa, aa] of arrays) {
            const row = fa.subarray(b * T * H, (b + 1) * T * H);
            expectClose(`${n} trace[${d}].${g}`, row.subarray(0, L * H), aa, 0);
            expectClose(`${n} trace[${d}].${g} padded is 0`, row.subarray(L * H), new Float32Array((T - L) * H), 0);
          }
        }
      }
      // and the whole thing against the scalar reference
      compareWithRef(`${name} vs reference`, k, B, T, lengths);
    });
  });
});

// ---------------------------------------------------------------- workspace reuse, gemm

describeEachBackend('workspace reuse', () => {
  it('two runs with one Workspace give identical results and do not clobber earlier results', () => {
    const ws = new Workspace();
    const k = makeCase({ cell: 'LSTM', activation: 'tanh', ract: 'sigmoid', lbr: false }, 9, 3, 8, 4, 6, true);
    const small = makeCase({ cell: 'GRU', activation: 'tanh', ract: 'sigmoid', lbr: false }, 10, 1, 2, 3, 2, false);
    const opts = { h0: k.h0, c0: k.c0, trace: true, lengths: Int32Array.of(8, 3, 6), workspace: ws };
    const r1 = runLayer(k.layer, k.x, 3, 8, opts);
    const copy = { y: r1.y.slice(), hN: r1.hN.slice(), cN: r1.cN!.slice(), gi: r1.trace![1].gates.i.slice() };
    runLayer(small.layer, small.x, 1, 2, { workspace: ws }); // different shapes in between
    const big = makeCase({ cell: 'RNN', activation: 'tanh', ract: 'sigmoid', lbr: false }, 11, 9, 12, 10, 16, true);
    runLayer(big.layer, big.x, 9, 12, { h0: big.h0, workspace: ws }); // forces the buffers to grow
    const r2 = runLayer(k.layer, k.x, 3, 8, opts);
    expectClose('ws y', r2.y, copy.y, 0);
    expectClose('ws hN', r2.hN, copy.hN, 0);
    expectClose('ws cN', r2.cN!, copy.cN, 0);
    expectClose('ws trace', r2.trace![1].gates.i, copy.gi, 0);
    expectClose('ws first result intact', r1.y, copy.y, 0);
    expect(r2.y).not.toBe(r1.y);
  });
});

describeEachBackend('gemm', () => {
  it('matches a naive product for odd shapes, with and without bias, and accumulates', () => {
    const rnd = mulberry32(5);
    for (const [M, K, N] of [[1, 1, 1], [3, 5, 7], [4, 4, 4], [9, 13, 6], [17, 3, 33], [6, 0, 4]]) {
      const X = randArr(rnd, M * K), W = randArr(rnd, N * K), bias = randArr(rnd, N);
      const want = new Float32Array(M * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) want[m * N + n] = dotRow(W, n, K, X.subarray(m * K)) + bias[n];
      const Y = new Float32Array(M * N + 3).fill(42);
      gemm(X, 0, M, K, transpose(W, N, K), N, bias, Y, 2);
      expectClose(`gemm ${M}x${K}x${N}`, Y.subarray(2, 2 + M * N), want);
      expect([Y[0], Y[1], Y[2 + M * N]]).toEqual([42, 42, 42]);
      gemm(X, 0, M, K, transpose(W, N, K), N, null, Y, 2, true);
      const twice = want.map((v, i) => 2 * v - bias[i % N]);
      expectClose(`gemm acc ${M}x${K}x${N}`, Y.subarray(2, 2 + M * N), twice);
    }
  });
});
