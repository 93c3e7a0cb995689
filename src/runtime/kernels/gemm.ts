// Small dense linear algebra on row-major Float32Arrays, tuned for V8.
//
// Why it is laid out this way: V8 does not auto-vectorise, so what decides speed is how many
// typed-array loads/stores each multiply-add costs. Weights are therefore stored pre-transposed
// (Wt[K, N], i.e. PyTorch's W[N, K] transposed once at compile time) so that the innermost loop
// walks one contiguous row of Wt and one contiguous row of Y. The micro-kernel takes 4 rows of X
// and 4 values of k at a time: each inner iteration loads 4 weights, does 16 multiply-adds held in
// (double) registers and touches each of the 4 output rows once (load + store). Measured on Node 20
// this is ~2.4x faster than the naive k-outer/j-inner loop and faster than dot-product forms.
// Every function here allocates nothing and uses no closures, so callers can use them inside time
// loops. They are typed over Float32Array | Float64Array (FArr) so the float64 gradient check can
// run them, but ordinary runs only ever pass Float32Arrays, so V8 keeps them monomorphic.
//
// gemmTS is the reference. gemm() sends a product to the WebAssembly SIMD kernel
// (gemmSimd in wasm/pack.ts) when the SIMD backend is on, the product is big enough, and Wt is a
// prepared weight: an array made by transpose() and used at least once before. Such arrays are
// treated as immutable from then on (they are derived copies; a trainer re-prepares them), so
// their packing into wasm memory is made once and reused — until the owner rewrites one in place
// after a weight update and says so with preparedChanged(), which re-packs it (weights.ts).
//
// Backward needs the two other products, gemmTN (Aᵀ·B: weight gradients summed over rows) and
// gemmNT (A·Bᵀ with B in PyTorch's [out, in] layout), in the same style.
import type { FArr } from '../tensor';

/** A float buffer a kernel reads or writes (the attention and decoder kernels' name for FArr). */
export type Floats = FArr;
/** A new zeroed buffer of the same precision as `like`. */
export function floatsLike<A extends FArr>(like: A, n: number): A {
  return (like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)) as A;
}
import { kernelBackend } from './wasm/runtime';
import { gemmSimd, repackPrepared } from './wasm/pack';

/** smallest M*K*N sent to the SIMD kernel: below it, copying X and Y costs more than it saves */
const SIMD_MIN_WORK = 8192;
/** arrays made by transpose(): prepared weights */
const prepared = new WeakSet<Float32Array>();
/** prepared weights already used once (a second use packs them for the SIMD kernel) */
const usedOnce = new WeakSet<Float32Array>();

/**
 * Y[M, N] (at yOff, row stride N) = X[M, K] (at xOff, row stride K) · Wt[K, N] + bias[N].
 * `bias` may be null (treated as 0). With `accumulate` the product is added to what Y holds and
 * `bias` is still added once.
 */
export function gemm(
  X: FArr, xOff: number, M: number, K: number,
  Wt: FArr, N: number, bias: FArr | null,
  Y: FArr, yOff: number, accumulate = false,
): void {
  // prepared weights are always Float32Arrays (transpose() marks no other), so a float64 run never gets here
  if (!accumulate && K >= 4 && M * K * N >= SIMD_MIN_WORK && prepared.has(Wt as Float32Array) && X instanceof Float32Array && kernelBackend() === 'simd') {
    if (usedOnce.has(Wt as Float32Array)) {
      if (gemmSimd(X as Float32Array, xOff, M, K, Wt as Float32Array, N, bias as Float32Array | null, Y as Float32Array, yOff)) return;
    } else usedOnce.add(Wt as Float32Array);
  }
  gemmTS(X, xOff, M, K, Wt, N, bias, Y, yOff, accumulate);
}

/** A prepared weight (made by transpose()) was rewritten in place: its wasm packing follows. */
export function preparedChanged(Wt: FArr): void {
  if (Wt instanceof Float32Array && prepared.has(Wt)) repackPrepared(Wt);
}

/** The reference gemm in plain TS: same contract as gemm(), never leaves JS. */
export function gemmTS(
  X: FArr, xOff: number, M: number, K: number,
  Wt: FArr, N: number, bias: FArr | null,
  Y: FArr, yOff: number, accumulate = false,
): void {
  if (M <= 0 || N <= 0) return;
  // Initialise Y rows with the bias (or zero) unless accumulating.
  if (!accumulate) {
    if (bias !== null) {
      for (let m = 0; m < M; m++) {
        const y = yOff + m * N;
        for (let j = 0; j < N; j++) Y[y + j] = bias[j];
      }
    } else {
      Y.fill(0, yOff, yOff + M * N);
    }
  } else if (bias !== null) {
    for (let m = 0; m < M; m++) {
      const y = yOff + m * N;
      for (let j = 0; j < N; j++) Y[y + j] += bias[j];
    }
  }
  if (K <= 0) return;
  let m = 0;
  for (; m + 4 <= M; m += 4) rows4(X, xOff + m * K, K, Wt, N, Y, yOff + m * N);
  for (; m < M; m++) rows1(X, xOff + m * K, K, Wt, N, Y, yOff + m * N);
}

