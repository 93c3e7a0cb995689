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
import { gemm, transpose } from './gemm';
import { floatTensor, type Tensor } from '../tensor';

export type ScoreRule = 'dot' | 'scaled_dot' | 'general' | 'additive';
export const SCORE_RULES: readonly ScoreRule[] = ['dot', 'scaled_dot', 'general', 'additive'];

const f32 = (t: Tensor) => t.data as Float32Array;

/** Keys (and values) of one run, prepared for a score rule. */
export interface AttnKeys {
  rule: ScoreRule;
  B: number;
  S: number;
  /** width of a row of `k`: Dk (dot), Dq (general: W·k), A (additive: W_key·k) */
  kd: number;
  /** [B, S, kd] */
  k: Float32Array;
  Dv: number;
  /** [B, S, Dv] */
  v: Float32Array;
  /** valid keys per row (clamped to S) */
  len: Int32Array;
  /** additive: W_query transposed [Dq, A] and v [A] */
  wqT: Float32Array | null;
  vvec: Float32Array | null;
  scale: number;
}

export interface RuleWeights {
  /** general: W [Dq, Dk], score = qᵀ·W·k */
  W?: Float32Array;
  /** additive: W_query [A, Dq], W_key [A, Dk], v [A], score = vᵀ·tanh(W_query·q + W_key·k) */
  W_query?: Float32Array;
  W_key?: Float32Array;
  v?: Float32Array;
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
  rule: ScoreRule, keys: Float32Array, values: Float32Array, B: number, S: number, Dk: number, Dv: number, Dq: number,
  len: Int32Array, w: RuleWeights,
): AttnKeys {
  const base = { rule, B, S, Dv, v: values, len, wqT: null, vvec: null, scale: 1 };
  switch (rule) {
    case 'dot':
    case 'scaled_dot':
      if (Dq !== Dk) throw new AttentionError(`${rule} scores need the query (${Dq}) and keys (${Dk}) to have the same size`);
      return { ...base, kd: Dk, k: keys, scale: rule === 'scaled_dot' ? 1 / Math.sqrt(Dk) : 1 };
    case 'general': {
      // qᵀ·W·k = q · (W k): project every key by W [Dq, Dk] once
      const W = need(w.W, 'W', Dq * Dk);
      const k = new Float32Array(B * S * Dq);
      gemm(keys, 0, B * S, Dk, transpose(W, Dq, Dk), Dq, null, k, 0);
      return { ...base, kd: Dq, k };
    }
    case 'additive': {
      const Wk = need(w.W_key, 'W_key', -1);
      const A = Wk.length / Dk;
      need(w.W_query, 'W_query', A * Dq);
      need(w.v, 'v', A);
      const k = new Float32Array(B * S * A);
      gemm(keys, 0, B * S, Dk, transpose(Wk, A, Dk), A, null, k, 0);
      return { ...base, kd: A, k, wqT: transpose(w.W_query!, A, Dq), vvec: w.v! };
    }
  }
}

function need(a: Float32Array | undefined, name: string, n: number): Float32Array {
  if (!a) throw new AttentionError(`the score rule needs weight ${name}`);
  if (n >= 0 && a.length !== n) throw new AttentionError(`weight ${name} has ${a.length} values, expected ${n}`);
  return a;
}

/** Scratch one attendRow call needs: scores [S] and, for additive, the projected query [A]. */
export interface AttnScratch {
  scores: Float64Array;
  qp: Float32Array;
}
export function attnScratch(K: AttnKeys): AttnScratch {
  return { scores: new Float64Array(Math.max(1, K.S)), qp: new Float32Array(K.rule === 'additive' ? K.kd : 1) };
}

/**
 * One query row q[qOff .. qOff+Dq) against the keys of batch row `b`: writes the weights
 * w[wOff .. wOff+S) and the context ctx[cOff .. cOff+Dv). Allocates nothing.
 */
