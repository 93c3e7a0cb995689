// The Decode op's kernel: a seq2seq decoder run step by step (greedy, or forced along a target),
// with the step maths written out once in step() so greedy, forced and beam decoding share it.
//
// One step, for n rows at once (n = B, or B·K for beam search):
//   x      = embedding[y_prev]                                              [n, E]
//   bahdanau: context = attend(h_top(t−1), memory); x = [x; context]          (cell input E+Dm)
//   concat (the PyTorch tutorial's AttnDecoderRNN):
//            weights = softmax(attn_W·[x; h_top(t−1)] + attn_b) over Smax positions,
//            context = Σ weights·memory, x = relu(combine_W·[x; context] + combine_b)  (cell input H)
//   h_l, c_l = cell_l(x_l, h_l, c_l) for every layer (x_0 = x, x_l = h_{l−1}); PyTorch's cell maths
//            and gate orders (LSTM i,f,g,o; GRU r,z,n with r·(W_hn h + b_hn); RNN tanh)
//   luong:   context = attend(h_top(t), memory); feat = tanh(combine_W·[context; h_top] + combine_b)
//            ([h_top; context] with concatOrder 'h_context', as the PyTorch chatbot tutorial's
//            cat((rnn_output, context)) — the same weights read in the other order give other numbers)
//   bahdanau: feat = [h_top; context];   none / concat: feat = h_top
//   logp   = log_softmax(out_W·feat + out_b)                                  [n, V]
// Why: the input-side and recurrent products are gemms over all rows, memory-side attention
// projections are done once per run (kernels/attention.ts prepareKeys), and every buffer is
// allocated before the step loop, so greedy decoding allocates nothing per step. Rows never mix:
// a row of a batch gets bit-for-bit what it gets alone.
import { floatsLike, gemm, transpose, type Floats } from './gemm';
import { bannedIds, fillId } from '../../ir/decode-ids';
export { bannedIds, fillId };
import type { TorchCellKind as CellKind } from './cells';
import { act, ract, SIGMOID, TANH } from './cells';
import { attendRow, attnScratch, contextInto, keyLengths, prepareKeys, softmaxInto, type AttnKeys, type AttnScratch, type RuleWeights, type ScoreRule } from './attention';

export type DecodeAttention = 'none' | ScoreRule | 'concat';

export interface DecodeSpec {
  cell: CellKind;
  H: number;
  L: number;
  attention: DecodeAttention;
  style: 'luong' | 'bahdanau';
  /** the start symbol fed first (always present) */
  bos: number;
  /** the end symbol (−1: none, every row runs to maxLen) */
  eos: number;
  /** the padding symbol (−1: none); never written, and what fills a row after its end (see fillId) */
  pad: number;
  maxLen: number;
  strategy: 'greedy' | 'beam';
  beamWidth: number;
  lengthPenalty: number;
  /** beam: stop a row at beamWidth finished hypotheses (true), or only once no live one can beat the best finished (false, the default) */
  earlyStopping?: boolean;
  /** luong: the output layer reads [context; h] (default) or [h; context] */
  concatOrder?: 'context_h' | 'h_context';
}

/** The op's weights, PyTorch layout (see the Decode entry of ir/ops.ts). */
export interface DecodeWeights {
  embedding: Floats;
  V: number;
  outW: Floats;
  outB: Floats;
  attnW?: Floats;
  attnB?: Floats;
  attnWq?: Floats;
  attnWk?: Floats;
  attnV?: Floats;
  combW?: Floats;
  combB?: Floats;
  bridgeW?: Floats;
  bridgeB?: Floats;
  cells: { wih: Floats; whh: Floats; bih: Floats; bhh: Floats }[];
}

export class DecodeError extends Error {}

const GATES: Record<CellKind, number> = { RNN: 1, LSTM: 4, GRU: 3 };
export const DECODER_GATE_NAMES: Record<CellKind, string[]> = { RNN: ['a'], LSTM: ['i', 'f', 'g', 'o'], GRU: ['r', 'z', 'n'] };

