// Export of the Decode op as one ONNX model with a Loop, run in onnxruntime-web (Node, wasm),
// against the TS runtime on the same feeds: the same tokens (exactly), lengths and padding, and
// log-probabilities, attention weights and scores within 1e-4. Covers the example seq2seq graphs
// with ragged source batches, a matrix of small random decoders (cells × layers × attention rules
// × styles × initial-state paths, with and without memory), forced decoding, opsets, and beam
// search refused unless the greedy decoder is asked for (and then recorded in the metadata).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Program, TokenInputInfo } from '../../src/ir/program';
import { exportOnnx } from '../../src/onnx/export';
import { exportGraph } from '../../src/onnx/export-graph';
import { clearOrtSessions, runOnnx } from '../../src/onnx/ort';
import { decodeModel } from '../../src/onnx/proto';
import { execute } from '../../src/runtime/execute';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { encodeBatch } from '../../src/runtime/tokenize';
import { maxAbsDiff } from '../helpers/fixtures';
import { build, compileDoc, EOS, feedsFor, PAD, TGT_VOCAB, type Seq2Seq } from './decoder-helpers';

const TOL = 1e-4;
const worst = { logprobs: 0, attention: 0, other: 0 };
let distinctLengths = 0;
afterAll(() => {
  clearOrtSessions();
  console.log(`decoder export: max abs diff logprobs ${worst.logprobs}, attention ${worst.attention}, scores and encoder outputs ${worst.other}; ${distinctLengths} runs had rows of different lengths`);
});

/** every runtime output equals ort's: integer outputs exactly, float outputs within TOL */
async function parity(what: string, program: Program, bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const want = execute(program, feeds).outputs;
  const got = await runOnnx(bytes, feeds);
  for (const [name, t] of Object.entries(want)) {
    const g = got[name];
    expect(g, `${what}: output ${name}`).toBeDefined();
    expect(g.shape, `${what}: ${name} shape`).toEqual(t.shape);
    expect(g.dtype, `${what}: ${name} dtype`).toBe(t.dtype);
    if (t.dtype === 'int64') {
      expect(Array.from(g.data), `${what}: ${name}`).toEqual(Array.from(t.data));
      continue;
    }
    const { diff, at } = maxAbsDiff(g.data, t.data);
    const key = name === 'logprobs' || name === 'attention' ? name : 'other';
    worst[key] = Math.max(worst[key], diff);
    expect(diff, `${what}: ${name} max abs diff ${diff} at ${at}`).toBeLessThanOrEqual(TOL);
  }
  return want;
}

/** where each row of a token output stops: its </s>, or the full width */
function stops(tokens: Tensor, eos: number): number[] {
  const [B, M] = tokens.shape;
  return Array.from({ length: B }, (_, b) => {
    const row = Array.from(tokens.data.subarray(b * M, (b + 1) * M));
    return row.includes(eos) ? row.indexOf(eos) + 1 : M;
  });
}

