// Export of every non-recurrent IR op: small hand-built Programs, exported, run in
// onnxruntime-web, and checked against plain numbers computed here.
import { describe, expect, it } from 'vitest';
import type { OpName } from '../../src/ir/ops';
import type { Op, Program, ValueInfo } from '../../src/ir/program';
import { exportOnnx } from '../../src/onnx/export';
import { exportGraph } from '../../src/onnx/export-graph';
import { runOnnx } from '../../src/onnx/ort';
import { decodeModel } from '../../src/onnx/proto';
import { floatTensor, intTensor, type DType, type Dim, type Tensor } from '../../src/runtime/tensor';

type V = [DType, Dim[]];
const F = (...shape: Dim[]): V => ['float32', shape];
const I = (...shape: Dim[]): V => ['int64', shape];

interface Mini {
  inputs: Record<string, V>;
  ops: [OpName, string[], string[], Op['attrs']?][];
  /** every other value's type */
  values: Record<string, V>;
  outputs: string[];
  initializers?: Record<string, Tensor>;
}

function program(m: Mini): Program {
  const values: Record<string, ValueInfo> = {};
  const all = { ...m.inputs, ...m.values };
  for (const [name, [dtype, shape]] of Object.entries(all)) values[name] = { name, dtype, shape };
  for (const [name, t] of Object.entries(m.initializers ?? {})) values[name] = { name, dtype: t.dtype, shape: t.shape };
  return {
    name: 'mini',
    inputs: Object.entries(m.inputs).map(([name, [dtype, shape]]) => ({ name, node: `in_${name}`, value: name, dtype, shape, info: { kind: 'float', features: 0 } })),
    outputs: m.outputs.map((name) => ({ name, node: `out_${name}`, value: name, dtype: values[name].dtype, shape: values[name].shape, kind: 'values' })),
    ops: m.ops.map(([op, inputs, outputs, attrs], k) => ({ op, inputs, outputs, attrs: attrs ?? {}, node: `n${k}` })),
    values,
    initializers: m.initializers ?? {},
    traced: [],
    nodeNames: Object.fromEntries(m.ops.map((_, k) => [`n${k}`, `node${k}`])),
    weightRefs: {},
  };
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
const rand = (shape: number[], seed: number, scale = 3): Tensor => {
  const r = rng(seed);
  return floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * scale));
};

