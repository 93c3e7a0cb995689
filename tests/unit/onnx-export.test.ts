// Export parity for the recurrent ops: Programs built by hand (one IR op per layer, as the
// compiler lowers nn.RNN/LSTM/GRU), exported to ONNX and run in onnxruntime-web, against the
// PyTorch fixtures (cells.json) and, for variants PyTorch lacks, against a plain JS reference
// that is itself checked against the fixtures first.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Op, Program, ValueInfo } from '../../src/ir/program';
import { exportOnnx } from '../../src/onnx/export';
import { runOnnx } from '../../src/onnx/ort';
import { decodeModel } from '../../src/onnx/proto';
import { floatTensor, intTensor, type Dim, type Tensor } from '../../src/runtime/tensor';

const FIX = fileURLToPath(new URL('../fixtures/pytorch/cells.json', import.meta.url));
interface TJ { shape: number[]; data: number[] }
interface Case {
  name: string; kind: 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru'; input_size: number; hidden_size: number; num_layers: number;
  bidirectional: boolean; batch: number; seq_len: number; weights: Record<string, TJ>;
  x: TJ; h0: TJ; c0?: TJ; output: TJ; h_n: TJ; c_n?: TJ; output_zero_state: TJ;
}
const CASES: Case[] = JSON.parse(readFileSync(FIX, 'utf8')).cases;

type Cell = 'RNN' | 'LSTM' | 'GRU';
const t = (j: TJ): Tensor => floatTensor(j.shape, j.data);

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

// ---------------------------------------------------------------- building Programs by hand

interface RecSpec {
  cell: Cell; L: number; D: number; I: number; H: number;
  activation?: string; recurrent_activation?: string; linear_before_reset?: boolean;
  weights: Record<string, Tensor>; // PyTorch state_dict names
  init: boolean; lengths: boolean;
}

/** nn.RNN/LSTM/GRU(batch_first) lowered as the compiler does: one IR op per layer. */
function recurrentProgram(s: RecSpec): Program {
  const { cell, L, D, H } = s;
  const f = (shape: Dim[]) => ({ dtype: 'float32' as const, shape });
  const values: Record<string, ValueInfo> = {};
  const val = (name: string, v: { dtype: 'float32' | 'int64'; shape: Dim[] }) => (values[name] = { name, ...v });
  const ops: Op[] = [];
  const inputs: Program['inputs'] = [{ name: 'x', node: 'in_x', value: 'x', dtype: 'float32', shape: ['B', 'T', s.I], info: { kind: 'float', features: s.I } }];
  val('x', f(['B', 'T', s.I]));
  const addIn = (name: string, dtype: 'float32' | 'int64', shape: Dim[]) => {
    inputs.push({ name, node: `in_${name}`, value: name, dtype, shape, info: { kind: 'float', features: 0 } });
    val(name, { dtype, shape });
  };
  if (s.init) {
    addIn('h0', 'float32', [L * D, 'B', H]);
    if (cell === 'LSTM') addIn('c0', 'float32', [L * D, 'B', H]);
  }
  if (s.lengths) addIn('lengths', 'int64', ['B']);
  for (const [k, w] of Object.entries(s.weights)) val(k, f(w.shape));
  const slice = (v: string, l: number) => {
    if (L === 1) return v;
    const out = `${v}_l${l}`;
    ops.push({ op: 'Slice', inputs: [v], outputs: [out], attrs: { axis: 0, start: l * D, end: (l + 1) * D }, node: 'rnn' });
    val(out, f([D, 'B', H]));
    return out;
  };
  let seq = 'x';
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < L; l++) {
    const ins = [seq];
    for (const sfx of ['', '_reverse']) {
      if (sfx && D === 1) ins.push('', '', '', '');
      else ins.push(`weight_ih_l${l}${sfx}`, `weight_hh_l${l}${sfx}`, `bias_ih_l${l}${sfx}`, `bias_hh_l${l}${sfx}`);
    }
    ins.push(s.init ? slice('h0', l) : '');
    if (cell === 'LSTM') ins.push(s.init ? slice('c0', l) : '');
    ins.push(s.lengths ? 'lengths' : '');
    const outs = [`y_l${l}`, `hn_l${l}`, ...(cell === 'LSTM' ? [`cn_l${l}`] : [])];
    const attrs: Op['attrs'] = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward', activation: s.activation ?? 'tanh', layer: l };
    if (cell !== 'RNN') attrs.recurrent_activation = s.recurrent_activation ?? 'sigmoid';
    if (cell === 'GRU') attrs.linear_before_reset = s.linear_before_reset ?? true;
    ops.push({ op: cell, inputs: ins, outputs: outs, attrs, node: 'rnn' });
    val(outs[0], f(['B', 'T', D * H]));
    outs.slice(1).forEach((o) => val(o, f([D, 'B', H])));
    seq = outs[0];
    hs.push(outs[1]);
    if (cell === 'LSTM') cs.push(outs[2]);
  }
  const cat = (vs: string[], name: string) => {
    if (vs.length === 1) return vs[0];
    ops.push({ op: 'Concat', inputs: vs, outputs: [name], attrs: { axis: 0 }, node: 'rnn' });
    val(name, f([L * D, 'B', H]));
    return name;
  };
  const out = (name: string, value: string, shape: Dim[]) => ({ name, node: 'out', value, dtype: 'float32' as const, shape, kind: 'values' as const });
  const outputs = [out('output', seq, ['B', 'T', D * H]), out('h_n', cat(hs, 'h_cat'), [L * D, 'B', H])];
  if (cell === 'LSTM') outputs.push(out('c_n', cat(cs, 'c_cat'), [L * D, 'B', H]));
  return { name: 'rec', inputs, outputs, ops, values, initializers: s.weights, traced: [], nodeNames: { rnn: 'rnn' }, weightRefs: {} };
}

