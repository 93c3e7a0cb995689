// Attention kernels: the score rules (dot, scaled_dot, general, additive), the PyTorch seq2seq
// tutorial's "concat" attention, and nn.MultiheadAttention — for the IR ops Attention,
// ConcatAttention and MultiHeadAttention, and, one query row at a time, for the Decode op.
//
// Why it is laid out this way:
// - Everything that depends only on the keys (general: W·k, additive: W_key·k) is projected once
//   per run with one gemm (prepareKeys); a query then costs one dot product per key. The decoder
//   attends once per step, so this keeps its step loop free of work proportional to S·Dk·A.
// - attendRow() works on one query row with caller-owned scratch and allocates nothing, so the
//   decoder can call it inside its step loop.
// - Padding is a per-row count of valid keys (lengths [B], as the IR carries a Mask): keys at or
//   past it get weight exactly 0. A row with no valid key gets all-zero weights and a zero
//   context (PyTorch would give NaN). Query steps at or past a row's query length are padding too:
//   their weights and context are 0, as padded steps are everywhere else in the runtime.
// - Scores and the softmax are accumulated in double precision, weights stored as float32.
// - Each op is a raw-array function (attentionForward, concatAttentionForward, mhaForward) that
//   runs in float32 (the runtime) or float64 (the finite-difference checks of the backward passes
//   in attention-backward.ts), wrapped by the Tensor-level op the executor calls.
import { floatsLike, gemm, transpose, type Floats } from './gemm';
import { floatLike, type Tensor } from '../tensor';

export type ScoreRule = 'dot' | 'scaled_dot' | 'general' | 'additive';
export const SCORE_RULES: readonly ScoreRule[] = ['dot', 'scaled_dot', 'general', 'additive'];

const f32 = (t: Tensor) => t.data as Float32Array;
const f32opt = (t: Tensor | undefined) => t?.data as Float32Array | undefined;
/** a float32 result as a Tensor, without a copy */
const wrap = (shape: number[], data: Floats): Tensor => ({ dtype: 'float32', shape, data: data as Float32Array });

/** Keys (and values) of one run, prepared for a score rule. */
export interface AttnKeys {
  rule: ScoreRule;
  B: number;
  S: number;
  /** width of a row of `k`: Dk (dot), Dq (general: W·k), A (additive: W_key·k) */
  kd: number;
  /** [B, S, kd] */
  k: Floats;
  Dv: number;
  /** [B, S, Dv] */
  v: Floats;
  /** valid keys per row (clamped to S) */
  len: Int32Array;
  /** additive: W_query transposed [Dq, A] and v [A] */
  wqT: Floats | null;
  vvec: Floats | null;
  scale: number;
}

export interface RuleWeights {
  /** general: W [Dq, Dk], score = qᵀ·W·k */
  W?: Floats;
  /** additive: W_query [A, Dq], W_key [A, Dk], v [A], score = vᵀ·tanh(W_query·q + W_key·k) */
  W_query?: Floats;
  W_key?: Floats;
  v?: Floats;
}

export class AttentionError extends Error {}

/** Valid key counts per row, checked against S; all S when there are no lengths. */
export function keyLengths(lengths: ArrayLike<number> | undefined, B: number, S: number, what = 'keys'): Int32Array {
  const len = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const L = lengths === undefined ? S : lengths[b];
    if (!(Number.isInteger(L) && L >= 0 && L <= S)) throw new AttentionError(`row ${b}: ${what} length ${L} is outside [0, ${S}]`);
    len[b] = L;
  }
  return len;
}

/** Projects the keys once for `rule`. keys [B,S,Dk], values [B,S,Dv]; Dq is the query size. */
export function prepareKeys(
  rule: ScoreRule, keys: Floats, values: Floats, B: number, S: number, Dk: number, Dv: number, Dq: number,
  len: Int32Array, w: RuleWeights,
): AttnKeys {
  // one object literal, always the same fields in the same order: every AttnKeys has one hidden
  // class, so attendRow's optimised code stays valid (objects spread from a shared `base` came
  // with several maps: G2P training deoptimised attendRow ~1,200 times in 6 s; ~340 deopts in all
  // now, as many as without it)
  const keysOf = (kd: number, k: Floats, wqT: Floats | null, vvec: Floats | null, scale: number): AttnKeys =>
    ({ rule, B, S, kd, k, Dv, v: values, len, wqT, vvec, scale });
  switch (rule) {
    case 'dot':
    case 'scaled_dot':
      if (Dq !== Dk) throw new AttentionError(`${rule} scores need the query (${Dq}) and keys (${Dk}) to have the same size`);
      return keysOf(Dk, keys, null, null, rule === 'scaled_dot' ? 1 / Math.sqrt(Dk) : 1);
    case 'general': {
      // qᵀ·W·k = q · (W k): project every key by W [Dq, Dk] once
      const W = need(w.W, 'W', Dq * Dk);
      const k = floatsLike(keys, B * S * Dq);
      gemm(keys, 0, B * S, Dk, transpose(W, Dq, Dk), Dq, null, k, 0);
      return keysOf(Dq, k, null, null, 1);
    }
    case 'additive': {
      const Wk = need(w.W_key, 'W_key', -1);
      const A = Wk.length / Dk;
      need(w.W_query, 'W_query', A * Dq);
      need(w.v, 'v', A);
      const k = floatsLike(keys, B * S * A);
      gemm(keys, 0, B * S, Dk, transpose(Wk, A, Dk), A, null, k, 0);
      return keysOf(A, k, transpose(w.W_query!, A, Dq), w.v!, 1);
    }
  }
}

