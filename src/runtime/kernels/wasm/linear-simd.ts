// Linear's backward on the WebAssembly SIMD kernels (Y = X·Wᵀ + b; X [M, K], W [N, K]):
//   dX = dY·W       the gemm, with W packed into its panels for this call
//   dW = dYᵀ·X      gemm_tn over all M rows
//   db = Σ_rows dY  colsum
// Same contract as the TS reference in basic.ts, which runs where this cannot (float64, small
// products, no wasm memory). Why per call: W changes every optimiser step, and packing it (N·K
// floats) is small next to the M·N·K products; dY and X are copied in once, rows padded to
// multiples of 8 as the kernels need.
import { fdata, type FArr } from '../../tensor';
import type { InputGrads, KernelEntry } from '../types';
import { tnWorkBytes } from './gemm-tn-kernels';
import { packPanels, sharedScratch } from './pack';
import { simdRuntime, SimdMemoryError } from './runtime';
import { runSplit, threadCount } from './threads';

/** smallest M·N·K sent to the SIMD kernels (below it the copies cost more than they save) */
const MIN_WORK = 32768;

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** rows of src [M, n] into wasm rows of np floats (zero padding) */
function rowsIn(f: Float32Array, src: Float32Array, M: number, n: number, np: number, dst: number): void {
  const base = dst >> 2;
  if (n === np) {
    f.set(src.subarray(0, M * n), base);
    return;
  }
  for (let m = 0; m < M; m++) {
    f.set(src.subarray(m * n, m * n + n), base + m * np);
    f.fill(0, base + m * np + n, base + m * np + np);
  }
}

function rowsOut(f: Float32Array, src: number, M: number, n: number, np: number, dst: Float32Array): Float32Array {
  const base = src >> 2;
  if (n === np) dst.set(f.subarray(base, base + M * n));
  else for (let m = 0; m < M; m++) dst.set(f.subarray(base + m * np, base + m * np + n), m * n);
  return dst;
}

/** the gradients, or null when the SIMD kernels should not or cannot run */
export function linearBackwardSimd(X: FArr, W: FArr, dY: FArr, M: number, K: number, N: number, need: boolean[]): InputGrads | null {
  if (!(X instanceof Float32Array && W instanceof Float32Array && dY instanceof Float32Array) || M * N * K < MIN_WORK) return null;
  const rt = simdRuntime();
  if (rt === null) return null;
  const Kp = pad8(K), Np = pad8(N);
  try {
    const sc = sharedScratch(rt);
    const pG = sc.get('l.dy', M * Np * 4), pX = need[1] ? sc.get('l.x', M * Kp * 4) : 0;
    const pW = need[0] ? sc.get('l.w', Np * Kp * 4) : 0, pDX = need[0] ? sc.get('l.dx', M * Kp * 4) : 0;
    // gemm_tn's work block: one per thread
    const pDW = need[1] ? sc.get('l.dw', N * Kp * 4) : 0;
    const pWK = need[1] ? Array.from({ length: threadCount() }, (_, t) => sc.get(t === 0 ? 'l.tnw' : `l.tnw${t}`, tnWorkBytes(N, Kp))) : [];
    const pDB = need[2] ? sc.get('l.db', Np * 4) : 0;
    if (need[0]) packPanels(rt, W, N, K, Np, K, Kp, pW); // W [N, K] as the gemm's [K = N (padded), Kp] panels
    const f = rt.f32(), k = rt.k;
    rowsIn(f, dY, M, N, Np, pG);
    const grads: InputGrads = [];
    if (need[0]) {
      // threads: bands of rows of dX, of rows of dW, of columns of db (disjoint writes, same sums)
      runSplit(k, M, (m0, m1, emit) => emit('gemm', pG + m0 * Np * 4, Np * 4, m1 - m0, Np, pW, Kp, 0, pDX + m0 * Kp * 4, Kp * 4, 0), { flops: 2 * M * Np * Kp, min: 5 });
      grads[0] = rowsOut(f, pDX, M, K, Kp, new Float32Array(M * K));
    }
    if (need[1]) {
      rowsIn(f, X, M, K, Kp, pX);
      runSplit(k, N, (n0, n1, emit, t) => emit('gemm_tn', pG + n0 * 4, Np * 4, pX, Kp * 4, M, n1 - n0, Kp, pDW + n0 * Kp * 4, Kp * 4, 0, pWK[t]), { flops: 2 * M * N * Kp, min: 8 });
      grads[1] = rowsOut(f, pDW, N, K, Kp, new Float32Array(N * K));
    }
    if (need[2]) {
      runSplit(k, Np / 8, (c0, c1, emit) => emit('colsum', pG + c0 * 32, Np * 4, M, (c1 - c0) * 8, pDB + c0 * 32, 0), { flops: M * Np });
      grads[2] = f.slice(pDB >> 2, (pDB >> 2) + N);
    }
    return grads;
  } catch (e) {
    if (e instanceof SimdMemoryError) return null;
    throw e;
  }
}

/** the SIMD backend's Linear backward: the wasm kernels where they pay, else the reference's */
export function linearBackwardEntry(reference: KernelEntry['backward']): KernelEntry['backward'] {
  return (cx, dOuts) => {
    const { entry, need } = cx;
    const X = entry.ins[0]!, W = entry.ins[1]!;
    const [N, K] = W.shape;
    const M = X.data.length / K;
    return linearBackwardSimd(fdata(X), fdata(W), dOuts[0]!, M, K, N, need) ?? reference(cx, dOuts);
  };
}