// ---------------------------------------------------------------- a plain JS reference

const ACTS: Record<string, (x: number) => number> = {
  tanh: Math.tanh,
  relu: (x) => Math.max(0, x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  hard_sigmoid: (x) => Math.max(0, Math.min(1, 0.2 * x + 0.5)),
};

/** One layer, PyTorch weights and gate order, batch-first; ragged lengths zero Y past them. */
function refLayer(s: RecSpec, l: number, x: Tensor, h0?: Tensor, c0?: Tensor, lengths?: number[]) {
  const [B, T, I] = x.shape;
  const { H, D, cell } = s;
  const G = cell === 'LSTM' ? 4 : cell === 'GRU' ? 3 : 1;
  const act = ACTS[s.activation ?? 'tanh'];
  const rec = ACTS[s.recurrent_activation ?? 'sigmoid'];
  const lbr = s.linear_before_reset ?? true;
  const y = floatTensor([B, T, D * H]);
  const hn = floatTensor([D, B, H]);
  const cn = floatTensor([D, B, H]);
  for (let d = 0; d < D; d++) {
    const sfx = d ? '_reverse' : '';
    const w = (k: string) => s.weights[`${k}_l${l}${sfx}`].data;
    const [Wi, Wh, bi, bh] = [w('weight_ih'), w('weight_hh'), w('bias_ih'), w('bias_hh')];
    for (let b = 0; b < B; b++) {
      const len = lengths ? lengths[b] : T;
      const h = Array.from({ length: H }, (_, j) => (h0 ? h0.data[(d * B + b) * H + j] : 0));
      const c = Array.from({ length: H }, (_, j) => (c0 ? c0.data[(d * B + b) * H + j] : 0));
      for (let k = 0; k < len; k++) {
        const tt = d ? len - 1 - k : k;
        const gx = new Array(G * H).fill(0);
        const gh = new Array(G * H).fill(0);
        for (let r = 0; r < G * H; r++) {
          let a = bi[r];
          for (let i = 0; i < I; i++) a += Wi[r * I + i] * x.data[(b * T + tt) * I + i];
          gx[r] = a;
          let e = bh[r];
          for (let j = 0; j < H; j++) e += Wh[r * H + j] * h[j];
          gh[r] = e;
        }
        const hNew = new Array<number>(H);
        if (cell === 'RNN') for (let j = 0; j < H; j++) hNew[j] = act(gx[j] + gh[j]);
        else if (cell === 'LSTM') {
          for (let j = 0; j < H; j++) {
            const g = (q: number) => gx[q * H + j] + gh[q * H + j];
            const [ig, fg, cg, og] = [rec(g(0)), rec(g(1)), act(g(2)), rec(g(3))];
            c[j] = fg * c[j] + ig * cg;
            hNew[j] = og * act(c[j]);
          }
        } else {
          const r = h.map((_, j) => rec(gx[j] + gh[j]));
          const z = h.map((_, j) => rec(gx[H + j] + gh[H + j]));
          for (let j = 0; j < H; j++) {
            let e: number;
            if (lbr) e = r[j] * gh[2 * H + j]; // r ⊙ (W_hn h + b_hn)
            else {
              e = bh[2 * H + j]; // W_hn (r ⊙ h) + b_hn
              for (let q = 0; q < H; q++) e += Wh[(2 * H + j) * H + q] * r[q] * h[q];
            }
            const n = act(gx[2 * H + j] + e);
            hNew[j] = (1 - z[j]) * n + z[j] * h[j];
          }
        }
        for (let j = 0; j < H; j++) {
          h[j] = hNew[j];
          y.data[(b * T + tt) * D * H + d * H + j] = h[j];
        }
      }
      for (let j = 0; j < H; j++) {
        hn.data[(d * B + b) * H + j] = h[j];
        cn.data[(d * B + b) * H + j] = c[j];
      }
    }
  }
  return { y, hn, cn };
}

/** The stacked model: layer l+1 reads layer l's Y; states sliced / concatenated on axis 0. */
function refModel(s: RecSpec, x: Tensor, h0?: Tensor, c0?: Tensor, lengths?: number[]) {
  const { L, D, H } = s;
  const B = x.shape[0];
  const part = (st: Tensor | undefined, l: number) => (st ? floatTensor([D, B, H], st.data.subarray(l * D * B * H, (l + 1) * D * B * H)) : undefined);
  let seq = x;
  const hs: number[] = [];
  const cs: number[] = [];
  for (let l = 0; l < L; l++) {
    const r = refLayer(s, l, seq, part(h0, l), part(c0, l), lengths);
    seq = r.y;
    hs.push(...r.hn.data);
    cs.push(...r.cn.data);
  }
  return { output: seq, h_n: floatTensor([L * D, B, H], hs), c_n: floatTensor([L * D, B, H], cs) };
}

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let q = Math.imul(a ^ (a >>> 15), 1 | a);
    q = (q + Math.imul(q ^ (q >>> 7), 61 | q)) ^ q;
    return ((q ^ (q >>> 14)) >>> 0) / 4294967296;
  };
}

