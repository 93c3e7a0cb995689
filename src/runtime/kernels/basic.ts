// Kernels of the data, linear and elementwise ops: forward and backward side by side, as plain
// loops that make the reference maths obvious (they are cheap next to the recurrent layers).
// Every result is allocated like its input (float64 in the gradient check, see tensor.ts).
import { allocLike, fdata, floatLike, positionOf, size, type FArr, type Tensor } from '../tensor';
import { dact, dract, HARD_SIGMOID, RELU, SIGMOID, TANH } from './cells';
import { gemm, gemmNT, gemmTN, gemmTS, packTransposed, preparedChanged, sumRows, transpose } from './gemm';
import { KernelError, type InputGrads, type KernelEntry } from './types';

type Entry = KernelEntry;
const must = (t: Tensor | undefined): Tensor => t!;

// ---- data

/** rows of data [N, D] picked by ids [...] -> [..., D] */
export function gather(data: Tensor, idx: Tensor): Tensor {
  const [N, D] = data.shape;
  const out = floatLike(data, [...idx.shape, D]);
  const src = fdata(data), dst = fdata(out);
  for (let i = 0; i < idx.data.length; i++) {
    const id = idx.data[i];
    if (!(id >= 0 && id < N)) throw new KernelError(`token id ${id} at ${positionOf(idx.shape, i)} is out of range: the table has ${N} rows (ids 0..${N - 1})`);
    dst.set(src.subarray(id * D, id * D + D), i * D);
  }
  return out;
}

const Gather: Entry = {
  forward: (_cx, [data, idx]) => ({ outs: [gather(must(data), must(idx))] }),
  // as nn.Embedding: rows of the ids used get the sum of their gradients; padding_idx gets none
  backward({ entry }, [dY]) {
    const data = must(entry.ins[0]), idx = must(entry.ins[1]);
    const [N, D] = data.shape;
    const pad = entry.op.attrs.padding_idx as number | undefined;
    const dW = allocLike(dY, N * D);
    for (let i = 0; i < idx.data.length; i++) {
      const id = idx.data[i];
      if (id === pad) continue;
      const o = id * D, g = i * D;
      for (let j = 0; j < D; j++) dW[o + j] += dY![g + j];
    }
    return [dW];
  },
};

const Identity: Entry = {
  forward: (_cx, [x]) => ({ outs: [x] }),
  backward: (_cx, [dY]) => [dY],
};

/**
 * Dropout: identity at inference; in training (forwardTrain with dropout on) each value is zeroed
 * with probability ratio and the rest scaled by 1/(1 − ratio), with a mask drawn from the run's
 * seeded generator for this op (same seed, same mask), as nn.Dropout does.
 */
const Dropout: Entry = {
  forward(cx, [x]) {
    const p = cx.op.attrs.ratio as number;
    if (!cx.dropout || !(p > 0)) return { outs: [x], saved: null };
    const src = fdata(must(x));
    const out = floatLike(x, x!.shape), dst = fdata(out);
    const keep = new Uint8Array(src.length), scale = p >= 1 ? 0 : 1 / (1 - p);
    const rng = cx.rng();
    for (let i = 0; i < src.length; i++) {
      if (rng.next() >= p) {
        keep[i] = 1;
        dst[i] = src[i] * scale;
      }
    }
    return { outs: [out], saved: { keep, scale } };
  },
  backward({ entry }, [dY]) {
    const s = entry.saved as { keep: Uint8Array; scale: number } | null;
    if (s === null) return [dY];
    const dX = allocLike(dY, dY!.length);
    for (let i = 0; i < dX.length; i++) if (s.keep[i] === 1) dX[i] = dY![i] * s.scale;
    return [dX];
  },
};

// ---- linear

type Gemm = typeof gemmTS;