export interface PreparedDecoder {
  spec: DecodeSpec;
  V: number;
  E: number;
  G: number;
  /** cell input size of layer 0, and size of the features the output Linear reads */
  I0: number;
  Fo: number;
  /** memory size the attention weights were made for (0 without attention) */
  Dm: number;
  emb: Floats;
  layers: { I: number; wihT: Floats; whhT: Floats; bih: Floats; bhh: Floats }[];
  outT: Floats;
  outB: Floats;
  rule: RuleWeights;
  /** concat: attn_Wᵀ [E+H, Smax]; luong / concat: combine_Wᵀ */
  attnT: Floats | null;
  attnB: Floats | null;
  Smax: number;
  combT: Floats | null;
  combB: Floats | null;
  bridgeT: Floats | null;
  bridgeB: Floats | null;
  /** the weights as given (PyTorch layout), which the backward pass reads */
  weights: DecodeWeights;
}

function need(a: Floats | undefined, what: string, n: number): Floats {
  if (!a) throw new DecodeError(`the decoder needs weight ${what}`);
  if (a.length !== n) throw new DecodeError(`weight ${what} has ${a.length} values, expected ${n}`);
  return a;
}

/** Re-lays the weights out once per program: every matrix transposed for gemm. */
export function prepareDecoder(spec: DecodeSpec, w: DecodeWeights): PreparedDecoder {
  const { H, L } = spec;
  const V = w.V;
  const E = w.embedding.length / V;
  const G = GATES[spec.cell];
  if (!G) throw new DecodeError(`unknown cell ${spec.cell}`);
  const GH = G * H;
  if (w.cells.length !== L) throw new DecodeError(`the decoder has ${L} layers but ${w.cells.length} sets of cell weights`);
  const I0 = w.cells[0].wih.length / GH;
  const layers = w.cells.map((c, l) => {
    const I = l === 0 ? I0 : H;
    need(c.wih, `rnn.weight_ih_l${l}`, GH * I);
    need(c.whh, `rnn.weight_hh_l${l}`, GH * H);
    return { I, wihT: transpose(c.wih, GH, I), whhT: transpose(c.whh, GH, H), bih: need(c.bih, `rnn.bias_ih_l${l}`, GH), bhh: need(c.bhh, `rnn.bias_hh_l${l}`, GH) };
  });
  const Fo = w.outW.length / V;
  need(w.outB, 'out.bias', V);
  const a = spec.attention;
  const bahdanau = a !== 'none' && a !== 'concat' && spec.style === 'bahdanau';
  const luong = a !== 'none' && a !== 'concat' && spec.style === 'luong';
  // the memory size follows from where the context goes: the cell input, the output or combine
  const Dm = a === 'none' ? 0 : a === 'concat' ? (w.combW?.length ?? 0) / H - E : bahdanau ? I0 - E : (w.combW?.length ?? 0) / H - H;
  if (bahdanau && Fo !== H + Dm) throw new DecodeError(`out.weight reads ${Fo} features; a Bahdanau decoder's output reads [h; context] = ${H + Dm}`);
  if (!bahdanau && Fo !== H) throw new DecodeError(`out.weight reads ${Fo} features, expected hidden_size ${H}`);
  if (a === 'concat' ? I0 !== H : bahdanau ? I0 <= E : I0 !== E) throw new DecodeError(`rnn.weight_ih_l0 reads ${I0} inputs, which does not fit embedding size ${E} with attention ${a} (${spec.style})`);
  let attnT: Floats | null = null, Smax = 0, combT: Floats | null = null;
  if (a === 'concat') {
    if (!w.attnB) throw new DecodeError('the decoder needs weight attn.bias');
    Smax = w.attnB.length;
    attnT = transpose(need(w.attnW, 'attn.weight', Smax * (E + H)), Smax, E + H);
    combT = transpose(need(w.combW, 'attn_combine.weight', H * (E + Dm)), H, E + Dm);
    need(w.combB, 'attn_combine.bias', H);
  } else if (luong) {
    combT = transpose(need(w.combW, 'concat.weight', H * (Dm + H)), H, Dm + H);
    need(w.combB, 'concat.bias', H);
  }
  const rule: RuleWeights = { W: w.attnW, W_query: w.attnWq, W_key: w.attnWk, v: w.attnV };
  let bridgeT: Floats | null = null;
  if (w.bridgeW) {
    need(w.bridgeB, 'bridge.bias', L * H);
    bridgeT = transpose(w.bridgeW, L * H, w.bridgeW.length / (L * H));
  }
  return {
    spec: { ...spec }, V, E, G, I0, Fo, Dm, emb: w.embedding, layers, outT: transpose(w.outW, V, Fo), outB: w.outB, rule,
    attnT, attnB: w.attnB ?? null, Smax, combT, combB: w.combB ?? null, bridgeT, bridgeB: w.bridgeB ?? null, weights: w,
  };
}