function need(a: Floats | undefined, name: string, n: number): Floats {
  if (!a) throw new AttentionError(`the score rule needs weight ${name}`);
  if (n >= 0 && a.length !== n) throw new AttentionError(`weight ${name} has ${a.length} values, expected ${n}`);
  return a;
}

/** Scratch one attendRow call needs: scores [S] and, for additive, the projected query [A]. */
export interface AttnScratch {
  scores: Float64Array;
  qp: Floats;
}
export function attnScratch(K: AttnKeys): AttnScratch {
  return { scores: new Float64Array(Math.max(1, K.S)), qp: floatsLike(K.k, K.rule === 'additive' ? K.kd : 1) };
}

/**
 * One query row q[qOff .. qOff+Dq) against the keys of batch row `b`: writes the weights
 * w[wOff .. wOff+S) and the context ctx[cOff .. cOff+Dv). Allocates nothing.
 */
export function attendRow(K: AttnKeys, b: number, q: Floats, qOff: number, Dq: number, sc: AttnScratch, w: Floats, wOff: number, ctx: Floats, cOff: number): void {
  const { S, kd, k, len } = K;
  const n = len[b];
  const scores = sc.scores;
  if (K.rule === 'additive') {
    const qp = sc.qp, v = K.vvec!;
    gemm(q, qOff, 1, Dq, K.wqT!, kd, null, qp, 0);
    for (let s = 0; s < n; s++) {
      const ko = (b * S + s) * kd;
      let e = 0;
      for (let a = 0; a < kd; a++) e += v[a] * Math.tanh(qp[a] + k[ko + a]);
      scores[s] = e;
    }
  } else {
    for (let s = 0; s < n; s++) {
      const ko = (b * S + s) * kd;
      let e = 0;
      for (let j = 0; j < kd; j++) e += q[qOff + j] * k[ko + j];
      scores[s] = e * K.scale;
    }
  }
  softmaxInto(scores, n, S, w, wOff);
  contextInto(w, wOff, K.v, b * S * K.Dv, Math.min(n, S), K.Dv, ctx, cOff);
}

/** w[wOff+s] = softmax(scores[0..n))[s] for s < n, 0 for n <= s < S (all 0 when n = 0). */
export function softmaxInto(scores: Float64Array, n: number, S: number, w: Floats, wOff: number): void {
  let m = -Infinity;
  for (let s = 0; s < n; s++) if (scores[s] > m) m = scores[s];
  let sum = 0;
  for (let s = 0; s < n; s++) sum += Math.exp(scores[s] - m);
  for (let s = 0; s < n; s++) w[wOff + s] = Math.exp(scores[s] - m) / sum;
  for (let s = n; s < S; s++) w[wOff + s] = 0;
}

/** ctx[cOff..+Dv) = Σ_{s<n} w[wOff+s] · values[vOff + s·Dv ..] */
export function contextInto(w: Floats, wOff: number, values: Floats, vOff: number, n: number, Dv: number, ctx: Floats, cOff: number): void {
  ctx.fill(0, cOff, cOff + Dv);
  for (let s = 0; s < n; s++) {
    const ws = w[wOff + s];
    if (ws === 0) continue;
    const vo = vOff + s * Dv;
    for (let j = 0; j < Dv; j++) ctx[cOff + j] += ws * values[vo + j];
  }
}

/** query [B,Dq] or [B,T,Dq] -> rows: B, T (1 for a vector), Dq */
export function queryDims(q: Tensor): [number, number, number] {
  return q.shape.length === 2 ? [q.shape[0], 1, q.shape[1]] : [q.shape[0], q.shape[1], q.shape[2]];
}