/** Linear, Y = X·Wᵀ + b on the last axis, with W pre-transposed once per program (prepare). */
export function linearEntry(product: Gemm): Entry {
  return {
    prepare(_op, weight, prev) {
      const W = weight(1);
      if (!W) return undefined; // W computed at run time: transposed per run
      const [N, K] = W.shape;
      if (prev instanceof Float32Array || prev instanceof Float64Array) {
        packTransposed(fdata(W), N, K, prev, N, 0);
        preparedChanged(prev);
        return prev;
      }
      return transpose(fdata(W), N, K);
    },
    forward(cx, [x, W, b]) {
      const X = must(x), w = must(W);
      const [N, K] = w.shape;
      if (X.shape[X.shape.length - 1] !== K) throw new KernelError(`Linear: input has ${X.shape[X.shape.length - 1]} features, the weight reads ${K}`);
      const Wt = (cx.prepared as FArr | undefined) ?? transpose(fdata(w), N, K);
      const M = size(X.shape) / K;
      const out = floatLike(X, [...X.shape.slice(0, -1), N]);
      product(fdata(X), 0, M, K, Wt, N, b ? fdata(b) : null, fdata(out), 0);
      return { outs: [out] };
    },
    backward({ entry, need }, [dY]) {
      const X = must(entry.ins[0]), W = must(entry.ins[1]);
      const [N, K] = W.shape;
      const M = size(X.shape) / K, g = dY!;
      const grads: InputGrads = [];
      if (need[0]) gemmTS(g, 0, M, N, fdata(W), K, null, (grads[0] = allocLike(g, M * K)), 0);
      if (need[1]) gemmTN(g, 0, M, N, N, fdata(X), 0, K, (grads[1] = allocLike(g, N * K)));
      if (need[2]) sumRows(g, 0, M, N, N, (grads[2] = allocLike(g, N)));
      return grads;
    },
  };
}

const MatMul: Entry = {
  forward(_cx, [a, b]) {
    const A = must(a), B = must(b);
    const [K, N] = B.shape;
    if (B.shape.length !== 2 || A.shape[A.shape.length - 1] !== K) throw new KernelError(`MatMul: [${A.shape}] · [${B.shape}] do not line up`);
    const M = size(A.shape) / K;
    const out = floatLike(A, [...A.shape.slice(0, -1), N]);
    gemm(fdata(A), 0, M, K, fdata(B), N, null, fdata(out), 0);
    return { outs: [out] };
  },
  backward({ entry, need }, [dY]) {
    const A = must(entry.ins[0]), B = must(entry.ins[1]);
    const [K, N] = B.shape;
    const M = size(A.shape) / K, g = dY!;
    const grads: InputGrads = [];
    if (need[0]) gemmNT(g, 0, M, N, fdata(B), K, null, (grads[0] = allocLike(g, M * K)), 0);
    if (need[1]) gemmTN(fdata(A), 0, M, K, K, g, 0, N, (grads[1] = allocLike(g, K * N)));
    return grads;
  },
};

// ---- elementwise

function sameShape(a: Tensor, b: Tensor, what: string) {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) throw new KernelError(`${what}: shapes [${a.shape}] and [${b.shape}] differ`);
}

const Add: Entry = {
  forward(_cx, [a, b]) {
    sameShape(a!, b!, 'add');
    const x = fdata(a!), y = fdata(b!), out = floatLike(a, a!.shape), d = fdata(out);
    for (let i = 0; i < d.length; i++) d[i] = x[i] + y[i];
    return { outs: [out] };
  },
  backward: (_cx, [dY]) => [dY, dY],
};

const Mul: Entry = {
  forward(_cx, [a, b]) {
    sameShape(a!, b!, 'mul');
    const x = fdata(a!), y = fdata(b!), out = floatLike(a, a!.shape), d = fdata(out);
    for (let i = 0; i < d.length; i++) d[i] = x[i] * y[i];
    return { outs: [out] };
  },
  backward({ entry, need }, [dY]) {
    const g = dY!, x = fdata(entry.ins[0]!), y = fdata(entry.ins[1]!);
    const grads: InputGrads = [];
    if (need[0]) { const d = (grads[0] = allocLike(g, g.length)); for (let i = 0; i < d.length; i++) d[i] = g[i] * y[i]; }
    if (need[1]) { const d = (grads[1] = allocLike(g, g.length)); for (let i = 0; i < d.length; i++) d[i] = g[i] * x[i]; }
    return grads;
  },
};

type UnaryFn = 'scale' | 'tanh' | 'relu' | 'sigmoid' | 'hard_sigmoid';

/** d[i] = f(s[i]); one loop per function (a switch outside the loop keeps each loop monomorphic) */
function mapInto(fn: UnaryFn, s: FArr, d: FArr, alpha: number): void {
  const n = s.length;
  switch (fn) {
    case 'scale': for (let i = 0; i < n; i++) d[i] = alpha * s[i]; break;
    case 'tanh': for (let i = 0; i < n; i++) d[i] = Math.tanh(s[i]); break;
    case 'relu': for (let i = 0; i < n; i++) d[i] = s[i] > 0 ? s[i] : 0; break;
    case 'sigmoid': for (let i = 0; i < n; i++) d[i] = 1 / (1 + Math.exp(-s[i])); break;
    case 'hard_sigmoid': for (let i = 0; i < n; i++) { const v = 0.2 * s[i] + 0.5; d[i] = v < 0 ? 0 : v > 1 ? 1 : v; } break;
  }
}

