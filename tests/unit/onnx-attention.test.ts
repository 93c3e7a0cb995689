// Export of the attention ops (Attention with every score rule, ConcatAttention,
// MultiHeadAttention): graphs built as a user builds them, compiled, exported to ONNX and run in
// onnxruntime-web, against PyTorch's numbers (tests/fixtures/pytorch/attention.json) and
// against the TS runtime — with padded keys, padded query steps, keys with no valid step at all,
// Vector and Sequence queries, and one file run at two batch shapes.
import { afterAll, describe, expect, it } from 'vitest';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { Program } from '../../src/ir/program';
import { exportOnnx } from '../../src/onnx/export';
import { runOnnx } from '../../src/onnx/ort';
import { decodeModel } from '../../src/onnx/proto';
import { execute } from '../../src/runtime/execute';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { loadFixture, maxAbsDiff, type FixTensor } from '../helpers/fixtures';

const fx = loadFixture<any>('pytorch/attention.json');
const R = fx.rules;
const TOL = 1e-4;
const worst = { pytorch: 0, runtime: 0 };
afterAll(() => console.log(`attention export: max abs diff vs PyTorch ${worst.pytorch}, vs the TS runtime ${worst.runtime}`));

type N = { id: string; type: string; params?: Record<string, unknown> };
/** a graph document from nodes and "node.port -> node.port" edges, compiled */
function program(nodes: N[], edges: string[], weights?: Record<string, Record<string, FixTensor>>): Program {
  const raw = {
    format: 'seqgraph', version: 1, name: 't', seed: 3,
    nodes: nodes.map((n) => ({ id: n.id, type: n.type, name: n.id, position: { x: 0, y: 0 }, params: n.params ?? {} })),
    edges: edges.map((e, i) => {
      const [s, t] = e.split(' -> ').map((x) => x.split('.'));
      return { id: `e${i}`, source: { node: s[0], port: s[1] }, target: { node: t[0], port: t[1] } };
    }),
    weights,
  };
  const doc = checkGraph(raw);
  if (!doc.ok) throw new Error(JSON.stringify(doc.diagnostics));
  const c = compile(doc.doc);
  if (!c.program) throw new Error(JSON.stringify(c.diagnostics));
  return c.program;
}

function close(what: string, got: Tensor | undefined, want: { shape: number[]; data: ArrayLike<number> }, against: keyof typeof worst): void {
  expect(got, what).toBeDefined();
  expect(got!.shape, `${what}: shape`).toEqual(want.shape);
  const { diff, at } = maxAbsDiff(got!.data, want.data);
  worst[against] = Math.max(worst[against], diff);
  expect(diff, `${what}: max abs diff ${diff} at ${at}`).toBeLessThanOrEqual(TOL);
}

/** run in ort and in the runtime; every output must agree */
async function both(p: Program, feeds: Record<string, Tensor>, bytes = exportOnnx(p)): Promise<Record<string, Tensor>> {
  const got = await runOnnx(bytes, feeds);
  const want = execute(p, feeds).outputs;
  for (const [name, t] of Object.entries(want)) close(`${name} vs runtime`, got[name], t, 'runtime');
  return got;
}

const t = (x: FixTensor) => floatTensor(x.shape, x.data);
// the fixture's mask as a token batch: row 1 has 4 real tokens (id 5), then <pad> (id 0)
const maskTokens = (m: FixTensor) => intTensor(m.shape, m.data.map((v) => (v ? 5 : 0)));
const outputs = (att: string, ports: string[]) => ({
  nodes: ports.map((p) => ({ id: p, type: 'Output' })),
  edges: ports.map((p) => `${att}.${p} -> ${p}.value`),
});

describe('Attention score rules in ONNX match PyTorch (vector query, padded keys)', () => {
  const ruleWeights: Record<string, string[]> = { dot: [], scaled_dot: [], general: ['W'], additive: ['W_query', 'W_key', 'v'] };
  for (const [rule, names] of Object.entries(ruleWeights)) {
    it(rule, async () => {
      const out = outputs('att', ['context', 'weights']);
      const p = program(
        [
          { id: 'q', type: 'Input', params: { kind: 'vector', features: 8 } },
          { id: 'K', type: 'Input', params: { kind: 'sequence', features: 8 } },
          { id: 'm', type: 'Input' },
          { id: 'att', type: 'Attention', params: { score: rule, ...(rule === 'additive' ? { attention_dim: 10 } : {}) } },
          ...out.nodes,
        ],
        ['q.vector -> att.query', 'K.sequence -> att.keys', 'm.mask -> att.mask', ...out.edges],
        names.length ? { att: Object.fromEntries(names.map((n) => [n, R[rule][n]])) } : undefined,
      );
      const got = await both(p, { q: t(fx.q), K: t(fx.K), m: maskTokens(fx.mask) });
      close(`${rule} weights vs PyTorch`, got.weights, R[rule].weights, 'pytorch');
      close(`${rule} context vs PyTorch`, got.context, R[rule].context, 'pytorch');
      expect(got.weights.data[1 * 6 + 4]).toBe(0); // padded keys get exactly 0
      expect(got.weights.data[1 * 6 + 5]).toBe(0);
      // the mask is Less(Range, lengths) + Where(-inf): no custom op, opset 17
      const model = decodeModel(exportOnnx(p));
      expect(model.opset_import).toEqual([{ domain: '', version: 17 }]);
      const types = new Set(model.graph!.node!.map((n) => n.op_type));
      for (const op of ['MatMul', 'Softmax', 'Where', 'Range', 'Less']) expect(types.has(op), op).toBe(true);
    });
  }
});