/** What one run reads besides the weights. Arrays are row-major; ints are token ids or lengths. */
export interface DecodeInputs {
  B: number;
  memory?: Floats;
  /** memory steps and size */
  S: number;
  Dm: number;
  memLengths?: ArrayLike<number>;
  h0?: Floats;
  c0?: Floats;
  initVec?: Floats;
  Din: number;
  target?: ArrayLike<number>;
  /** target steps */
  T: number;
  targetLengths?: ArrayLike<number>;
}

export interface DecodeTrace {
  /** per layer: h (and c) and gate activations, each [B, M, H] */
  layers: { h: Float32Array; c?: Float32Array; gates: Record<string, Float32Array> }[];
}

export interface DecodeResult {
  B: number;
  M: number;
  V: number;
  /** attention width: S (Smax for concat; 0 without attention) */
  Sw: number;
  tokens: Int32Array;
  logprobs: Float32Array;
  attention: Float32Array;
  lengths: Int32Array;
  score: Float32Array;
  trace?: DecodeTrace;
}

/** The memory, prepared once per run. */
export interface Memory {
  S: number;
  Dm: number;
  data: Floats;
  /** score rules: keys projected for the rule */
  keys: AttnKeys | null;
  /** valid positions per batch row (concat without lengths: Smax, as the tutorial masks nothing) */
  len: Int32Array;
}

export function prepareMemory(P: PreparedDecoder, io: DecodeInputs): Memory | null {
  const a = P.spec.attention;
  if (a === 'none') return null;
  if (!io.memory) throw new DecodeError(`attention ${a} needs a memory (the encoder's output sequence)`);
  if (io.Dm !== P.Dm) throw new DecodeError(`the memory has ${io.Dm} features but the attention weights were made for ${P.Dm}`);
  if (a === 'concat') {
    if (io.S > P.Smax) throw new DecodeError(`the memory has ${io.S} steps but the concat attention scores only ${P.Smax} positions (attn.weight rows)`);
    const len = io.memLengths ? keyLengths(io.memLengths, io.B, io.S, 'memory') : new Int32Array(io.B).fill(P.Smax);
    return { S: io.S, Dm: io.Dm, data: io.memory, keys: null, len };
  }
  const len = keyLengths(io.memLengths, io.B, io.S, 'memory');
  const keys = prepareKeys(a, io.memory, io.memory, io.B, io.S, io.Dm, io.Dm, P.spec.H, len, P.rule);
  return { S: io.S, Dm: io.Dm, data: io.memory, keys, len };
}

