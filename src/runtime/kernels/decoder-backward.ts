// Backward pass of the Decode op with a target (teacher forcing / scheduled sampling): the step of
// decoder.ts run in reverse over the tape decodeTrain (decoder-train.ts) recorded, step by step
// from the last, each step in the reverse order of step():
//   logp = log_softmax(out·feat)      dz = dlogp − softmax·Σ dlogp;  d out_W, out_b; dfeat = dz·out_W
//   feat: none/concat  h_top          bahdanau [h_top; ctx]
//         luong        tanh(combine·[ctx; h_top] + b) (or [h_top; ctx]), ctx = attend(h_top) (attention-backward.ts)
//   cells, top layer first (decoder-cell-backward.ts); layer l>0 reads layer l−1's new h
//   layer-0 input: embedding[fed token] (+ bahdanau: ctx = attend(h_top before the step));
//         concat: relu(combine·[emb; ctx] + b), ctx = Σ softmax(attn·[emb; h_top before] + b)·memory
// then the initial state: given h0/c0, the vector, or the bridge tanh(bridge·x + b).
// The memory's gradient sums what every step's attention sent it (as keys, through the rule's
// key projection, done once at the end, and as values). Steps t ≥ a row's target length had
// constant outputs and get no gradient; upstream gradients there are ignored.
// Optionally records ∂loss/∂h_t (and ∂loss/∂c_t) of every layer after every step: the gradient trace.
// Each step runs its phases over all rows before the next phase (rows are independent within a
// step), so the products on the chain from step to step are one product per step over the rows
// (dz·W_out, dxp·W_ih, dhp·W_hh: gemmTS, float64 sums), not one per row. The weight gradients of
// the output Linear and of the cells (dW = Σ dYᵀ·X over every row and step) are not on that
// chain: each step's gradient rows are recorded and every weight gets one product at the end
// (the SIMD gemm_tn where the tape is float32, else the same sum in float64 TypeScript). The
// attention and the cells' elementwise backward stay per row.
import { attendRowBackward, keyGrads, keysBackward, type KeyGrads } from './attention-backward';
import { cellBackward, type CellScratch, cellScratch } from './decoder-cell-backward';
import type { DecodeTape } from './decoder-train';
import { gemmTS, type Floats } from './gemm';
import { addGradB, addGradW, addGradX, softmaxBackwardInPlace } from './linalg-backward';
import { addGradWSimd } from './wasm/grad-w-simd';
import { kernelBackend } from './wasm/runtime';

/** Gradients of the Decode op's inputs (names as DecodeWeights; absent where the op has none). */
export interface DecodeGrads {
  embedding: Float64Array;
  outW: Float64Array;
  outB: Float64Array;
  attnW?: Float64Array;
  attnB?: Float64Array;
  attnWq?: Float64Array;
  attnWk?: Float64Array;
  attnV?: Float64Array;
  combW?: Float64Array;
  combB?: Float64Array;
  bridgeW?: Float64Array;
  bridgeB?: Float64Array;
  cells: { wih: Float64Array; whh: Float64Array; bih: Float64Array; bhh: Float64Array }[];
  memory?: Float64Array;
  h0?: Float64Array;
  c0?: Float64Array;
  initVec?: Float64Array;
}

/** ∂loss/∂h (and ∂loss/∂c) of each layer after each step, [B, M, H] per layer. */
export interface DecodeGradTrace {
  layers: { dh: Float32Array; dc?: Float32Array }[];
}

export interface DecodeUpstream {
  /** d loss / d logprobs [B,M,V], attention [B,M,Sw], score [B,1]; any may be absent */
  logprobs?: Floats | null;
  attention?: Floats | null;
  score?: Floats | null;
}

