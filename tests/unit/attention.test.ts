// The Attention node against PyTorch (tests/fixtures/pytorch/attention.json): every score
// rule, the padding mask and nn.MultiheadAttention's per-head weights, each run the way a user
// runs it: a graph document, compiled (weights loaded by their names), executed.
import { describe, it, expect } from 'vitest';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { traceToJSON } from '../../src/runtime/trace';
import { expectClose, loadFixture, type FixTensor } from '../helpers/fixtures';
import { describeEachBackend } from '../helpers/backends';

const fx = loadFixture<any>('pytorch/attention.json');
const R = fx.rules;
const TOL = 1e-5;

type N = { id: string; type: string; params?: Record<string, unknown> };
/** a graph document from nodes and "node.port -> node.port" edges, compiled */
function program(nodes: N[], edges: string[], weights?: Record<string, Record<string, FixTensor>>) {
  const raw = {
    format: 'seqgraph', version: 1, name: 't',
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

const t = (x: FixTensor) => floatTensor(x.shape, x.data);
// the fixture's mask as a token batch: row 1 has 4 real tokens (id 5), then <pad> (id 0)
const maskTokens = (m: FixTensor) => intTensor(m.shape, m.data.map((v) => (v ? 5 : 0)));
const outputs = (att: string, ports: string[]) => ({
  nodes: ports.map((p) => ({ id: p, type: 'Output' })),
  edges: ports.map((p) => `${att}.${p} -> ${p}.value`),
});

describeEachBackend('Attention score rules match PyTorch (query vector, keys with a padding mask)', () => {
  const ruleWeights: Record<string, string[]> = { dot: [], scaled_dot: [], general: ['W'], additive: ['W_query', 'W_key', 'v'] };
  for (const [rule, names] of Object.entries(ruleWeights)) {
    it(rule, () => {
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
      const r = execute(p, { q: t(fx.q), K: t(fx.K), m: maskTokens(fx.mask) }, { trace: true });
      expectClose(`${rule} weights`, r.outputs.weights.data, R[rule].weights.data, TOL);
      expectClose(`${rule} context`, r.outputs.context.data, R[rule].context.data, TOL);
      expect(r.outputs.weights.data[1 * 6 + 4]).toBe(0); // padded keys get exactly 0
      expect(r.outputs.weights.shape).toEqual([2, 6]);
      // every weight lands in the trace
      const a = r.trace!.attention!;
      expect(a).toHaveLength(1);
      expect(a[0]).toMatchObject({ name: 'att', score: rule, batch: 2, heads: 1, queries: 1, keys: 6, key_lengths: [6, 4] });
      expectClose(`${rule} trace`, a[0].weights, R[rule].weights.data, TOL);
      const json = traceToJSON(r.trace!);
      expect(json.attention![0].weights[1][0][0]).toHaveLength(4);
    });
  }

  it('keys that carry padding from a token input are masked without a mask edge', () => {
    // the fixture's keys as embedding rows: token 4 + 6·b + s is K[b, s]; row 1 is padded after 4
    const E = new Float32Array(30 * 8);
    E.set(fx.K.data, 4 * 8);
    const ids = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 0];
    const out = outputs('att', ['context', 'weights']);
    const p = program(
      [
        { id: 'q', type: 'Input', params: { kind: 'vector', features: 8 } },
        // 30 symbols: the specials and a–z (the default vocabulary is printable ASCII)
        { id: 'tok', type: 'Input', params: { vocab: ['<pad>', '<unk>', '<s>', '</s>', ...'abcdefghijklmnopqrstuvwxyz'] } },
        { id: 'emb', type: 'Embedding', params: { embedding_dim: 8 } },
        { id: 'att', type: 'Attention', params: { score: 'general' } },
        ...out.nodes,
      ],
      ['q.vector -> att.query', 'tok.tokens -> emb.tokens', 'emb.output -> att.keys', ...out.edges],
      { emb: { weight: { shape: [30, 8], data: Array.from(E) } }, att: { W: R.general.W } },
    );
    const r = execute(p, { q: t(fx.q), tok: intTensor([2, 6], ids) });
    expectClose('implicit mask weights', r.outputs.weights.data, R.general.weights.data, TOL);
    expectClose('implicit mask context', r.outputs.context.data, R.general.context.data, TOL);
  });

  it('a sequence query gives, at each step, what that step alone as a vector gives', () => {
    const out = outputs('att', ['context', 'weights']);
    const p = program(
      [
        { id: 'Q', type: 'Input', params: { kind: 'sequence', features: 8 } },
        { id: 'K', type: 'Input', params: { kind: 'sequence', features: 8 } },
        { id: 'm', type: 'Input' },
        { id: 'att', type: 'Attention', params: { score: 'additive', attention_dim: 10 } },
        ...out.nodes,
      ],
      ['Q.sequence -> att.query', 'K.sequence -> att.keys', 'm.mask -> att.mask', ...out.edges],
      { att: { W_query: R.additive.W_query, W_key: R.additive.W_key, v: R.additive.v } },
    );
    // step 0 is the fixture's q, step 1 is q reversed
    const q = fx.q.data as number[];
    const Q: number[] = [];
    for (let b = 0; b < 2; b++) Q.push(...q.slice(b * 8, b * 8 + 8), ...q.slice(b * 8, b * 8 + 8).reverse());
    const r = execute(p, { Q: floatTensor([2, 2, 8], Q), K: t(fx.K), m: maskTokens(fx.mask) });
    expect(r.outputs.weights.shape).toEqual([2, 2, 6]);
    for (let b = 0; b < 2; b++) {
      expectClose(`row ${b} step 0 weights`, r.outputs.weights.data.subarray(b * 12, b * 12 + 6), R.additive.weights.data.slice(b * 6, b * 6 + 6), TOL);
      expectClose(`row ${b} step 0 context`, r.outputs.context.data.subarray(b * 16, b * 16 + 8), R.additive.context.data.slice(b * 8, b * 8 + 8), TOL);
    }
  });
});

describeEachBackend('concat (the PyTorch seq2seq tutorial\'s Attn) matches PyTorch', () => {
  it('weights over max_length, context, and the combine Linear of [q; context]', () => {
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
    const r = execute(p, { q: t(fx.q), h: t(c.k), K: t(fx.K) }, { trace: true });
    expectClose('concat weights', r.outputs.weights.data, c.weights.data, TOL);
    expectClose('concat context', r.outputs.context.data, c.context.data, TOL);
    expectClose('concat combined', r.outputs.combined.data, c.output.data, TOL);
    expect(r.trace!.attention![0]).toMatchObject({ score: 'concat', keys: 6, key_lengths: [6, 6] });
  });

  it('keys shorter than max_length count as zero rows, as the tutorial pads encoder outputs', () => {
    const c = R.concat_tutorial;
    const out = outputs('att', ['context', 'weights']);
    const build = (maxLen: number) =>
      program(
        [
          { id: 'q', type: 'Input', params: { kind: 'vector', features: 8 } },
          { id: 'h', type: 'Input', params: { kind: 'vector', features: 8 } },
          { id: 'K', type: 'Input', params: { kind: 'sequence', features: 8 } },
          { id: 'att', type: 'Attention', params: { score: 'concat', max_length: maxLen } },
          ...out.nodes,
        ],
        ['q.vector -> att.query', 'h.vector -> att.hidden', 'K.sequence -> att.keys', ...out.edges],
        { att: { 'attn.weight': c['attn.weight'], 'attn.bias': c['attn.bias'], 'combine.weight': c['combine.weight'], 'combine.bias': c['combine.bias'] } },
      );
    // the first 4 keys, the last two zeroed: same weights and context as 4 keys alone
    const K4 = (fx.K.data as number[]).filter((_, i) => Math.floor(i / 8) % 6 < 4);
    const K6 = (fx.K.data as number[]).map((v, i) => (Math.floor(i / 8) % 6 < 4 ? v : 0));
    const short = execute(build(6), { q: t(fx.q), h: t(c.k), K: floatTensor([2, 4, 8], K4) });
    const full = execute(build(6), { q: t(fx.q), h: t(c.k), K: floatTensor([2, 6, 8], K6) });
    expectClose('weights', short.outputs.weights.data, full.outputs.weights.data, 1e-7);
    expectClose('context', short.outputs.context.data, full.outputs.context.data, 1e-7);
  });
});

describeEachBackend('multi_head matches nn.MultiheadAttention (self-attention, key padding mask)', () => {
  it('output and per-head weights [B, heads, T, S]', () => {
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
    const r = execute(p, { x: t(m.x), m: maskTokens({ shape: [2, 5], data: m.key_padding_mask.data.map((v: number) => 1 - v) }) }, { trace: true });
    expect(r.outputs.weights.shape).toEqual([2, 2, 5, 5]);
    expectClose('mha weights', r.outputs.weights.data, m.weights.data, TOL);
    expectClose('mha output', r.outputs.context.data, m.output.data, TOL);
    const a = r.trace!.attention![0];
    expect(a).toMatchObject({ score: 'multi_head', heads: 2, queries: 5, keys: 5, key_lengths: [5, 3] });
    expectClose('mha trace', a.weights, m.weights.data, TOL);
  });
});

describe('fresh weights, as PyTorch initialises them', () => {
  it('every rule compiles and runs without stored weights; weights sum to 1 over real keys', () => {
    for (const score of ['dot', 'scaled_dot', 'general', 'additive', 'concat', 'multi_head']) {
      const out = outputs('att', ['context', 'weights']);
      const raw = program(
        [
          { id: 'x', type: 'Input', params: { kind: 'sequence', features: 8 } },
          { id: 'm', type: 'Input' },
          { id: 'att', type: 'Attention', params: { score, max_length: 5 } },
          ...out.nodes,
        ],
        ['x.sequence -> att.query', 'x.sequence -> att.keys', 'm.mask -> att.mask', ...out.edges],
      );
      const x: Tensor = floatTensor([2, 5, 8], Array.from({ length: 80 }, (_, i) => Math.sin(i)));
      const r = execute(raw, { x, m: intTensor([2, 5], [5, 5, 5, 5, 5, 5, 5, 5, 0, 0]) });
      const w = r.outputs.weights;
      const S = w.shape[w.shape.length - 1];
      for (let row = 0; row < w.data.length / S; row++) {
        const sum = Array.from(w.data.subarray(row * S, row * S + S)).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - 1) < 1e-5, `${score} row ${row} sums to ${sum}`).toBe(true);
      }
      const w0 = (n: string) => Array.from(raw.initializers[`att.${n}`].data);
      const within = (n: string, bound: number) => expect(w0(n).every((v) => Math.abs(v) <= bound) && w0(n).some((v) => Math.abs(v) > bound / 2), n).toBe(true);
      if (score === 'multi_head') {
        within('in_proj_weight', Math.sqrt(6 / (8 + 24))); // xavier_uniform on [3E, E]
        within('out_proj.weight', 1 / Math.sqrt(8));
        expect(w0('in_proj_bias').every((v) => v === 0) && w0('out_proj.bias').every((v) => v === 0)).toBe(true);
      }
      if (score === 'additive') ['W_query', 'W_key', 'v'].forEach((n) => within(n, 1 / Math.sqrt(8)));
      // no hidden connected here: attn reads the query alone (fan_in 8); combine reads [query; context] (16)
      if (score === 'concat') [['attn.weight', 8], ['attn.bias', 8], ['combine.weight', 16], ['combine.bias', 16]].forEach(([n, f]) => within(n as string, 1 / Math.sqrt(f as number)));
    }
  });
});
