// Backpropagation through time on the WebAssembly SIMD kernels: the same contract as bpttLayer
// (recurrent-backward.ts, the TS reference the tests compare against), for activations that a
// SIMD training forward left in the layer's wasm arena (saved.ts).
//
// Why it is laid out this way (the mirror of recurrent-simd.ts):
// - Every array lives in wasm memory in packed row order (saved.ts): the saved gates, the
//   incoming dY (copied in once), the previous states Hprev (copied from the saved h once), the
//   gate gradients dG [P, G·Hp]. So a step's rows are contiguous everywhere.
// - Inside the time loop (steps in reverse processing order): ONE fused gate-gradient kernel call
//   over all running rows (gate-backward-kernels.ts), then ONE gemm, dh_{t−1} = dG_t · W_hh, on
//   W_hh packed in the gemm's panels at the start of backward (a GRU without linear_before_reset
//   has two: d(r⊙h) = dn·W_hn, then dG[r,z]·W_hh[r,z]). No allocation, no copy, no JS per row.
// - After the loop, the input side as big products over all P rows: dW_ih = dGᵀ·X and
//   dW_hh = dGᵀ·Hprev (gemm_tn), biases as column sums, dX = dG·W_ih (the gemm on packed W_ih).
// - Results are copied out once, padding removed: dW, db, dX, dh0, dc0 and the gradient trace.
import type { FArr } from '../../tensor';
import type { BpttResult } from '../recurrent-backward';
import type { LayerSpec, PreparedLayer } from '../recurrent';
import type { SimdLayer } from './recurrent-simd';
import { tnWorkBytes } from './gemm-tn-kernels';
import { sharedScratch } from './pack';
import { simdRuntime, SimdMemoryError, type SimdRuntime } from './runtime';
import { now, trainProfile } from '../../profile';
import { isLive, type SimdSaved } from './saved';
import { runSplit, threadCount, type Emit } from './threads';

export interface SimdBpttArgs {
  layer: PreparedLayer;
  saved: SimdSaved;
  x: Float32Array;
  /** per direction, PyTorch layout: the weights the forward ran with */
  dirs: { w_ih: FArr; w_hh: FArr }[];
  dY?: FArr; dhN?: FArr; dcN?: FArr;
  needX: boolean; needH0: boolean; needC0: boolean;
  gradTrace?: { dh: FArr; dc?: FArr }[];
}

/** W_hh (and W_ih when dX is wanted) packed for the per-step and dX products, per direction */
interface BwdWeights { whh: number[]; whn: number[]; wih: number[] }

/**
 * The variants these kernels differentiate: RNN, LSTM without peepholes, GRU with PyTorch's update
 * gate (either linear_before_reset). MGU, GRU update_gate 'paper' and peephole LSTMs have SIMD
 * forward kernels only; their training forward saves a JS trace and backward runs the TS reference.
 */
export function simdBackwardSupports(spec: LayerSpec): boolean {
  if (spec.cell === 'MGU' || spec.peephole === true) return false;
  return spec.cell !== 'GRU' || (spec.updateGate ?? 'pytorch') === 'pytorch';
}

/** BPTT on the SIMD kernels; null when they cannot run (the caller uses the TS reference). */
export function bpttSimd(a: SimdBpttArgs): BpttResult | null {
  const rt = simdRuntime();
  const sl = (a.layer as PreparedLayer & { simd?: SimdLayer | null }).simd;
  if (rt === null || !sl || !simdBackwardSupports(a.layer.spec) || !isLive(a.saved) || !(a.x instanceof Float32Array)) return null;
  try {
    return run(rt, sl, a);
  } catch (e) {
    if (e instanceof SimdMemoryError) return null;
    throw e;
  }
}

/**
 * W[rows, C] (PyTorch layout, rows in G groups of H) into gemm panels of [K = G·Hp, N = Cp]: row
 * g·H + j goes to k = g·Hp + j, column c to panel c>>3, lane c&7. Padding is 0.
 */
function packRows(rt: SimdRuntime, W: FArr, G: number, H: number, Hp: number, C: number, Cp: number, into: number): number {
  const K = G * Hp;
  const ptr = into !== 0 ? into : rt.alloc(K * Cp * 4);
  const f = rt.f32(), base = ptr >> 2;
  f.fill(0, base, base + K * Cp);
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < H; j++) {
      const src = (g * H + j) * C, k = g * Hp + j;
      for (let c = 0; c < C; c++) f[base + ((c >> 3) * K + k) * 8 + (c & 7)] = W[src + c];
    }
  }
  return ptr;
}

