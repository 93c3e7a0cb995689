// The Decoder node against a decoder written in PyTorch from the same weights
// (tests/python/decoder_reference.py: nn.*Cell, attention, Linear, log_softmax; nothing shared
// with the runtime):
//   - Luong's output layer in both concat orders ([context; h], and [h; context] as the PyTorch
//     chatbot tutorial writes cat((rnn_output, context))), greedy, step by step, and in the ONNX export;
//   - beam search against the reference's beam search (same ranking score / len^α, both stopping
//     rules), and against exhaustive search where the width is large enough to be exhaustive;
//   - every returned score is the log-probability of the returned tokens (PyTorch's);
//   - <s> and <pad> are never written, even when the model favours them.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { exportOnnx } from '../../src/onnx/export';
import { runOnnx } from '../../src/onnx/ort';
import { floatTensor, type Tensor } from '../../src/runtime/tensor';
import type { GraphDoc } from '../../src/doc/schema';
import { graphDoc, programOf, type NodeSpec } from '../helpers/graph';
import { hasPyTorch, pytorchTest, runPythonJSON } from '../helpers/pytorch';

interface Dec {
  name: string;
  cell: 'RNN' | 'LSTM' | 'GRU';
  H: number;
  L: number;
  attention: 'none' | 'dot' | 'general' | 'additive';
  style: 'luong' | 'bahdanau';
  concat_order?: 'context_h' | 'h_context';
  vocab: string[];
  max_len: number;
  B: number;
  S: number;
  Dm: number;
  seed: number;
  /** added to out.bias for <s> and <pad>: a model that favours them */
  favourSpecials?: number;
  /** the Decoder's special symbols, when not <s>, </s>, <pad> */
  specials?: { bos_token: string; eos_token: string; pad_token: string };
  beams?: { K: number; alpha: number; early: boolean }[];
  exhaustive?: { alphas: number[] };
}

const SMALL = ['<pad>', '<s>', '</s>', 'a', 'b'];
const VOCAB = ['<pad>', '<s>', '</s>', 'a', 'b', 'c', 'd', 'e'];
const BEAMS = [2, 3].flatMap((K) => [0, 1].flatMap((alpha) => [false, true].map((early) => ({ K, alpha, early }))));
const CASES: Dec[] = [
  { name: 'GRU, Luong general, [context; h]', cell: 'GRU', H: 6, L: 1, attention: 'general', style: 'luong', concat_order: 'context_h', vocab: VOCAB, max_len: 8, B: 2, S: 4, Dm: 5, seed: 21, beams: BEAMS },
  { name: 'GRU, Luong general, [h; context] (the chatbot tutorial)', cell: 'GRU', H: 6, L: 1, attention: 'general', style: 'luong', concat_order: 'h_context', vocab: VOCAB, max_len: 8, B: 2, S: 4, Dm: 5, seed: 21, beams: BEAMS },
  { name: 'LSTM ×2, Bahdanau additive', cell: 'LSTM', H: 5, L: 2, attention: 'additive', style: 'bahdanau', vocab: VOCAB, max_len: 7, B: 2, S: 3, Dm: 4, seed: 22, beams: BEAMS },
  { name: 'RNN, no attention, favouring <s> and <pad>', cell: 'RNN', H: 6, L: 1, attention: 'none', style: 'bahdanau', vocab: VOCAB, max_len: 8, B: 3, S: 0, Dm: 0, seed: 23, favourSpecials: 6, beams: BEAMS },
  // the PyTorch tutorial's vocabulary: SOS = 0, EOS = 1, no padding symbol (rows are filled with EOS)
  { name: 'GRU, tutorial vocabulary (SOS, EOS, no pad)', cell: 'GRU', H: 6, L: 1, attention: 'additive', style: 'bahdanau', vocab: ['SOS', 'EOS', 'a', 'b', 'c', 'd'], specials: { bos_token: 'SOS', eos_token: 'EOS', pad_token: '' }, max_len: 6, B: 3, S: 3, Dm: 4, seed: 26, favourSpecials: 4, beams: BEAMS },
  { name: 'exhaustive: GRU, Luong dot', cell: 'GRU', H: 4, L: 1, attention: 'dot', style: 'luong', vocab: SMALL, max_len: 5, B: 3, S: 3, Dm: 4, seed: 24, exhaustive: { alphas: [0, 0.5, 1, 2] } },
  { name: 'exhaustive: LSTM ×2, no attention', cell: 'LSTM', H: 4, L: 2, attention: 'none', style: 'bahdanau', vocab: SMALL, max_len: 5, B: 3, S: 0, Dm: 0, seed: 25, exhaustive: { alphas: [0, 0.5, 1, 2] } },
];
const EXHAUSTIVE_K = 64; // ≥ every continuation at every step (16 live × 3 tokens), so nothing is pruned

