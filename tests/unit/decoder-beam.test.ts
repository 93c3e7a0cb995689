// The Decoder's beam search (width 1 is greedy; on a constructed model it beats greedy), ragged
// batches (each row as if alone), and run-time errors that name the node and the position.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { execute, RunError } from '../../src/runtime/execute';
import { encodeBatch } from '../../src/runtime/tokenize';
import { decode, prepareDecoder, DecodeError } from '../../src/runtime/kernels/decoder';
import type { TokenInputInfo } from '../../src/ir/program';
import { expectClose } from '../helpers/fixtures';
import { build, compileDoc, EOS, feedsFor, PAD, seq2seqDoc, TGT_VOCAB, type Seq2Seq } from './decoder-helpers';
import { describeEachBackend } from '../helpers/backends';

const WORDS = ['hello', 'at', 'graphemes', 'cab'];
const V = TGT_VOCAB.length;

const SEQ2SEQ: [string, Seq2Seq][] = [
  ['GRU additive (Bahdanau)', { enc: { cell: 'GRU', hidden: 8, bidirectional: true }, stateFrom: 'state', dec: { cell: 'GRU', hidden_size: 12, attention: 'additive' } }],
  ['LSTM ×2 general (Luong)', { enc: { cell: 'LSTM', hidden: 10, layers: 2 }, stateFrom: 'state', dec: { cell: 'LSTM', hidden_size: 10, num_layers: 2, attention: 'general', attention_style: 'luong' } }],
  ['GRU concat (tutorial)', { enc: { cell: 'GRU', hidden: 8 }, stateFrom: 'state', dec: { cell: 'GRU', hidden_size: 8, attention: 'concat', max_source_len: 12 } }],
  ['RNN none, 1→N', { vector: 4, dec: { cell: 'RNN', hidden_size: 7 } }],
];
const codeFeed = (n: number, B: number) => floatTensor([B, n], Array.from({ length: B * n }, (_, i) => Math.cos(2.1 * i)));

describeEachBackend('beam search', () => {
  for (const [name, cfg] of SEQ2SEQ) {
    it(`beam_width 1 with early_stopping gives exactly greedy's output: ${name}`, () => {
      const greedy = build(cfg);
      const beam1 = build({ ...cfg, dec: { ...cfg.dec, strategy: 'beam', beam_width: 1, length_penalty: 0.7, early_stopping: true } });
      for (const b of [greedy, beam1]) b.weights.dec['out.bias'].data[EOS] += 0.25;
      const feeds = feedsFor(greedy.program, WORDS, cfg.vector ? { code: codeFeed(cfg.vector, WORDS.length) } : {});
      const g = execute(greedy.program, feeds).outputs;
      const b = execute(beam1.program, feeds).outputs;
      for (const k of Object.keys(g)) {
        expect(b[k].shape, k).toEqual(g[k].shape);
        expect(Array.from(b[k].data), k).toEqual(Array.from(g[k].data));
      }
    });
  }

  it('finds a sequence greedy misses, when greedy\'s first pick leads to a worse total', () => {
    // a bigram model: h_t = tanh(k·onehot(previous token)) (W_hh = 0), so out.weight's column for
    // the previous token sets the next token's log-probabilities.
    //   after <s>: AA 0.55, AE 0.45     after AA: </s> 0.4, the rest share 0.6     after AE: </s> 0.99
    // greedy: AA </s> = 0.55·0.4 = 0.22;  beam (2): AE </s> = 0.45·0.99 ≈ 0.446
    const id = (s: string) => TGT_VOCAB.indexOf(s);
    const k = 3;
    const row = (eos: number) => Array.from({ length: V }, (_, v) => (v === EOS ? eos : (1 - eos) / (V - 1)));
    const P: number[][] = Array.from({ length: V }, () => row(0.9));
    P[id('<s>')] = Array.from({ length: V }, () => 1e-6);
    P[id('<s>')][id('AA')] = 0.55;
    P[id('<s>')][id('AE')] = 0.45;
    P[id('AA')] = row(0.4);
    P[id('AE')] = row(0.99);
    const eye = Array.from({ length: V * V }, (_, i) => (i % (V + 1) === 0 ? 1 : 0));
    const out: number[] = [];
    for (let next = 0; next < V; next++) for (let prev = 0; prev < V; prev++) out.push(Math.log(P[prev][next]) / Math.tanh(k));
    const zeros = (n: number) => new Array(n).fill(0);
    const weights = {
      'embedding.weight': { shape: [V, V], data: eye }, 'rnn.weight_ih_l0': { shape: [V, V], data: eye.map((v) => v * k) }, 'rnn.weight_hh_l0': { shape: [V, V], data: zeros(V * V) },
      'rnn.bias_ih_l0': { shape: [V], data: zeros(V) }, 'rnn.bias_hh_l0': { shape: [V], data: zeros(V) }, 'out.weight': { shape: [V, V], data: out }, 'out.bias': { shape: [V], data: zeros(V) },
    };
    const graph = (strategy: string, beam_width = 2) => ({
      format: 'seqgraph', version: 2, name: 'bigram',
      nodes: [
        { id: 'code', type: 'Input', params: { kind: 'vector', features: V } },
        { id: 'dec', type: 'Decoder', params: { vocab: TGT_VOCAB, embedding_dim: V, cell: 'RNN', hidden_size: V, max_len: 5, strategy, beam_width, length_penalty: 0 } },
        { id: 'tokens', type: 'Output', params: {} },
        { id: 'score', type: 'Output', params: {} },
      ].map((n) => ({ ...n, name: n.id, position: { x: 0, y: 0 } })),
      edges: [['code', 'vector', 'dec', 'state'], ['dec', 'tokens', 'tokens', 'value'], ['dec', 'score', 'score', 'value']].map(([a, b, c, d], i) => ({ id: `e${i}`, source: { node: a, port: b }, target: { node: c, port: d } })),
      weights: { dec: weights },
    });
    const feeds = { code: floatTensor([1, V]) };
    const g = execute(compileDoc(graph('greedy')).program, feeds).outputs;
    const b = execute(compileDoc(graph('beam')).program, feeds).outputs;
    expect(Array.from(g.tokens.data).map((i) => TGT_VOCAB[i])).toEqual(['AA', '</s>']);
    expect(Array.from(b.tokens.data).map((i) => TGT_VOCAB[i])).toEqual(['AE', '</s>']);
    expect(b.score.data[0]).toBeGreaterThan(g.score.data[0]);
    expect(Math.abs(g.score.data[0] - Math.log(0.55 * 0.4))).toBeLessThan(0.01);
    expect(Math.abs(b.score.data[0] - Math.log(0.45 * 0.99))).toBeLessThan(0.01);
    // width 1 falls for greedy's choice
    const b1 = execute(compileDoc(graph('beam', 1)).program, feeds).outputs;
    expect(Array.from(b1.tokens.data)).toEqual(Array.from(g.tokens.data));
  });
});