/** Every buffer a run over n rows needs, allocated once before the step loop. */
export interface RunBufs {
  n: number;
  h: Floats;
  c: Floats;
  xin: Floats;
  xp: Floats;
  hh: Floats;
  gates: Floats;
  ctx: Floats;
  aw: Floats;
  Sw: number;
  u: Floats;
  au: Floats;
  scores: Float64Array;
  feat: Floats;
  /** luong: [context; h] (or [h; context]) per row */
  stage: Floats;
  logp: Floats;
  sc: AttnScratch | null;
  /** batch row of each of the n rows (beam: row = slot / K) */
  memRow: Int32Array;
}

export function allocRun(P: PreparedDecoder, mem: Memory | null, n: number, rowsPer: number): RunBufs {
  const { H, L } = P.spec;
  const GH = P.G * H;
  const Sw = P.spec.attention === 'concat' ? P.Smax : mem ? mem.S : 0;
  const F = (k: number) => floatsLike(P.emb, k);
  const memRow = new Int32Array(n);
  for (let i = 0; i < n; i++) memRow[i] = Math.floor(i / rowsPer);
  return {
    n, memRow, Sw,
    h: F(L * n * H), c: F(L * n * H),
    xin: F(n * P.I0), xp: F(n * GH), hh: F(n * GH), gates: F(L * n * GH),
    ctx: F(n * P.Dm), aw: F(n * Sw),
    u: F(P.spec.attention === 'concat' ? n * (P.E + Math.max(H, P.Dm)) : 0),
    au: F(n * P.Smax), scores: new Float64Array(Math.max(1, P.Smax)),
    feat: F(n * P.Fo), stage: F(P.spec.style === 'luong' ? n * (P.Dm + H) : 0), logp: F(n * P.V),
    sc: mem?.keys ? attnScratch(mem.keys) : null,
  };
}

/** h0 (and c0) of every row: given, bridged from a vector (tanh(bridge·x)), the vector itself, or 0. */
export function initState(P: PreparedDecoder, io: DecodeInputs, R: RunBufs): void {
  const { H, L } = P.spec;
  const { n, h, c, memRow } = R;
  const B = io.B;
  h.fill(0);
  c.fill(0);
  let src: Floats | null = null;
  if (io.initVec && P.bridgeT) {
    src = floatsLike(P.emb, B * L * H);
    gemm(io.initVec, 0, B, io.Din, P.bridgeT, L * H, P.bridgeB, src, 0);
    for (let i = 0; i < src.length; i++) src[i] = Math.tanh(src[i]);
  } else if (io.initVec && io.Din !== H) {
    throw new DecodeError(`the initial vector has ${io.Din} values but hidden_size is ${H} and there is no bridge`);
  }
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < n; i++) {
      const b = memRow[i], dst = (l * n + i) * H;
      for (let j = 0; j < H; j++) {
        if (io.h0) h[dst + j] = io.h0[(l * B + b) * H + j];
        else if (src) h[dst + j] = src[b * L * H + l * H + j];
        else if (io.initVec) h[dst + j] = io.initVec[b * H + j];
        if (io.c0) c[dst + j] = io.c0[(l * B + b) * H + j];
      }
    }
  }
}