/** pack the backward weights over the layer's blocks (allocated once; re-packed every backward) */
function packWeights(rt: SimdRuntime, sl: SimdLayer, layer: PreparedLayer, dirs: SimdBpttArgs['dirs'], needX: boolean): BwdWeights {
  const { spec, D, G, H, I } = layer;
  const Hp = sl.Hp, Ip = Math.ceil(I / 8) * 8, paper = spec.cell === 'GRU' && !spec.linearBeforeReset;
  const bw = (sl.bwd ??= { whh: [], whn: [], wih: [] }) as BwdWeights;
  const own = (p: number, old: number | undefined) => {
    if (old === undefined || old === 0) sl.ptrs.push(p);
    return p;
  };
  for (let d = 0; d < D; d++) {
    const w = dirs[d];
    if (paper) {
      bw.whh[d] = own(packRows(rt, w.w_hh.subarray(0, 2 * H * H), 2, H, Hp, H, Hp, bw.whh[d] ?? 0), bw.whh[d]);
      bw.whn[d] = own(packRows(rt, w.w_hh.subarray(2 * H * H), 1, H, Hp, H, Hp, bw.whn[d] ?? 0), bw.whn[d]);
    } else bw.whh[d] = own(packRows(rt, w.w_hh, G, H, Hp, H, Hp, bw.whh[d] ?? 0), bw.whh[d]);
    if (needX) bw.wih[d] = own(packRows(rt, w.w_ih, G, H, Hp, I, Ip, bw.wih[d] ?? 0), bw.wih[d]);
  }
  return bw;
}

/** the slot of h among a cell's saved arrays (saved.ts TRACE_NAMES order) */
const H_SLOT: Record<string, number> = { LSTM: 5, GRU: 3, RNN: 1 };