export function decodeBackward(tape: DecodeTape, up: DecodeUpstream, opts: { trace?: boolean } = {}): { grads: DecodeGrads; trace?: DecodeGradTrace } {
  const { P, io, mem, B, M, steps, tlen, fed } = tape;
  const { H, L, attention: att, style } = P.spec;
  const { E, V, Dm, Fo, I0, G: NG } = P;
  const GH = NG * H, T = io.T;
  const rules = att !== 'none' && att !== 'concat';
  const bahdanau = rules && style === 'bahdanau', luong = rules && style === 'luong';
  // luong: where context and h sit in the output layer's input ([context; h] or [h; context])
  const hFirst = P.spec.concatOrder === 'h_context';
  const cOff = hFirst ? H : 0, hOff = hFirst ? 0 : Dm;
  const Sw = steps > 0 ? tape.aw[0].length / B : 0;
  const W = P.weights;
  const z64 = (n: number) => new Float64Array(n);
  const g: DecodeGrads = {
    embedding: z64(V * E), outW: z64(V * Fo), outB: z64(V),
    cells: P.layers.map((ly) => ({ wih: z64(GH * ly.I), whh: z64(GH * H), bih: z64(GH), bhh: z64(GH) })),
  };
  if (att === 'concat') Object.assign(g, { attnW: z64(P.Smax * (E + H)), attnB: z64(P.Smax), combW: z64(H * (E + Dm)), combB: z64(H) });
  if (luong) Object.assign(g, { combW: z64(H * (Dm + H)), combB: z64(H) });
  if (mem) g.memory = z64(B * mem.S * Dm);
  const K = mem?.keys ?? null;
  const KG: KeyGrads | null = K ? keyGrads(K, H) : null;
  // carried ∂loss/∂h_l, ∂loss/∂c_l of the state before the step being processed [L·B·H]
  let dh = z64(L * B * H), dc = z64(L * B * H);
  let dhPrev = z64(L * B * H), dcPrev = z64(L * B * H);
  const tr = opts.trace ? Array.from({ length: L }, () => ({ dh: new Float32Array(B * M * H), dc: P.spec.cell === 'LSTM' ? new Float32Array(B * M * H) : undefined })) : null;
  // per step, all rows: dz [B,V], dfeat [B,Fo], dhl [B,H] (∂/∂h_l after the step, from above),
  // dctx [B,Dm], the cells' pre-activation gradients [B,GH] and dx [B,I] (the layer's input)
  const dzT = z64(B * V), dfeatT = z64(B * Fo), dhlT = z64(B * H), dctxT = z64(B * Dm);
  const dxpT = z64(B * GH), dhpT = z64(B * GH), dxT = z64(B * Math.max(I0, H));
  const dstage = z64(Dm + H), dpre = z64(H);
  const du = z64(E + Math.max(H, Dm)), u = z64(Math.max(E + Math.max(H, Dm), Dm + H)), dws = z64(Math.max(1, Sw));
  const cs: CellScratch = cellScratch(P.spec.cell, H);
  const dAttnZero = z64(Math.max(1, Sw));
  // every step's gradient rows, row t·B + b (zero where a row had ended), for the weight products
  const simd = kernelBackend() === 'simd' && tape.logprobs instanceof Float32Array;
  const rec = (n: number): Float32Array | Float64Array => (simd ? new Float32Array(n) : new Float64Array(n));
  const DZ = rec(steps * B * V);
  const DXP = P.layers.map(() => rec(steps * B * GH)), DHP = P.layers.map(() => rec(steps * B * GH));
  const row = (a: Float64Array, b: number, n: number) => a.subarray(b * n, b * n + n);
  for (let t = steps - 1; t >= 0; t--) {
    dhPrev.fill(0);
    dcPrev.fill(0);
    const hB = tape.h[t], hA = tape.h[t + 1], cB = tape.c[t], cA = tape.c[t + 1];
    const gates = tape.gates[t], xin = tape.xin[t], feat = tape.feat[t], aw = tape.aw[t], ctxT = tape.ctx[t];
    const live = (b: number) => t < tlen[b];
    const dAttnOf = (b: number) => (up.attention ? up.attention.subarray((b * M + t) * Sw, (b * M + t + 1) * Sw) : dAttnZero);
    // --- logp = log_softmax(out·feat): dz = dlogp − p·Σ dlogp (p from the recorded log-probs)
    dzT.fill(0);
    const lp = tape.logprobs;
    for (let b = 0; b < B; b++) {
      if (!live(b)) continue;
      const st = b * M + t, zo = b * V;
      let sum = 0;
      for (let v = 0; v < V; v++) {
        let d = up.logprobs ? up.logprobs[st * V + v] : 0;
        if (up.score && v === io.target![b * T + t]) d += up.score[b];
        dzT[zo + v] = d;
        sum += d;
      }
      for (let v = 0; v < V; v++) dzT[zo + v] -= Math.exp(lp[st * V + v]) * sum;
      addGradB(g.outB, dzT, zo, 1, V);
    }
    DZ.set(dzT, t * B * V);
    // dfeat = dz·W_out, every row in one product (rows that ended have dz = 0)
    gemmTS(dzT, 0, B, V, W.outW, Fo, null, dfeatT, 0);
    // --- feat, per row: dhl = ∂/∂h_top (after the step), dctx = ∂/∂context
    dhlT.fill(0);
    dctxT.fill(0);
    for (let b = 0; b < B; b++) {
      if (!live(b)) continue;
      const dfeat = row(dfeatT, b, Fo), dhl = row(dhlT, b, H), dctx = row(dctxT, b, Dm);
      const topA = ((L - 1) * B + b) * H;
      if (!rules) for (let j = 0; j < H; j++) dhl[j] = dfeat[j];
      else if (bahdanau) {
        for (let j = 0; j < H; j++) dhl[j] = dfeat[j];
        for (let j = 0; j < Dm; j++) dctx[j] = dfeat[H + j];
      } else {
        // luong: feat = tanh(combine·stage + b), stage = [ctx; h_top] or [h_top; ctx], then ctx = attend(h_top)
        const stage = u;
        for (let j = 0; j < Dm; j++) stage[cOff + j] = ctxT[b * Dm + j];
        for (let j = 0; j < H; j++) stage[hOff + j] = hA[topA + j];
        for (let j = 0; j < H; j++) dpre[j] = dfeat[j] * (1 - feat[b * Fo + j] * feat[b * Fo + j]);
        addGradW(g.combW!, dpre, 0, stage, 0, 1, H, Dm + H);
        addGradB(g.combB!, dpre, 0, 1, H);
        dstage.fill(0);
        addGradX(dstage, 0, dpre, 0, W.combW!, 1, H, Dm + H);
        for (let j = 0; j < Dm; j++) dctx[j] = dstage[cOff + j];
        for (let j = 0; j < H; j++) dhl[j] = dstage[hOff + j];
        attendRowBackward(K!, b, hA, topA, H, aw, b * Sw, dctx, 0, dAttnOf(b), 0, dhl, 0, KG!);
      }
    }
    // --- cells, top layer first; dhl holds ∂loss/∂h_l(after) from above, dh the carried part
    for (let l = L - 1; l >= 0; l--) {
      const ly = P.layers[l], gl = g.cells[l], I = ly.I;
      dxpT.fill(0);
      dhpT.fill(0);
      for (let b = 0; b < B; b++) {
        if (!live(b)) continue;
        const so = (l * B + b) * H, st = b * M + t, dhl = row(dhlT, b, H);
        for (let j = 0; j < H; j++) dhl[j] += dh[so + j];
        if (tr) {
          for (let j = 0; j < H; j++) tr[l].dh[st * H + j] = dhl[j];
        }
        cellBackward(P.spec.cell, cs, H, dhl, dc, so, gates, so * NG, hB, cB, cA, W.cells[l].whh, W.cells[l].bhh);
        if (tr && tr[l].dc) for (let j = 0; j < H; j++) tr[l].dc![st * H + j] = cs.dcTotal[j];
        dxpT.set(cs.dxp, b * GH);
        dhpT.set(cs.dhp, b * GH);
        addGradB(gl.bih, cs.dxp, 0, 1, GH);
        addGradB(gl.bhh, cs.dhp, 0, 1, GH);
        // the cell's direct path to h_l(before) and c_l(before)
        for (let j = 0; j < H; j++) {
          dhPrev[so + j] += cs.dhDirect[j];
          dcPrev[so + j] += cs.dcPrev[j];
        }
      }
      DXP[l].set(dxpT, t * B * GH);
      DHP[l].set(dhpT, t * B * GH);
      // every row at once: dx = dxp·W_ih (the layer's input), ∂loss/∂h_l(before) += dhp·W_hh
      gemmTS(dxpT, 0, B, GH, W.cells[l].wih, I, null, dxT, 0);
      gemmTS(dhpT, 0, B, GH, W.cells[l].whh, H, null, dhPrev, l * B * H, true);
      if (l > 0) for (let b = 0; b < B; b++) if (live(b)) row(dhlT, b, H).set(dxT.subarray(b * I, b * I + H));
    }
    // --- layer-0 input, per row (dxT rows hold ∂loss/∂x_0, stride I0)
    for (let b = 0; b < B; b++) {
      if (!live(b)) continue;
      const tok = fed[t * B + b], topB = ((L - 1) * B + b) * H;
      const dxin = dxT.subarray(b * I0, b * I0 + I0);
      if (att === 'concat') {
        concatInputBackward(tape, g, b, t, tok, xin, aw, dxin, dAttnOf(b), dhPrev, topB, u, du, dws);
      } else {
        for (let j = 0; j < E; j++) g.embedding[tok * E + j] += dxin[j];
        if (bahdanau) {
          // the context went into the cell input and into feat; one attention read h_top before the step
          const dctx = row(dctxT, b, Dm);
          for (let j = 0; j < Dm; j++) dctx[j] += dxin[E + j];
          attendRowBackward(K!, b, hB, topB, H, aw, b * Sw, dctx, 0, dAttnOf(b), 0, dhPrev, topB, KG!);
        }
      }
    }
    [dh, dhPrev] = [dhPrev, dh];
    [dc, dcPrev] = [dcPrev, dc];
  }
  // the weight products over every row of every step: out·feat, W_ih·x (layer 0: the fed input,
  // above: the new h of the layer below), W_hh·h (the state before the step)
  const rows = steps * B;
  const gradW = (dW: Float64Array, dY: Float32Array | Float64Array, X: Float32Array | Float64Array, out: number, inn: number) => {
    if (!(simd && dY instanceof Float32Array && X instanceof Float32Array && addGradWSimd(dW, dY, X, rows, out, inn))) addGradW(dW, dY, 0, X, 0, rows, out, inn);
  };
  gradW(g.outW, DZ, stepRows(tape.feat, steps, B, Fo, 0, rec), V, Fo);
  P.layers.forEach((ly, l) => {
    const x = l === 0 ? stepRows(tape.xin, steps, B, I0, 0, rec) : stepRows(tape.h.slice(1), steps, B, H, (l - 1) * B * H, rec);
    gradW(g.cells[l].wih, DXP[l], x, GH, ly.I);
    gradW(g.cells[l].whh, DHP[l], stepRows(tape.h, steps, B, H, l * B * H, rec), GH, H);
  });
  initStateBackward(tape, g, dh, dc);
  if (mem && K) {
    keysBackwardInto(tape, g, KG!);
  }
  return { grads: g, ...(tr ? { trace: { layers: tr } } : {}) };
}