/** One decoder step for all R.n rows: reads prev tokens and the state in R, leaves logp in R.logp. */
export function step(P: PreparedDecoder, R: RunBufs, mem: Memory | null, prev: Int32Array, t: number): void {
  const { H, L, attention: a, style } = P.spec;
  const { n, h, c, xin, xp, hh, gates, ctx, aw, Sw, feat, logp, memRow } = R;
  const { E, I0, G, V, Dm, emb } = P;
  const GH = G * H, top = (L - 1) * n * H;
  const rules = a !== 'none' && a !== 'concat';
  if (a === 'concat') {
    // the tutorial: attention from [embedded; h_prev], then relu(attn_combine([embedded; context]))
    const { u, au, scores } = R;
    const Smax = P.Smax, EH = E + H, ED = E + Dm;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < E; j++) u[i * EH + j] = emb[prev[i] * E + j];
      for (let j = 0; j < H; j++) u[i * EH + E + j] = h[top + i * H + j];
    }
    gemm(u, 0, n, EH, P.attnT!, Smax, P.attnB, au, 0);
    for (let i = 0; i < n; i++) {
      const b = memRow[i], valid = mem!.len[b];
      for (let s = 0; s < Smax; s++) scores[s] = au[i * Smax + s];
      softmaxInto(scores, valid, Smax, aw, i * Sw);
      contextInto(aw, i * Sw, mem!.data, b * mem!.S * Dm, Math.min(valid, mem!.S), Dm, ctx, i * Dm);
      for (let j = 0; j < E; j++) u[i * ED + j] = emb[prev[i] * E + j];
      for (let j = 0; j < Dm; j++) u[i * ED + E + j] = ctx[i * Dm + j];
    }
    gemm(u, 0, n, ED, P.combT!, H, P.combB, xin, 0);
    for (let k = 0; k < n * H; k++) if (!(xin[k] > 0)) xin[k] = 0;
  } else {
    for (let i = 0; i < n; i++) {
      const eo = prev[i] * E, xo = i * I0;
      for (let j = 0; j < E; j++) xin[xo + j] = emb[eo + j];
    }
    if (rules && style === 'bahdanau') {
      for (let i = 0; i < n; i++) {
        attendRow(mem!.keys!, memRow[i], h, top + i * H, H, R.sc!, aw, i * Sw, ctx, i * Dm);
        for (let j = 0; j < Dm; j++) xin[i * I0 + E + j] = ctx[i * Dm + j];
      }
    }
  }
  for (let l = 0; l < L; l++) {
    const ly = P.layers[l];
    if (l === 0) gemm(xin, 0, n, I0, ly.wihT, GH, ly.bih, xp, 0);
    else gemm(h, (l - 1) * n * H, n, H, ly.wihT, GH, ly.bih, xp, 0);
    gemm(h, l * n * H, n, H, ly.whhT, GH, ly.bhh, hh, 0);
    cellUpdate(P.spec.cell, n, H, xp, hh, h, c, l * n * H, gates, l * n * GH);
  }
  let fs = feat, fOff = 0;
  if (rules && style === 'luong') {
    const cat = R.feat, stage = R.stage, DH = Dm + H;
    // where context and h sit in the output layer's input: [context; h] or [h; context]
    const hFirst = P.spec.concatOrder === 'h_context';
    const cOff = hFirst ? H : 0, hOff = hFirst ? 0 : Dm;
    for (let i = 0; i < n; i++) {
      attendRow(mem!.keys!, memRow[i], h, top + i * H, H, R.sc!, aw, i * Sw, ctx, i * Dm);
      for (let j = 0; j < Dm; j++) stage[i * DH + cOff + j] = ctx[i * Dm + j];
      for (let j = 0; j < H; j++) stage[i * DH + hOff + j] = h[top + i * H + j];
    }
    gemm(stage, 0, n, DH, P.combT!, H, P.combB, cat, 0);
    for (let k = 0; k < n * H; k++) cat[k] = Math.tanh(cat[k]);
  } else if (rules) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < H; j++) feat[i * (H + Dm) + j] = h[top + i * H + j];
      for (let j = 0; j < Dm; j++) feat[i * (H + Dm) + H + j] = ctx[i * Dm + j];
    }
  } else {
    fs = h;
    fOff = top;
  }
  gemm(fs, fOff, n, P.Fo, P.outT, V, P.outB, logp, 0);
  for (let i = 0; i < n; i++) logSoftmaxRow(logp, i * V, V, memRow[i], t);
}

/**
 * One step of the stacked cell for n rows: xp = W_ih·x + b_ih, hh = W_hh·h + b_hh ([n, G·H] each,
 * PyTorch's gate order); updates h (and c) at hOff in place, writes the gate activations. The
 * decoder uses PyTorch's cells (tanh, sigmoid, GRU with linear_before_reset); the activation codes
 * (cells.ts) are parameters so tests/unit/cells.test.ts checks this copy of the maths against the
 * reference for every activation pair.
 */
