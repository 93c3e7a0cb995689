// Backpropagation through time for one recurrent layer (RNN / LSTM with or without peepholes /
// GRU, both linear_before_reset and both update-gate conventions / MGU, uni- or bidirectional,
// ragged batches, initial states).
//
// Why it is laid out this way (the mirror image of recurrent.ts):
// - Forward saved every step's gates, c and h (the same arrays the Trace shows). From them, the
//   previous state of every (row, step) is laid out once as Hprev [B·T, H] (and Cprev), so no step
//   needs anything recomputed except, for a GRU with linear_before_reset, W_hn·h + b_hn, which is
//   ONE gemm over all steps before the loop. Peephole gradients are column sums after the loop
//   (dp_i = Σ dĩ ⊙ c_{t−1}, dp_f = Σ df̃ ⊙ c_{t−1}, dp_o = Σ dõ ⊙ c_t over every real step).
// - Inside the time loop (steps in reverse processing order) runs only the cell's elementwise
//   derivative and ONE product per step, dh_{t-1} += dgates_t · W_hh (two for a GRU without
//   linear_before_reset and an MGU, whose r or f multiplies h before W_hn). No allocation: every buffer comes
//   from the Workspace.
// - The gate gradients of every step are kept ([B·T, G·H]), so the input-side gradients are big
//   matrix products after the loop: dX = dG·W_ih, dW_ih = dGᵀ·X, dW_hh = dGᵀ·Hprev, biases as
//   column sums — one gemm each, as PyTorch's cuDNN path does.
// - Ragged batches follow the forward's scheme: rows sorted longest first, so the rows still
//   running at processing step s are a prefix; a row's padded steps are never visited, get no
//   gradient, and its carry starts from d(h_n) at its last real step (packed-sequence semantics).
// - Derivatives come from cells.ts (taken from saved activation outputs); a general layer's
//   (ONNX's other activations, clip, input_forget) from its saved pre-activations, in
//   recurrent-general-backward.ts, inside this same outer loop.
import type { FArr } from '../tensor';
import { allocLike } from '../tensor';
import { dact, dract, actCode, ractCode, act, GATE_COUNT } from './cells';
import { gemmNT, gemmTN, gemmTS, sumRows } from './gemm';
import { sortedRows, Workspace, type LayerSpec, type LayerTrace } from './recurrent';
import type { GeneralCell } from './activations';
import { backGeneral } from './recurrent-general-backward';

export interface BpttArgs {
  spec: Omit<LayerSpec, 'inputSize' | 'hiddenSize'>;
  B: number; T: number; I: number; H: number;
  x: FArr;
  /** per direction, PyTorch layout (p: a peephole LSTM's [3H], i, f, o) */
  dirs: { w_ih: FArr; w_hh: FArr; b_hh: FArr; p?: FArr }[];
  h0?: FArr; c0?: FArr; lengths?: Int32Array;
  /** forward's saved steps, per direction (gates, c, h as [B, T, H]) */
  saved: LayerTrace<FArr>[];
  /** incoming gradients: of Y [B, T, D·H], of h_n and c_n [D, B, H] (absent = 0) */
  dY?: FArr; dhN?: FArr; dcN?: FArr;
  /** which gradients to make */
  needX: boolean; needH0: boolean; needC0: boolean;
  ws: Workspace;
  /** when given: filled with ∂loss/∂h_t (and ∂loss/∂c_t) per direction, [B, T, H] */
  gradTrace?: { dh: FArr; dc?: FArr }[];
}

export interface BpttResult {
  dx?: FArr;
  dirs: { dw_ih: FArr; dw_hh: FArr; db_ih: FArr; db_hh: FArr; dp?: FArr }[];
  dh0?: FArr;
  dc0?: FArr;
}

export interface Loop {
  B: number; T: number; H: number; GH: number; DH: number; yOff: number;
  perm: Int32Array; len: Int32Array; reverse: boolean;
  saved: LayerTrace<FArr>; hp: FArr; cp: FArr; hhn: FArr;
  dY: FArr | null; dh: FArr; dc: FArr; dgs: FArr; dg: FArr; dgh: FArr; drh: FArr; dns: FArr;
  w_hh: FArr; a: number; ra: number;
  tdh: FArr | null; tdc: FArr | null;
  /** peephole LSTM: p [3H] (i, f, o), else null */
  p: FArr | null;
  /** GRU: h' = z n + (1 − z) h (the paper) rather than (1 − z) n + z h */
  paperUpdate: boolean;
  /** a general layer (ONNX activations, clip, input_forget): recurrent-general-backward.ts */
  gen: GeneralCell | null;
}