/** Four rows of X (starting at x0, stride K) into four rows of Y (starting at y0, stride N). */
function rows4(X: FArr, x0: number, K: number, Wt: FArr, N: number, Y: FArr, y0: number): void {
  const x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
  const y1 = y0 + N, y2 = y1 + N, y3 = y2 + N;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const a00 = X[x0 + k], a01 = X[x0 + k + 1], a02 = X[x0 + k + 2], a03 = X[x0 + k + 3];
    const a10 = X[x1 + k], a11 = X[x1 + k + 1], a12 = X[x1 + k + 2], a13 = X[x1 + k + 3];
    const a20 = X[x2 + k], a21 = X[x2 + k + 1], a22 = X[x2 + k + 2], a23 = X[x2 + k + 3];
    const a30 = X[x3 + k], a31 = X[x3 + k + 1], a32 = X[x3 + k + 2], a33 = X[x3 + k + 3];
    const w0 = k * N, w1 = w0 + N, w2 = w1 + N, w3 = w2 + N;
    for (let j = 0; j < N; j++) {
      const v0 = Wt[w0 + j], v1 = Wt[w1 + j], v2 = Wt[w2 + j], v3 = Wt[w3 + j];
      Y[y0 + j] += a00 * v0 + a01 * v1 + a02 * v2 + a03 * v3;
      Y[y1 + j] += a10 * v0 + a11 * v1 + a12 * v2 + a13 * v3;
      Y[y2 + j] += a20 * v0 + a21 * v1 + a22 * v2 + a23 * v3;
      Y[y3 + j] += a30 * v0 + a31 * v1 + a32 * v2 + a33 * v3;
    }
  }
  for (; k < K; k++) {
    const a0 = X[x0 + k], a1 = X[x1 + k], a2 = X[x2 + k], a3 = X[x3 + k];
    const w = k * N;
    for (let j = 0; j < N; j++) {
      const v = Wt[w + j];
      Y[y0 + j] += a0 * v;
      Y[y1 + j] += a1 * v;
      Y[y2 + j] += a2 * v;
      Y[y3 + j] += a3 * v;
    }
  }
}

/** One row of X into one row of Y (remainder rows, and M = 1 decoding steps). */
function rows1(X: FArr, x0: number, K: number, Wt: FArr, N: number, Y: FArr, y0: number): void {
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const a0 = X[x0 + k], a1 = X[x0 + k + 1], a2 = X[x0 + k + 2], a3 = X[x0 + k + 3];
    const w0 = k * N, w1 = w0 + N, w2 = w1 + N, w3 = w2 + N;
    for (let j = 0; j < N; j++) {
      Y[y0 + j] += a0 * Wt[w0 + j] + a1 * Wt[w1 + j] + a2 * Wt[w2 + j] + a3 * Wt[w3 + j];
    }
  }
  for (; k < K; k++) {
    const a = X[x0 + k];
    const w = k * N;
    for (let j = 0; j < N; j++) Y[y0 + j] += a * Wt[w + j];
  }
}

/**
 * Writes W[rows, cols] (row-major, PyTorch's [out, in]) transposed into dst, which is laid out as
 * [cols, ldDst]: dst[c * ldDst + colOff + r] = W[r * cols + c]. Used to pack several weight
 * matrices side by side (e.g. both directions' W_ih) into one Wt for a single gemm.
 */
export function packTransposed(
  W: ArrayLike<number>, rows: number, cols: number,
  dst: FArr, ldDst: number, colOff: number,
): void {
  if (W.length < rows * cols) throw new Error(`packTransposed: weight has ${W.length} values, [${rows}, ${cols}] needs ${rows * cols}`);
  for (let r = 0; r < rows; r++) {
    const src = r * cols;
    for (let c = 0; c < cols; c++) dst[c * ldDst + colOff + r] = W[src + c];
  }
}

/**
 * W[rows, cols] -> new Wt[cols, rows] (same precision as W), a prepared weight (see gemm()): do not
 * modify it after use, except through a rewrite followed by preparedChanged().
 */
export function transpose<A extends FArr>(W: A, rows: number, cols: number): A {
  const out = (W instanceof Float64Array ? new Float64Array(rows * cols) : new Float32Array(rows * cols)) as A;
  packTransposed(W, rows, cols, out, rows, 0);
  if (out instanceof Float32Array) prepared.add(out);
  return out;
}

/** Y[M, N] = X[M, K] · W[N, K]^T + bias, with W in PyTorch layout (transposes W; for one-off use). */
export function linear(X: Float32Array, M: number, K: number, W: Float32Array, N: number, bias: Float32Array | null): Float32Array {
  const Y = new Float32Array(M * N);
  gemm(X, 0, M, K, transpose(W, N, K), N, bias, Y, 0);
  return Y;
}