function randomWeights(cell: Cell, L: number, D: number, I: number, H: number, seed: number): Record<string, Tensor> {
  const G = cell === 'LSTM' ? 4 : cell === 'GRU' ? 3 : 1;
  const r = rng(seed);
  const u = (n: number) => Array.from({ length: n }, () => (r() * 2 - 1) * 0.6);
  const out: Record<string, Tensor> = {};
  for (let l = 0; l < L; l++) {
    for (const sfx of D === 2 ? ['', '_reverse'] : ['']) {
      const inp = l === 0 ? I : D * H;
      out[`weight_ih_l${l}${sfx}`] = floatTensor([G * H, inp], u(G * H * inp));
      out[`weight_hh_l${l}${sfx}`] = floatTensor([G * H, H], u(G * H * H));
      out[`bias_ih_l${l}${sfx}`] = floatTensor([G * H], u(G * H));
      out[`bias_hh_l${l}${sfx}`] = floatTensor([G * H], u(G * H));
    }
  }
  return out;
}

function randomTensor(shape: number[], seed: number, scale = 1): Tensor {
  const r = rng(seed);
  return floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * scale));
}

const specOf = (c: Case, init: boolean): RecSpec => ({
  cell: c.kind === 'lstm' ? 'LSTM' : c.kind === 'gru' ? 'GRU' : 'RNN',
  activation: c.kind === 'rnn_relu' ? 'relu' : 'tanh',
  L: c.num_layers, D: c.bidirectional ? 2 : 1, I: c.input_size, H: c.hidden_size,
  weights: Object.fromEntries(Object.entries(c.weights).map(([k, w]) => [k, t(w)])),
  init, lengths: false,
});

const report: Record<string, number> = {};
const note = (group: string, d: number) => (report[group] = Math.max(report[group] ?? 0, d));
afterAll(() => console.log('max abs diffs:', JSON.stringify(report, null, 1)));