describe('concat and multi_head in ONNX match PyTorch', () => {
  it('concat: weights over max_length, context, combined', async () => {
    const c = R.concat_tutorial;
    const out = outputs('att', ['context', 'weights', 'combined']);
    const p = program(
      [
        { id: 'q', type: 'Input', params: { kind: 'vector', features: 8 } },
        { id: 'h', type: 'Input', params: { kind: 'vector', features: 8 } },
        { id: 'K', type: 'Input', params: { kind: 'sequence', features: 8 } },
        { id: 'att', type: 'Attention', params: { score: 'concat', max_length: 6 } },
        ...out.nodes,
      ],
      ['q.vector -> att.query', 'h.vector -> att.hidden', 'K.sequence -> att.keys', ...out.edges],
      { att: { 'attn.weight': c['attn.weight'], 'attn.bias': c['attn.bias'], 'combine.weight': c['combine.weight'], 'combine.bias': c['combine.bias'] } },
    );
    const got = await both(p, { q: t(fx.q), h: t(c.k), K: t(fx.K) });
    close('concat weights', got.weights, c.weights, 'pytorch');
    close('concat context', got.context, c.context, 'pytorch');
    close('concat combined', got.combined, c.output, 'pytorch');
    // keys shorter than max_length: the positions past S read zero rows, as in the runtime
    const K4 = floatTensor([2, 4, 8], (fx.K.data as number[]).filter((_, i) => Math.floor(i / 8) % 6 < 4));
    await both(p, { q: t(fx.q), h: t(c.k), K: K4 });
  });

  it('multi_head: output and per-head weights [B, heads, T, S] with a key padding mask', async () => {
    const m = R.mha_self;
    const out = outputs('att', ['context', 'weights']);
    const p = program(
      [
        { id: 'x', type: 'Input', params: { kind: 'sequence', features: 8 } },
        { id: 'm', type: 'Input' },
        { id: 'att', type: 'Attention', params: { score: 'multi_head', num_heads: m.num_heads } },
        ...out.nodes,
      ],
      ['x.sequence -> att.query', 'm.mask -> att.mask', ...out.edges],
      { att: m.state_dict },
    );
    const got = await both(p, { x: t(m.x), m: maskTokens({ shape: [2, 5], data: m.key_padding_mask.data.map((v: number) => 1 - v) }) });
    close('mha weights', got.weights, m.weights, 'pytorch');
    close('mha output', got.context, m.output, 'pytorch');
    // head 1 of row 1: the two padded keys get exactly 0
    for (let q = 0; q < 5; q++) expect([got.weights.data[((1 * 2 + 1) * 5 + q) * 5 + 3], got.weights.data[((1 * 2 + 1) * 5 + q) * 5 + 4]]).toEqual([0, 0]);
  });
});

