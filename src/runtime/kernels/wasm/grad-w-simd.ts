// dW += dYᵀ·X for the TypeScript backward passes, on the SIMD gemm_tn kernel (float32 sums, as
// PyTorch's): the Decode op's backward (decoder-backward.ts) records every step's gradient rows
// and sums each weight's gradient in one product at the end of the run. One outer product per
// row and step instead, each a pass over dW in float64 JavaScript, was ~40% of a G2P training
// step. Rows are copied in once (X's padded to a multiple of 8 floats, as the kernel needs).
import { tnWorkBytes } from './gemm-tn-kernels';
import { sharedScratch } from './pack';
import { simdRuntime, SimdMemoryError } from './runtime';
import { runSplit, threadCount } from './threads';

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * dW[out, inn] (float64) += Σ_r dY[r, 0..out)ᵀ · X[r, 0..inn) over `rows` contiguous rows.
 * Returns false, having done nothing, when the SIMD kernels cannot run here.
 */
export function addGradWSimd(dW: Float64Array, dY: Float32Array, X: Float32Array, rows: number, out: number, inn: number): boolean {
  if (rows === 0 || out === 0 || inn === 0) return true;
  const rt = simdRuntime();
  if (rt === null) return false;
  const Kp = pad8(inn);
  try {
    const sc = sharedScratch(rt);
    const pG = sc.get('gw.dy', rows * out * 4), pX = sc.get('gw.x', rows * Kp * 4), pDW = sc.get('gw.dw', out * Kp * 4);
    const pWK = Array.from({ length: threadCount() }, (_, t) => sc.get(`gw.tnw${t}`, tnWorkBytes(out, Kp)));
    // the views after every allocation: the memory may have grown
    const f = rt.f32();
    f.set(dY.subarray(0, rows * out), pG >> 2);
    const bx = pX >> 2;
    if (Kp === inn) f.set(X.subarray(0, rows * inn), bx);
    else {
      for (let r = 0; r < rows; r++) {
        f.set(X.subarray(r * inn, r * inn + inn), bx + r * Kp);
        f.fill(0, bx + r * Kp + inn, bx + r * Kp + Kp);
      }
    }
    // threads: bands of dW's rows (disjoint writes, the same sums as one thread)
    runSplit(rt.k, out, (n0, n1, emit, t) => emit('gemm_tn', pG + n0 * 4, out * 4, pX, Kp * 4, rows, n1 - n0, Kp, pDW + n0 * Kp * 4, Kp * 4, 0, pWK[t]), { flops: 2 * rows * out * Kp, min: 8 });
    const w = rt.f32(), bw = pDW >> 2;
    for (let o = 0; o < out; o++) {
      const src = bw + o * Kp, dst = o * inn;
      for (let i = 0; i < inn; i++) dW[dst + i] += w[src + i];
    }
    return true;
  } catch (e) {
    if (e instanceof SimdMemoryError) return false;
    throw e;
  }
}
