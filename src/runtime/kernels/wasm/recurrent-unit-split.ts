// The unit split: how a recurrent layer with a small batch runs on several threads (unitSlices
// says when; otherwise recurrent-simd.ts splits by rows). Each thread owns a slice of the hidden
// units at every step: its panels of each gate's product, then its units' gate kernel, with two
// barriers per step.
//
// Why it is laid out this way:
// - The whole layer is one set of call lists (threads.ts): the projection's bands first, as a
//   shared block the threads take from as they come (a worker's wake-up takes ~0.1 ms here),
//   then the steps. Each worker gets one message per layer run.
// - The lists of a layer's last run are kept and reused by a run of the same shape at the same
//   scratch addresses: recording 128 steps' calls cost ~0.25 ms, a tenth of such a run.
import { callLists, listsRunnable, splitRanges, threadTuning, type CallList, type Emit } from './threads';
import type { Plan, SimdLayer } from './recurrent-simd';

/**
 * Hidden-unit slices (multiples of 8, in padded units) for the unit split, or null when the
 * layer splits by rows instead. Rows are the better split whenever there are enough of them
 * (no barriers, full-width products); a small batch cannot keep threads busy by rows, but
 * every step streams all of W_hh, which slices share out. Only the cells with one product per
 * step have kernels that run a slice (not GRU without linear_before_reset, MGU, peepholes).
 */
export function unitSlices(p: Plan, nt: number, flops: number): number[] | null {
  const { layer, sl, B } = p;
  if (nt < 2 || B >= 4 * nt || sl.kernel2 !== '' || layer.spec.peephole === true || flops < threadTuning.minFlops) return null;
  if (2 * B * layer.G * sl.Hp * sl.Hp < threadTuning.minStepFlops) return null;
  const blocks = sl.Hp / 8;
  const parts = Math.min(nt, Math.floor(blocks / 2)); // at least 16 units per thread
  if (parts < 2) return null;
  return splitRanges(blocks, parts).map((b) => b * 8);
}

/**
 * The unit split's call lists for this run: recorded (a thousand calls and barriers for 128
 * steps, ~0.25 ms, a tenth of such a run) or, when the layer's last run had the same shape at the
 * same addresses (the scratch is reused, so repeated runs of one shape do), that run's lists.
 */
export function unitLists(p: Plan, slices: number[]): CallList[] {
  const key = [slices.join(), p.sl.wih, p.sl.bx, p.sl.whh.join(), p.sl.bh.join(), p.B, p.T, p.pX, p.pXP, p.pY, p.pH, p.pC, p.pHH, p.pTR, p.trs, p.perm.join(), p.len.join(), p.save ? p.save.off.join() : ''].join(';');
  const cached = lastLists.get(p.sl);
  if (cached && cached.key === key && listsRunnable(cached.lists)) return cached.lists;
  const lists = callLists(slices.length - 1);
  // first the projection of every step, in bands of rows that the threads take as they come
  // (a shared block): a worker's wake-up takes ~0.1 ms here, which the calling thread spends on
  // bands instead of waiting at the barrier. One message per thread for the whole layer.
  const { sl, layer, B, T, pX, pXP } = p, BT = B * T, I = layer.I, ldxp = layer.D * layer.G * sl.Hp;
  const bands = splitRanges(BT, Math.max(2 * lists.length, Math.min(64, Math.round(BT / PROJECTION_BAND))), 6);
  const calls = bands.slice(1).map((end, t): [string, ...number[]] => ['gemm', pX + bands[t] * I * 4, I * 4, end - bands[t], I, sl.wih, ldxp, sl.bx, pXP + bands[t] * ldxp * 4, ldxp * 4, 0]);
  lists.forEach((l) => {
    l.shared(0, calls);
    l.barrier(lists.length);
  });
  lists.forEach((l, t) => unitStepCalls(p, slices[t], slices[t + 1], (name, ...args) => l.call(name, ...args), () => l.barrier(lists.length)));
  lastLists.set(p.sl, { key, lists });
  return lists;
}

/** rows per band of the unit split's projection: 12 rows of I = 128 take ~65 µs of gemm, two
 *  6-row tiles; a band is the most that a thread can finish after the other */
const PROJECTION_BAND = 12;

const lastLists = new WeakMap<SimdLayer, { key: string; lists: CallList[] }>();

/**
 * One thread's calls for units [u0, u1) of every step, all rows, both directions: its columns of
 * each gate's product (the packed panels are 8 columns wide, so a slice is a range of panels),
 * a barrier (h is about to be overwritten), the gate kernel on its units, a barrier (h_t is
 * complete). The input projection is done before.
 */
function unitStepCalls(p: Plan, u0: number, u1: number, emit: Emit, barrier: () => void): void {
  const { sl, layer, B, T, perm, len, save, pXP, pY, pHH, pTR, trs } = p;
  const { spec, D, G } = layer;
  const { Hp, nRec } = sl;
  const GHp = G * Hp, ldxp = D * GHp, DHp = D * Hp, HB = Hp * 4, U = u0 * 4, n = u1 - u0;
  const isLSTM = spec.cell === 'LSTM', S = p.S, keep = pTR !== 0;
  for (let d = 0; d < D; d++) {
    const reverse = d === 1 || (D === 1 && spec.reverse === true);
    const pH = p.pH + d * B * HB, pC = p.pC + d * B * HB;
    const trD = keep ? pTR + d * S * trs : 0;
    const xOff = d * GHp * 4, yOff = d * HB;
    let nA = B;
    for (let s = 0; s < T; s++) {
      while (nA > 0 && len[perm[nA - 1]] <= s) nA--;
      if (nA === 0) break;
      const q0 = save ? save.off[s] : 0;
      for (let g = 0; g < G; g++) {
        const col = g * Hp + u0;
        emit('gemm', pH, HB, nA, Hp, sl.whh[d] + (col >> 3) * Hp * 32, n, sl.bh[d] ? sl.bh[d] + col * 4 : 0, pHH + col * 4, nRec * 4, 0);
      }
      barrier();
      for (let r = 0; r < nA; r++) {
        const b = perm[r], bt = b * T + (reverse ? len[b] - 1 - s : s);
        const xp = pXP + bt * ldxp * 4 + xOff + U, hh = pHH + r * nRec * 4 + U, y = pY + bt * DHp * 4 + yOff + U;
        const tr = keep ? trD + (save ? q0 + r : bt) * HB + U : 0;
        if (isLSTM) emit(sl.kernel, xp, hh, pC + r * HB + U, pH + r * HB + U, y, tr, trs, Hp, 0, n);
        else emit(sl.kernel, xp, hh, pH + r * HB + U, y, tr, trs, Hp, n);
      }
      barrier();
    }
  }
}
