// The two products every Linear-like backward needs, on row-major blocks, accumulated in double
// precision into Float64Array gradients. Forward Y[r, o] = Σ_i X[r, i]·W[o, i] (PyTorch's W [out, in]):
//   dW[o, i] += Σ_r dY[r, o]·X[r, i]      (addGradW)
//   dX[r, i] += Σ_o dY[r, o]·W[o, i]      (addGradX)
//   db[o]    += Σ_r dY[r, o]              (addGradB)
// Plain loops, float64: the attention backward calls them once per op or per query row; the
// Decode op's backward sums its big weight gradients once per run, through wasm/grad-w-simd.ts
// where its tape is float32 and through addGradW here otherwise.
import type { Floats } from './gemm';

type Arr = Floats | Float64Array;

/** dW[out, in] += dY[rows, out]ᵀ · X[rows, in]; dY rows at dyOff (stride out), X rows at xOff (stride xStride, default in). */
export function addGradW(dW: Float64Array, dY: Arr, dyOff: number, X: Arr, xOff: number, rows: number, out: number, inn: number, xStride = inn): void {
  for (let r = 0; r < rows; r++) {
    const yo = dyOff + r * out, xo = xOff + r * xStride;
    for (let o = 0; o < out; o++) {
      const g = dY[yo + o];
      if (g === 0) continue;
      const wo = o * inn;
      for (let i = 0; i < inn; i++) dW[wo + i] += g * X[xo + i];
    }
  }
}

/** dX[rows, in] (at dxOff, stride dxStride, default in) += dY[rows, out] · W[out, in]. */
export function addGradX(dX: Float64Array, dxOff: number, dY: Arr, dyOff: number, W: Arr, rows: number, out: number, inn: number, dxStride = inn): void {
  for (let r = 0; r < rows; r++) {
    const yo = dyOff + r * out, xo = dxOff + r * dxStride;
    for (let o = 0; o < out; o++) {
      const g = dY[yo + o];
      if (g === 0) continue;
      const wo = o * inn;
      for (let i = 0; i < inn; i++) dX[xo + i] += g * W[wo + i];
    }
  }
}

/** db[out] += Σ_r dY[r, out] */
export function addGradB(db: Float64Array, dY: Arr, dyOff: number, rows: number, out: number): void {
  for (let r = 0; r < rows; r++) {
    const yo = dyOff + r * out;
    for (let o = 0; o < out; o++) db[o] += dY[yo + o];
  }
}

/** Softmax backward over the first n entries: ds[s] = w[s]·(dw[s] − Σ_s' w[s']·dw[s']). In place on dw. */
export function softmaxBackwardInPlace(w: Arr, wOff: number, dw: Float64Array, n: number): void {
  let dot = 0;
  for (let s = 0; s < n; s++) dot += w[wOff + s] * dw[s];
  for (let s = 0; s < n; s++) dw[s] = w[wOff + s] * (dw[s] - dot);
}