/**
 * Rows [steps·B, width] of a per-step record: row t·B + b is arrs[t][off + b·width ..]. The
 * records are views into one buffer per quantity (decodeTrain's slabs), so where the rows of
 * consecutive steps follow each other this is a view; otherwise (a layer of a stacked state) a copy.
 */
function stepRows(arrs: Floats[], steps: number, B: number, width: number, off: number, rec: (n: number) => Float32Array | Float64Array): Float32Array | Float64Array {
  const n = B * width, first = arrs[0], f32 = rec(0) instanceof Float32Array;
  if (steps === 0) return rec(0);
  const contiguous = off === 0 && first.length === n && (first instanceof Float32Array) === f32
    && arrs.slice(0, steps).every((a, t) => a.buffer === first.buffer && a.byteOffset === first.byteOffset + t * n * first.BYTES_PER_ELEMENT);
  if (contiguous) return f32 ? new Float32Array(first.buffer, first.byteOffset, steps * n) : new Float64Array(first.buffer, first.byteOffset, steps * n);
  const out = rec(steps * n);
  for (let t = 0; t < steps; t++) out.set(arrs[t].subarray(off, off + n), t * n);
  return out;
}

/** concat: x = relu(combine·[emb; ctx] + b), ctx = Σ_s w_s·memory_s, w = softmax(attn·[emb; h_top before] + b). */
function concatInputBackward(
  tape: DecodeTape, g: DecodeGrads, b: number, t: number, tok: number, xin: Floats, aw: Floats, dxin: Float64Array, dAttn: ArrayLike<number>,
  dhPrev: Float64Array, topB: number, u: Float64Array, du: Float64Array, dws: Float64Array,
): void {
  const { P, mem } = tape;
  const { E, Dm, Smax } = P;
  const H = P.spec.H;
  const W = P.weights, emb = W.embedding;
  const ED = E + Dm, EH = E + H;
  const Sw = Smax;
  const ctxT = tape.ctx[t], hB = tape.h[t];
  // relu backward into the combine Linear
  const dpre = dxin;
  for (let j = 0; j < H; j++) if (!(xin[b * H + j] > 0)) dpre[j] = 0;
  for (let j = 0; j < E; j++) u[j] = emb[tok * E + j];
  for (let j = 0; j < Dm; j++) u[E + j] = ctxT[b * Dm + j];
  addGradW(g.combW!, dpre, 0, u, 0, 1, H, ED);
  addGradB(g.combB!, dpre, 0, 1, H);
  du.fill(0, 0, ED);
  addGradX(du, 0, dpre, 0, W.combW!, 1, H, ED);
  for (let j = 0; j < E; j++) g.embedding[tok * E + j] += du[j];
  // context and weights: positions s < valid are weighted, memory rows s < S exist
  const valid = mem!.len[b], S = mem!.S, nv = Math.min(valid, S);
  for (let s = 0; s < valid; s++) {
    let gw = dAttn[s];
    if (s < nv) {
      const mo = (b * S + s) * Dm, ws = aw[b * Sw + s];
      for (let j = 0; j < Dm; j++) {
        gw += du[E + j] * mem!.data[mo + j];
        g.memory![mo + j] += ws * du[E + j];
      }
    }
    dws[s] = gw;
  }
  softmaxBackwardInPlace(aw, b * Sw, dws, valid);
  dws.fill(0, valid, Sw);
  for (let j = 0; j < E; j++) u[j] = emb[tok * E + j];
  for (let j = 0; j < H; j++) u[E + j] = hB[topB + j];
  addGradW(g.attnW!, dws, 0, u, 0, 1, Smax, EH);
  addGradB(g.attnB!, dws, 0, 1, Smax);
  du.fill(0, 0, EH);
  addGradX(du, 0, dws, 0, W.attnW!, 1, Smax, EH);
  for (let j = 0; j < E; j++) g.embedding[tok * E + j] += du[j];
  for (let j = 0; j < H; j++) dhPrev[topB + j] += du[E + j];
}