export function bpttLayer(p: BpttArgs): BpttResult {
  const { spec, B, T, I, H, x, ws } = p;
  const D = p.dirs.length, G = GATE_COUNT[spec.cell], GH = G * H, BT = B * T, DH = D * H;
  const lstm = spec.cell === 'LSTM', lbrGru = spec.cell === 'GRU' && spec.linearBeforeReset, paperGru = spec.cell === 'GRU' && !spec.linearBeforeReset;
  const mgu = spec.cell === 'MGU', peep = lstm && spec.peephole === true;
  // GRU without linear_before_reset and MGU: the candidate's W_hh rows read the gated h (r ⊙ h, f ⊙ h)
  const split = paperGru || mgu, GR = G - 1;
  const { perm, len } = sortedRows(ws, B, T, p.lengths);
  const alloc = (n: number) => allocLike(x, n);
  const res: BpttResult = { dirs: [] };
  if (p.needX) res.dx = alloc(BT * I);
  if (p.needH0) res.dh0 = alloc(D * B * H);
  if (p.needC0 && lstm) res.dc0 = alloc(D * B * H);

  for (let d = 0; d < D; d++) {
    const w = p.dirs[d], sv = p.saved[d], reverse = d === 1 || (D === 1 && spec.reverse === true);
    // previous state of every (row, step): h0 (c0) at a row's first processed step, else the saved step before
    const hp = ws.zeros('bp.hprev', BT * H), cp = lstm ? ws.zeros('bp.cprev', BT * H) : hp;
    for (let b = 0; b < B; b++) {
      const L = len[b], s0 = (d * B + b) * H;
      for (let s = 0; s < L; s++) {
        const t = reverse ? L - 1 - s : s, dst = (b * T + t) * H;
        if (s === 0) {
          if (p.h0) for (let j = 0; j < H; j++) hp[dst + j] = p.h0[s0 + j];
          if (lstm && p.c0) for (let j = 0; j < H; j++) cp[dst + j] = p.c0[s0 + j];
        } else {
          const src = (b * T + (reverse ? t + 1 : t - 1)) * H;
          for (let j = 0; j < H; j++) hp[dst + j] = sv.h[src + j];
          if (lstm) for (let j = 0; j < H; j++) cp[dst + j] = sv.c![src + j];
        }
      }
    }
    // GRU (linear_before_reset): the hidden part of n before r, W_hn·h_{t-1} + b_hn, for every step at once
    const hhn = lbrGru ? ws.f32('bp.hhn', BT * H) : hp;
    if (lbrGru) gemmNT(hp, 0, BT, H, w.w_hh.subarray(2 * H * H, 3 * H * H), H, w.b_hh.subarray(2 * H, 3 * H), hhn, 0);

    const dg = ws.zeros('bp.dg', BT * GH);
    const dgh = lbrGru ? ws.zeros('bp.dgh', BT * GH) : dg;
    const dh = ws.f32('bp.dh', B * H), dc = ws.f32('bp.dc', B * H);
    for (let r = 0; r < B; r++) {
      const src = (d * B + perm[r]) * H;
      for (let j = 0; j < H; j++) {
        dh[r * H + j] = p.dhN ? p.dhN[src + j] : 0;
        dc[r * H + j] = p.dcN ? p.dcN[src + j] : 0;
      }
    }
    const gt = p.gradTrace?.[d];
    const lp: Loop = {
      B, T, H, GH, DH, yOff: d * H, perm, len, reverse, saved: sv, hp, cp, hhn,
      dY: p.dY ?? null, dh, dc, dg, dgh,
      dgs: ws.f32('bp.dgs', B * GH), drh: ws.f32('bp.drh', B * H), dns: ws.f32('bp.dns', B * H),
      w_hh: w.w_hh, a: actCode(spec.activation), ra: ractCode(spec.recurrentActivation),
      tdh: gt?.dh ?? null, tdc: gt?.dc ?? null,
      p: peep ? w.p! : null, paperUpdate: spec.cell === 'GRU' && spec.updateGate === 'paper', gen: spec.general ?? null,
    };
    if (peep && (!w.p || w.p.length !== 3 * H)) throw new Error(`bptt: a peephole LSTM needs p [${3 * H}] per direction`);
    if (lp.gen !== null) backGeneral(spec.cell, lbrGru, lp);
    else if (lstm) backLSTM(lp);
    else if (lbrGru) backGRU(lp);
    else if (paperGru) backGRUPaper(lp);
    else if (mgu) backMGU(lp);
    else backRNN(lp);

    // after the loop: the input side and the weights, one product each over all steps
    if (res.dx) gemmTS(dg, 0, BT, GH, w.w_ih, I, null, res.dx, 0, d > 0);
    const dw_ih = alloc(GH * I), dw_hh = alloc(GH * H), db_ih = alloc(GH), db_hh = alloc(GH);
    gemmTN(dg, 0, BT, GH, GH, x, 0, I, dw_ih);
    sumRows(dg, 0, BT, GH, GH, db_ih);
    if (split) {
      // the gates (GRU r, z; MGU f) read h_{t-1}; the candidate reads r ⊙ h_{t-1} (MGU: f ⊙ h_{t-1})
      gemmTN(dg, 0, BT, GR * H, GH, hp, 0, H, dw_hh.subarray(0, GR * H * H));
      const rh = ws.f32('bp.rh', BT * H), rg = mgu ? sv.gates.f : sv.gates.r;
      for (let i = 0; i < BT * H; i++) rh[i] = rg[i] * hp[i];
      gemmTN(dg, GR * H, BT, H, GH, rh, 0, H, dw_hh.subarray(GR * H * H));
    } else gemmTN(dgh, 0, BT, GH, GH, hp, 0, H, dw_hh);
    sumRows(dgh, 0, BT, GH, GH, db_hh);
    const dirGrads: BpttResult['dirs'][number] = { dw_ih, dw_hh, db_ih, db_hh };
    if (peep) {
      // p_i and p_f scale c_{t−1}, p_o scales c_t; padded steps have dg = 0
      const dp = alloc(3 * H), cs = sv.c!;
      for (let bt = 0; bt < BT; bt++) {
        const gb = bt * GH, o = bt * H;
        for (let j = 0; j < H; j++) {
          dp[j] += dg[gb + j] * cp[o + j];
          dp[H + j] += dg[gb + H + j] * cp[o + j];
          dp[2 * H + j] += dg[gb + 3 * H + j] * cs[o + j];
        }
      }
      dirGrads.dp = dp;
    }
    res.dirs.push(dirGrads);
    for (let r = 0; r < B; r++) {
      const dst = (d * B + perm[r]) * H;
      for (let j = 0; j < H; j++) {
        if (res.dh0) res.dh0[dst + j] = dh[r * H + j];
        if (res.dc0) res.dc0[dst + j] = dc[r * H + j];
      }
    }
  }
  return res;
}