describe('Sequence queries from token inputs: padded query steps and padded keys, two batch shapes', () => {
  // query = Embedding(query tokens) [B,T,8] (carries query lengths), keys = Embedding(key tokens) [B,S,8]
  // (carry key lengths); concat scores [query; hidden] with hidden = a second embedding of the query
  const batches = [
    { q: [[4, 5, 6, 0], [7, 0, 0, 0], [8, 9, 10, 11]], k: [[12, 13, 0, 0, 0], [14, 15, 16, 17, 18], [19, 20, 21, 0, 0]] },
    // B = 2, T = 2, S = 3, one valid key in row 0
    { q: [[4, 5], [6, 0]], k: [[5, 0, 0], [7, 8, 9]] },
  ];
  const scores: [string, Record<string, unknown>][] = [
    ['dot', {}], ['scaled_dot', {}], ['general', {}], ['additive', { attention_dim: 5 }], ['concat', { max_length: 7 }], ['multi_head', { num_heads: 4 }],
  ];
  it.each(scores)('%s', async (score, extra) => {
    const ports = score === 'concat' ? ['context', 'weights', 'combined'] : ['context', 'weights'];
    const out = outputs('att', ports);
    const p = program(
      [
        { id: 'tq', type: 'Input' },
        { id: 'tk', type: 'Input' },
        { id: 'eq', type: 'Embedding', params: { embedding_dim: 8, padding_idx: 0 } },
        { id: 'ek', type: 'Embedding', params: { embedding_dim: 8, padding_idx: 0 } },
        ...(score === 'concat' ? [{ id: 'eh', type: 'Embedding', params: { embedding_dim: 3, padding_idx: 0 } }] : []),
        { id: 'att', type: 'Attention', params: { score, ...extra } },
        ...out.nodes,
      ],
      [
        'tq.tokens -> eq.tokens', 'tk.tokens -> ek.tokens', 'eq.output -> att.query', 'ek.output -> att.keys',
        ...(score === 'concat' ? ['tq.tokens -> eh.tokens', 'eh.output -> att.hidden'] : []),
        ...out.edges,
      ],
    );
    const bytes = exportOnnx(p);
    for (const { q, k } of batches) {
      const feeds = { tq: intTensor([q.length, q[0].length], q.flat()), tk: intTensor([k.length, k[0].length], k.flat()) };
      const got = await both(p, feeds, bytes);
      const w = got.weights;
      const S = w.shape[w.shape.length - 1];
      // a padded query step (row 1, step 1) has all-zero weights and outputs
      const rowStep = score === 'multi_head' ? ((1 * 4 + 2) * q[0].length + 1) * S : (1 * q[0].length + 1) * S;
      expect(Array.from(w.data.subarray(rowStep, rowStep + S)).every((x) => x === 0)).toBe(true);
    }
  });
});

describe('keys with no valid step (length 0): zero weights and context, as the runtime gives (not NaN)', () => {
  // the runtime refuses an all-<pad> token row, so this Program is built by hand with lengths as inputs
  const ops: [string, Record<string, unknown>, string[]][] = [
    ['Attention', { score: 'additive' }, ['q', 'K', 'K', 'len', 'qlen', '', 'Wq', 'Wk', 'v']],
    ['ConcatAttention', {}, ['q', '', 'K', 'len', 'qlen', 'aW', 'ab', 'cW', 'cb']],
    ['MultiHeadAttention', { num_heads: 2 }, ['q', 'K', 'K', 'len', 'qlen', 'inW', 'inB', 'outW', 'outB']],
  ];
  const r = (shape: number[], seed: number) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 7.1 + i * 1.3)));
  const init: Record<string, Tensor> = {
    Wq: r([3, 4], 1), Wk: r([3, 4], 2), v: r([3], 3), aW: r([5, 4], 4), ab: r([5], 5), cW: r([4, 8], 6), cb: r([4], 7),
    inW: r([12, 4], 8), inB: r([12], 9), outW: r([4, 4], 10), outB: r([4], 11),
  };
  it.each(ops)('%s', async (op, attrs, ins) => {
    const nOut = op === 'ConcatAttention' ? 3 : 2;
    const outs = ['ctx', 'w', 'comb'].slice(0, nOut);
    const wShape = op === 'MultiHeadAttention' ? ['B', 2, 'T', 'S'] : ['B', 'T', op === 'ConcatAttention' ? 5 : 'S'];
    const shapes: Record<string, (string | number)[]> = { q: ['B', 'T', 4], K: ['B', 'S', 4], len: ['B'], qlen: ['B'], ctx: ['B', 'T', 4], w: wShape, comb: ['B', 'T', 4] };
    const values: Program['values'] = {};
    for (const [name, shape] of Object.entries(shapes)) values[name] = { name, dtype: name.endsWith('len') ? 'int64' : 'float32', shape };
    for (const [name, tt] of Object.entries(init)) values[name] = { name, dtype: 'float32', shape: tt.shape };
    const p: Program = {
      name: 'zero', traced: [], nodeNames: { n: 'att' }, weightRefs: {}, values, initializers: init,
      inputs: ['q', 'K', 'len', 'qlen'].map((name) => ({ name, node: name, value: name, dtype: values[name].dtype, shape: values[name].shape, info: { kind: 'float', features: 4 } })),
      outputs: outs.map((name) => ({ name, node: name, value: name, dtype: 'float32', shape: values[name].shape, kind: 'values' })),
      ops: [{ op: op as Program['ops'][0]['op'], inputs: ins, outputs: outs, attrs: attrs as Program['ops'][0]['attrs'], node: 'n' }],
    };
    const feeds = { q: r([2, 3, 4], 12), K: r([2, 4, 4], 13), len: intTensor([2], [0, 3]), qlen: intTensor([2], [3, 2]) };
    const got = await both(p, feeds);
    for (const x of Object.values(got)) expect(Array.from(x.data).every(Number.isFinite)).toBe(true);
    expect(Array.from(got.w.data.subarray(0, got.w.data.length / 2)).every((x) => x === 0)).toBe(true); // row 0: no valid key
  });
});