function checkBatch(what: string, t: Tensor, B: number): void {
  if (t.shape[0] !== B) throw new AttentionError(`${what} has batch size ${t.shape[0]} but the query has ${B}`);
}

/** Sizes of one Attention run: T = 1 for a vector query. */
export interface AttnDims {
  B: number;
  T: number;
  S: number;
  Dq: number;
  Dk: number;
  Dv: number;
}

/** The Attention op on raw arrays: ctx [B,T,Dv] and weights [B,T,S] (rows t >= qlen[b] stay 0). */
export function attentionForward(
  rule: ScoreRule, q: Floats, keys: Floats, values: Floats, d: AttnDims, len: Int32Array, qlen: Int32Array, w: RuleWeights,
  out?: { ctx: Floats; wts: Floats },
): { ctx: Floats; wts: Floats } {
  const { B, T, S, Dq, Dk, Dv } = d;
  const K = prepareKeys(rule, keys, values, B, S, Dk, Dv, Dq, len, w);
  const ctx = out?.ctx ?? floatsLike(q, B * T * Dv);
  const wts = out?.wts ?? floatsLike(q, B * T * S);
  const sc = attnScratch(K);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < qlen[b]; t++) attendRow(K, b, q, (b * T + t) * Dq, Dq, sc, wts, (b * T + t) * S, ctx, (b * T + t) * Dv);
  }
  return { ctx, wts };
}

/** The Attention op's sizes and masks from its input tensors, checked. */
export function attentionDims(query: Tensor, keys: Tensor, values: Tensor, lengths: Tensor | undefined, qLengths: Tensor | undefined): { d: AttnDims; len: Int32Array; qlen: Int32Array; vec: boolean } {
  const [B, T, Dq] = queryDims(query);
  const [, S, Dk] = keys.shape;
  const Dv = values.shape[2];
  checkBatch('keys', keys, B);
  checkBatch('values', values, B);
  if (values.shape[1] !== S) throw new AttentionError(`values have ${values.shape[1]} steps but keys have ${S}`);
  return { d: { B, T, S, Dq, Dk, Dv }, len: keyLengths(lengths?.data, B, S), qlen: keyLengths(qLengths?.data, B, T, 'query'), vec: query.shape.length === 2 };
}

/** The Attention op: one of the score rules, single head. Returns [context, weights]. */
export function attentionOp(rule: ScoreRule, query: Tensor, keys: Tensor, values: Tensor, lengths: Tensor | undefined, qLengths: Tensor | undefined, w: RuleWeights): Tensor[] {
  const { d, len, qlen, vec } = attentionDims(query, keys, values, lengths, qLengths);
  const { B, T, S, Dv } = d;
  // results in the query's precision (float64 in the gradient checks)
  const ctx = floatLike(query, vec ? [B, Dv] : [B, T, Dv]);
  const wts = floatLike(query, vec ? [B, S] : [B, T, S]);
  attentionForward(rule, f32(query), f32(keys), f32(values), d, len, qlen, w, { ctx: f32(ctx), wts: f32(wts) });
  return [ctx, wts];
}

/** Sizes of one ConcatAttention run. */
export interface ConcatDims {
  B: number;
  T: number;
  S: number;
  Dq: number;
  /** hidden size (0 without hidden) */
  Dh: number;
  Dv: number;
  /** positions the attn Linear scores, and combine's output size */
  Smax: number;
  Do: number;
}

/** [query; hidden] of every row [B·T, Dq+Dh] */
export function concatQH(q: Floats, hidden: Floats | null, d: ConcatDims): Floats {
  const rows = d.B * d.T, In = d.Dq + d.Dh;
  const qh = floatsLike(q, rows * In);
  for (let r = 0; r < rows; r++) {
    qh.set(q.subarray(r * d.Dq, (r + 1) * d.Dq), r * In);
    if (hidden) qh.set(hidden.subarray(r * d.Dh, (r + 1) * d.Dh), r * In + d.Dq);
  }
  return qh;
}

/**
 * ConcatAttention on raw arrays: context [B,T,Dv], weights [B,T,Smax], combined [B,T,Do], and
 * qc = [query; context] per row (what combine read; the backward reuses it).
 */