/** each row of a batch run equals that row run alone: tokens, log-probs, attention, score */
function expectRowsAlone(run: (texts: string[]) => Record<string, Tensor>, texts: string[]) {
  const batch = run(texts);
  texts.forEach((text, b) => {
    const one = run([text]);
    const M = batch.phonemes.shape[1], m = one.phonemes.shape[1];
    expect(Array.from(batch.phonemes.data.subarray(b * M, b * M + m)), `"${text}" tokens`).toEqual(Array.from(one.phonemes.data));
    expect(Array.from(batch.phonemes.data.subarray(b * M + m, (b + 1) * M)).every((v) => v === 0)).toBe(true);
    const Vp = batch.logprobs.shape[2];
    expectClose(`"${text}" logprobs`, batch.logprobs.data.subarray(b * M * Vp, (b * M + m) * Vp), one.logprobs.data, 1e-6);
    const S = batch.attention.shape[2], s = one.attention.shape[2];
    for (let t = 0; t < m; t++) {
      expectClose(`"${text}" attention step ${t}`, batch.attention.data.subarray((b * M + t) * S, (b * M + t) * S + s), one.attention.data.subarray(t * s, (t + 1) * s), 1e-6);
      expect(Array.from(batch.attention.data.subarray((b * M + t) * S + s, (b * M + t + 1) * S)).every((v) => v === 0)).toBe(true);
    }
    expect(Math.abs(batch.score.data[b] - one.score.data[0])).toBeLessThan(1e-5);
  });
}

