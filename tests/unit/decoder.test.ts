// The Decoder node, greedy and forced, against a plainly written step-by-step reference
// (decoder-reference.ts) computed from the same weights, and forced decoding against PyTorch's
// teacher-forced seq2seq (tests/fixtures/pytorch/grads.json).
import { describe, it, expect } from 'vitest';
import { intTensor, floatTensor } from '../../src/runtime/tensor';
import { execute } from '../../src/runtime/execute';
import { expectClose, loadFixture } from '../helpers/fixtures';
import { build, compileDoc, EOS, feedsFor, PAD, reference, run, TGT_VOCAB, type Seq2Seq } from './decoder-helpers';
import { describeEachBackend } from '../helpers/backends';

const TOL = 1e-5;
const WORDS = ['hello', 'at', 'graphemes'];

const CONFIGS: [string, Seq2Seq][] = [
  ['GRU, additive (Bahdanau), bridged from a bidirectional GRU state', { enc: { cell: 'GRU', hidden: 8, bidirectional: true }, stateFrom: 'state', dec: { cell: 'GRU', hidden_size: 12, attention: 'additive', attention_dim: 7 } }],
  ['LSTM ×2, general (Luong), state passed from a 2-layer LSTM', { enc: { cell: 'LSTM', hidden: 10, layers: 2 }, stateFrom: 'state', dec: { cell: 'LSTM', hidden_size: 10, num_layers: 2, attention: 'general', attention_style: 'luong' } }],
  ['RNN, dot (Luong), state passed from a GRU', { enc: { cell: 'GRU', hidden: 8 }, stateFrom: 'state', dec: { cell: 'RNN', hidden_size: 8, attention: 'dot', attention_style: 'luong' } }],
  ['GRU, scaled_dot (Bahdanau), from the encoder\'s last vector', { enc: { cell: 'LSTM', hidden: 4, bidirectional: true }, stateFrom: 'last', dec: { cell: 'GRU', hidden_size: 8, attention: 'scaled_dot' } }],
  ['GRU, concat (the tutorial\'s AttnDecoderRNN)', { enc: { cell: 'GRU', hidden: 8 }, stateFrom: 'state', dec: { cell: 'GRU', hidden_size: 8, attention: 'concat', max_source_len: 12 } }],
  ['LSTM ×2, additive (Luong), no initial state', { enc: { cell: 'GRU', hidden: 6 }, stateFrom: null, dec: { cell: 'LSTM', hidden_size: 6, num_layers: 2, attention: 'additive', attention_style: 'luong' } }],
  ['1→N: LSTM ×2 from a bridged vector', { vector: 5, dec: { cell: 'LSTM', hidden_size: 6, num_layers: 2 } }],
  ['1→N: GRU from a vector of hidden_size', { vector: 6, dec: { cell: 'GRU', hidden_size: 6 } }],
];

/** where each row of a token output ends (its </s>, or its full width) */
const stopSteps = (t: { shape: number[]; data: ArrayLike<number> }) =>
  Array.from({ length: t.shape[0] }, (_, b) => {
    const row = Array.from(t.data).slice(b * t.shape[1], (b + 1) * t.shape[1]);
    return row.includes(EOS) ? row.indexOf(EOS) + 1 : 9;
  });
const codeFeed = (n: number) => floatTensor([3, n], Array.from({ length: 3 * n }, (_, i) => Math.sin(1.7 * i + 0.3)));