/** rows (a prefix of perm) still running at processing step s: len > s */
export function grow(perm: Int32Array, len: Int32Array, B: number, nA: number, s: number): number {
  while (nA < B && len[perm[nA]] > s) nA++;
  return nA;
}

function backLSTM(l: Loop): void {
  const { B, T, H, GH, DH, yOff, perm, len, reverse, saved, cp, dY, dh, dc, dgs, dg, w_hh, a, ra, tdh, tdc, p } = l;
  const gi = saved.gates.i, gf = saved.gates.f, gg = saved.gates.g, go = saved.gates.o, cs = saved.c!;
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff, go_ = r * GH, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const i = gi[to + j], f = gf[to + j], g = gg[to + j], o = go[to + j];
        const tc = act(cs[to + j], a);
        const dov = dhv * tc * dract(o, ra);
        let dcv = dc[so + j] + dhv * o * dact(tc, a);
        if (p !== null) dcv += dov * p[2 * H + j]; // o's peephole reads c_t
        const di = dcv * g * dract(i, ra), df = dcv * cp[to + j] * dract(f, ra);
        const dgv = dcv * i * dact(g, a);
        // c_{t−1} reaches c_t through f, and i and f through their peepholes
        dc[so + j] = p !== null ? dcv * f + di * p[j] + df * p[H + j] : dcv * f;
        dgs[go_ + j] = di; dgs[go_ + H + j] = df; dgs[go_ + 2 * H + j] = dgv; dgs[go_ + 3 * H + j] = dov;
        dg[gb + j] = di; dg[gb + H + j] = df; dg[gb + 2 * H + j] = dgv; dg[gb + 3 * H + j] = dov;
        if (tdh !== null) { tdh[to + j] = dhv; tdc![to + j] = dcv; }
      }
    }
    gemmTS(dgs, 0, nA, GH, w_hh, H, null, dh, 0);
  }
}