export function concatAttentionForward(
  q: Floats, hidden: Floats | null, values: Floats, d: ConcatDims, len: Int32Array, qlen: Int32Array,
  attnW: Floats, attnB: Floats, combW: Floats, combB: Floats,
): { ctx: Floats; wts: Floats; combined: Floats; qc: Floats } {
  const { B, T, S, Dq, Dh, Dv, Smax, Do } = d;
  const rows = B * T, In = Dq + Dh;
  // [query; hidden] for every row, then the attn Linear over all rows in one gemm
  const logits = floatsLike(q, rows * Smax);
  gemm(concatQH(q, hidden, d), 0, rows, In, transpose(attnW, Smax, In), Smax, attnB, logits, 0);
  const ctx = floatsLike(q, rows * Dv), wts = floatsLike(q, rows * Smax), qc = floatsLike(q, rows * (Dq + Dv));
  const scores = new Float64Array(Smax);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < qlen[b]; t++) {
      const r = b * T + t;
      for (let s = 0; s < Smax; s++) scores[s] = logits[r * Smax + s];
      softmaxInto(scores, len[b], Smax, wts, r * Smax);
      contextInto(wts, r * Smax, values, b * S * Dv, Math.min(len[b], S), Dv, ctx, r * Dv);
      qc.set(q.subarray(r * Dq, (r + 1) * Dq), r * (Dq + Dv));
      qc.set(ctx.subarray(r * Dv, (r + 1) * Dv), r * (Dq + Dv) + Dq);
    }
  }
  const combined = floatsLike(q, rows * Do);
  gemm(qc, 0, rows, Dq + Dv, transpose(combW, Do, Dq + Dv), Do, combB, combined, 0);
  for (let b = 0; b < B; b++) combined.fill(0, (b * T + qlen[b]) * Do, (b + 1) * T * Do);
  return { ctx, wts, combined, qc };
}

/** ConcatAttention's sizes and masks from its input tensors, checked. */
export function concatDims(query: Tensor, hidden: Tensor | undefined, values: Tensor, lengths: Tensor | undefined, qLengths: Tensor | undefined, attnW: Tensor, combW: Tensor): { d: ConcatDims; len: Int32Array; qlen: Int32Array; vec: boolean } {
  const [B, T, Dq] = queryDims(query);
  const Dh = hidden ? hidden.shape[hidden.shape.length - 1] : 0;
  const [, S, Dv] = values.shape;
  const [Smax, In] = attnW.shape;
  const Do = combW.shape[0];
  if (In !== Dq + Dh) throw new AttentionError(`attn.weight is [${attnW.shape}] but [query; hidden] has ${Dq + Dh} values`);
  if (combW.shape[1] !== Dq + Dv) throw new AttentionError(`combine.weight is [${combW.shape}] but [query; context] has ${Dq + Dv} values`);
  if (S > Smax) throw new AttentionError(`the keys have ${S} steps but max_length is ${Smax}: the attn Linear scores only ${Smax} positions`);
  if (hidden) checkBatch('hidden', hidden, B);
  checkBatch('values', values, B);
  const len = lengths ? keyLengths(lengths.data, B, S) : new Int32Array(B).fill(Smax);
  return { d: { B, T, S, Dq, Dh, Dv, Smax, Do }, len, qlen: keyLengths(qLengths?.data, B, T, 'query'), vec: query.shape.length === 2 };
}

/**
 * The ConcatAttention op, as the PyTorch seq2seq tutorial's AttnDecoderRNN attends:
 *   weights = softmax(attn_W · [query; hidden] + attn_b)   over max_length positions
 *   context = Σ_s weights_s · values_s                      (values past S count as zero rows)
 *   combined = combine_W · [query; context] + combine_b
 * The tutorial masks nothing; with lengths, positions at or past a row's length get weight 0.
 * Returns [context, weights [.., max_length], combined].
 */
export function concatAttentionOp(
  query: Tensor, hidden: Tensor | undefined, values: Tensor, lengths: Tensor | undefined, qLengths: Tensor | undefined,
  attnW: Tensor, attnB: Tensor, combW: Tensor, combB: Tensor,
): Tensor[] {
  const { d, len, qlen, vec } = concatDims(query, hidden, values, lengths, qLengths, attnW, combW);
  const { B, T, Dv, Smax, Do } = d;
  const r = concatAttentionForward(f32(query), f32opt(hidden) ?? null, f32(values), d, len, qlen, f32(attnW), f32(attnB), f32(combW), f32(combB));
  const lead = vec ? [B] : [B, T];
  return [wrap([...lead, Dv], r.ctx), wrap([...lead, Smax], r.wts), wrap([...lead, Do], r.combined)];
}

/** Sizes of one MultiHeadAttention run. */
export interface MhaDims {
  B: number;
  T: number;
  S: number;
  E: number;
  heads: number;
}

