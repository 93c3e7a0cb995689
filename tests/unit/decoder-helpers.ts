// Test graphs for the Decoder node: a seq2seq model (letters → Embedding → LSTM/GRU encoder →
// Decoder) or a 1→N generator (vector → Decoder), built as graph documents and compiled, plus the
// reference decode of every batch row from the encoder's own outputs (decoder-reference.ts).
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { encodeBatch, SPECIALS } from '../../src/runtime/tokenize';
import type { Tensor } from '../../src/runtime/tensor';
import type { Program, TokenInputInfo } from '../../src/ir/program';
import { refDecodeRow, refInitialState, type RefConfig, type RefStep, type Weights } from './decoder-reference';

export const TGT_VOCAB = [...SPECIALS, 'AA', 'AE', 'B', 'D', 'K', 'T'];
export const EOS = TGT_VOCAB.indexOf('</s>');
export const PAD = TGT_VOCAB.indexOf('<pad>');

export interface Seq2Seq {
  /** encoder; absent = a 1→N generator fed by a vector Input `code` of `vector` features */
  enc?: { cell: 'LSTM' | 'GRU'; hidden: number; layers?: number; bidirectional?: boolean };
  vector?: number;
  /** which encoder output feeds the decoder's state: its State, its `last` vector, or nothing */
  stateFrom?: 'state' | 'last' | null;
  dec: Record<string, unknown>;
  /** add a target Input (forced decoding) */
  forced?: boolean;
  seed?: number;
}

export function seq2seqDoc(o: Seq2Seq) {
  const nodes: { id: string; type: string; params: Record<string, unknown> }[] = [];
  const edges: [string, string][] = [];
  const dec: Record<string, unknown> = { vocab: TGT_VOCAB, embedding_dim: 5, max_len: 9, ...o.dec };
  nodes.push({ id: 'dec', type: 'Decoder', params: dec });
  if (o.enc) {
    nodes.push({ id: 'src', type: 'Input', params: {} });
    nodes.push({ id: 'emb', type: 'Embedding', params: { embedding_dim: 6, padding_idx: 0 } });
    nodes.push({ id: 'enc', type: o.enc.cell, params: { hidden_size: o.enc.hidden, num_layers: o.enc.layers ?? 1, bidirectional: o.enc.bidirectional ?? false } });
    edges.push(['src.tokens', 'emb.tokens'], ['emb.output', 'enc.input']);
    if (dec.attention && dec.attention !== 'none') edges.push(['enc.output', 'dec.memory']);
    if (o.stateFrom) edges.push([`enc.${o.stateFrom}`, 'dec.state']);
    for (const [id, port] of [['enc_out', 'output'], ['enc_state', 'state'], ['enc_last', 'last']]) {
      nodes.push({ id, type: 'Output', params: {} });
      edges.push([`enc.${port}`, `${id}.value`]);
    }
  } else {
    nodes.push({ id: 'code', type: 'Input', params: { kind: 'vector', features: o.vector } });
    edges.push(['code.vector', 'dec.state']);
  }
  if (o.forced) {
    nodes.push({ id: 'target', type: 'Input', params: { vocab: TGT_VOCAB, tokenizer: 'words' } });
    edges.push(['target.tokens', 'dec.target']);
  }
  for (const port of ['tokens', 'logprobs', 'score', ...(dec.attention && dec.attention !== 'none' ? ['attention'] : [])]) {
    nodes.push({ id: port, type: 'Output', params: {} });
    edges.push([`dec.${port}`, `${port}.value`]);
  }
  return {
    format: 'seqgraph', version: 2, name: 's2s', seed: o.seed ?? 7,
    nodes: nodes.map((n) => ({ ...n, name: n.id, position: { x: 0, y: 0 } })),
    edges: edges.map(([s, t], i) => ({ id: `e${i}`, source: { node: s.split('.')[0], port: s.split('.')[1] }, target: { node: t.split('.')[0], port: t.split('.')[1] } })),
  };
}

export function compileDoc(raw: unknown): { program: Program; weights: Record<string, Record<string, Tensor>> } {
  const d = checkGraph(raw);
  if (!d.ok) throw new Error(JSON.stringify(d.diagnostics));
  const c = compile(d.doc);
  if (!c.program) throw new Error(c.diagnostics.map((x) => x.message).join('\n'));
  return { program: c.program, weights: c.weights };
}

export function build(o: Seq2Seq) {
  return compileDoc(seq2seqDoc(o));
}

export function feedsFor(program: Program, texts: string[], extra: Record<string, Tensor> = {}): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = { ...extra };
  const src = program.inputs.find((i) => i.name === 'src');
  if (src) feeds.src = encodeBatch(texts, src.info as TokenInputInfo);
  return feeds;
}

export function refConfig(dec: Record<string, unknown>): RefConfig {
  return {
    cell: (dec.cell as RefConfig['cell']) ?? 'GRU', H: dec.hidden_size as number, L: (dec.num_layers as number) ?? 1,
    attention: (dec.attention as RefConfig['attention']) ?? 'none', style: (dec.attention_style as RefConfig['style']) ?? 'bahdanau',
    bos: TGT_VOCAB.indexOf('<s>'), eos: EOS, pad: PAD, maxLen: (dec.max_len as number) ?? 9,
  };
}

const rows = (t: Tensor, b: number, n: number, w: number) => Array.from({ length: n }, (_, s) => Array.from(t.data.subarray((b * t.shape[1] + s) * w, (b * t.shape[1] + s + 1) * w)));

/**
 * The reference decode of every row of a run, from the encoder's outputs of that same run:
 * memory = the row's real encoder steps, initial state as the Decoder's doc says.
 */
export function reference(o: Seq2Seq, W: Weights, outs: Record<string, Tensor>, srcLens: number[], feeds: Record<string, Tensor>, targets?: number[][]): RefStep[][] {
  const cfg = refConfig({ max_len: 9, ...o.dec });
  const H = cfg.H, L = cfg.L;
  const B = srcLens.length;
  return Array.from({ length: B }, (_, b) => {
    const mem = o.enc && cfg.attention !== 'none' ? rows(outs.enc_out, b, srcLens[b], outs.enc_out.shape[2]) : [];
    let passH: number[][] | undefined, c0: number[][] = Array.from({ length: L }, () => new Array(H).fill(0));
    let x: number[] | null = null;
    if (!o.enc) x = Array.from(feeds.code.data.subarray(b * o.vector!, (b + 1) * o.vector!));
    else if (o.stateFrom === 'last') x = Array.from(outs.enc_last.data.subarray(b * outs.enc_last.shape[1], (b + 1) * outs.enc_last.shape[1]));
    else if (o.stateFrom === 'state') {
      const [R, , He] = outs.enc_state.shape;
      const st = (t: Tensor) => Array.from({ length: R }, (_, r) => Array.from(t.data.subarray((r * B + b) * He, (r * B + b + 1) * He)));
      if (R === L && He === H) {
        passH = st(outs.enc_state);
        if (cfg.cell === 'LSTM' && outs.enc_state_c) c0 = st(outs.enc_state_c);
      } else x = st(outs.enc_state).flat();
    }
    const h0 = refInitialState(cfg, W, x, passH);
    const concatValid = cfg.attention === 'concat' ? srcLens[b] : undefined;
    return refDecodeRow(cfg, W, h0, c0, mem, targets?.[b], concatValid);
  });
}

export function run(program: Program, feeds: Record<string, Tensor>, trace = false) {
  return execute(program, feeds, { trace });
}