/** GRU, linear_before_reset: n = act(x_n + r ⊙ (W_hn h + b_hn)); h' = (1 − z) n + z h */
function backGRU(l: Loop): void {
  const { B, T, H, GH, DH, yOff, perm, len, reverse, saved, hp, hhn, dY, dh, dgs, dg, dgh, w_hh, a, ra, tdh, paperUpdate } = l;
  const gr = saved.gates.r, gz = saved.gates.z, gn = saved.gates.n;
  const zs = paperUpdate ? -1 : 1; // d h' / d z = zs · (h − n)
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff, go_ = r * GH, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const rg = gr[to + j], z = gz[to + j], n = gn[to + j];
        const keep = paperUpdate ? 1 - z : z; // the share of the old h
        const dz = zs * dhv * (hp[to + j] - n) * dract(z, ra);
        const dn = dhv * (1 - keep) * dact(n, a);
        const dr = dn * hhn[to + j] * dract(rg, ra);
        dh[so + j] = dhv * keep; // the direct path; the product below adds the rest
        dgs[go_ + j] = dr; dgs[go_ + H + j] = dz; dgs[go_ + 2 * H + j] = dn * rg;
        dg[gb + j] = dr; dg[gb + H + j] = dz; dg[gb + 2 * H + j] = dn;
        dgh[gb + j] = dr; dgh[gb + H + j] = dz; dgh[gb + 2 * H + j] = dn * rg;
        if (tdh !== null) tdh[to + j] = dhv;
      }
    }
    gemmTS(dgs, 0, nA, GH, w_hh, H, null, dh, 0, true);
  }
}

/** GRU, linear_before_reset = false: n = act(x_n + W_hn (r ⊙ h) + b_hn) */
function backGRUPaper(l: Loop): void {
  const { B, T, H, GH, DH, yOff, perm, len, reverse, saved, hp, dY, dh, dgs, dg, drh, dns, w_hh, a, ra, tdh, paperUpdate } = l;
  const gr = saved.gates.r, gz = saved.gates.z, gn = saved.gates.n;
  const w_rz = w_hh.subarray(0, 2 * H * H), w_hn = w_hh.subarray(2 * H * H, 3 * H * H);
  const H2 = 2 * H, zs = paperUpdate ? -1 : 1;
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const z = gz[to + j], n = gn[to + j];
        const keep = paperUpdate ? 1 - z : z;
        const dz = zs * dhv * (hp[to + j] - n) * dract(z, ra);
        const dn = dhv * (1 - keep) * dact(n, a);
        dh[so + j] = dhv * keep;
        dns[so + j] = dn;
        dgs[r * H2 + H + j] = dz;
        dg[gb + H + j] = dz; dg[gb + 2 * H + j] = dn;
        if (tdh !== null) tdh[to + j] = dhv;
      }
    }
    // d(r ⊙ h) = dn · W_hn
    gemmTS(dns, 0, nA, H, w_hn, H, null, drh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const rg = gr[to + j], d = drh[so + j];
        const dr = d * hp[to + j] * dract(rg, ra);
        dh[so + j] += d * rg;
        dgs[r * H2 + j] = dr;
        dg[gb + j] = dr;
      }
    }
    gemmTS(dgs, 0, nA, H2, w_rz, H, null, dh, 0, true);
  }
}

/** MGU: f = ract(x_f + U_f h + b); n = act(x_n + U_n (f ⊙ h) + b); h' = (1 − f) h + f n */
function backMGU(l: Loop): void {
  const { B, T, H, GH, DH, yOff, perm, len, reverse, saved, hp, dY, dh, dgs, dg, drh, dns, w_hh, a, ra, tdh } = l;
  const gf = saved.gates.f, gn = saved.gates.n;
  const w_f = w_hh.subarray(0, H * H), w_hn = w_hh.subarray(H * H, 2 * H * H);
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const f = gf[to + j], n = gn[to + j];
        const dn = dhv * f * dact(n, a);
        dgs[so + j] = dhv * (n - hp[to + j]); // d h' / d f through the mix; the f ⊙ h path comes below
        dh[so + j] = dhv * (1 - f);
        dns[so + j] = dn;
        dg[gb + H + j] = dn;
        if (tdh !== null) tdh[to + j] = dhv;
      }
    }
    // d(f ⊙ h) = dn · U_n
    gemmTS(dns, 0, nA, H, w_hn, H, null, drh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const f = gf[to + j], d = drh[so + j];
        const df = (dgs[so + j] + d * hp[to + j]) * dract(f, ra);
        dh[so + j] += d * f;
        dgs[so + j] = df;
        dg[gb + j] = df;
      }
    }
    gemmTS(dgs, 0, nA, H, w_f, H, null, dh, 0, true);
  }
}

function backRNN(l: Loop): void {
  const { B, T, H, DH, yOff, perm, len, reverse, saved, dY, dh, dgs, dg, w_hh, a, tdh } = l;
  const hs = saved.h;
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const da = dhv * dact(hs[to + j], a);
        dgs[so + j] = da;
        dg[to + j] = da;
        if (tdh !== null) tdh[to + j] = dhv;
      }
    }
    gemmTS(dgs, 0, nA, H, w_hh, H, null, dh, 0);
  }
}