function run(rt: SimdRuntime, sl: SimdLayer, a: SimdBpttArgs): BpttResult {
  const { layer, saved: sv, x, dY, dhN, dcN } = a;
  const { spec, D, G, H, I } = layer;
  const { B, T, P, off, perm, len, S, trs } = sv;
  const Hp = sl.Hp, HB = Hp * 4, GHp = G * Hp, GB = GHp * 4, Ip = Math.ceil(I / 8) * 8, IB = Ip * 4;
  const lstm = spec.cell === 'LSTM', lbr = spec.cell === 'GRU' && spec.linearBeforeReset, paper = spec.cell === 'GRU' && !lbr;
  const a_ = spec.activation, ra = spec.recurrentActivation;

  const prof = trainProfile.t;
  let t0 = now();
  // all allocations first (growing memory detaches views)
  const bw = packWeights(rt, sl, layer, a.dirs, a.needX);
  const sc = sharedScratch(rt);
  // blocks are sized for B·T rows, not this batch's P: ragged batches of one shape never regrow them
  const R = B * T + 1;
  const pDG = sc.get('b.dg', R * GB), pDGh = lbr ? sc.get('b.dgh', R * GB) : pDG;
  const pDY = dY ? sc.get('b.dy', R * HB) : 0, pHP = sc.get('b.hprev', R * HB), pX = sc.get('b.x', R * IB);
  const pDH = sc.get('b.dh', B * HB), pDC = sc.get('b.dc', B * HB), pC0 = sc.get('b.c0', B * HB);
  const pDRH = paper ? sc.get('b.drh', B * HB) : 0;
  const pTDH = a.gradTrace ? sc.get('b.tdh', R * HB) : 0, pTDC = a.gradTrace && lstm ? sc.get('b.tdc', R * HB) : 0;
  const pDW = sc.get('b.dw', GHp * Math.max(Ip, Hp) * 4), pDB = sc.get('b.db', GB), pDBh = sc.get('b.dbh', GB);
  const pDX = a.needX ? sc.get('b.dx', R * IB) : 0;
  // gemm_tn's work block: one per thread
  const nt = threadCount();
  const pWK = Array.from({ length: nt }, (_, t) => sc.get(t === 0 ? 'b.tnw' : `b.tnw${t}`, tnWorkBytes(GHp, Math.max(Ip, Hp))));
  const f = rt.f32(), k = rt.k;
  const lstmK = `lstm_bwd_${a_}_${ra}`, gruK = `gru_bwd_${a_}_${ra}`, znK = `gru_bwd_zn_${a_}_${ra}`;
  const rK = `gru_bwd_r_${ra}`, rnnK = `rnn_bwd_${a_}`;
  const inParallel = (n: number, min: number, weight: ((i: number) => number) | undefined, emitBand: (i0: number, i1: number, emit: Emit, t: number) => void, flops: number) =>
    runSplit(k, n, emitBand, { flops, min, weight });

  const res: BpttResult = { dirs: [] };
  if (a.needX) res.dx = new Float32Array(B * T * I);
  if (a.needH0) res.dh0 = new Float32Array(D * B * H);
  if (a.needC0 && lstm) res.dc0 = new Float32Array(D * B * H);
  const DH = D * H;
  /** (b, t) of packed row q = off[s] + r in direction d */
  const revOnly = D === 1 && spec.reverse === true; // ONNX direction=reverse: the one direction runs right to left
  const tOf = (d: number, s: number, b: number) => (d === 1 || revOnly ? len[b] - 1 - s : s);
  /** rows of a JS [B, T, ·] array into packed rows of wasm memory, padded with zeros */
  const packIn = (d: number, src: FArr, stride: number, at: number, n: number, dst: number, np: number) => {
    if (n !== np) f.fill(0, dst >> 2, (dst >> 2) + P * np);
    for (let s = 0; s < T; s++) {
      for (let q = off[s], r = 0; q < off[s + 1]; q++, r++) {
        const b = perm[r], o = (b * T + tOf(d, s, b)) * stride + at;
        f.set(src.subarray(o, o + n), (dst >> 2) + q * np);
      }
    }
  };
  /** rows of [B, ·] state (direction d, sorted order) into wasm rows of Hp, padded */
  const stateIn = (d: number, src: FArr | undefined, dst: number) => {
    f.fill(0, dst >> 2, (dst >> 2) + B * Hp);
    if (src) for (let i = 0; i < B; i++) f.set(src.subarray((d * B + perm[i]) * H, (d * B + perm[i]) * H + H), (dst >> 2) + i * Hp);
  };

  for (let d = 0; d < D; d++) {
    const tr = sv.arena.ptr + d * S * trs, whh = bw.whh[d];
    stateIn(d, dhN, pDH);
    if (lstm) { stateIn(d, dcN, pDC); stateIn(d, sv.c0, pC0); }
    // Hprev: h0 for step 0, else the saved h of the step before (the running rows are a prefix)
    stateIn(d, sv.h0, pHP);
    const hSaved = (tr + H_SLOT[spec.cell] * trs) >> 2;
    for (let s = 1; s < T; s++) {
      const n = (off[s + 1] - off[s]) * Hp;
      if (n > 0) f.copyWithin((pHP >> 2) + off[s] * Hp, hSaved + off[s - 1] * Hp, hSaved + off[s - 1] * Hp + n);
    }
    if (dY) packIn(d, dY, DH, d * H, H, pDY, Hp);
    packIn(d, x, I, 0, I, pX, Ip);

    let t1 = now();
    prof.bpttSetup += t1 - t0;
    // the time loop: rows never read each other's gradients, so threads split the batch by rows
    const loop = (r0: number, r1: number, emit: Emit) => {
      for (let s = T - 1; s >= 0; s--) {
        const q0 = off[s], nA = Math.min(off[s + 1] - q0, r1);
        if (nA <= r0) continue;
        const n = nA - r0, q = q0 + r0;
        const trq = tr + q * HB, dg = pDG + q * GB, hp = pHP + q * HB, dh = pDH + r0 * HB;
        const dy = dY ? pDY + q * HB : 0, tdh = pTDH !== 0 ? pTDH + q * HB : 0;
        if (lstm) {
          const cprev = s === 0 ? pC0 + r0 * HB : tr + 4 * trs + (off[s - 1] + r0) * HB;
          emit(lstmK, trq, trs, cprev, dh, pDC + r0 * HB, dy, dg, tdh, pTDC !== 0 ? pTDC + q * HB : 0, n, Hp);
          emit('gemm', dg, GB, n, GHp, whh, Hp, 0, dh, HB, 0);
        } else if (lbr) {
          emit(gruK, trq, trs, hp, dh, dy, dg, pDGh + q * GB, tdh, n, Hp);
          emit('gemm', pDGh + q * GB, GB, n, GHp, whh, Hp, 0, dh, HB, 1);
        } else if (paper) {
          emit(znK, trq, trs, hp, dh, dy, dg, tdh, n, Hp);
          emit('gemm', dg + 2 * HB, GB, n, Hp, bw.whn[d], Hp, 0, pDRH + r0 * HB, HB, 0);
          emit(rK, trq, hp, pDRH + r0 * HB, dh, dg, n, Hp);
          emit('gemm', dg, GB, n, 2 * Hp, whh, Hp, 0, dh, HB, 1);
        } else {
          emit(rnnK, trq, trs, dh, dy, dg, tdh, n, Hp);
          emit('gemm', dg, GB, n, Hp, whh, Hp, 0, dh, HB, 0);
        }
      }
    };
    inParallel(B, 1, (i) => len[perm[i]], loop, 2 * P * GHp * Hp);

    t0 = now();
    prof.bpttLoop += t0 - t1;
    const GH = G * H;
    const dw_ih = new Float32Array(GH * I), dw_hh = new Float32Array(GH * H), db_ih = new Float32Array(GH), db_hh = new Float32Array(GH);
    // the input side: one product each over every row of every step; threads take bands of
    // the gradients' rows (gemm_tn: C's rows) — each element is the same sum
    const bandsOf = (m: number, width: number, emitBand: (m0: number, m1: number, t: number, emit: Emit) => void, flops: number) =>
      inParallel(Math.ceil(m / width), 1, undefined, (c0, c1, emit, t) => emitBand(c0 * width, Math.min(m, c1 * width), t, emit), flops);
    bandsOf(GHp, 8, (m0, m1, t, emit) => emit('gemm_tn', pDG + m0 * 4, GB, pX, IB, P, m1 - m0, Ip, pDW + m0 * IB, IB, 0, pWK[t]), 2 * P * GHp * Ip);
    unpadRows(f, pDW, G, H, Hp, I, Ip, dw_ih);
    if (paper) {
      bandsOf(2 * Hp, 8, (m0, m1, t, emit) => emit('gemm_tn', pDG + m0 * 4, GB, pHP, HB, P, m1 - m0, Hp, pDW + m0 * HB, HB, 0, pWK[t]), 4 * P * Hp * Hp);
      bandsOf(Hp, 8, (m0, m1, t, emit) => emit('gemm_tn', pDG + 2 * HB + m0 * 4, GB, tr + 4 * trs, HB, P, m1 - m0, Hp, pDW + (2 * Hp + m0) * HB, HB, 0, pWK[t]), 2 * P * Hp * Hp);
    } else bandsOf(GHp, 8, (m0, m1, t, emit) => emit('gemm_tn', pDGh + m0 * 4, GB, pHP, HB, P, m1 - m0, Hp, pDW + m0 * HB, HB, 0, pWK[t]), 2 * P * GHp * Hp);
    unpadRows(f, pDW, G, H, Hp, H, Hp, dw_hh);
    k.colsum(pDG, GB, P, GHp, pDB, 0); // one add per element: not worth a thread
    unpadRows(f, pDB, G, H, Hp, 1, 1, db_ih);
    if (lbr) {
      k.colsum(pDGh, GB, P, GHp, pDBh, 0);
      unpadRows(f, pDBh, G, H, Hp, 1, 1, db_hh);
    } else db_hh.set(db_ih);
    res.dirs.push({ dw_ih, dw_hh, db_ih, db_hh });

    if (res.dx) {
      // dX = dG · W_ih: bands of rows
      inParallel(P, 4, undefined, (q0, q1, emit) => emit('gemm', pDG + q0 * GB, GB, q1 - q0, GHp, bw.wih[d], Ip, 0, pDX + q0 * IB, IB, 0), 2 * P * GHp * Ip);
      scatter(f, pDX, Ip, I, res.dx, I, 0, d, d > 0);
    }
    const gt = a.gradTrace?.[d];
    if (gt) {
      scatter(f, pTDH, Hp, H, gt.dh, H, 0, d, false);
      if (gt.dc) scatter(f, pTDC, Hp, H, gt.dc, H, 0, d, false);
    }
    for (let i = 0; i < B; i++) {
      const dst = (d * B + perm[i]) * H, row = (pDH >> 2) + i * Hp;
      if (res.dh0) res.dh0.set(f.subarray(row, row + H), dst);
      if (res.dc0) res.dc0.set(f.subarray((pDC >> 2) + i * Hp, (pDC >> 2) + i * Hp + H), dst);
    }
    t1 = now();
    prof.bpttWeights += t1 - t0;
    t0 = t1;
  }
  sv.consumed = true;
  return res;

  /** packed rows of wasm memory (row width np, n used) into a JS [B, T, ·] array (stride, at), set or added */
  function scatter(f: Float32Array, src: number, np: number, n: number, dst: FArr, stride: number, at: number, d: number, add: boolean): void {
    for (let s = 0; s < T; s++) {
      for (let q = off[s], r = 0; q < off[s + 1]; q++, r++) {
        const b = perm[r], o = (b * T + tOf(d, s, b)) * stride + at, from = (src >> 2) + q * np;
        if (add) for (let j = 0; j < n; j++) dst[o + j] += f[from + j];
        else dst.set(f.subarray(from, from + n), o);
      }
    }
  }
}

/** [G·Hp, Cp] in wasm memory to [G·H, C] in JS (rows g·Hp + j → g·H + j, the first C columns) */
function unpadRows(f: Float32Array, src: number, G: number, H: number, Hp: number, C: number, Cp: number, dst: Float32Array): void {
  const base = src >> 2;
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < H; j++) {
      const from = base + (g * Hp + j) * Cp;
      dst.set(f.subarray(from, from + C), (g * H + j) * C);
    }
  }
}
