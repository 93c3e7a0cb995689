// The recurrent time loop on the WebAssembly SIMD kernels: same contract as runLayer's TS loop
// (recurrent.ts), which stays the reference the tests compare against.
//
// Why it is laid out this way:
// - prepareSimdLayer() runs once per layer (at prepare time): it pads the hidden size to Hp, a
//   multiple of 8, and packs W_ih^T (all directions side by side), W_hh^T and W_hn^T into the
//   gemm's 8-column panels inside wasm memory, with the folded biases padded alike. Padded units
//   get zero weights and bias, so they stay exactly 0 (see gate-kernels.ts). A GRU without
//   linear_before_reset and an MGU (whose gate multiplies h before the candidate's product) run
//   two kernels per row around a second gemm; LSTM peepholes are packed like a bias ([3, Hp]).
// - Per run, everything the loop touches lives in wasm memory, in scratch buffers reused across
//   runs (pack.ts): the input is copied in once, the projection of every timestep and direction
//   is ONE gemm, and each step is one gemm over the rows still running plus one fused gate-kernel
//   call per row. Results are copied out once at the end (a single slice when H is already a
//   multiple of 8).
// - Ragged batches use the TS loop's scheme: rows sorted longest first (perm/len come from the
//   caller), so the running rows are a prefix and the recurrent gemm shrinks with it.
// - Traces are written by the gate kernels straight into wasm-resident [B, T, Hp] arrays, then
//   copied out with the results: recording costs stores and one copy, not a second pass.
import type { LayerResult, LayerTrace, PreparedLayer } from '../recurrent';
import { packBias, packPanels, registry, sharedScratch } from './pack';
import { simdRuntime, SimdMemoryError, type SimdRuntime } from './runtime';

/** Packed weights of one layer in wasm memory (byte addresses). */
interface SimdLayer {
  Hp: number;
  wih: number;
  bx: number;
  /** per direction: W_hh^T panels, their width (G*Hp, or (G-1)*Hp for GRU lbr=false and MGU), bias or 0 */
  whh: number[];
  nRec: number;
  bh: number[];
  /** GRU lbr=false, MGU: per direction W_hn^T panels [Hp, Hp] */
  whn: number[];
  /** peephole LSTM: per direction p packed [3, Hp] */
  peep: number[];
  kernel: string;
  kernel2: string;
}

const TRACE_NAMES: Record<string, string[]> = { LSTM: ['i', 'f', 'g', 'o', 'c', 'h'], GRU: ['r', 'z', 'n', 'h'], RNN: ['a', 'h'], MGU: ['f', 'n', 'h'] };

type WithSimd = PreparedLayer & { simd?: SimdLayer | null };

/** Pack a prepared layer's weights for the SIMD kernels (once; later calls return the same). */
export function prepareSimdLayer(layer: PreparedLayer): SimdLayer | null {
  const L = layer as WithSimd;
  if (L.simd !== undefined) return L.simd;
  const rt = simdRuntime();
  if (rt === null) return null;
  const ptrs: number[] = [];
  try {
    const sl = pack(rt, layer, null, ptrs);
    L.simd = sl;
    registry?.register(layer, { rt, ptrs });
    return sl;
  } catch (e) {
    ptrs.forEach((p) => rt.free(p));
    if (e instanceof SimdMemoryError) { L.simd = null; return null; }
    throw e;
  }
}

/**
 * The layer's weights were re-derived in place (an optimiser step, markWeightsChanged): re-pack
 * them over the same wasm blocks, so a training loop never grows wasm memory.
 */
export function refreshSimdLayer(layer: PreparedLayer): void {
  const sl = (layer as WithSimd).simd;
  const rt = simdRuntime();
  if (sl && rt) pack(rt, layer, sl, []);
}

