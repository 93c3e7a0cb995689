// Backward passes of the attention kernels (attention.ts), written beside them as micrograd writes
// an op's backward beside its forward: the Attention op's score rules, ConcatAttention, and the
// per-row pieces the Decode op's backward (decoder-backward.ts) reuses step by step.
//
// For one query row q with weights w = softmax(e) over the n valid keys and context c = Σ w_s·v_s:
//   dw_s  = dW_s + dc·v_s                 (dW: upstream gradient on the weights output, if any)
//   de_s  = w_s·(dw_s − Σ w·dw)           (softmax backward, valid keys only)
//   dv_s += w_s·dc
//   dot / scaled_dot (e = a·q·k):         dq += a·Σ de_s·k_s,  dk_s += a·de_s·q
//   general (e = q·k'_s, k' = W·k):       dq += Σ de_s·k'_s,   dk'_s += de_s·q
//   additive (e = vᵀ·tanh(q' + k'_s), q' = W_query·q, k' = W_key·k):
//       u = tanh(q' + k'_s), g = de_s·v⊙(1−u²): dv_vec += de_s·u, dq' += g, dk'_s += g
// and once per run (keysBackward): k' = keys·Wᵀ gives dkeys += dk'·W, dW += dk'ᵀ·keys;
// dq' gives dq += dq'·W_query and dW_query += dq'ᵀ·q (done per row, as q differs per row).
// Masked keys (s ≥ n) and padded query rows (t ≥ query length) had constant outputs (0) and get
// no gradient. Everything accumulates in Float64Array; inputs may be float32 or float64.
import { type AttnDims, type AttnKeys, type ConcatDims, type RuleWeights, concatQH, prepareKeys, type ScoreRule } from './attention';
import type { Floats } from './gemm';
import { addGradB, addGradW, addGradX, softmaxBackwardInPlace } from './linalg-backward';

/** Gradients accumulated on the key side of one prepared AttnKeys, over any number of query rows. */
export interface KeyGrads {
  /** d/d K.k, the keys as the rule scores them (projected for general and additive) [B,S,kd] */
  dk: Float64Array;
  /** d/d values [B,S,Dv] */
  dv: Float64Array;
  /** additive: d/d v [A] and d/d W_query [A,Dq] */
  dvvec: Float64Array | null;
  dWq: Float64Array | null;
  /** scratch: dw over the keys, and (additive) q' and dq' */
  dws: Float64Array;
  qp: Float64Array;
  dqp: Float64Array;
}

export function keyGrads(K: AttnKeys, Dq: number): KeyGrads {
  const add = K.rule === 'additive';
  return {
    dk: new Float64Array(K.B * K.S * K.kd), dv: new Float64Array(K.B * K.S * K.Dv),
    dvvec: add ? new Float64Array(K.kd) : null, dWq: add ? new Float64Array(K.kd * Dq) : null,
    dws: new Float64Array(Math.max(1, K.S)), qp: new Float64Array(add ? K.kd : 0), dqp: new Float64Array(add ? K.kd : 0),
  };
}

/**
 * Backward of attendRow for one query row of batch row b: reads the row's forward weights
 * w[wOff..+S), the upstream dctx[dcOff..+Dv) and (optional) dW[dwOff..+S); adds into
 * dq[dqOff..+Dq) and the key-side gradients G.
 */
