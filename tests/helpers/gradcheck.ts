// Finite-difference gradient checks in float64: analytic backward() against central differences
// of the same program's forward pass, both run by the TS reference kernels in double precision.
//
// How float64 works: toFloat64() copies a Program with every float initializer as a Float64Array
// (and float feeds likewise); the kernels allocate results like their inputs, so the whole forward
// and backward run in double precision (the SIMD backend is float32-only; a float64 program always
// runs on the TS table). With doubles, central differences with eps ~1e-6 are accurate to ~1e-9,
// so a wrong gradient cannot hide inside float32 rounding.
//
// The loss is L = Σ_v Σ_i R_v[i]·v[i] over the seeded values v (the float graph outputs unless
// told), with fixed random R: backward() is seeded with R. Two ways to compare:
//   directional (default): per gradient tensor g (each weight, each float graph input), one random
//     direction u: ⟨g, u⟩ against (L(θ + εu) − L(θ − εu)) / 2ε. Two forward runs per tensor, and a
//     wrong entry anywhere in g shows (it would have to be orthogonal to a random u to hide).
//   coordinates: `coords` random entries of each tensor, one at a time (names the entry).
// Perturbing a weight goes through markWeightsChanged, so the check also exercises the
// weights-changed path of every cache.
//
// Usable for any op (opProgram builds a one-op Program whose float inputs are all weights), so
// the attention and decoder backward kernels are checked the same way.
import { Rng } from '../../src/compiler/rng';
import type { OpName } from '../../src/ir/ops';
import type { Op, Program, ValueInfo } from '../../src/ir/program';
import { markWeightsChanged } from '../../src/runtime/prepared';
import { backward, forwardTrain, type TrainRunOptions } from '../../src/runtime/train';
import { float64Tensor, type FArr, type Tensor } from '../../src/runtime/tensor';

/** the program with every float initializer copied to a Float64Array (ops, names and refs shared) */
export function toFloat64(p: Program): Program {
  const initializers = Object.fromEntries(Object.entries(p.initializers).map(([k, t]) => [k, float64Tensor(t)]));
  return { ...p, initializers };
}

export function feedsToFloat64(feeds: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, float64Tensor(t)]));
}

/**
 * A one-op Program: the op reads `inputs` (by position; '' for absent optional ones). Float inputs
 * become weights (so every one gets a gradient), int inputs constants. Outputs are named out0, out1…
 */
export function opProgram(op: OpName, inputs: (Tensor | undefined)[], attrs: Op['attrs'] = {}, nOutputs = 1, outDtypes?: ('float32' | 'int64')[]): Program {
  const initializers: Record<string, Tensor> = {};
  const values: Record<string, ValueInfo> = {};
  const weightRefs: Program['weightRefs'] = {};
  const names = inputs.map((t, i) => {
    if (!t) return '';
    const name = `in${i}`;
    initializers[name] = t;
    values[name] = { name, dtype: t.dtype, shape: [...t.shape] };
    if (t.dtype === 'float32') weightRefs[name] = { node: 'n', name };
    return name;
  });
  const outs = Array.from({ length: nOutputs }, (_, i) => `out${i}`);
  outs.forEach((o, i) => (values[o] = { name: o, dtype: outDtypes?.[i] ?? 'float32', shape: [] }));
  return {
    name: op, inputs: [], outputs: outs.map((o, i) => ({ name: o, node: 'n', value: o, dtype: outDtypes?.[i] ?? 'float32', shape: [], kind: 'values' })),
    ops: [{ op, inputs: names, outputs: outs, attrs, node: 'n' }], values, initializers, traced: [], nodeNames: { n: op }, weightRefs,
  };
}

export interface GradcheckOptions {
  /** generator seed for R, directions and coordinates */
  seed?: number;
  /** forwardTrain options (dropout seed and switch, initial states) */
  run?: Partial<TrainRunOptions>;
  /** values to put a loss on (default: every float graph output) */
  seeds?: string[];
  mode?: 'directional' | 'coordinates';
  /** coordinates mode: entries checked per tensor */
  coords?: number;
  eps?: number;
  /** |analytic − numeric| ≤ tol · max(1, scale) */
  tol?: number;
}