/** d[i] = g[i] · f'(x[i]), the derivative taken from the output y (cells.ts) */
function backInto(fn: UnaryFn, g: FArr, y: FArr, d: FArr, alpha: number): void {
  const n = g.length;
  switch (fn) {
    case 'scale': for (let i = 0; i < n; i++) d[i] = alpha * g[i]; break;
    case 'tanh': for (let i = 0; i < n; i++) d[i] = g[i] * dact(y[i], TANH); break;
    case 'relu': for (let i = 0; i < n; i++) d[i] = g[i] * dact(y[i], RELU); break;
    case 'sigmoid': for (let i = 0; i < n; i++) d[i] = g[i] * dract(y[i], SIGMOID); break;
    case 'hard_sigmoid': for (let i = 0; i < n; i++) d[i] = g[i] * dract(y[i], HARD_SIGMOID); break;
  }
}

function unary(fn: UnaryFn): Entry {
  return {
    forward(cx, [x]) {
      const out = floatLike(x, x!.shape);
      mapInto(fn, fdata(x!), fdata(out), cx.op.attrs.alpha as number);
      return { outs: [out] };
    },
    backward({ entry }, [dY]) {
      const d = allocLike(dY, dY!.length);
      backInto(fn, dY!, fdata(entry.outs[0]!), d, entry.op.attrs.alpha as number);
      return [d];
    },
  };
}

const Scale = unary('scale');
const Tanh = unary('tanh');
const Relu = unary('relu');
const Sigmoid = unary('sigmoid');
const HardSigmoid = unary('hard_sigmoid');

/** outer × D × inner: the lines along `axis` of a tensor of this shape */
function lines(shape: number[], axis: number | undefined): { D: number; inner: number; outer: number } {
  const ax = axis === undefined ? shape.length - 1 : axis < 0 ? axis + shape.length : axis;
  return { D: shape[ax], inner: shape.slice(ax + 1).reduce((a, b) => a * b, 1), outer: shape.slice(0, ax).reduce((a, b) => a * b, 1) };
}

/** softmax (or log-softmax) over `axis` (default the last), in double precision per line */
export function softmax(x: Tensor, log: boolean, axis?: number): Tensor {
  const { D, inner, outer } = lines(x.shape, axis);
  const out = floatLike(x, x.shape);
  const s = fdata(x), d = fdata(out);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const r = o * D * inner + i; // element j of this line sits at r + j·inner
      let m = -Infinity;
      for (let j = 0; j < D; j++) if (s[r + j * inner] > m) m = s[r + j * inner];
      let sum = 0;
      for (let j = 0; j < D; j++) sum += Math.exp(s[r + j * inner] - m);
      if (log) {
        const lse = m + Math.log(sum);
        for (let j = 0; j < D; j++) d[r + j * inner] = s[r + j * inner] - lse;
      } else {
        for (let j = 0; j < D; j++) d[r + j * inner] = Math.exp(s[r + j * inner] - m) / sum;
      }
    }
  }
  return out;
}

function softmaxEntry(log: boolean): Entry {
  return {
    forward: (cx, [x]) => ({ outs: [softmax(x!, log, cx.op.attrs.axis as number | undefined)] }),
    // softmax: dx = y ⊙ (dy − Σ dy ⊙ y); log-softmax: dx = dy − e^y Σ dy (sums along the axis)
    backward({ entry }, [dY]) {
      const y = fdata(entry.outs[0]!), g = dY!;
      const { D, inner, outer } = lines(entry.outs[0]!.shape, entry.op.attrs.axis as number | undefined);
      const d = allocLike(g, g.length);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const r = o * D * inner + i;
          let dot = 0;
          for (let j = 0; j < D; j++) dot += log ? g[r + j * inner] : g[r + j * inner] * y[r + j * inner];
          for (let j = 0; j < D; j++) {
            const k = r + j * inner;
            d[k] = log ? g[k] - Math.exp(y[k]) * dot : y[k] * (g[k] - dot);
          }
        }
      }
      return [d];
    },
  };
}

export const BASIC_KERNELS = {
  Gather, Identity, Dropout, MatMul, Linear: linearEntry(gemmTS), Add, Mul, Scale, Tanh, Sigmoid, Relu, HardSigmoid,
  Softmax: softmaxEntry(false), LogSoftmax: softmaxEntry(true),
};