describe('the JS reference agrees with PyTorch', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const r = refModel(specOf(c, true), t(c.x), t(c.h0), c.c0 && t(c.c0));
    let d = Math.max(maxDiff(r.output, t(c.output)), maxDiff(r.h_n, t(c.h_n)));
    if (c.c_n) d = Math.max(d, maxDiff(r.c_n, t(c.c_n)));
    d = Math.max(d, maxDiff(refModel(specOf(c, false), t(c.x)).output, t(c.output_zero_state)));
    note('js reference vs cells.json', d);
    expect(d).toBeLessThanOrEqual(1e-5);
  });
});

describe('exported recurrent Programs vs cells.json (onnxruntime-web)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const withInit = exportOnnx(recurrentProgram(specOf(c, true)));
    const feeds: Record<string, Tensor> = { x: t(c.x), h0: t(c.h0) };
    if (c.c0) feeds.c0 = t(c.c0);
    const got = await runOnnx(withInit, feeds);
    let d = Math.max(maxDiff(got.output, t(c.output)), maxDiff(got.h_n, t(c.h_n)));
    if (c.c_n) d = Math.max(d, maxDiff(got.c_n, t(c.c_n)));
    note('cells.json with h0/c0', d);
    expect(d).toBeLessThanOrEqual(1e-4);

    const zero = exportOnnx(recurrentProgram(specOf(c, false)));
    const got0 = await runOnnx(zero, { x: t(c.x) });
    const d0 = maxDiff(got0.output, t(c.output_zero_state));
    note('cells.json output_zero_state', d0);
    expect(d0).toBeLessThanOrEqual(1e-4);
  });
});

async function compareToReference(s: RecSpec, B: number, T: number, seed: number, lengths?: number[]): Promise<number> {
  const x = randomTensor([B, T, s.I], seed);
  const h0 = s.init ? randomTensor([s.L * s.D, B, s.H], seed + 1, 0.5) : undefined;
  const c0 = s.init && s.cell === 'LSTM' ? randomTensor([s.L * s.D, B, s.H], seed + 2, 0.5) : undefined;
  const feeds: Record<string, Tensor> = { x };
  if (h0) feeds.h0 = h0;
  if (c0) feeds.c0 = c0;
  if (lengths) feeds.lengths = intTensor([B], lengths);
  const got = await runOnnx(exportOnnx(recurrentProgram({ ...s, lengths: !!lengths })), feeds);
  const want = refModel(s, x, h0, c0, lengths);
  let d = Math.max(maxDiff(got.output, want.output), maxDiff(got.h_n, want.h_n));
  if (s.cell === 'LSTM') d = Math.max(d, maxDiff(got.c_n, want.c_n));
  return d;
}

describe('variants PyTorch lacks, against the JS reference', () => {
  const base = (cell: Cell, L: number, D: number, extra: Partial<RecSpec> = {}, seed = 7): RecSpec => ({
    cell, L, D, I: 5, H: 4, init: true, lengths: false, weights: randomWeights(cell, L, D, 5, 4, seed), ...extra,
  });
  it('GRU with linear_before_reset = false (uni, 2 layers)', async () => {
    const d = await compareToReference(base('GRU', 2, 1, { linear_before_reset: false }), 2, 6, 11);
    note('GRU linear_before_reset=false', d);
    expect(d).toBeLessThanOrEqual(1e-5);
  });
  it('GRU with linear_before_reset = false (bidirectional, ragged)', async () => {
    const d = await compareToReference(base('GRU', 1, 2, { linear_before_reset: false }, 8), 3, 5, 12, [5, 2, 3]);
    note('GRU linear_before_reset=false', d);
    expect(d).toBeLessThanOrEqual(1e-5);
  });
  it('LSTM with hard_sigmoid gates (uni)', async () => {
    const d = await compareToReference(base('LSTM', 1, 1, { recurrent_activation: 'hard_sigmoid' }, 9), 2, 7, 13);
    note('LSTM hard_sigmoid', d);
    expect(d).toBeLessThanOrEqual(1e-5);
  });
  it('LSTM with hard_sigmoid gates (bidirectional, 2 layers)', async () => {
    const d = await compareToReference(base('LSTM', 2, 2, { recurrent_activation: 'hard_sigmoid' }, 10), 3, 4, 14);
    note('LSTM hard_sigmoid', d);
    expect(d).toBeLessThanOrEqual(1e-5);
  });
  it('GRU with hard_sigmoid gates and relu activation (bidirectional)', async () => {
    const d = await compareToReference(base('GRU', 1, 2, { recurrent_activation: 'hard_sigmoid', activation: 'relu' }, 15), 2, 5, 16);
    note('GRU hard_sigmoid+relu', d);
    expect(d).toBeLessThanOrEqual(1e-5);
  });
  it('relu RNN without initial state, ragged', async () => {
    const d = await compareToReference(base('RNN', 2, 2, { activation: 'relu', init: false }, 17), 3, 6, 18, [1, 6, 3]);
    note('RNN relu ragged', d);
    expect(d).toBeLessThanOrEqual(1e-5);
  });
});