export interface GradcheckFailure { tensor: string; at?: number; analytic: number; numeric: number }
export interface GradcheckResult {
  ok: boolean;
  failures: GradcheckFailure[];
  /** tensors checked, and the largest |analytic − numeric| / max(1, scale) seen */
  checked: string[];
  worst: number;
}

/** Check backward() of `program` (converted to float64 here) against central differences. */
export function gradcheck(program: Program, feeds: Record<string, Tensor>, o: GradcheckOptions = {}): GradcheckResult {
  const p = toFloat64(program);
  const f = feedsToFloat64(feeds);
  const rng = new Rng(o.seed ?? 1);
  const runOpts: TrainRunOptions = { seed: 7, ...o.run };
  const first = forwardTrain(p, f, runOpts);
  const seedNames = o.seeds ?? p.outputs.filter((x) => x.dtype === 'float32').map((x) => x.value);
  const R = new Map<string, Float64Array>();
  for (const n of seedNames) {
    const v = first.values.get(n)!;
    R.set(n, Float64Array.from({ length: v.data.length }, () => rng.uniform(-1, 1)));
  }
  const loss = (): number => {
    const r = forwardTrain(p, f, runOpts);
    let s = 0;
    for (const [n, w] of R) {
      const d = r.values.get(n)!.data;
      for (let i = 0; i < w.length; i++) s += w[i] * d[i];
    }
    return s;
  };
  const back = backward(first.tape, R as unknown as Map<string, Float32Array>);
  // what can be perturbed: every weight, every float feed
  const targets: { name: string; data: FArr; grad: FArr | undefined; after: () => void }[] = [];
  for (const name of Object.keys(p.weightRefs)) targets.push({ name, data: p.initializers[name].data as FArr, grad: back.grads.get(name), after: () => markWeightsChanged(p, [name]) });
  for (const inp of p.inputs) {
    if (inp.dtype !== 'float32') continue;
    targets.push({ name: inp.name, data: f[inp.name].data as FArr, grad: back.inputGrads.get(inp.value), after: () => {} });
  }
  const eps = o.eps ?? 1e-6, tol = o.tol ?? 1e-6;
  const failures: GradcheckFailure[] = [];
  let worst = 0;
  const compare = (tensor: string, analytic: number, numeric: number, scale: number, at?: number) => {
    const err = Math.abs(analytic - numeric) / Math.max(1, scale);
    if (!(err <= worst)) worst = err;
    if (!(err <= tol)) failures.push({ tensor, at, analytic, numeric });
  };
  for (const t of targets) {
    const n = t.data.length;
    const g = (i: number) => (t.grad ? t.grad[i] : 0);
    const at = (u: Float64Array | number, sign: number) => {
      if (typeof u === 'number') t.data[u] += sign * eps;
      else for (let i = 0; i < n; i++) t.data[i] += sign * eps * u[i];
      t.after();
    };
    if ((o.mode ?? 'directional') === 'directional') {
      const u = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
      const base = Float64Array.from(t.data);
      at(u, +1);
      const lp = loss();
      t.data.set(base);
      at(u, -1);
      const lm = loss();
      t.data.set(base);
      t.after();
      let dot = 0, scale = 0;
      for (let i = 0; i < n; i++) { dot += g(i) * u[i]; scale += Math.abs(g(i) * u[i]); }
      compare(t.name, dot, (lp - lm) / (2 * eps), scale);
    } else {
      const k = Math.min(n, o.coords ?? 4);
      for (let c = 0; c < k; c++) {
        const i = k === n ? c : Math.floor(rng.next() * n);
        const v = t.data[i];
        at(i, +1);
        const lp = loss();
        t.data[i] = v;
        at(i, -1);
        const lm = loss();
        t.data[i] = v;
        t.after();
        compare(t.name, g(i), (lp - lm) / (2 * eps), Math.abs(g(i)), i);
      }
    }
  }
  return { ok: failures.length === 0, failures, checked: targets.map((t) => t.name), worst };
}

/** a readable summary of failures for an assertion message */
export function describeFailures(r: GradcheckResult): string {
  return r.failures.map((x) => `${x.tensor}${x.at !== undefined ? `[${x.at}]` : ''}: analytic ${x.analytic}, numeric ${x.numeric}`).join('; ');
}