describeEachBackend('greedy decoding equals a step-by-step reference from the same weights', () => {
  for (const [name, cfg] of CONFIGS) {
    it(name, () => {
      // seeded random decoders rarely say </s>: raise its bias just enough that rows stop at different steps
      const feedsOf = (p: ReturnType<typeof build>['program']) => feedsFor(p, WORDS, cfg.vector ? { code: codeFeed(cfg.vector) } : {});
      let built = build(cfg);
      for (let bump = 0.02; cfg.enc && bump < 1; bump += 0.02) {
        const c = build(cfg);
        c.weights.dec['out.bias'].data[EOS] += bump;
        if (new Set(stopSteps(run(c.program, feedsOf(c.program)).outputs.tokens)).size > 1) {
          built = c;
          break;
        }
      }
      const { program, weights } = built;
      const feeds = feedsOf(program);
      const r = run(program, feeds, true);
      const srcLens = WORDS.map((w) => w.length);
      const ref = reference(cfg, weights.dec, r.outputs, srcLens, feeds);
      const { tokens, logprobs, score } = r.outputs;
      const [B, M] = tokens.shape;
      const V = TGT_VOCAB.length;
      expect(logprobs.shape).toEqual([B, M, V]);
      expect(M).toBe(Math.max(...ref.map((s) => s.length)));
      const trace = r.trace!.nodes.find((n) => n.type === 'Decoder')!;
      expect(trace.lengths).toEqual(ref.map((s) => s.length));
      ref.forEach((steps, b) => {
        expect(Array.from(tokens.data.subarray(b * M, b * M + steps.length)), `row ${b} tokens`).toEqual(steps.map((s) => s.token));
        // a row stops at </s> (kept) or at max_len; after that: <pad>, log-probs 0, attention 0
        expect(steps[steps.length - 1].token === EOS || steps.length === 9).toBe(true);
        expect(Array.from(tokens.data.subarray(b * M + steps.length, (b + 1) * M)).every((v) => v === PAD)).toBe(true);
        expect(Array.from(logprobs.data.subarray((b * M + steps.length) * V, (b + 1) * M * V)).every((v) => v === 0)).toBe(true);
        steps.forEach((s, t) => {
          expectClose(`row ${b} step ${t} logp`, logprobs.data.subarray((b * M + t) * V, (b * M + t + 1) * V), s.logp, TOL);
          s.h.forEach((h, l) => expectClose(`row ${b} step ${t} trace h layer ${l}`, trace.layers[l].h.subarray((b * M + t) * h.length, (b * M + t + 1) * h.length), h, TOL));
        });
        expect(Math.abs(score.data[b] - steps.reduce((a, s) => a + s.logp[s.token], 0))).toBeLessThan(1e-4);
        if (r.outputs.attention) {
          const a = r.outputs.attention;
          const S = a.shape[2];
          steps.forEach((s, t) => expectClose(`row ${b} step ${t} attention`, a.data.subarray((b * M + t) * S, (b * M + t) * S + s.attn.length), s.attn, TOL));
          expect(Array.from(a.data.subarray((b * M + steps.length) * S, (b + 1) * M * S)).every((v) => v === 0)).toBe(true);
        }
      });
      // the rows do not all stop at the same step (the padding paths above were exercised)
      if (cfg.enc) expect(new Set(ref.map((s) => s.length)).size).toBeGreaterThan(1);
      // the trace: gates of every layer and step, attention over the memory labelled by tokens
      expect(Object.keys(trace.layers[0].gates)).toEqual(({ RNN: ['a'], LSTM: ['i', 'f', 'g', 'o'], GRU: ['r', 'z', 'n'] } as Record<string, string[]>)[(cfg.dec.cell as string) ?? 'GRU']);
      expect(trace.tokens![0]).toEqual(ref[0].map((s) => TGT_VOCAB[s.token]));
      if (r.outputs.attention) {
        const at = r.trace!.attention!.find((a) => a.type === 'Decoder')!;
        expect(at.query_lengths).toEqual(trace.lengths);
        expect(at.key_tokens?.[1]).toEqual(['a', 't']);
      }
    });
  }
});

describe('fresh weights, as PyTorch initialises them', () => {
  it('embedding N(0,1) with a zero <pad> row; rnn U(±1/√H); Linears U(±1/√fan_in); PyTorch names', () => {
    const { weights } = build(CONFIGS[0][1]);
    const w = weights.dec;
    expect(Object.keys(w).sort()).toEqual(
      ['attn.W_key', 'attn.W_query', 'attn.v', 'bridge.bias', 'bridge.weight', 'embedding.weight', 'out.bias', 'out.weight', 'rnn.bias_hh_l0', 'rnn.bias_ih_l0', 'rnn.weight_hh_l0', 'rnn.weight_ih_l0'],
    );
    expect(w['bridge.weight'].shape).toEqual([12, 16]); // [h_fwd; h_bwd] of the 8-unit encoder -> 12
    expect(w['rnn.weight_ih_l0'].shape).toEqual([36, 5 + 16]); // [embedding; context]
    expect(w['out.weight'].shape).toEqual([10, 12 + 16]); // [h; context]
    const emb = Array.from(w['embedding.weight'].data);
    expect(emb.slice(PAD * 5, PAD * 5 + 5).every((v) => v === 0)).toBe(true);
    expect(emb.some((v) => Math.abs(v) > 1.5)).toBe(true); // normal, not uniform
    const within = (n: string, bound: number) => expect(Array.from(w[n].data).every((v) => Math.abs(v) <= bound), n).toBe(true);
    within('rnn.weight_hh_l0', 1 / Math.sqrt(12));
    within('out.weight', 1 / Math.sqrt(28));
    within('bridge.bias', 1 / Math.sqrt(16));
    within('attn.W_key', 1 / Math.sqrt(16));
    within('attn.v', 1 / Math.sqrt(7));
  });
});