/** expected values from an index function over a shape */
function make(shape: number[], f: (...idx: number[]) => number): Tensor {
  const out = floatTensor(shape);
  const idx = shape.map(() => 0);
  for (let i = 0; i < out.data.length; i++) {
    out.data[i] = f(...idx);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}
const at = (t: Tensor, ...idx: number[]) => t.data[idx.reduce((a, v, k) => a * t.shape[k] + v, 0)];

let worst = 0;
function close(got: Tensor, want: Tensor, tol = 1e-5): void {
  expect(got.shape).toEqual(want.shape);
  let m = 0;
  for (let i = 0; i < want.data.length; i++) {
    if (want.data[i] === got.data[i]) continue; // also equal infinities
    m = Math.max(m, Math.abs(got.data[i] - want.data[i]));
  }
  worst = Math.max(worst, m);
  expect(m).toBeLessThanOrEqual(tol);
}

async function run(m: Mini, feeds: Record<string, Tensor>, opset?: number): Promise<Record<string, Tensor>> {
  return runOnnx(exportOnnx(program(m), { opset }), feeds);
}

const x3 = rand([2, 3, 4], 1);

describe('elementwise ops', () => {
  const one = (op: OpName, attrs: Op['attrs'] = {}): Mini => ({ inputs: { x: F('B', 'T', 4) }, ops: [[op, ['x'], ['y'], attrs]], values: { y: F('B', 'T', 4) }, outputs: ['y'] });
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const cases: [OpName, Op['attrs'], (v: number) => number][] = [
    ['Identity', {}, (v) => v],
    ['Tanh', {}, Math.tanh],
    ['Sigmoid', {}, sig],
    ['Relu', {}, (v) => Math.max(0, v)],
    ['HardSigmoid', {}, (v) => Math.max(0, Math.min(1, 0.2 * v + 0.5))],
    ['Scale', { alpha: -2.5 }, (v) => -2.5 * v],
  ];
  it.each(cases)('%s', async (op, attrs, f) => {
    const { y } = await run(one(op, attrs), { x: x3 });
    close(y, make([2, 3, 4], (a, b, c) => f(at(x3, a, b, c))));
  });
  it.each(['Softmax', 'LogSoftmax'] as const)('%s over the last axis', async (op) => {
    const { y } = await run(one(op), { x: x3 });
    const want = make([2, 3, 4], (a, b, c) => {
      const row = [0, 1, 2, 3].map((k) => Math.exp(at(x3, a, b, k)));
      const p = row[c] / row.reduce((s, v) => s + v, 0);
      return op === 'Softmax' ? p : Math.log(p);
    });
    close(y, want);
  });
  it.each(['Add', 'Mul'] as const)('%s', async (op) => {
    const x2 = rand([2, 3, 4], 2);
    const { y } = await run({ inputs: { x: F('B', 'T', 4), z: F('B', 'T', 4) }, ops: [[op, ['x', 'z'], ['y']]], values: { y: F('B', 'T', 4) }, outputs: ['y'] }, { x: x3, z: x2 });
    close(y, make([2, 3, 4], (a, b, c) => (op === 'Add' ? at(x3, a, b, c) + at(x2, a, b, c) : at(x3, a, b, c) * at(x2, a, b, c))));
  });
});

describe('linear ops', () => {
  const W = rand([5, 4], 3, 1);
  const bias = rand([5], 4, 1);
  const lin = (x: Tensor, withBias: boolean) => {
    const lead = x.shape.slice(0, -1);
    return make([...lead, 5], (...idx) => {
      const n = idx[idx.length - 1];
      let s = withBias ? bias.data[n] : 0;
      for (let k = 0; k < 4; k++) s += at(x, ...idx.slice(0, -1), k) * at(W, n, k);
      return s;
    });
  };
  it('Linear on [B,K] -> Gemm(transB=1)', async () => {
    const m: Mini = { inputs: { x: F('B', 4) }, ops: [['Linear', ['x', 'W', 'b'], ['y']]], values: { y: F('B', 5) }, outputs: ['y'], initializers: { W, b: bias } };
    const x = rand([3, 4], 5);
    close((await run(m, { x })).y, lin(x, true));
    expect(decodeModel(exportOnnx(program(m), { guards: false })).graph!.node!.map((n) => n.op_type)).toEqual(['Gemm']);
  });
  it.each([true, false])('Linear on [B,T,K] -> MatMul(+Add) (bias %s)', async (withBias) => {
    const m: Mini = { inputs: { x: F('B', 'T', 4) }, ops: [['Linear', withBias ? ['x', 'W', 'b'] : ['x', 'W'], ['y']]], values: { y: F('B', 'T', 5) }, outputs: ['y'], initializers: { W, b: bias } };
    close((await run(m, { x: x3 })).y, lin(x3, withBias));
    expect(decodeModel(exportOnnx(program(m), { guards: false })).graph!.node!.map((n) => n.op_type)).toEqual(withBias ? ['MatMul', 'Add'] : ['MatMul']);
  });
  it('MatMul', async () => {
    const Wt = make([4, 5], (k, n) => at(W, n, k));
    const m: Mini = { inputs: { x: F('B', 'T', 4) }, ops: [['MatMul', ['x', 'Wt'], ['y']]], values: { y: F('B', 'T', 5) }, outputs: ['y'], initializers: { Wt } };
    close((await run(m, { x: x3 })).y, lin(x3, false));
  });
  it('Gather (an embedding lookup of int64 tokens)', async () => {
    const E = rand([6, 3], 6);
    const tokens = intTensor([2, 4], [1, 5, 0, 0, 2, 2, 3, 4]);
    const m: Mini = { inputs: { tokens: I('B', 'T') }, ops: [['Gather', ['E', 'tokens'], ['y']]], values: { y: F('B', 'T', 3) }, outputs: ['y'], initializers: { E } };
    close((await run(m, { tokens })).y, make([2, 4, 3], (a, b, c) => at(E, tokens.data[a * 4 + b], c)));
  });
});

describe('shape ops', () => {
  it('Slice along axis 1 and axis 0', async () => {
    const m: Mini = {
      inputs: { x: F('B', 'T', 4) },
      ops: [['Slice', ['x'], ['y'], { axis: 2, start: 1, end: 3 }], ['Slice', ['y'], ['z'], { axis: 0, start: 1, end: 2 }]],
      values: { y: F('B', 'T', 2), z: F(1, 'T', 2) },
      outputs: ['y', 'z'],
    };
    const { y, z } = await run(m, { x: x3 });
    close(y, make([2, 3, 2], (a, b, c) => at(x3, a, b, c + 1)));
    close(z, make([1, 3, 2], (_, b, c) => at(x3, 1, b, c + 1)));
  });
  it('Concat of three inputs', async () => {
    const a = rand([2, 3, 1], 7), b = rand([2, 3, 2], 8);
    const m: Mini = { inputs: { x: F('B', 'T', 4), a: F('B', 'T', 1), b: F('B', 'T', 2) }, ops: [['Concat', ['x', 'a', 'b'], ['y'], { axis: 2 }]], values: { y: F('B', 'T', 7) }, outputs: ['y'] };
    const { y } = await run(m, { x: x3, a, b });
    close(y, make([2, 3, 7], (i, j, k) => (k < 4 ? at(x3, i, j, k) : k < 5 ? at(a, i, j, 0) : at(b, i, j, k - 5))));
  });
});

describe('sequence ops', () => {
  const X = rand([3, 4, 2], 9); // B=3, T=4, D=2
  const lengths = [4, 1, 2];
  const len = intTensor([3], lengths);

  it('SeqLengths counts the non-pad tokens', async () => {
    for (const pad of [0, 7]) {
      const tokens = intTensor([3, 4], [3, 4, pad, pad, 1, pad, pad, pad, 5, 6, 8, 9]);
      const m: Mini = { inputs: { tokens: I('B', 'T') }, ops: [['SeqLengths', ['tokens'], ['n'], { pad }]], values: { n: I('B') }, outputs: ['n'] };
      const { n } = await run(m, { tokens });
      expect(n.dtype).toBe('int64');
      expect(Array.from(n.data)).toEqual([2, 1, 4]);
    }
  });

  const withLen = (op: OpName, attrs: Op['attrs'], useLen: boolean, out: V): Mini => ({
    inputs: useLen ? { x: F('B', 'T', 2), len: I('B') } : { x: F('B', 'T', 2) },
    ops: [[op, useLen ? ['x', 'len'] : ['x'], ['y'], attrs]],
    values: { y: out },
    outputs: ['y'],
  });

  it('LastStep with ragged lengths and without', async () => {
    const { y } = await run(withLen('LastStep', {}, true, F('B', 2)), { x: X, len });
    close(y, make([3, 2], (b, d) => at(X, b, lengths[b] - 1, d)));
    const { y: y2 } = await run(withLen('LastStep', {}, false, F('B', 2)), { x: X });
    close(y2, make([3, 2], (b, d) => at(X, b, 3, d)));
  });

  const pool = (mode: string, ls: number[]) =>
    make([3, 2], (b, d) => {
      const vs = Array.from({ length: ls[b] }, (_, t) => at(X, b, t, d));
      return mode === 'max' ? Math.max(...vs) : vs.reduce((s, v) => s + v, 0) / vs.length;
    });
  it.each([
    ['mean', 17], ['max', 17], ['mean', 18], ['max', 18], ['mean', 13], ['max', 21],
  ] as const)('SeqPool %s with lengths and without (opset %i)', async (mode, opset) => {
    close((await run(withLen('SeqPool', { mode }, true, F('B', 2)), { x: X, len }, opset)).y, pool(mode, lengths));
    close((await run(withLen('SeqPool', { mode }, false, F('B', 2)), { x: X }, opset)).y, pool(mode, [4, 4, 4]));
  });

  it('MaskSteps zeroes the steps past each length', async () => {
    const { y } = await run(withLen('MaskSteps', {}, true, F('B', 'T', 2)), { x: X, len });
    close(y, make([3, 4, 2], (b, t, d) => (t < lengths[b] ? at(X, b, t, d) : 0)));
  });

  it('RepeatVector', async () => {
    const v = rand([3, 2], 10);
    const m: Mini = { inputs: { v: F('B', 2) }, ops: [['RepeatVector', ['v'], ['y'], { n: 5 }]], values: { y: F('B', 5, 2) }, outputs: ['y'] };
    close((await run(m, { v })).y, make([3, 5, 2], (b, _, d) => at(v, b, d)));
  });

  it.each([
    ['sum', 17], ['mul', 17], ['ave', 17], ['sum', 18], ['ave', 21], ['mul', 13],
  ] as const)('MergeDirections %s on [B,T,2H] and [B,2H] (opset %i)', async (mode, opset) => {
    const f = (a: number, b: number) => (mode === 'sum' ? a + b : mode === 'mul' ? a * b : (a + b) / 2);
    const x = rand([2, 3, 6], 11);
    const v = rand([2, 6], 12);
    const m: Mini = {
      inputs: { x: F('B', 'T', 6), v: F('B', 6) },
      ops: [['MergeDirections', ['x'], ['y'], { mode }], ['MergeDirections', ['v'], ['w'], { mode }]],
      values: { y: F('B', 'T', 3), w: F('B', 3) },
      outputs: ['y', 'w'],
    };
    const { y, w } = await run(m, { x, v }, opset);
    close(y, make([2, 3, 3], (b, t, h) => f(at(x, b, t, h), at(x, b, t, h + 3))));
    close(w, make([2, 3], (b, h) => f(at(v, b, h), at(v, b, h + 3))));
  });

  it('StateToVector [D,B,H] -> [B,D*H]', async () => {
    const s = rand([2, 3, 4], 13);
    const m: Mini = { inputs: { s: F(2, 'B', 4) }, ops: [['StateToVector', ['s'], ['y']]], values: { y: F('B', 8) }, outputs: ['y'] };
    close((await run(m, { s })).y, make([3, 8], (b, k) => at(s, Math.floor(k / 4), b, k % 4)));
  });

  it('a token pipeline keeps B and T dynamic (one file, two batch shapes)', async () => {
    const E = rand([10, 3], 14);
    const m: Mini = {
      inputs: { tokens: I('B', 'T') },
      ops: [
        ['SeqLengths', ['tokens'], ['len'], { pad: 0 }],
        ['Gather', ['E', 'tokens'], ['emb']],
        ['Tanh', ['emb'], ['act']],
        ['MaskSteps', ['act', 'len'], ['masked']],
        ['SeqPool', ['masked', 'len'], ['pooled'], { mode: 'mean' }],
        ['LastStep', ['masked', 'len'], ['last']],
        ['Concat', ['pooled', 'last'], ['both'], { axis: 1 }],
        ['Softmax', ['both'], ['probs']],
      ],
      values: { len: I('B'), emb: F('B', 'T', 3), act: F('B', 'T', 3), masked: F('B', 'T', 3), pooled: F('B', 3), last: F('B', 3), both: F('B', 6), probs: F('B', 6) },
      outputs: ['probs', 'len'],
      initializers: { E },
    };
    const bytes = exportOnnx(program(m));
    for (const rows of [[[1, 2, 3, 0], [4, 0, 0, 0]], [[5, 6, 0], [7, 8, 9], [1, 0, 0]]]) {
      const B = rows.length, T = rows[0].length;
      const tokens = intTensor([B, T], rows.flat());
      const { probs, len } = await runOnnx(bytes, { tokens });
      const ls = rows.map((r) => r.filter((v) => v !== 0).length);
      expect(Array.from(len.data)).toEqual(ls);
      const want = make([B, 6], (b, k) => {
        const feat = (j: number) => {
          const e = (t: number) => Math.tanh(at(E, rows[b][t], j));
          return [Array.from({ length: ls[b] }, (_, t) => e(t)).reduce((s, v) => s + v, 0) / ls[b], e(ls[b] - 1)];
        };
        const all = [0, 1, 2].map((j) => feat(j)[0]).concat([0, 1, 2].map((j) => feat(j)[1]));
        const z = all.map(Math.exp);
        return z[k] / z.reduce((s, v) => s + v, 0);
      });
      close(probs, want);
    }
  });
});

describe('names, errors and options', () => {
  it('keeps input/output names that differ from value names; an input passed straight out goes through Identity', async () => {
    const p = program({ inputs: { x: F('B', 4) }, ops: [['Relu', ['x'], ['y']]], values: { y: F('B', 4) }, outputs: ['y'] });
    p.inputs[0].name = 'features';
    p.outputs = [
      { ...p.outputs[0], name: 'x' }, // collides with the internal value name 'x'
      { name: 'echo', node: 'out_echo', value: 'x', dtype: 'float32', shape: ['B', 4], kind: 'values' },
    ];
    const x = rand([2, 4], 15);
    const got = await runOnnx(exportOnnx(p), { features: x });
    close(got.x, make([2, 4], (a, b) => Math.max(0, at(x, a, b))));
    close(got.echo, x);
  });

  it('refuses an op it cannot map, naming the op and its node', () => {
    const p = program({ inputs: { x: F('B', 4) }, ops: [['Relu', ['x'], ['y']]], values: { y: F('B', 4) }, outputs: ['y'] });
    (p.ops[0] as { op: string }).op = 'Frobnicate';
    expect(() => exportOnnx(p)).toThrow(/Frobnicate.*n0|n0.*Frobnicate/);
  });

  it('refuses recurrent weights that are not initializers, naming the node', () => {
    const p = program({
      inputs: { x: F('B', 'T', 2), w: F(4, 2) },
      ops: [['RNN', ['x', 'w', 'U', 'b1', 'b2'], ['y', 'h'], { hidden_size: 4, direction: 'forward' }]],
      values: { y: F('B', 'T', 4), h: F(1, 'B', 4) },
      outputs: ['y'],
      initializers: { U: rand([4, 4], 1), b1: rand([4], 2), b2: rand([4], 3) },
    });
    expect(() => exportOnnx(p)).toThrow(/RNN of node 'node0' \(id n0\).*initializer/);
  });

  it('refuses a malformed program (IR verifier) and an unsupported opset', () => {
    const p = program({ inputs: { x: F('B', 4) }, ops: [['Relu', ['nope'], ['y']]], values: { y: F('B', 4) }, outputs: ['y'] });
    expect(() => exportOnnx(p)).toThrow(/Relu.*n0/);
    const ok = program({ inputs: { x: F('B', 4) }, ops: [['Relu', ['x'], ['y']]], values: { y: F('B', 4) }, outputs: ['y'] });
    expect(() => exportOnnx(ok, { opset: 12 })).toThrow(/opset 12/);
  });

  it('writes only the initializers the graph uses', () => {
    const W = rand([5, 4], 3, 1);
    const p = program({ inputs: { x: F('B', 4) }, ops: [['Linear', ['x', 'W'], ['y']]], values: { y: F('B', 5) }, outputs: ['y'], initializers: { W, unused: rand([3], 1) } });
    expect(decodeModel(exportOnnx(p, { guards: false })).graph!.initializer!.map((t) => t.name)).toEqual(['W']);
  });

  it('exportGraph names the model after the graph and records the graph, inputs and outputs in metadata', async () => {
    const p = program({ inputs: { x: F('B', 4) }, ops: [['Softmax', ['x'], ['y']]], values: { y: F('B', 4) }, outputs: ['y'] });
    p.outputs[0].labels = ['a', 'b', 'c', 'd'];
    p.outputs[0].kind = 'probs';
    const doc = { format: 'seqgraph' as const, version: 2 as const, name: 'tiny', description: 'a test', nodes: [], edges: [], samples: [], weights: { n: { w: { shape: [1], data: [1] } } } };
    const bytes = exportGraph(p, doc);
    const m = decodeModel(bytes);
    expect(m.graph!.name).toBe('tiny');
    expect(m.doc_string).toBe('a test');
    const meta = Object.fromEntries(m.metadata_props!.map((e) => [e.key, e.value]));
    expect(meta['seqgraph.format']).toBe('seqgraph/2');
    expect(JSON.parse(meta['seqgraph.graph'])).toEqual({ format: 'seqgraph', version: 2, name: 'tiny', description: 'a test', nodes: [], edges: [], samples: [] });
    expect(JSON.parse(meta['seqgraph.inputs'])[0]).toMatchObject({ name: 'x', dtype: 'float32', shape: ['B', 4] });
    expect(JSON.parse(meta['seqgraph.outputs'])[0]).toMatchObject({ name: 'y', kind: 'probs', labels: ['a', 'b', 'c', 'd'] });
    const x = rand([1, 4], 16);
    expect(Array.from((await runOnnx(bytes, { x })).y.data).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
  });

  it('max abs diff over this file', () => {
    console.log(`non-recurrent ops: max abs diff ${worst}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});