/** packs the layer's panels and biases, into `into`'s blocks when given (same shapes) */
function pack(rt: SimdRuntime, layer: PreparedLayer, into: SimdLayer | null, ptrs: number[]): SimdLayer {
  const { spec, D, G, H, I } = layer;
  const Hp = Math.ceil(H / 8) * 8;
  // the candidate's rows of W_hh read a gated h: GRU without linear_before_reset (r*h), MGU (f*h)
  const split = (spec.cell === 'GRU' && !spec.linearBeforeReset) || spec.cell === 'MGU';
  const nGate = split ? G - 1 : G;
  const keep = (p: number) => { if (p !== 0) ptrs.push(p); return p; };
  const sl: SimdLayer = {
    Hp,
    wih: keep(packPanels(rt, layer.wihT, I, D * G * H, I, H, Hp, into?.wih ?? 0)),
    bx: keep(packBias(rt, layer.bx, H, Hp, into?.bx ?? 0)),
    whh: [], nRec: nGate * Hp, bh: [], whn: [], peep: [],
    kernel: '', kernel2: '',
  };
  for (let d = 0; d < D; d++) {
    sl.whh.push(keep(packPanels(rt, layer.whhT[d], H, nGate * H, Hp, H, Hp, into?.whh[d] ?? 0)));
    sl.bh.push(keep(packBias(rt, layer.bh[d], H, Hp, into?.bh[d] ?? 0)));
    if (split) sl.whn.push(keep(packPanels(rt, layer.whnT[d], H, H, Hp, H, Hp, into?.whn[d] ?? 0)));
    if (spec.peephole) sl.peep.push(keep(packBias(rt, layer.peep[d], H, Hp, into?.peep[d] ?? 0)));
  }
  const a = spec.activation, ra = spec.recurrentActivation, paper = spec.updateGate === 'paper' ? '_paper' : '';
  if (spec.cell === 'LSTM') sl.kernel = `${spec.peephole ? 'lstmp' : 'lstm'}_${a}_${ra}`;
  else if (spec.cell === 'RNN') sl.kernel = `rnn_${a}`;
  else if (spec.cell === 'MGU') { sl.kernel = `mgu_f_${ra}`; sl.kernel2 = `mgu_n_${a}`; }
  else if (split) { sl.kernel = `gru_rz_${ra}`; sl.kernel2 = `gru_n_${a}${paper}`; }
  else sl.kernel = `gru_${a}_${ra}${paper}`;
  return sl;
}

export interface SimdRunArgs {
  layer: PreparedLayer; x: Float32Array; B: number; T: number;
  /** rows ordered longest first and the lengths (as runLayer computes them) */
  perm: Int32Array; len: Int32Array; ragged: boolean;
  h0?: Float32Array; c0?: Float32Array; trace: boolean;
}

/** runLayer on the SIMD kernels; null when they are unavailable (the caller runs the TS loop). */
export function runLayerSimd(a: SimdRunArgs): LayerResult | null {
  const rt = simdRuntime();
  const sl = prepareSimdLayer(a.layer);
  if (rt === null || sl === null) return null;
  try {
    return run(rt, sl, a);
  } catch (e) {
    if (e instanceof SimdMemoryError) return null;
    throw e;
  }
}