export function attendRowBackward(
  K: AttnKeys, b: number, q: Floats, qOff: number, Dq: number, w: Floats, wOff: number,
  dctx: Floats | Float64Array | null, dcOff: number, dW: Floats | Float64Array | null, dwOff: number,
  dq: Float64Array, dqOff: number, G: KeyGrads,
): void {
  const { S, kd, k, v: values, Dv, len } = K;
  const n = Math.min(len[b], S);
  if (n === 0) return;
  const dws = G.dws;
  for (let s = 0; s < n; s++) {
    let g = dW ? dW[dwOff + s] : 0;
    if (dctx) {
      const vo = (b * S + s) * Dv, ws = w[wOff + s];
      for (let j = 0; j < Dv; j++) {
        const dc = dctx[dcOff + j];
        g += dc * values[vo + j];
        G.dv[vo + j] += ws * dc;
      }
    }
    dws[s] = g;
  }
  softmaxBackwardInPlace(w, wOff, dws, n);
  if (K.rule === 'additive') {
    const Wq = K.wqT!, vv = K.vvec!, qp = G.qp, dqp = G.dqp, dvv = G.dvvec!;
    // q' = W_query·q (wqT is W_query transposed, [Dq, A])
    for (let a = 0; a < kd; a++) {
      let x = 0;
      for (let j = 0; j < Dq; j++) x += q[qOff + j] * Wq[j * kd + a];
      qp[a] = x;
      dqp[a] = 0;
    }
    for (let s = 0; s < n; s++) {
      const de = dws[s];
      if (de === 0) continue;
      const ko = (b * S + s) * kd;
      for (let a = 0; a < kd; a++) {
        const u = Math.tanh(qp[a] + k[ko + a]);
        const g = de * vv[a] * (1 - u * u);
        dvv[a] += de * u;
        dqp[a] += g;
        G.dk[ko + a] += g;
      }
    }
    // dq += dq'·W_query, dW_query += dq'ᵀ·q
    const dWq = G.dWq!;
    for (let a = 0; a < kd; a++) {
      const g = dqp[a];
      if (g === 0) continue;
      for (let j = 0; j < Dq; j++) {
        dq[dqOff + j] += g * Wq[j * kd + a];
        dWq[a * Dq + j] += g * q[qOff + j];
      }
    }
    return;
  }
  const a = K.scale;
  for (let s = 0; s < n; s++) {
    const de = dws[s] * a;
    if (de === 0) continue;
    const ko = (b * S + s) * kd;
    for (let j = 0; j < kd; j++) {
      dq[dqOff + j] += de * k[ko + j];
      G.dk[ko + j] += de * q[qOff + j];
    }
  }
}

/** The rule's weight gradients, by the op's weight names. */
export interface RuleGrads {
  W?: Float64Array;
  W_query?: Float64Array;
  W_key?: Float64Array;
  v?: Float64Array;
}

/**
 * Once per run, after every row: the key-side gradients back through the keys' projection.
 * Adds d/d keys into dkeys [B,S,Dk] and returns the rule's weight gradients.
 */
export function keysBackward(K: AttnKeys, keys: Floats, Dk: number, Dq: number, w: RuleWeights, G: KeyGrads, dkeys: Float64Array): RuleGrads {
  const rows = K.B * K.S;
  switch (K.rule) {
    case 'dot':
    case 'scaled_dot':
      for (let i = 0; i < rows * Dk; i++) dkeys[i] += G.dk[i];
      return {};
    case 'general': {
      const dW = new Float64Array(Dq * Dk);
      addGradW(dW, G.dk, 0, keys, 0, rows, Dq, Dk);
      addGradX(dkeys, 0, G.dk, 0, w.W!, rows, Dq, Dk);
      return { W: dW };
    }
    case 'additive': {
      const A = K.kd;
      const dWk = new Float64Array(A * Dk);
      addGradW(dWk, G.dk, 0, keys, 0, rows, A, Dk);
      addGradX(dkeys, 0, G.dk, 0, w.W_key!, rows, A, Dk);
      return { W_query: G.dWq!, W_key: dWk, v: G.dvvec! };
    }
  }
}

/** Gradients of the Attention op's inputs. */
export interface AttentionGrads extends RuleGrads {
  query: Float64Array;
  keys: Float64Array;
  values: Float64Array;
}

/**
 * Backward of attentionForward: `wts` are its weights [B,T,S]; dCtx [B,T,Dv] and dWts [B,T,S] the
 * upstream gradients (either may be null).
 */
export function attentionBackward(
  rule: ScoreRule, q: Floats, keys: Floats, values: Floats, d: AttnDims, len: Int32Array, qlen: Int32Array, w: RuleWeights,
  wts: Floats, dCtx: Floats | null, dWts: Floats | null,
): AttentionGrads {
  const { B, T, S, Dq, Dk, Dv } = d;
  const K = prepareKeys(rule, keys, values, B, S, Dk, Dv, Dq, len, w);
  const G = keyGrads(K, Dq);
  const dq = new Float64Array(B * T * Dq);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < qlen[b]; t++) {
      const r = b * T + t;
      attendRowBackward(K, b, q, r * Dq, Dq, wts, r * S, dCtx, r * Dv, dWts, r * S, dq, r * Dq, G);
    }
  }
  const dkeys = new Float64Array(B * S * Dk);
  const rg = keysBackward(K, keys, Dk, Dq, w, G, dkeys);
  return { query: dq, keys: dkeys, values: G.dv, ...rg };
}