describe('ragged bidirectional LSTM: each row as its own run with T = its length', () => {
  it('matches per-row onnxruntime runs, zero past each length', async () => {
    const s: RecSpec = { cell: 'LSTM', L: 2, D: 2, I: 3, H: 5, init: true, lengths: true, weights: randomWeights('LSTM', 2, 2, 3, 5, 21) };
    const B = 3, T = 6, lengths = [6, 2, 4];
    const x = randomTensor([B, T, 3], 22);
    const h0 = randomTensor([4, B, 5], 23, 0.5);
    const c0 = randomTensor([4, B, 5], 24, 0.5);
    const ragged = await runOnnx(exportOnnx(recurrentProgram(s)), { x, h0, c0, lengths: intTensor([B], lengths) });
    const single = exportOnnx(recurrentProgram({ ...s, lengths: false }));
    const DH = 10;
    let d = 0;
    for (let b = 0; b < B; b++) {
      const len = lengths[b];
      const xb = floatTensor([1, len, 3], x.data.subarray(b * T * 3, (b * T + len) * 3));
      const pick = (st: Tensor) => floatTensor([4, 1, 5], Array.from({ length: 4 }, (_, k) => [...st.data.subarray((k * B + b) * 5, (k * B + b + 1) * 5)]).flat());
      const row = await runOnnx(single, { x: xb, h0: pick(h0), c0: pick(c0) });
      for (let i = 0; i < len * DH; i++) d = Math.max(d, Math.abs(ragged.output.data[b * T * DH + i] - row.output.data[i]));
      for (let i = len * DH; i < T * DH; i++) expect(ragged.output.data[b * T * DH + i]).toBe(0);
      d = Math.max(d, maxDiff(pick(ragged.h_n), row.h_n), maxDiff(pick(ragged.c_n), row.c_n));
    }
    note('ragged bi-LSTM vs per-row runs', d);
    expect(d).toBeLessThanOrEqual(1e-5);
    // and the same numbers as the JS reference
    const want = refModel(s, x, h0, c0, lengths);
    const dr = Math.max(maxDiff(ragged.output, want.output), maxDiff(ragged.h_n, want.h_n), maxDiff(ragged.c_n, want.c_n));
    note('ragged bi-LSTM vs JS reference', dr);
    expect(dr).toBeLessThanOrEqual(1e-5);
  });
});

describe('the exported model file', () => {
  it('has opset 17, IR 8, producer seqgraph, dynamic dims, metadata and re-laid-out weights', () => {
    const c = CASES.find((k) => k.kind === 'lstm' && k.bidirectional)!;
    const bytes = exportOnnx(recurrentProgram(specOf(c, true)), { graphName: 'g', metadata: { vocab: 'abc', seqgraph_version: '1' } });
    const m = decodeModel(bytes);
    expect(m.ir_version).toBe(8);
    expect(m.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(m.producer_name).toBe('seqgraph');
    expect(m.graph!.name).toBe('g');
    expect(m.metadata_props).toEqual([{ key: 'vocab', value: 'abc' }, { key: 'seqgraph_version', value: '1' }]);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(['x', 'h0', 'c0']);
    expect(m.graph!.output!.map((i) => i.name)).toEqual(['output', 'h_n', 'c_n']);
    expect(m.graph!.input![0].type!.tensor_type!.shape!.dim).toEqual([{ dim_param: 'B' }, { dim_param: 'T' }, { dim_value: c.input_size }]);
    const lstm = m.graph!.node!.filter((n) => n.op_type === 'LSTM');
    expect(lstm.length).toBe(c.num_layers);
    const W = m.graph!.initializer!.find((i) => i.name === lstm[0].input![1])!;
    expect(W.dims).toEqual([2, 4 * c.hidden_size, c.input_size]);
    // PyTorch-named weights are not in the file: only the ONNX layouts are
    expect(m.graph!.initializer!.some((i) => i.name === 'weight_ih_l0')).toBe(false);
  });
});