describe('the example seq2seq graphs, ragged source batches', () => {
  const g2p = JSON.parse(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8'));
  const v2t = JSON.parse(readFileSync('tests/fixtures/graphs/vector-to-text-decoder.json', 'utf8'));

  it('tests/fixtures/graphs/g2p-attention.json (GRU, additive Bahdanau, bridged state) exports as one model with a Loop', async () => {
    const { program } = compileDoc(g2p);
    const bytes = exportGraph(program, g2p);
    const model = decodeModel(bytes);
    expect(model.graph!.node!.filter((n) => n.op_type === 'Loop')).toHaveLength(1);
    const body = model.graph!.node!.find((n) => n.op_type === 'Loop')!.attribute![0].g!;
    for (const op of ['Gather', 'Gemm', 'Softmax', 'LogSoftmax', 'ArgMax', 'Tanh', 'Sigmoid']) expect(body.node!.some((n) => n.op_type === op), op).toBe(true);
    const meta = Object.fromEntries(model.metadata_props!.map((e) => [e.key, e.value]));
    expect(meta['seqgraph.decoder.decoder.strategy']).toBe('greedy');
    expect(meta['seqgraph.decoder.decoder.requested_strategy']).toBeUndefined();
    const info = program.inputs[0].info as TokenInputInfo;
    for (const words of [['hello', 'cat', 'phoneme', 'a', 'through'], ['strength', 'i'], ['queue'], ['abcdefghijklmnopqrstuvwxyz', 'ox', 'tree', 'zebra', 'q', 'onnx', 'loop']]) {
      const out = await parity(`g2p ${words.join(',')}`, program, bytes, { word: encodeBatch(words, info) });
      if (new Set(stops(out.phonemes, 3)).size > 1) distinctLengths++;
    }
  });

  it('tests/fixtures/graphs/vector-to-text-decoder.json (LSTM ×2, no memory, bridged vector)', async () => {
    const { program } = compileDoc(v2t);
    const bytes = exportGraph(program, v2t);
    for (const B of [1, 3, 6]) {
      const code = floatTensor([B, 8], Array.from({ length: B * 8 }, (_, i) => 2 * Math.sin(0.9 * i + B)));
      await parity(`vector-to-text B=${B}`, program, bytes, { code });
    }
  });
});

// ---------------------------------------------------------------- a matrix of small decoders

const WORDS = [['hello', 'at', 'graphemes'], ['cab', 'a', 'sequence', 'mouse']];
type StateFrom = 'pass' | 'bridge' | 'vector' | 'none';
const CELLS = ['RNN', 'LSTM', 'GRU'] as const;
const ATTENTION: [string, string | undefined][] = [
  ['none', undefined], ['concat', undefined],
  ...['dot', 'scaled_dot', 'general', 'additive'].flatMap((a) => [[a, 'luong'], [a, 'bahdanau']] as [string, string][]),
];
const STATES: StateFrom[] = ['pass', 'bridge', 'vector', 'none'];
const H = 6;

/** a seq2seq config whose encoder makes the requested initial state (memory Dm = H either way) */
function seq2seq(cell: string, L: number, attention: string, style: string | undefined, st: StateFrom, k: number): Seq2Seq {
  const encCell = k % 2 === 0 ? 'LSTM' : 'GRU';
  const enc = st === 'bridge' ? { cell: encCell, hidden: H / 2, bidirectional: true } : { cell: encCell, hidden: H, layers: st === 'pass' ? L : 1 };
  const stateFrom = st === 'pass' || st === 'bridge' ? 'state' : st === 'vector' ? 'last' : null;
  const dec: Record<string, unknown> = { cell, hidden_size: H, num_layers: L, attention, max_len: 8 };
  if (style) dec.attention_style = style;
  if (attention === 'additive') dec.attention_dim = 5;
  if (attention === 'concat') dec.max_source_len = 10;
  return { enc: enc as Seq2Seq['enc'], stateFrom, dec, seed: 100 + k };
}

/** seeded decoders rarely say </s>: raise its bias until the rows of a batch stop at different steps */
function withRaggedStops(cfg: Seq2Seq, feeds: (p: Program) => Record<string, Tensor>) {
  for (let bump = 0; bump < 3; bump += 0.05) {
    const c = build(cfg);
    c.weights.dec['out.bias'].data[EOS] += bump;
    if (new Set(stops(execute(c.program, feeds(c.program)).outputs.tokens, EOS)).size > 1) return c;
  }
  return build(cfg);
}

describe('random decoders: ort equals the runtime (ragged sources and rows that stop at different steps)', () => {
  const cases: [string, Seq2Seq][] = [];
  let k = 0;
  for (const cell of CELLS) {
    for (const L of [1, 2]) {
      for (const [attention, style] of ATTENTION) {
        const st = STATES[k % STATES.length];
        cases.push([`${cell} ×${L}, ${attention}${style ? ` (${style})` : ''}, state ${st}`, seq2seq(cell, L, attention, style, st, k)]);
        k++;
      }
    }
  }
  // 1→N: no memory, initial state from a vector (of hidden_size, or bridged)
  for (const cell of CELLS) for (const L of [1, 3]) for (const n of [H, 4]) cases.push([`1→N ${cell} ×${L}, vector of ${n}${n === H ? '' : ' (bridged)'}`, { vector: n, dec: { cell, hidden_size: H, num_layers: L, max_len: 7 }, seed: 7 + L + n }]);

  it.each(cases)('%s', async (name, cfg) => {
    const code = (B: number) => floatTensor([B, cfg.vector ?? 1], Array.from({ length: B * (cfg.vector ?? 1) }, (_, i) => 1.5 * Math.cos(1.3 * i)));
    const feeds = (p: Program, words: string[]) => feedsFor(p, words, cfg.vector ? { code: code(words.length) } : {});
    const { program } = withRaggedStops(cfg, (p) => feeds(p, WORDS[0]));
    const bytes = exportOnnx(program);
    for (const words of WORDS) {
      const out = await parity(`${name} / ${words.join(',')}`, program, bytes, feeds(program, words));
      if (new Set(stops(out.tokens, EOS)).size > 1) distinctLengths++;
    }
  });
});

describe('forced decoding (a target given)', () => {
  // rows of different lengths; the runtime refuses an all-<pad> row, so every row has a token
  const targets = [['AA B </s>', 'D', 'T AE D D K AA T B </s>'], ['K', 'B B </s>', 'AA'], ['</s>', 'T T T T T T T T T T T T', 'AE </s>']];
  const ids = (rows: string[]) => rows.map((r) => r.split(' ').map((s) => TGT_VOCAB.indexOf(s)));
  const tensor = (rows: number[][]) => {
    const T = Math.max(...rows.map((r) => r.length));
    return intTensor([rows.length, T], rows.flatMap((r) => [...r, ...new Array(T - r.length).fill(PAD)]));
  };
  const cases: [string, Seq2Seq][] = [
    ['GRU additive (Bahdanau), bridged', { ...seq2seq('GRU', 1, 'additive', 'bahdanau', 'bridge', 1), forced: true }],
    ['LSTM ×2 general (Luong), state passed', { ...seq2seq('LSTM', 2, 'general', 'luong', 'pass', 2), forced: true }],
    ['RNN concat, no state', { ...seq2seq('RNN', 1, 'concat', undefined, 'none', 3), forced: true }],
    ['1→N LSTM, bridged vector', { vector: 4, dec: { cell: 'LSTM', hidden_size: H, max_len: 7 }, forced: true }],
  ];
  it.each(cases)('%s', async (name, cfg) => {
    const { program } = build(cfg);
    const bytes = exportOnnx(program);
    expect(Object.values(decoderMeta(bytes))).toEqual(['forced']);
    for (const [i, rows] of targets.entries()) {
      const words = WORDS[0];
      const extra: Record<string, Tensor> = { target: tensor(ids(rows)) };
      if (cfg.vector) extra.code = floatTensor([3, cfg.vector], Array.from({ length: 3 * cfg.vector }, (_, j) => Math.sin(j + i)));
      const out = await parity(`${name} / target ${i}`, program, bytes, feedsFor(program, words, extra));
      expect(out.tokens.shape[1]).toBe(Math.max(...ids(rows).map((r) => r.length)));
    }
  });
});

describe('forced decoding with rows of target length 0 (IR level: a graph\'s token rows always hold a token)', () => {
  it.each([[[0, 2, 0]], [[0, 0, 0]]])('target lengths %j', async (lens) => {
    const { program } = build({ ...seq2seq('LSTM', 2, 'additive', 'luong', 'pass', 4), forced: true });
    // feed the Decode op's target_lengths from a graph input instead of the target's SeqLengths
    const dec = program.ops.find((o) => o.op === 'Decode')!;
    program.values.tlen = { name: 'tlen', dtype: 'int64', shape: ['B'] };
    program.inputs.push({ name: 'tlen', node: 'tlen', value: 'tlen', dtype: 'int64', shape: ['B'], info: { kind: 'float', features: 1 } });
    dec.inputs[8] = 'tlen';
    const bytes = exportOnnx(program);
    const out = await parity(`lengths ${lens}`, program, bytes, feedsFor(program, WORDS[0], { target: intTensor([3, 3], [4, 5, 6, 7, 8, EOS, 9, 4, 5]), tlen: intTensor([3], lens) }));
    // forced decoding keeps the target's T = 3 steps (the inferred shape), however short the rows
    expect(out.tokens.shape).toEqual([3, 3]);
    expect(Array.from(out.tokens.data.subarray(0, out.tokens.shape[1])).every((x) => x === PAD)).toBe(true);
  });
});

describe('opsets', () => {
  it.each([13, 17, 18, 21])('LSTM ×2 additive (Bahdanau) and GRU concat at opset %i', async (opset) => {
    for (const cfg of [seq2seq('LSTM', 2, 'additive', 'bahdanau', 'bridge', 5), seq2seq('GRU', 1, 'concat', undefined, 'pass', 6)]) {
      const { program } = build(cfg);
      const bytes = exportOnnx(program, { opset });
      expect(decodeModel(bytes).opset_import).toEqual([{ domain: '', version: opset }]);
      await parity(`opset ${opset}`, program, bytes, feedsFor(program, WORDS[1]));
    }
  });
});

function decoderMeta(bytes: Uint8Array): Record<string, string> {
  const meta = decodeModel(bytes).metadata_props ?? [];
  return Object.fromEntries(meta.filter((e) => e.key!.startsWith('seqgraph.decoder.')).map((e) => [e.key!, e.value!]));
}

describe('beam search is never exported silently as greedy', () => {
  const g2p = JSON.parse(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8'));
  const beamDoc = structuredClone(g2p);
  beamDoc.nodes.find((n: { id: string }) => n.id === 'dec').params.strategy = 'beam';
  const MESSAGE = 'decoder "decoder" uses beam search (beam_width 4), which ONNX export does not support yet; set strategy to greedy, or export with the greedy option';

  it('refused by default, with a message naming the node and the way out', () => {
    const { program } = compileDoc(beamDoc);
    expect(() => exportGraph(program, beamDoc)).toThrow(MESSAGE);
    expect(() => exportOnnx(program)).toThrow(MESSAGE);
  });

  it('with { decodeStrategy: "greedy" } the greedy decoder is exported, and the metadata says so', async () => {
    const { program } = compileDoc(beamDoc);
    const bytes = exportGraph(program, beamDoc, { decodeStrategy: 'greedy' });
    expect(decoderMeta(bytes)).toEqual({ 'seqgraph.decoder.decoder.strategy': 'greedy', 'seqgraph.decoder.decoder.requested_strategy': 'beam' });
    // it holds what the runtime computes with strategy greedy
    const { program: greedy } = compileDoc(g2p);
    const info = greedy.inputs[0].info as TokenInputInfo;
    await parity('beam exported as greedy', greedy, bytes, { word: encodeBatch(['hello', 'cat', 'through'], info) });
  });

  it('a malformed Decode op is refused naming the node', () => {
    const { program } = build(seq2seq('GRU', 1, 'general', 'luong', 'pass', 8));
    program.ops.find((o) => o.op === 'Decode')!.attrs.cell = 'Elman';
    expect(() => exportOnnx(program)).toThrow(/op Decode of node 'dec'.*cell must be RNN, LSTM or GRU, got Elman/);
  });

  it('a beam decoder fed a target is forced decoding (as in the runtime) and exports as is', async () => {
    const { program } = build({ ...seq2seq('GRU', 1, 'dot', 'luong', 'pass', 9), dec: { ...seq2seq('GRU', 1, 'dot', 'luong', 'pass', 9).dec, strategy: 'beam', beam_width: 3 }, forced: true });
    const bytes = exportOnnx(program);
    expect(decoderMeta(bytes)).toEqual({ 'seqgraph.decoder.dec.strategy': 'forced' });
    await parity('beam + target', program, bytes, feedsFor(program, WORDS[0], { target: intTensor([3, 2], [4, EOS, 5, PAD, 6, 7]) }));
  });
});
