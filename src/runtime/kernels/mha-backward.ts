// Backward of the MultiHeadAttention kernel (attention.ts mhaForward), nn.MultiheadAttention's
// maths run in reverse:
//   Y = O·out_Wᵀ + out_b            dout_W += dYᵀ·O, dout_b += Σ dY, dO = dY·out_W
//   O_h = Σ_s w_hs·V_h,s            dw_hs = dO_h·V_h,s (+ upstream d weights), dV_h,s += w_hs·dO_h
//   w_h = softmax(Q_h·K_hᵀ/√d)      de = softmax backward; dQ_h += Σ de_s·K_h,s/√d, dK_h,s += de_s·Q_h/√d
//   Q,K,V = x·in_W[part]ᵀ + in_b    din_W[part] += dPᵀ·x, din_b[part] += Σ dP, dx += dP·in_W[part]
// Padded query rows (their Y is set to 0) and masked keys get no gradient. Q, K, V and O are
// recomputed from the inputs (three products) rather than kept from the forward pass.
import { inProject, type MhaDims } from './attention';
import type { Floats } from './gemm';
import { addGradB, addGradW, addGradX, softmaxBackwardInPlace } from './linalg-backward';

export interface MhaGrads {
  query: Float64Array;
  key: Float64Array;
  value: Float64Array;
  inW: Float64Array;
  inB: Float64Array;
  outW: Float64Array;
  outB: Float64Array;
}

/** wts: the forward's per-head weights [B,heads,T,S]; dY [B,T,E] and dWts may be null. */
export function mhaBackward(
  query: Floats, key: Floats, value: Floats, d: MhaDims, len: Int32Array, qlen: Int32Array,
  inW: Floats, inB: Floats, outW: Floats, wts: Floats, dY: Floats | null, dWts: Floats | null,
): MhaGrads {
  const { B, T, S, E, heads } = d;
  const dh = E / heads, scale = 1 / Math.sqrt(dh);
  const Q = inProject(query, B * T, E, inW, inB, 0), Kp = inProject(key, B * S, E, inW, inB, 1), Vp = inProject(value, B * S, E, inW, inB, 2);
  const g: MhaGrads = {
    query: new Float64Array(B * T * E), key: new Float64Array(B * S * E), value: new Float64Array(B * S * E),
    inW: new Float64Array(3 * E * E), inB: new Float64Array(3 * E), outW: new Float64Array(E * E), outB: new Float64Array(E),
  };
  // out_proj, over the real query rows only
  const dO = new Float64Array(B * T * E);
  const O = new Float64Array(E);
  if (dY) {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < qlen[b]; t++) {
        const r = b * T + t;
        // this row's concatenated heads, O = Σ_s w·V per head
        O.fill(0);
        for (let h = 0; h < heads; h++) {
          const wo = ((b * heads + h) * T + t) * S;
          for (let s = 0; s < len[b]; s++) {
            const ws = wts[wo + s], vo = (b * S + s) * E + h * dh;
            for (let j = 0; j < dh; j++) O[h * dh + j] += ws * Vp[vo + j];
          }
        }
        addGradW(g.outW, dY, r * E, O, 0, 1, E, E);
        addGradB(g.outB, dY, r * E, 1, E);
        addGradX(dO, r * E, dY, r * E, outW, 1, E, E);
      }
    }
  }
  const dQ = new Float64Array(B * T * E), dK = new Float64Array(B * S * E), dV = new Float64Array(B * S * E);
  const dws = new Float64Array(Math.max(1, S));
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < qlen[b]; t++) {
        const qo = (b * T + t) * E + h * dh, wo = ((b * heads + h) * T + t) * S, n = len[b];
        for (let s = 0; s < n; s++) {
          const vo = (b * S + s) * E + h * dh, ws = wts[wo + s];
          let gw = dWts ? dWts[wo + s] : 0;
          for (let j = 0; j < dh; j++) {
            gw += dO[qo + j] * Vp[vo + j];
            dV[vo + j] += ws * dO[qo + j];
          }
          dws[s] = gw;
        }
        softmaxBackwardInPlace(wts, wo, dws, n);
        for (let s = 0; s < n; s++) {
          const de = dws[s] * scale;
          if (de === 0) continue;
          const ko = (b * S + s) * E + h * dh;
          for (let j = 0; j < dh; j++) {
            dQ[qo + j] += de * Kp[ko + j];
            dK[ko + j] += de * Q[qo + j];
          }
        }
      }
    }
  }
  // the three in-projections
  const parts: [Float64Array, Floats, number, Float64Array][] = [[dQ, query, B * T, g.query], [dK, key, B * S, g.key], [dV, value, B * S, g.value]];
  parts.forEach(([dP, x, rows, dx], part) => {
    const wOff = part * E * E;
    const dW = g.inW.subarray(wOff, wOff + E * E), db = g.inB.subarray(part * E, (part + 1) * E);
    addGradW(dW, dP, 0, x, 0, rows, E, E);
    addGradB(db, dP, 0, rows, E);
    addGradX(dx, 0, dP, 0, inW.subarray(wOff, wOff + E * E) as Floats, rows, E, E);
  });
  return g;
}