export function attendRow(K: AttnKeys, b: number, q: Float32Array, qOff: number, Dq: number, sc: AttnScratch, w: Float32Array, wOff: number, ctx: Float32Array, cOff: number): void {
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
export function softmaxInto(scores: Float64Array, n: number, S: number, w: Float32Array, wOff: number): void {
  let m = -Infinity;
  for (let s = 0; s < n; s++) if (scores[s] > m) m = scores[s];
  let sum = 0;
  for (let s = 0; s < n; s++) sum += Math.exp(scores[s] - m);
  for (let s = 0; s < n; s++) w[wOff + s] = Math.exp(scores[s] - m) / sum;
  for (let s = n; s < S; s++) w[wOff + s] = 0;
}

/** ctx[cOff..+Dv) = Σ_{s<n} w[wOff+s] · values[vOff + s·Dv ..] */
export function contextInto(w: Float32Array, wOff: number, values: Float32Array, vOff: number, n: number, Dv: number, ctx: Float32Array, cOff: number): void {
  ctx.fill(0, cOff, cOff + Dv);
  for (let s = 0; s < n; s++) {
    const ws = w[wOff + s];
    if (ws === 0) continue;
    const vo = vOff + s * Dv;
    for (let j = 0; j < Dv; j++) ctx[cOff + j] += ws * values[vo + j];
  }
}

/** query [B,Dq] or [B,T,Dq] -> rows: B, T (1 for a vector), Dq */
function queryDims(q: Tensor): [number, number, number] {
  return q.shape.length === 2 ? [q.shape[0], 1, q.shape[1]] : [q.shape[0], q.shape[1], q.shape[2]];
}

function checkBatch(what: string, t: Tensor, B: number): void {
  if (t.shape[0] !== B) throw new AttentionError(`${what} has batch size ${t.shape[0]} but the query has ${B}`);
}

/** The Attention op: one of the score rules, single head. Returns [context, weights]. */
export function attentionOp(rule: ScoreRule, query: Tensor, keys: Tensor, values: Tensor, lengths: Tensor | undefined, qLengths: Tensor | undefined, w: RuleWeights): Tensor[] {
  const [B, T, Dq] = queryDims(query);
  const [, S, Dk] = keys.shape;
  const Dv = values.shape[2];
  checkBatch('keys', keys, B);
  checkBatch('values', values, B);
  if (values.shape[1] !== S) throw new AttentionError(`values have ${values.shape[1]} steps but keys have ${S}`);
  const K = prepareKeys(rule, f32(keys), f32(values), B, S, Dk, Dv, Dq, keyLengths(lengths?.data, B, S), w);
  const qlen = keyLengths(qLengths?.data, B, T, 'query');
  const vec = query.shape.length === 2;
  const ctx = floatTensor(vec ? [B, Dv] : [B, T, Dv]);
  const wts = floatTensor(vec ? [B, S] : [B, T, S]);
  const sc = attnScratch(K);
  const q = f32(query), c = f32(ctx), a = f32(wts);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < qlen[b]; t++) attendRow(K, b, q, (b * T + t) * Dq, Dq, sc, a, (b * T + t) * S, c, (b * T + t) * Dv);
  }
  return [ctx, wts];
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
  const qlen = keyLengths(qLengths?.data, B, T, 'query');
  const vec = query.shape.length === 2;
  const rows = B * T;
  // [query; hidden] for every row, then the attn Linear over all rows in one gemm
  const qh = new Float32Array(rows * In);
  for (let r = 0; r < rows; r++) {
    qh.set(f32(query).subarray(r * Dq, (r + 1) * Dq), r * In);
    if (hidden) qh.set(f32(hidden).subarray(r * Dh, (r + 1) * Dh), r * In + Dq);
  }
  const logits = new Float32Array(rows * Smax);
  gemm(qh, 0, rows, In, transpose(f32(attnW), Smax, In), Smax, f32(attnB), logits, 0);
  const ctx = floatTensor(vec ? [B, Dv] : [B, T, Dv]);
  const wts = floatTensor(vec ? [B, Smax] : [B, T, Smax]);
  const qc = new Float32Array(rows * (Dq + Dv));
  const scores = new Float64Array(Smax);
  const c = f32(ctx), a = f32(wts);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < qlen[b]; t++) {
      const r = b * T + t;
      for (let s = 0; s < Smax; s++) scores[s] = logits[r * Smax + s];
      softmaxInto(scores, len[b], Smax, a, r * Smax);
      contextInto(a, r * Smax, f32(values), b * S * Dv, Math.min(len[b], S), Dv, c, r * Dv);
      qc.set(f32(query).subarray(r * Dq, (r + 1) * Dq), r * (Dq + Dv));
      qc.set(c.subarray(r * Dv, (r + 1) * Dv), r * (Dq + Dv) + Dq);
    }
  }
  const combined = floatTensor(vec ? [B, Do] : [B, T, Do]);
  gemm(qc, 0, rows, Dq + Dv, transpose(f32(combW), Do, Dq + Dv), Do, f32(combB), f32(combined), 0);
  for (let b = 0; b < B; b++) f32(combined).fill(0, (b * T + qlen[b]) * Do, (b + 1) * T * Do);
  return [ctx, wts, combined];
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
  const [B, T, E] = query.shape;
  const S = key.shape[1];
  if (E % heads !== 0) throw new AttentionError(`embed size ${E} is not divisible by num_heads ${heads}`);
  if (key.shape[2] !== E || value.shape[2] !== E) throw new AttentionError(`keys and values need the query's size ${E}; got ${key.shape[2]} and ${value.shape[2]}`);
  if (value.shape[1] !== S) throw new AttentionError(`values have ${value.shape[1]} steps but keys have ${S}`);
  checkBatch('keys', key, B);
  checkBatch('values', value, B);
  const d = E / heads;
  const W = f32(inW), bias = f32(inB);
  const proj = (x: Tensor, part: number, rows: number) => {
    const y = new Float32Array(rows * E);
    gemm(f32(x), 0, rows, E, transpose(W.subarray(part * E * E, (part + 1) * E * E), E, E), E, bias.subarray(part * E, (part + 1) * E), y, 0);
    return y;
  };
  const Q = proj(query, 0, B * T), Kp = proj(key, 1, B * S), Vp = proj(value, 2, B * S);
  const len = keyLengths(lengths?.data, B, S);
  const qlen = keyLengths(qLengths?.data, B, T, 'query');
  const wts = floatTensor([B, heads, T, S]);
  const O = new Float32Array(B * T * E);
  const a = f32(wts);
  const scores = new Float64Array(Math.max(1, S));
  const scale = 1 / Math.sqrt(d);
  const head = new Float32Array(d);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < qlen[b]; t++) {
        const qo = (b * T + t) * E + h * d;
        for (let s = 0; s < len[b]; s++) {
          const ko = (b * S + s) * E + h * d;
          let e = 0;
          for (let j = 0; j < d; j++) e += Q[qo + j] * Kp[ko + j];
          scores[s] = e * scale;
        }
        const wo = ((b * heads + h) * T + t) * S;
        softmaxInto(scores, len[b], S, a, wo);
        // the head's context, into its slice of the concatenated heads
        head.fill(0);
        for (let s = 0; s < len[b]; s++) {
          const ws = a[wo + s], vo = (b * S + s) * E + h * d;
          for (let j = 0; j < d; j++) head[j] += ws * Vp[vo + j];
        }
        O.set(head, qo);
      }
    }
  }
  const Y = floatTensor([B, T, E]);
  gemm(O, 0, B * T, E, transpose(f32(outW), E, E), E, f32(outB), f32(Y), 0);
  for (let b = 0; b < B; b++) f32(Y).fill(0, (b * T + qlen[b]) * E, (b + 1) * T * E);
  return [Y, wts];
}