/** Gradients of the ConcatAttention op's inputs. */
export interface ConcatGrads {
  query: Float64Array;
  hidden: Float64Array | null;
  values: Float64Array;
  attnW: Float64Array;
  attnB: Float64Array;
  combW: Float64Array;
  combB: Float64Array;
}

/**
 * Backward of concatAttentionForward from its outputs ctx [B,T,Dv] and wts [B,T,Smax] and the
 * upstream gradients of context, weights and combined (any may be null).
 */
export function concatAttentionBackward(
  q: Floats, hidden: Floats | null, values: Floats, d: ConcatDims, len: Int32Array, qlen: Int32Array,
  attnW: Floats, combW: Floats, ctx: Floats, wts: Floats,
  dCtx: Floats | null, dWts: Floats | null, dComb: Floats | null,
): ConcatGrads {
  const { B, T, S, Dq, Dh, Dv, Smax, Do } = d;
  const rows = B * T, In = Dq + Dh, QC = Dq + Dv;
  const g: ConcatGrads = {
    query: new Float64Array(rows * Dq), hidden: hidden ? new Float64Array(rows * Dh) : null, values: new Float64Array(B * S * Dv),
    attnW: new Float64Array(Smax * In), attnB: new Float64Array(Smax), combW: new Float64Array(Do * QC), combB: new Float64Array(Do),
  };
  const qh = concatQH(q, hidden, d);
  const dqh = new Float64Array(In);
  const dqc = new Float64Array(QC);
  const qc = new Float64Array(QC);
  const dws = new Float64Array(Smax);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < qlen[b]; t++) {
      const r = b * T + t;
      // combined = combine_W·[q; ctx] + combine_b
      dqc.fill(0);
      if (dComb) {
        for (let j = 0; j < Dq; j++) qc[j] = q[r * Dq + j];
        for (let j = 0; j < Dv; j++) qc[Dq + j] = ctx[r * Dv + j];
        addGradW(g.combW, dComb, r * Do, qc, 0, 1, Do, QC);
        addGradB(g.combB, dComb, r * Do, 1, Do);
        addGradX(dqc, 0, dComb, r * Do, combW, 1, Do, QC);
      }
      for (let j = 0; j < Dq; j++) g.query[r * Dq + j] += dqc[j];
      if (dCtx) for (let j = 0; j < Dv; j++) dqc[Dq + j] += dCtx[r * Dv + j];
      // context = Σ_{s < min(len, S)} w_s·v_s; weights = softmax over s < len (positions past S are zero rows)
      const n = len[b], nv = Math.min(n, S);
      for (let s = 0; s < n; s++) {
        let gw = dWts ? dWts[r * Smax + s] : 0;
        if (s < nv) {
          const vo = (b * S + s) * Dv, ws = wts[r * Smax + s];
          for (let j = 0; j < Dv; j++) {
            gw += dqc[Dq + j] * values[vo + j];
            g.values[vo + j] += ws * dqc[Dq + j];
          }
        }
        dws[s] = gw;
      }
      softmaxBackwardInPlace(wts, r * Smax, dws, n);
      // logits = attn_W·[q; hidden] + attn_b
      dws.fill(0, n);
      addGradW(g.attnW, dws, 0, qh, r * In, 1, Smax, In);
      addGradB(g.attnB, dws, 0, 1, Smax);
      dqh.fill(0);
      addGradX(dqh, 0, dws, 0, attnW, 1, Smax, In);
      for (let j = 0; j < Dq; j++) g.query[r * Dq + j] += dqh[j];
      if (g.hidden) for (let j = 0; j < Dh; j++) g.hidden[r * Dh + j] += dqh[Dq + j];
    }
  }
  return g;
}