describeEachBackend('ragged source lengths: each row of a batch is decoded as if alone', () => {
  const raw = JSON.parse(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8'));
  for (const strategy of ['greedy', 'beam']) {
    it(`tests/fixtures/graphs/g2p-attention.json, ${strategy}`, () => {
      raw.nodes.find((n: { id: string }) => n.id === 'dec').params.strategy = strategy;
      const { program } = compileDoc(raw);
      const info = program.inputs[0].info as TokenInputInfo;
      expectRowsAlone((texts) => execute(program, { word: encodeBatch(texts, info) }).outputs, ['hello', 'a', 'phoneme', 'cat', 'through']);
    });
  }
});

describe('run-time errors name the node or input and the position', () => {
  const cfg: Seq2Seq = { enc: { cell: 'GRU', hidden: 8 }, stateFrom: 'state', dec: { cell: 'GRU', hidden_size: 8, attention: 'additive' }, forced: true };
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(RunError);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };
  it('a target id out of the target vocabulary', () => {
    const { program } = build(cfg);
    expect(message(() => execute(program, feedsFor(program, ['ab'], { target: intTensor([1, 2], [4, 12]) })))).toMatch(/input "target": token id 12 at \[0, 1\] is out of range/);
    // past the Input's own check (a longer vocabulary there), the Decoder's kernel names itself
    const { program: p2 } = build(cfg);
    (p2.inputs.find((i) => i.name === 'target')!.info as TokenInputInfo).vocab = [...TGT_VOCAB, 'X', 'Y', 'Z'];
    expect(message(() => execute(p2, feedsFor(p2, ['ab', 'c'], { target: intTensor([2, 2], [4, 5, 6, 12]) })))).toBe(
      'node "dec" (Decode): target token id 12 at [1, 1] is out of range (the decoder\'s vocabulary has 10 symbols, ids 0..9)',
    );
  });
  it('NaN in the weights', () => {
    const { program, weights } = build({ ...cfg, forced: false });
    weights.dec['rnn.bias_hh_l0'].data[3] = NaN;
    expect(message(() => execute(program, feedsFor(program, ['ab'])))).toMatch(/^node "dec" \(Decode\): row 0, step 0: the output scores are not finite/);
  });
  it('the kernel alone checks forced targets too', () => {
    const w = (n: number) => new Float32Array(n).fill(0.1);
    const P = prepareDecoder(
      { cell: 'GRU', H: 2, L: 1, attention: 'none', style: 'bahdanau', bos: 2, eos: 3, pad: 0, maxLen: 4, strategy: 'greedy', beamWidth: 1, lengthPenalty: 0 },
      { embedding: w(5 * 3), V: 5, outW: w(10), outB: w(5), cells: [{ wih: w(18), whh: w(12), bih: w(6), bhh: w(6) }] },
    );
    expect(() => decode(P, { B: 1, S: 0, Dm: 0, Din: 0, target: [1, 7], T: 2 })).toThrow(DecodeError);
    const r = decode(P, { B: 1, S: 0, Dm: 0, Din: 0, target: [1, 4], T: 2 });
    expect(Array.from(r.tokens)).toEqual([1, 4]);
    expect(r.lengths[0]).toBe(2);
    expect(PAD).toBe(0);
  });
});

describe('compile-time problems name the node and the port or param', () => {
  const problems = (cfg: Seq2Seq, edit?: (doc: ReturnType<typeof seq2seqDoc>) => void) => {
    const doc = seq2seqDoc(cfg);
    edit?.(doc);
    try {
      compileDoc(doc);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };
  const enc = { cell: 'GRU' as const, hidden: 8 };
  it('dot scores need h and the memory of one size', () => {
    expect(problems({ enc: { ...enc, bidirectional: true }, stateFrom: 'state', dec: { hidden_size: 8, attention: 'dot' } })).toMatch(/^dec \(attention\): dot scores h \(8\) against memory steps of 16 features/);
  });
  it('attention without a memory, and a memory without attention', () => {
    expect(problems({ vector: 4, dec: { hidden_size: 8, attention: 'additive' } })).toMatch(/dec\.memory: is not connected, but attention additive reads it/);
    expect(problems({ enc, stateFrom: 'state', dec: { hidden_size: 8, attention: 'additive' } }, (d) => {
      d.nodes.find((n) => n.id === 'dec')!.params.attention = 'none'; // the memory edge stays
      d.nodes = d.nodes.filter((n) => n.id !== 'attention');
      d.edges = d.edges.filter((e) => e.target.node !== 'attention');
    })).toMatch(/dec \(attention\): is none, so the memory would go unused/);
  });
  it('a target read with another vocabulary; a vocabulary without </s>', () => {
    expect(problems({ enc, stateFrom: 'state', dec: { hidden_size: 8, attention: 'general' }, forced: true }, (d) => {
      d.nodes.find((n) => n.id === 'target')!.params.vocab = [...TGT_VOCAB, 'ZH'];
    })).toMatch(/dec\.target: reads 11 symbols that differ from the decoder's vocab \(10\)/);
    expect(problems({ vector: 4, dec: { hidden_size: 8, vocab: ['<pad>', '<unk>', '<s>', 'a', 'b'] } })).toMatch(/dec \(eos_token\): "<\/s>" is not in the target vocabulary: add it, or leave it empty for none/);
  });
});