/** The initial state's gradient: to h0/c0, to the vector, or through the bridge tanh(bridge·x + b). */
function initStateBackward(tape: DecodeTape, g: DecodeGrads, dh: Float64Array, dc: Float64Array): void {
  const { P, io, B } = tape;
  const { H, L } = P.spec;
  if (io.h0) g.h0 = dh.slice();
  if (io.c0) g.c0 = dc.slice();
  if (io.h0 || !io.initVec) return;
  const Din = io.Din;
  const dvec = new Float64Array(B * Din);
  if (tape.bridged) {
    const src = tape.bridged, LH = L * H;
    const dpre = new Float64Array(B * LH);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let j = 0; j < H; j++) {
      const s = src[b * LH + l * H + j];
      dpre[b * LH + l * H + j] = dh[(l * B + b) * H + j] * (1 - s * s);
    }
    g.bridgeW = new Float64Array(LH * Din);
    g.bridgeB = new Float64Array(LH);
    addGradW(g.bridgeW, dpre, 0, io.initVec, 0, B, LH, Din);
    addGradB(g.bridgeB, dpre, 0, B, LH);
    addGradX(dvec, 0, dpre, 0, P.weights.bridgeW!, B, LH, Din);
  } else {
    for (let l = 0; l < L; l++) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) dvec[b * H + j] += dh[(l * B + b) * H + j];
  }
  g.initVec = dvec;
}

/** Score rules: the keys' gradient back through their projection, once; values are the memory too. */
function keysBackwardInto(tape: DecodeTape, g: DecodeGrads, KG: KeyGrads): void {
  const { P, io, mem } = tape;
  const K = mem!.keys!;
  const rg = keysBackward(K, io.memory!, mem!.Dm, P.spec.H, P.rule, KG, g.memory!);
  for (let i = 0; i < KG.dv.length; i++) g.memory![i] += KG.dv[i];
  if (rg.W) g.attnW = rg.W;
  if (rg.W_query) g.attnWq = rg.W_query;
  if (rg.W_key) g.attnWk = rg.W_key;
  if (rg.v) g.attnV = rg.v;
}