/** One of the in-projections: rows of x [rows, E] times part (0 = Q, 1 = K, 2 = V) of in_proj. */
export function inProject(x: Floats, rows: number, E: number, inW: Floats, inB: Floats, part: number): Floats {
  const y = floatsLike(x, rows * E);
  gemm(x, 0, rows, E, transpose(inW.subarray(part * E * E, (part + 1) * E * E) as Floats, E, E), E, inB.subarray(part * E, (part + 1) * E), y, 0);
  return y;
}

/**
 * MultiHeadAttention on raw arrays. Returns Y [B,T,E], the per-head weights [B,heads,T,S] and the
 * concatenated heads O [B,T,E] (what out_proj read; the backward reuses it).
 */
export function mhaForward(
  query: Floats, key: Floats, value: Floats, d: MhaDims, len: Int32Array, qlen: Int32Array,
  inW: Floats, inB: Floats, outW: Floats, outB: Floats,
): { Y: Floats; wts: Floats; O: Floats } {
  const { B, T, S, E, heads } = d;
  const dh = E / heads;
  const Q = inProject(query, B * T, E, inW, inB, 0), Kp = inProject(key, B * S, E, inW, inB, 1), Vp = inProject(value, B * S, E, inW, inB, 2);
  const a = floatsLike(query, B * heads * T * S);
  const O = floatsLike(query, B * T * E);
  const scores = new Float64Array(Math.max(1, S));
  const scale = 1 / Math.sqrt(dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < qlen[b]; t++) {
        const qo = (b * T + t) * E + h * dh;
        for (let s = 0; s < len[b]; s++) {
          const ko = (b * S + s) * E + h * dh;
          let e = 0;
          for (let j = 0; j < dh; j++) e += Q[qo + j] * Kp[ko + j];
          scores[s] = e * scale;
        }
        const wo = ((b * heads + h) * T + t) * S;
        softmaxInto(scores, len[b], S, a, wo);
        // the head's context, into its slice of the concatenated heads
        for (let s = 0; s < len[b]; s++) {
          const ws = a[wo + s], vo = (b * S + s) * E + h * dh;
          for (let j = 0; j < dh; j++) O[qo + j] += ws * Vp[vo + j];
        }
      }
    }
  }
  const Y = floatsLike(query, B * T * E);
  gemm(O, 0, B * T, E, transpose(outW, E, E), E, outB, Y, 0);
  for (let b = 0; b < B; b++) Y.fill(0, (b * T + qlen[b]) * E, (b + 1) * T * E);
  return { Y, wts: a, O };
}

/** MultiHeadAttention's sizes and masks from its input tensors, checked. */
export function mhaDims(query: Tensor, key: Tensor, value: Tensor, lengths: Tensor | undefined, qLengths: Tensor | undefined, heads: number): { d: MhaDims; len: Int32Array; qlen: Int32Array } {
  const [B, T, E] = query.shape;
  const S = key.shape[1];
  if (E % heads !== 0) throw new AttentionError(`embed size ${E} is not divisible by num_heads ${heads}`);
  if (key.shape[2] !== E || value.shape[2] !== E) throw new AttentionError(`keys and values need the query's size ${E}; got ${key.shape[2]} and ${value.shape[2]}`);
  if (value.shape[1] !== S) throw new AttentionError(`values have ${value.shape[1]} steps but keys have ${S}`);
  checkBatch('keys', key, B);
  checkBatch('values', value, B);
  return { d: { B, T, S, E, heads }, len: keyLengths(lengths?.data, B, S), qlen: keyLengths(qLengths?.data, B, T, 'query') };
}

/**
 * The MultiHeadAttention op, as nn.MultiheadAttention(batch_first=True) with a key padding mask:
 * Q,K,V = in_proj (rows 0..E, E..2E, 2E..3E of in_proj_weight); per head h (size d = E/heads)
 * weights = softmax(Q_h·K_hᵀ/√d) over the valid keys; Y = out_proj(concat_h(weights·V_h)).
 * Returns [Y [B,T,E], weights per head [B, heads, T, S]].
 */
export function multiHeadAttentionOp(
  query: Tensor, key: Tensor, value: Tensor, lengths: Tensor | undefined, qLengths: Tensor | undefined,
  inW: Tensor, inB: Tensor, outW: Tensor, outB: Tensor, heads: number,
): Tensor[] {
  const { d, len, qlen } = mhaDims(query, key, value, lengths, qLengths, heads);
  const r = mhaForward(f32(query), f32(key), f32(value), d, len, qlen, f32(inW), f32(inB), f32(outW), f32(outB));
  return [wrap([d.B, d.T, d.E], r.Y), wrap([d.B, heads, d.T, d.S], r.wts)];
}
