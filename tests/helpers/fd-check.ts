// A minimal float64 finite-difference check for the attention and decoder backward passes:
// central differences of a scalar loss with respect to every entry of every named input, against
// the analytic gradient. (train-core's tests/helpers/gradcheck.ts is the shared harness; this one
// stays small and only needs a loss function and the gradients to compare.)
import { Rng } from '../../src/compiler/rng';

export interface FdParam {
  name: string;
  /** the float64 values the loss reads; perturbed in place and restored */
  x: Float64Array;
  /** the analytic gradient d loss / d x */
  grad: ArrayLike<number>;
}

export interface FdResult {
  ok: boolean;
  /** worst |numeric − analytic| − tol bound, with where */
  worst: { name: string; i: number; numeric: number; analytic: number; err: number } | null;
  checked: number;
}

/**
 * Compares every entry (or `maxPerParam` random ones) of each param: |num − ana| ≤ atol + rtol·|num|.
 * eps 1e-6 in float64 leaves ~1e-9 of rounding error on losses of order 1.
 */
export function fdCheck(loss: () => number, params: FdParam[], opts: { eps?: number; atol?: number; rtol?: number; maxPerParam?: number; seed?: number } = {}): FdResult {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-7, rtol = opts.rtol ?? 1e-5;
  const rng = new Rng(opts.seed ?? 1);
  let worst: FdResult['worst'] = null;
  let checked = 0;
  let ok = true;
  for (const p of params) {
    if (p.grad.length !== p.x.length) throw new Error(`${p.name}: gradient has ${p.grad.length} values, the input ${p.x.length}`);
    const idx = [...Array(p.x.length).keys()];
    const m = opts.maxPerParam ?? Infinity;
    while (idx.length > m) idx.splice(Math.floor(rng.next() * idx.length), 1);
    for (const i of idx) {
      const x0 = p.x[i];
      p.x[i] = x0 + eps;
      const up = loss();
      p.x[i] = x0 - eps;
      const dn = loss();
      p.x[i] = x0;
      const num = (up - dn) / (2 * eps);
      const ana = p.grad[i];
      const err = Math.abs(num - ana) - (atol + rtol * Math.abs(num));
      checked++;
      if (!(err <= 0)) ok = false;
      if (!worst || err > worst.err || Number.isNaN(err)) worst = { name: p.name, i, numeric: num, analytic: ana, err };
    }
  }
  return { ok, worst, checked };
}

/** Uniform random float64 values in [-s, s]. */
export function rand64(rng: Rng, n: number, s = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-s, s);
  return a;
}

/** Σ R·y: the probe loss whose gradient with respect to y is R. */
export function dot(R: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += R[i] * y[i];
  return s;
}

/** A readable failure message for expect(). */
export function fdMessage(what: string, r: FdResult): string {
  const w = r.worst;
  return w ? `${what}: ${w.name}[${w.i}] numeric ${w.numeric} vs analytic ${w.analytic} (${r.checked} checked)` : `${what}: nothing checked`;
}