export function cellUpdate(cell: CellKind, n: number, H: number, xp: Floats, hh: Floats, h: Floats, c: Floats, hOff: number, gates: Floats, gOff: number, a = TANH, ra = SIGMOID): void {
  const GH = (cell === 'LSTM' ? 4 : cell === 'GRU' ? 3 : 1) * H;
  for (let i = 0; i < n; i++) {
    const xo = i * GH, so = hOff + i * H, go = gOff + i * GH;
    for (let j = 0; j < H; j++) {
      if (cell === 'LSTM') {
        const ig = ract(xp[xo + j] + hh[xo + j], ra);
        const fg = ract(xp[xo + H + j] + hh[xo + H + j], ra);
        const gg = act(xp[xo + 2 * H + j] + hh[xo + 2 * H + j], a);
        const og = ract(xp[xo + 3 * H + j] + hh[xo + 3 * H + j], ra);
        c[so + j] = fg * c[so + j] + ig * gg;
        h[so + j] = og * act(c[so + j], a);
        gates[go + j] = ig; gates[go + H + j] = fg; gates[go + 2 * H + j] = gg; gates[go + 3 * H + j] = og;
      } else if (cell === 'GRU') {
        const rg = ract(xp[xo + j] + hh[xo + j], ra);
        const zg = ract(xp[xo + H + j] + hh[xo + H + j], ra);
        const ng = act(xp[xo + 2 * H + j] + rg * hh[xo + 2 * H + j], a);
        h[so + j] = ng + zg * (h[so + j] - ng);
        gates[go + j] = rg; gates[go + H + j] = zg; gates[go + 2 * H + j] = ng;
      } else {
        const pre = xp[xo + j] + hh[xo + j];
        h[so + j] = act(pre, a);
        gates[go + j] = pre;
      }
    }
  }
}

/** In place: x − log Σ e^x, in double precision; a non-finite row is an error naming row and step. */
function logSoftmaxRow(x: Floats, off: number, V: number, row: number, t: number): void {
  let m = -Infinity;
  for (let j = 0; j < V; j++) if (x[off + j] > m) m = x[off + j];
  let sum = 0;
  for (let j = 0; j < V; j++) sum += Math.exp(x[off + j] - m);
  const lse = m + Math.log(sum);
  if (!Number.isFinite(lse)) throw new DecodeError(`row ${row}, step ${t}: the output scores are not finite (${m}); the weights or inputs hold NaN or Inf values`);
  for (let j = 0; j < V; j++) x[off + j] -= lse;
}