/**
 * C[M, N] (+)= Aᵀ·B with A [R, M] (row stride lda, from aOff) and B [R, N] (row-major, from bOff):
 * the weight gradient Σ_r dYᵀ·X of a product over R rows. Blocks of 4 rows of A/B × 4 rows of C:
 * 16 products of A held in registers, so each inner iteration loads 4 values of B and updates 4
 * rows of C (12 memory operations per 16 multiply-adds, as rows4 does). A block of 4 rows of A
 * that is all zero (padded steps of a ragged batch) is skipped.
 */
export function gemmTN(A: FArr, aOff: number, R: number, M: number, lda: number, B: FArr, bOff: number, N: number, C: FArr, accumulate = false): void {
  if (!accumulate) C.fill(0, 0, M * N);
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const a0 = aOff + r * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    if (zeroRows(A, a0, lda, 4, M)) continue;
    const b0 = bOff + r * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
    let m = 0;
    for (; m + 4 <= M; m += 4) {
      const x00 = A[a0 + m], x01 = A[a1 + m], x02 = A[a2 + m], x03 = A[a3 + m];
      const x10 = A[a0 + m + 1], x11 = A[a1 + m + 1], x12 = A[a2 + m + 1], x13 = A[a3 + m + 1];
      const x20 = A[a0 + m + 2], x21 = A[a1 + m + 2], x22 = A[a2 + m + 2], x23 = A[a3 + m + 2];
      const x30 = A[a0 + m + 3], x31 = A[a1 + m + 3], x32 = A[a2 + m + 3], x33 = A[a3 + m + 3];
      const c0 = m * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
      for (let n = 0; n < N; n++) {
        const v0 = B[b0 + n], v1 = B[b1 + n], v2 = B[b2 + n], v3 = B[b3 + n];
        C[c0 + n] += x00 * v0 + x01 * v1 + x02 * v2 + x03 * v3;
        C[c1 + n] += x10 * v0 + x11 * v1 + x12 * v2 + x13 * v3;
        C[c2 + n] += x20 * v0 + x21 * v1 + x22 * v2 + x23 * v3;
        C[c3 + n] += x30 * v0 + x31 * v1 + x32 * v2 + x33 * v3;
      }
    }
    for (; m < M; m++) {
      const x0 = A[a0 + m], x1 = A[a1 + m], x2 = A[a2 + m], x3 = A[a3 + m];
      const c = m * N;
      for (let n = 0; n < N; n++) C[c + n] += x0 * B[b0 + n] + x1 * B[b1 + n] + x2 * B[b2 + n] + x3 * B[b3 + n];
    }
  }
  for (; r < R; r++) {
    const a0 = aOff + r * lda, b0 = bOff + r * N;
    for (let m = 0; m < M; m++) {
      const x0 = A[a0 + m];
      if (x0 === 0) continue;
      const c = m * N;
      for (let n = 0; n < N; n++) C[c + n] += x0 * B[b0 + n];
    }
  }
}

function zeroRows(A: FArr, a0: number, lda: number, rows: number, M: number): boolean {
  for (let i = 0; i < rows; i++) {
    const a = a0 + i * lda;
    for (let m = 0; m < M; m++) if (A[a + m] !== 0) return false;
  }
  return true;
}

/**
 * Y[M, N] (+)= X[M, K]·Wᵀ with W [N, K] row-major (PyTorch's [out, in]), at xOff / yOff; plus bias
 * unless null. Dot products, four columns at a time sharing the loads of X.
 */
export function gemmNT(X: FArr, xOff: number, M: number, K: number, W: FArr, N: number, bias: FArr | null, Y: FArr, yOff: number, accumulate = false): void {
  for (let m = 0; m < M; m++) {
    const x = xOff + m * K, y = yOff + m * N;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const w0 = n * K, w1 = w0 + K, w2 = w1 + K, w3 = w2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const v = X[x + k];
        s0 += v * W[w0 + k]; s1 += v * W[w1 + k]; s2 += v * W[w2 + k]; s3 += v * W[w3 + k];
      }
      if (bias !== null) { s0 += bias[n]; s1 += bias[n + 1]; s2 += bias[n + 2]; s3 += bias[n + 3]; }
      if (accumulate) { Y[y + n] += s0; Y[y + n + 1] += s1; Y[y + n + 2] += s2; Y[y + n + 3] += s3; }
      else { Y[y + n] = s0; Y[y + n + 1] = s1; Y[y + n + 2] = s2; Y[y + n + 3] = s3; }
    }
    for (; n < N; n++) {
      const w0 = n * K;
      let s = bias !== null ? bias[n] : 0;
      for (let k = 0; k < K; k++) s += X[x + k] * W[w0 + k];
      if (accumulate) Y[y + n] += s; else Y[y + n] = s;
    }
  }
}

/** out[N] (+)= Σ_r A[r, aOff.. aOff+N) over R rows of stride lda (bias gradients) */
export function sumRows(A: FArr, aOff: number, R: number, N: number, lda: number, out: FArr, accumulate = false): void {
  if (!accumulate) out.fill(0, 0, N);
  for (let r = 0; r < R; r++) {
    const a = aOff + r * lda;
    for (let n = 0; n < N; n++) out[n] += A[a + n];
  }
}