function rand(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** the decoder graph: memory (a float sequence) when it attends, the code vector as every layer's h0 */
function doc(c: Dec, dec: Record<string, unknown>, weights?: Record<string, { shape: number[]; data: number[] }>) {
  const nodes: NodeSpec[] = [
    ['code', 'Input', { kind: 'vector', features: c.H }],
    ['dec', 'Decoder', { vocab: c.vocab, ...c.specials, embedding_dim: 4, cell: c.cell, hidden_size: c.H, num_layers: c.L, attention: c.attention, attention_style: c.style, max_len: c.max_len, ...(c.concat_order ? { concat_order: c.concat_order } : {}), ...dec }],
    ['tokens', 'Output'], ['logprobs', 'Output'], ['score', 'Output'],
  ];
  const edges: [string, string][] = [['code.vector', 'dec.state'], ['dec.tokens', 'tokens.value'], ['dec.logprobs', 'logprobs.value'], ['dec.score', 'score.value']];
  if (c.attention !== 'none') {
    nodes.push(['mem', 'Input', { kind: 'sequence', features: c.Dm }]);
    edges.push(['mem.sequence', 'dec.memory']);
  }
  return graphDoc(nodes, edges, { seed: c.seed, ...(weights ? { weights: { dec: weights } } : {}) });
}

/** fresh PyTorch-initialised weights, with the output layer scaled up so that the search has choices to make */
function weightsFor(c: Dec) {
  const r = compile(doc(c, {}) as unknown as GraphDoc);
  const w: Record<string, { shape: number[]; data: number[] }> = {};
  for (const [k, t] of Object.entries(r.weights.dec)) w[k] = { shape: [...t.shape], data: Array.from(t.data, (v) => (k === 'out.weight' ? 4 * v : v)) };
  if (c.favourSpecials) for (const id of [special(c, 'bos'), special(c, 'pad')]) if (id >= 0) w['out.bias'].data[id] += c.favourSpecials;
  return w;
}

/** the id of the case's bos, eos or pad symbol (−1: none) */
function special(c: Dec, k: 'bos' | 'eos' | 'pad'): number {
  const sym = c.specials ? c.specials[`${k}_token`] : { bos: '<s>', eos: '</s>', pad: '<pad>' }[k];
  return sym === '' ? -1 : c.vocab.indexOf(sym);
}

function feedsFor(c: Dec): Record<string, Tensor> {
  const rnd = rand(c.seed * 7919);
  const f: Record<string, Tensor> = { code: floatTensor([c.B, c.H], Array.from({ length: c.B * c.H }, () => 2 * rnd() - 1)) };
  if (c.attention !== 'none') f.mem = floatTensor([c.B, c.S, c.Dm], Array.from({ length: c.B * c.S * c.Dm }, () => 2 * rnd() - 1));
  return f;
}

interface RefOut {
  greedy: [number[], number[][]][];
  beams: [number[], number][][];
  exhaustive?: { logp: Record<string, number>[]; best: Record<string, { seq: number[]; gap: number }[]> };
}

const prepared = CASES.map((c) => ({ c, weights: weightsFor(c), feeds: feedsFor(c) }));
const refs: Record<string, RefOut> = hasPyTorch()
  ? runPythonJSON('decoder_reference.py', [], {
      cases: prepared.map(({ c, weights, feeds }) => ({
        name: c.name, cell: c.cell, H: c.H, L: c.L, attention: c.attention, style: c.style, concat_order: c.concat_order,
        bos: special(c, 'bos'), eos: special(c, 'eos'), pad: special(c, 'pad'), max_len: c.max_len, weights,
        code: { shape: feeds.code.shape, data: Array.from(feeds.code.data) }, ...(feeds.mem ? { memory: { shape: feeds.mem.shape, data: Array.from(feeds.mem.data) } } : {}),
        beams: c.beams ?? [], exhaustive: c.exhaustive,
      })),
    })
  : {};

/** each row's tokens up to and including its end, and its score */
function rows(out: Record<string, Tensor>, eos = 2): { tokens: number[]; score: number }[] {
  const [B, M] = out.tokens.shape;
  return Array.from({ length: B }, (_, b) => {
    const all = Array.from(out.tokens.data.subarray(b * M, (b + 1) * M));
    const end = all.indexOf(eos);
    return { tokens: end >= 0 ? all.slice(0, end + 1) : all, score: out.score.data[b] };
  });
}

const run = (c: Dec, weights: ReturnType<typeof weightsFor>, feeds: Record<string, Tensor>, dec: Record<string, unknown>) =>
  execute(programOf(doc(c, dec, weights)), feeds).outputs;

describe('Luong output layer in both concat orders, greedy, against PyTorch', () => {
  for (const { c, weights, feeds } of prepared.filter((p) => p.c.concat_order)) {
    pytorchTest()(c.name, async () => {
      const ref = refs[c.name];
      const out = run(c, weights, feeds, {});
      const V = c.vocab.length, M = out.tokens.shape[1];
      ref.greedy.forEach(([tokens, lps], b) => {
        expect(rows(out)[b].tokens, `row ${b} tokens`).toEqual(tokens);
        let worst = 0;
        lps.forEach((lp, t) => lp.forEach((v, k) => (worst = Math.max(worst, Math.abs(out.logprobs.data[(b * M + t) * V + k] - v)))));
        expect(worst, `row ${b} log-probabilities`).toBeLessThan(1e-5);
      });
      // the exported model honours the order too
      const program = programOf(doc(c, {}, weights));
      const got = await runOnnx(exportOnnx(program), feeds);
      let d = 0;
      for (let i = 0; i < out.logprobs.data.length; i++) d = Math.max(d, Math.abs(got.logprobs.data[i] - out.logprobs.data[i]));
      expect(d).toBeLessThan(1e-4);
      expect(Array.from(got.tokens.data)).toEqual(Array.from(out.tokens.data));
    });
  }
  pytorchTest()('the two orders give different numbers from the same weights (so reading the wrong one would show)', () => {
    const [a, b] = prepared.filter((p) => p.c.concat_order);
    const x = run(a.c, a.weights, a.feeds, {}).logprobs.data, y = run(b.c, b.weights, b.feeds, {}).logprobs.data;
    expect(Array.from(x.subarray(0, 8))).not.toEqual(Array.from(y.subarray(0, 8)));
  });
});

describe('beam search against a PyTorch beam search (same ranking, both stopping rules)', () => {
  for (const { c, weights, feeds } of prepared.filter((p) => p.c.beams)) {
    pytorchTest()(c.name, async () => {
      const ref = refs[c.name];
      c.beams!.forEach(({ K, alpha, early }, i) => {
        const got = rows(run(c, weights, feeds, { strategy: 'beam', beam_width: K, length_penalty: alpha, early_stopping: early }), special(c, 'eos'));
        ref.beams[i].forEach(([tokens, score], b) => {
          const what = `K=${K} α=${alpha} early_stopping=${early} row ${b}`;
          expect(got[b].tokens, what).toEqual(tokens);
          // the returned score is the log-probability of the returned tokens, as PyTorch computes it
          expect(Math.abs(got[b].score - score), `${what} score`).toBeLessThan(1e-4);
          for (const k of ['bos', 'pad'] as const) if (special(c, k) >= 0) expect(got[b].tokens, `${what} never writes ${k}`).not.toContain(special(c, k));
        });
      });
      // greedy never writes them either, however much the model favours them
      const greedy = run(c, weights, feeds, {});
      rows(greedy, special(c, 'eos')).forEach((r, b) => {
        expect(r.tokens, `greedy row ${b}`).toEqual(ref.greedy[b][0]);
        for (const k of ['bos', 'pad'] as const) if (special(c, k) >= 0) expect(r.tokens).not.toContain(special(c, k));
      });
      if (special(c, 'pad') < 0) {
        // no padding symbol: a row that ended is filled with the end symbol, here and in the exported model
        const [B, M] = greedy.tokens.shape;
        rows(greedy, special(c, 'eos')).forEach((r, b) => expect(Array.from(greedy.tokens.data.subarray(b * M + r.tokens.length, (b + 1) * M)).every((v) => v === special(c, 'eos'))).toBe(true));
        expect(new Set(rows(greedy, special(c, 'eos')).map((r) => r.tokens.length)).size, 'rows of different lengths').toBeGreaterThan(1);
        expect(B).toBe(c.B);
        const got = await runOnnx(exportOnnx(programOf(doc(c, {}, weights))), feeds);
        expect(Array.from(got.tokens.data)).toEqual(Array.from(greedy.tokens.data));
      }
    });
  }
  pytorchTest()('these cases tell the stopping rules apart (early_stopping changes some answer)', () => {
    const differ = prepared.filter((p) => p.c.beams).some(({ c }) =>
      c.beams!.some((x, i) => x.early && JSON.stringify(refs[c.name].beams[i]) !== JSON.stringify(refs[c.name].beams[c.beams!.findIndex((y) => y.K === x.K && y.alpha === x.alpha && !y.early)])));
    expect(differ).toBe(true);
  });
});

describe('beam search as wide as exhaustive search returns the true best under score / len^α', () => {
  for (const { c, weights, feeds } of prepared.filter((p) => p.c.exhaustive)) {
    pytorchTest()(c.name, () => {
      const ref = refs[c.name].exhaustive!;
      for (const alpha of c.exhaustive!.alphas) {
        for (const early of [false, true]) {
          const got = rows(run(c, weights, feeds, { strategy: 'beam', beam_width: EXHAUSTIVE_K, length_penalty: alpha, early_stopping: early }));
          got.forEach((g, b) => {
            const best = ref.best[String(alpha)][b];
            const what = `α=${alpha} early_stopping=${early} row ${b}`;
            expect(best.gap, `${what}: the best is unique`).toBeGreaterThan(1e-5);
            expect(g.tokens, what).toEqual(best.seq);
            expect(Math.abs(g.score - ref.logp[b][g.tokens.join(' ')]), `${what}: score = log-probability of the tokens`).toBeLessThan(1e-4);
          });
        }
      }
    });
  }
});