describeEachBackend('forced decoding scores a given target (teacher forcing)', () => {
  for (const [name, cfg] of CONFIGS.filter((_, i) => i < 2 || i === 4 || i === 6)) {
    it(`${name}: score = Σ of the reference's per-step log-probs of the target`, () => {
      const c = { ...cfg, forced: true };
      const { program, weights } = build(c);
      const targets = ['AA B </s>', 'K', 'T AE D D K AA T B </s>'];
      const ids = targets.map((t) => t.split(' ').map((s) => TGT_VOCAB.indexOf(s)));
      const T = Math.max(...ids.map((r) => r.length));
      const tgt = intTensor([3, T], ids.flatMap((r) => [...r, ...new Array(T - r.length).fill(PAD)]));
      const feeds = feedsFor(program, WORDS, { target: tgt, ...(cfg.vector ? { code: codeFeed(cfg.vector) } : {}) });
      const r = run(program, feeds);
      const ref = reference(c, weights.dec, r.outputs, WORDS.map((w) => w.length), feeds, ids);
      const V = TGT_VOCAB.length;
      expect(r.outputs.tokens.shape).toEqual([3, T]);
      expect(Array.from(r.outputs.tokens.data)).toEqual(Array.from(tgt.data));
      ref.forEach((steps, b) => {
        const want = steps.reduce((a, s, t) => a + s.logp[ids[b][t]], 0);
        expect(Math.abs(r.outputs.score.data[b] - want), `row ${b}: ${r.outputs.score.data[b]} vs ${want}`).toBeLessThan(1e-4);
        steps.forEach((s, t) => expectClose(`row ${b} step ${t}`, r.outputs.logprobs.data.subarray((b * T + t) * V, (b * T + t + 1) * V), s.logp, TOL));
      });
    });
  }

  it('matches PyTorch: the teacher-forced Bahdanau GRU seq2seq of grads.json', () => {
    const fx = loadFixture<any>('pytorch/grads.json').seq2seq_teacher_forcing;
    const W = fx.weights;
    const V = 10;
    const vocab = ['<pad>', '<s>', '</s>', '<unk>', 'a', 'b', 'c', 'd', 'e', 'f'];
    const g = (n: string) => W[n];
    const raw = {
      format: 'seqgraph', version: 1, name: 'fx',
      nodes: [
        { id: 'src', type: 'Input', params: { vocab } },
        { id: 'tgt', type: 'Input', params: { vocab, tokenizer: 'words' } },
        { id: 'emb', type: 'Embedding', params: { embedding_dim: 5 } },
        { id: 'enc', type: 'GRU', params: { hidden_size: 6 } },
        { id: 'dec', type: 'Decoder', params: { vocab, embedding_dim: 5, cell: 'GRU', hidden_size: 6, attention: 'additive', attention_dim: 7, attention_style: 'bahdanau' } },
        { id: 'logp', type: 'Output', params: {} },
        { id: 'att', type: 'Output', params: {} },
        { id: 'score', type: 'Output', params: {} },
      ].map((n) => ({ ...n, name: n.id, position: { x: 0, y: 0 } })),
      edges: [['src.tokens', 'emb.tokens'], ['emb.output', 'enc.input'], ['enc.output', 'dec.memory'], ['enc.state', 'dec.state'], ['tgt.tokens', 'dec.target'], ['dec.logprobs', 'logp.value'], ['dec.attention', 'att.value'], ['dec.score', 'score.value']].map(([s, t], i) => ({ id: `e${i}`, source: { node: s.split('.')[0], port: s.split('.')[1] }, target: { node: t.split('.')[0], port: t.split('.')[1] } })),
      weights: {
        emb: { weight: g('src_emb.weight') },
        enc: { weight_ih_l0: g('enc.weight_ih_l0'), weight_hh_l0: g('enc.weight_hh_l0'), bias_ih_l0: g('enc.bias_ih_l0'), bias_hh_l0: g('enc.bias_hh_l0') },
        dec: {
          'embedding.weight': g('tgt_emb.weight'), 'rnn.weight_ih_l0': g('dec.weight_ih'), 'rnn.weight_hh_l0': g('dec.weight_hh'), 'rnn.bias_ih_l0': g('dec.bias_ih'), 'rnn.bias_hh_l0': g('dec.bias_hh'),
          'attn.W_query': g('Wq.weight'), 'attn.W_key': g('Wk.weight'), 'attn.v': { shape: [7], data: g('v.weight').data }, 'out.weight': g('out.weight'), 'out.bias': g('out.bias'),
        },
      },
    };
    const { program } = compileDoc(raw);
    // the decoder reads tgt[:, :-1] (from <s>) and scores tgt[:, 1:]: our target is tgt[:, 1:]
    const tgt = fx.tgt.data as number[];
    const target = intTensor([2, 4], [0, 1].flatMap((b) => tgt.slice(b * 5 + 1, b * 5 + 5)));
    const r = execute(program, { src: intTensor(fx.src.shape, fx.src.data), tgt: target });
    const lens = [4, 3]; // row 1's target ends in <pad>: that step is padding (PyTorch's loss ignores it)
    for (let b = 0; b < 2; b++) {
      const n = lens[b];
      expectClose(`row ${b} logp`, r.outputs.logp.data.subarray(b * 4 * V, (b * 4 + n) * V), fx.logp.data.slice(b * 4 * V, (b * 4 + n) * V), TOL);
      expectClose(`row ${b} attention`, r.outputs.att.data.subarray(b * 16, b * 16 + n * 4), fx.attention.data.slice(b * 16, b * 16 + n * 4), TOL);
    }
    // PyTorch's loss is the mean NLL over the 7 real target tokens
    const loss = -(r.outputs.score.data[0] + r.outputs.score.data[1]) / 7;
    expect(Math.abs(loss - fx.loss)).toBeLessThan(1e-5);
  });
});
