// What the Decoder node (nodes/decoder.ts) works out from its params and inputs, in one place so
// infer, weights, init and lower agree: the batch size, the memory size, how the initial state is
// made, the cell's input size and the size of what the output Linear reads; and the weights, named
// as the PyTorch modules of a seq2seq decoder name them and initialised as PyTorch does.
import type { PortShape } from './node-def';
import { features } from './shapes';
import type { Rng } from './rng';
import type { Dim } from '../runtime/tensor';

export type DecoderCell = 'RNN' | 'LSTM' | 'GRU';
export type DecoderAttention = 'none' | 'dot' | 'scaled_dot' | 'general' | 'additive' | 'concat';

export interface DecoderParams {
  [k: string]: unknown;
  vocab: string[];
  embedding_dim: number;
  cell: DecoderCell;
  hidden_size: number;
  num_layers: number;
  attention: DecoderAttention;
  attention_style: 'luong' | 'bahdanau';
  attention_dim: number | null;
  max_source_len: number;
  max_len: number;
  strategy: 'greedy' | 'beam';
  beam_width: number;
  length_penalty: number;
  early_stopping: boolean;
  concat_order: 'context_h' | 'h_context';
  bos_token: string;
  eos_token: string;
  pad_token: string;
}

/** The Decoder's special ids (−1: none), from the symbols its params name. */
export function decoderSpecials(p: Pick<DecoderParams, 'vocab' | 'bos_token' | 'eos_token' | 'pad_token'>): { bos: number; eos: number; pad: number } {
  const id = (s: string) => (s === '' ? -1 : p.vocab.indexOf(s));
  return { bos: id(p.bos_token), eos: id(p.eos_token), pad: id(p.pad_token) };
}

export const GATES: Record<DecoderCell, number> = { RNN: 1, LSTM: 4, GRU: 3 };

export interface DecoderPlan {
  B: Dim | undefined;
  /** memory size and steps (0 / undefined without memory) */
  Dm: number;
  S: Dim | undefined;
  /** none: zeros; pass: a State [num_layers,B,H] used as it is; vector: a vector of size H is every layer's h0;
   *  bridge: h0 = tanh(bridge · x) split per layer, x = the vector, or all rows of the State's h side by side */
  state: 'none' | 'pass' | 'vector' | 'bridge';
  Din: number;
  /** score rules (not none, not concat) and where they attend */
  rules: boolean;
  bahdanau: boolean;
  luong: boolean;
  /** cell input of layer 0, features the output Linear reads, additive layer size */
  I0: number;
  Fo: number;
  A: number;
}

export function planDecoder(p: DecoderParams, inputs: Record<string, PortShape | undefined>): DecoderPlan {
  const mem = inputs.memory, st = inputs.state, tgt = inputs.target;
  const H = p.hidden_size, E = p.embedding_dim;
  const Dm = features(mem) ?? 0;
  let state: DecoderPlan['state'] = 'none';
  let Din = 0;
  if (st?.type === 'State') {
    const [R, , He] = st.shape;
    if (R === p.num_layers && He === H) state = 'pass';
    else {
      state = 'bridge';
      Din = typeof R === 'number' && typeof He === 'number' ? R * He : 0;
    }
  } else if (st) {
    Din = features(st) ?? 0;
    state = Din === H ? 'vector' : 'bridge';
  }
  const rules = p.attention !== 'none' && p.attention !== 'concat';
  const bahdanau = rules && p.attention_style === 'bahdanau';
  return {
    B: mem?.shape[0] ?? (st ? (st.type === 'State' ? st.shape[1] : st.shape[0]) : tgt?.shape[0]),
    Dm,
    S: mem?.shape[1],
    state,
    Din,
    rules,
    bahdanau,
    luong: rules && p.attention_style === 'luong',
    I0: p.attention === 'concat' ? H : bahdanau ? E + Dm : E,
    Fo: bahdanau ? H + Dm : H,
    A: p.attention_dim ?? H,
  };
}

/** Weight names and shapes: embedding, rnn (as nn.RNN/LSTM/GRU named `rnn`), attn, out, bridge. */
export function decoderWeights(p: DecoderParams, plan: DecoderPlan): Record<string, number[]> {
  const V = p.vocab.length, E = p.embedding_dim, H = p.hidden_size, L = p.num_layers;
  const GH = GATES[p.cell] * H;
  const { Dm, A } = plan;
  const w: Record<string, number[]> = { 'embedding.weight': [V, E] };
  for (let l = 0; l < L; l++) {
    w[`rnn.weight_ih_l${l}`] = [GH, l === 0 ? plan.I0 : H];
    w[`rnn.weight_hh_l${l}`] = [GH, H];
    w[`rnn.bias_ih_l${l}`] = [GH];
    w[`rnn.bias_hh_l${l}`] = [GH];
  }
  if (p.attention === 'general') w['attn.W'] = [H, Dm];
  if (p.attention === 'additive') Object.assign(w, { 'attn.W_query': [A, H], 'attn.W_key': [A, Dm], 'attn.v': [A] });
  if (p.attention === 'concat') {
    Object.assign(w, { 'attn.weight': [p.max_source_len, E + H], 'attn.bias': [p.max_source_len], 'attn_combine.weight': [H, E + Dm], 'attn_combine.bias': [H] });
  }
  if (plan.luong) Object.assign(w, { 'concat.weight': [H, Dm + H], 'concat.bias': [H] });
  w['out.weight'] = [V, plan.Fo];
  w['out.bias'] = [V];
  if (plan.state === 'bridge') Object.assign(w, { 'bridge.weight': [L * H, plan.Din], 'bridge.bias': [L * H] });
  return w;
}

/**
 * PyTorch's initialisation: nn.Embedding N(0,1) with the pad_token row zero (padding_idx); the cell's
 * weights and biases U(±1/√H); every Linear (attn.*, concat, out, bridge) U(±1/√fan_in) for its
 * weight and its bias; attn.W acts as Linear(Dm → H) on the memory, attn.v as Linear(A → 1).
 */
export function initDecoderWeights(p: DecoderParams, shapes: Record<string, number[]>, rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  for (const [name, shape] of Object.entries(shapes)) {
    if (name === 'embedding.weight') {
      const w = rng.fillNormal(size(shape));
      const { pad } = decoderSpecials(p);
      if (pad >= 0) w.fill(0, pad * shape[1], (pad + 1) * shape[1]);
      out[name] = w;
      continue;
    }
    let fanIn: number;
    if (name.startsWith('rnn.')) fanIn = p.hidden_size;
    else if (name === 'attn.v') fanIn = shape[0];
    else fanIn = (shapes[name.replace(/bias$/, 'weight')] ?? shape)[1] ?? 1;
    out[name] = rng.fillUniform(size(shape), 1 / Math.sqrt(Math.max(1, fanIn)));
  }
  return out;
}