/** Greedy decoding, or forced decoding when io.target is given. */
export function decode(P: PreparedDecoder, io: DecodeInputs, opts: { trace?: boolean } = {}): DecodeResult {
  const { H, L, eos, bos } = P.spec;
  const pad = fillId(P.spec);
  const { B } = io;
  const V = P.V, GH = P.G * H;
  const forced = io.target !== undefined;
  const steps = forced ? io.T : P.spec.maxLen;
  const tlen = forced ? keyLengths(io.targetLengths, B, io.T, 'target') : null;
  if (forced) checkTarget(io.target!, tlen!, io.T, V);
  const mem = prepareMemory(P, io);
  const R = allocRun(P, mem, B, 1);
  const Sw = R.Sw;
  initState(P, io, R);
  const tokens = new Int32Array(B * steps).fill(pad);
  const lp = new Float32Array(B * steps * V);
  const at = new Float32Array(B * steps * Sw);
  const lengths = new Int32Array(B);
  const score = new Float64Array(B);
  const done = new Uint8Array(B);
  const prev = new Int32Array(B).fill(bos);
  const banned = bannedIds(P.spec, V);
  let firstAllowed = 0;
  while (firstAllowed < V - 1 && banned[firstAllowed]) firstAllowed++;
  const names = DECODER_GATE_NAMES[P.spec.cell];
  const tr = opts.trace ? Array.from({ length: L }, () => ({ h: new Float32Array(B * steps * H), c: P.spec.cell === 'LSTM' ? new Float32Array(B * steps * H) : undefined, g: new Float32Array(B * steps * GH) })) : null;
  let active = B;
  for (let b = 0; b < B; b++) {
    if (tlen && tlen[b] === 0) {
      done[b] = 1;
      active--;
    }
  }
  for (let t = 0; t < steps && active > 0; t++) {
    step(P, R, mem, prev, t);
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      const lo = b * V;
      let y: number;
      if (forced) y = io.target![b * io.T + t];
      else {
        // the most likely token, lowest id on ties; never <pad> (it marks the end of a row) nor <s>
        y = firstAllowed;
        for (let v = y + 1; v < V; v++) if (!banned[v] && R.logp[lo + v] > R.logp[lo + y]) y = v;
      }
      const st = b * steps + t;
      for (let v = 0; v < V; v++) lp[st * V + v] = R.logp[lo + v];
      for (let s = 0; s < Sw; s++) at[st * Sw + s] = R.aw[b * Sw + s];
      tokens[st] = y;
      score[b] += R.logp[lo + y];
      lengths[b] = t + 1;
      if (tr) {
        for (let l = 0; l < L; l++) {
          const so = (l * B + b) * H;
          for (let j = 0; j < H; j++) tr[l].h[st * H + j] = R.h[so + j];
          if (tr[l].c) for (let j = 0; j < H; j++) tr[l].c![st * H + j] = R.c[so + j];
          const go = (l * B + b) * GH;
          for (let j = 0; j < GH; j++) tr[l].g[st * GH + j] = R.gates[go + j];
        }
      }
      prev[b] = y;
      if ((forced ? t + 1 >= tlen![b] : y === eos) || t + 1 >= steps) {
        done[b] = 1;
        active--;
      }
    }
  }
  // trim the step axis to the longest row
  // forced decoding keeps the target's T steps (the shape inference promised [B, T, ·], and a loss
  // lines the target [B, T] up with it); greedy trims to the longest row
  let M = forced ? Math.max(1, steps) : 1;
  for (let b = 0; b < B; b++) if (lengths[b] > M) M = lengths[b];
  const trim = <A extends Float32Array | Int32Array>(a: A, w: number): A => {
    const out = new (a.constructor as { new (n: number): A })(B * M * w);
    for (let b = 0; b < B; b++) out.set(a.subarray(b * steps * w, (b * steps + M) * w), b * M * w);
    return out;
  };
  const res: DecodeResult = { B, M, V, Sw, tokens: trim(tokens, 1), logprobs: trim(lp, V), attention: trim(at, Sw), lengths, score: Float32Array.from(score) };
  if (tr) {
    res.trace = {
      layers: tr.map((x) => {
        const g = trim(x.g, GH);
        const gates: Record<string, Float32Array> = {};
        names.forEach((nm, k) => {
          const a = new Float32Array(B * M * H);
          for (let r = 0; r < B * M; r++) for (let j = 0; j < H; j++) a[r * H + j] = g[r * GH + k * H + j];
          gates[nm] = a;
        });
        return { h: trim(x.h, H), ...(x.c ? { c: trim(x.c, H) } : {}), gates };
      }),
    };
  }
  return res;
}

function checkTarget(target: ArrayLike<number>, tlen: Int32Array, T: number, V: number): void {
  for (let b = 0; b < tlen.length; b++) {
    for (let t = 0; t < tlen[b]; t++) {
      const y = target[b * T + t];
      if (!(Number.isInteger(y) && y >= 0 && y < V)) throw new DecodeError(`target token id ${y} at [${b}, ${t}] is out of range (the decoder's vocabulary has ${V} symbols, ids 0..${V - 1})`);
    }
  }
}