function run(rt: SimdRuntime, sl: SimdLayer, a: SimdRunArgs): LayerResult {
  const { layer, x, B, T, perm, len, ragged, h0, c0, trace } = a;
  const { spec, D, G, H, I } = layer;
  const { Hp, nRec } = sl;
  const GHp = G * Hp, ldxp = D * GHp, DHp = D * Hp, BT = B * T, HB = Hp * 4;
  const isLSTM = spec.cell === 'LSTM', paper = sl.kernel2 !== '', xn = (G - 1) * HB; // paper: two kernels; xn: the candidate's offset
  const names = TRACE_NAMES[spec.cell];
  const trN = BT * Hp; // floats per trace array

  // all allocations first: growing memory detaches earlier views
  const sc = sharedScratch(rt);
  const pX = sc.get('x', BT * I * 4), pXP = sc.get('xp', BT * ldxp * 4), pY = sc.get('y', BT * DHp * 4);
  const pH = sc.get('h', B * HB), pC = sc.get('c', B * HB), pHH = sc.get('hh', B * nRec * 4);
  const pRH = paper ? sc.get('rh', B * HB) : 0, pZ = paper ? sc.get('z', B * HB) : 0, pHN = paper ? sc.get('hn', B * HB) : 0;
  const pTR = trace ? sc.get('trace', D * names.length * trN * 4) : 0;
  const f = rt.f32();
  const k = rt.k, gemm = k.gemm, gate = k[sl.kernel], gate2 = paper ? k[sl.kernel2] : null;

  f.set(x, pX >> 2);
  gemm(pX, I * 4, BT, I, sl.wih, ldxp, sl.bx, pXP, ldxp * 4);
  // steps past a row's length are never written: they must read as 0 (outputs and trace)
  if (ragged) {
    f.fill(0, pY >> 2, (pY >> 2) + BT * DHp);
    if (trace) f.fill(0, pTR >> 2, (pTR >> 2) + D * names.length * trN);
  }

  const hN = new Float32Array(D * B * H);
  const cN = isLSTM ? new Float32Array(D * B * H) : undefined;
  for (let d = 0; d < D; d++) {
    const reverse = d === 1 || (D === 1 && layer.spec.reverse === true);
    // initial state in sorted row order; padded lanes must be 0 (they multiply zero weights)
    for (let i = 0; i < B; i++) {
      const src = (d * B + perm[i]) * H, hRow = (pH >> 2) + i * Hp, cRow = (pC >> 2) + i * Hp;
      if (h0 !== undefined) f.set(h0.subarray(src, src + H), hRow); else f.fill(0, hRow, hRow + H);
      f.fill(0, hRow + H, hRow + Hp);
      if (isLSTM) {
        if (c0 !== undefined) f.set(c0.subarray(src, src + H), cRow); else f.fill(0, cRow, cRow + H);
        f.fill(0, cRow + H, cRow + Hp);
      }
    }
    const trD = trace ? pTR + d * names.length * trN * 4 : 0, trs = trN * 4;
    const xOff = d * GHp * 4, yOff = d * HB, peep = sl.peep[d] ?? 0;
    let nA = B;
    for (let s = 0; s < T; s++) {
      while (nA > 0 && len[perm[nA - 1]] <= s) nA--;
      if (nA === 0) break;
      gemm(pH, HB, nA, Hp, sl.whh[d], nRec, sl.bh[d], pHH, nRec * 4);
      if (paper) {
        for (let r = 0; r < nA; r++) {
          const b = perm[r], bt = b * T + (reverse ? len[b] - 1 - s : s);
          gate(pXP + bt * ldxp * 4 + xOff, pHH + r * nRec * 4, pH + r * HB, pRH + r * HB, pZ + r * HB,
            trace ? trD + bt * HB : 0, trs, Hp);
        }
        gemm(pRH, HB, nA, Hp, sl.whn[d], Hp, 0, pHN, HB);
        for (let r = 0; r < nA; r++) {
          const b = perm[r], bt = b * T + (reverse ? len[b] - 1 - s : s);
          gate2!(pXP + bt * ldxp * 4 + xOff + xn, pHN + r * HB, pH + r * HB, pZ + r * HB, pY + bt * DHp * 4 + yOff,
            trace ? trD + bt * HB : 0, trs, Hp);
        }
      } else {
        for (let r = 0; r < nA; r++) {
          const b = perm[r], bt = b * T + (reverse ? len[b] - 1 - s : s);
          const xp = pXP + bt * ldxp * 4 + xOff, hh = pHH + r * nRec * 4, y = pY + bt * DHp * 4 + yOff;
          const tr = trace ? trD + bt * HB : 0;
          if (isLSTM) gate(xp, hh, pC + r * HB, pH + r * HB, y, tr, trs, Hp, peep);
          else gate(xp, hh, pH + r * HB, y, tr, trs, Hp);
        }
      }
    }
    // final state (rows stop updating after their last step)
    for (let i = 0; i < B; i++) {
      const dst = (d * B + perm[i]) * H, hRow = (pH >> 2) + i * Hp;
      hN.set(f.subarray(hRow, hRow + H), dst);
      if (cN !== undefined) cN.set(f.subarray((pC >> 2) + i * Hp, (pC >> 2) + i * Hp + H), dst);
    }
  }

  const res: LayerResult = { y: unpad(f, pY >> 2, BT * D, H, Hp), hN };
  if (cN !== undefined) res.cN = cN;
  if (trace) {
    // every trace array of the layer in one allocation (many small ArrayBuffers cost more than
    // the copy for small layers), each a separate [B, T, H] view
    const all = new Float32Array(D * names.length * BT * H);
    const arr = (d: number, n: number) => {
      const k = d * names.length + n;
      return unpadInto(f, (pTR >> 2) + k * trN, BT, H, Hp, all.subarray(k * BT * H, (k + 1) * BT * H));
    };
    res.trace = [];
    for (let d = 0; d < D; d++) {
      const t: LayerTrace = { h: arr(d, names.length - 1), gates: {} };
      if (isLSTM) t.c = arr(d, 4);
      for (let n = 0; n < (isLSTM ? 4 : names.length - 1); n++) t.gates[names[n]] = arr(d, n);
      res.trace.push(t);
    }
  }
  return res;
}

/** rows x H floats out of rows x Hp floats at `base` (one slice when there is no padding) */
function unpad(f: Float32Array, base: number, rows: number, H: number, Hp: number): Float32Array {
  if (H === Hp) return f.slice(base, base + rows * H);
  return unpadInto(f, base, rows, H, Hp, new Float32Array(rows * H));
}

function unpadInto(f: Float32Array, base: number, rows: number, H: number, Hp: number, out: Float32Array): Float32Array {
  if (H === Hp) out.set(f.subarray(base, base + rows * H));
  else for (let r = 0; r < rows; r++) out.set(f.subarray(base + r * Hp, base + r * Hp + H), r * H);
  return out;
}
