// A time series (one row per step, in time order) -> windows for a float forecaster. The split is
// by time (train, then validation, then test: the model is judged on a later stretch than it
// learned from); differences and the mean/std scaling are taken from the training stretch only,
// so nothing about the future leaks into the inputs. Also the "same as last value" baseline and
// RMSE in the data's own units.
import type { DataProblem, Row, Table } from './table';
import type { DataSpec } from './spec';
import type { FloatFeed, FloatTarget, Plan } from './plan';
import type { Example, PreparedData, PreparedInput, PreparedTarget } from './prepare';
import { toNumber } from './cells';
import { cellText } from './table';
import { splitSeries, SPLITS, type SplitName } from './split';
import { dict } from '../doc/dict';

export interface SeriesInfo {
  window: number;
  horizon: number;
  stride: number;
  /** columns taken as step-to-step changes */
  difference: string[];
  normalise: boolean;
  /** per column: the training stretch's mean and std (std 1 when constant or not normalised) */
  stats: Record<string, { mean: number; std: number }>;
  /** [start, end) rows of each split */
  ranges: Record<SplitName, [number, number]>;
  /** windows left out because a step in them has no number */
  skippedWindows: number;
}

export function prepareSeries(plan: Plan, table: Table, spec: DataSpec, rows: Row[]) {
  const opts = spec.series ?? { window: 24, stride: 1, horizon: 1, difference: [], normalise: true };
  const feeds = plan.feeds.filter((f): f is FloatFeed => f.kind === 'float');
  const targets = plan.targets.filter((t): t is FloatTarget => t.kind === 'float');
  const used = [...new Set([...feeds.flatMap((f) => f.columns), ...targets.flatMap((t) => t.columns)])];
  const n = rows.length;
  const problems: DataProblem[] = [];
  const bad = new Set<number>();

  // raw numbers; a cell that isn't one is reported and every window over it is skipped
  const values: Record<string, Float64Array> = {};
  for (const c of used) {
    const v = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const x = toNumber(rows[r][c]);
      if (x === null) {
        v[r] = NaN;
        if (!bad.has(r)) problems.push({ kind: cellText(rows[r][c]).trim() === '' ? 'empty' : 'unparseable_number', file: table.name, line: table.lines[r], row: r + 1, column: c, message: `"${cellText(rows[r][c]).slice(0, 40)}" in "${c}" is not a number` });
        bad.add(r);
      } else v[r] = x;
    }
    values[c] = v;
  }
  for (const c of opts.difference) {
    const v = values[c];
    if (!v) continue;
    const d = new Float64Array(n);
    d[0] = NaN; // the first step has no change
    for (let r = 1; r < n; r++) d[r] = v[r] - v[r - 1];
    values[c] = d;
  }

  const ranges = splitSeries(n, spec.split);
  const stats: SeriesInfo['stats'] = {};
  for (const c of used) {
    const [a, b] = ranges.train;
    let s = 0;
    let s2 = 0;
    let k = 0;
    for (let r = a; r < b; r++) {
      const x = values[c][r];
      if (Number.isFinite(x)) {
        s += x;
        s2 += x * x;
        k++;
      }
    }
    const mean = opts.normalise && k ? s / k : 0;
    const variance = k ? s2 / k - (s / k) ** 2 : 0;
    const std = opts.normalise && variance > 1e-12 ? Math.sqrt(variance) : 1;
    stats[c] = { mean, std };
  }
  const z = (c: string, r: number) => (values[c][r] - stats[c].mean) / stats[c].std;

  const W = opts.window;
  const h = opts.horizon;
  let skipped = 0;
  const splits: Record<SplitName, Example[]> = { train: [], validation: [], test: [] };
  const perStep = targets.some((t) => t.perStep);
  for (const split of SPLITS) {
    const [a, b] = ranges[split];
    // held-out windows don't overlap when every step is scored, so each step counts once
    const stride = split === 'train' ? opts.stride : perStep ? W : 1;
    for (let s = a; s + W - 1 + h < b; s += stride) {
      let ok = true;
      for (let r = s; r <= s + W - 1 + h && ok; r++) for (const c of used) if (!Number.isFinite(values[c][r])) ok = false;
      if (!ok) {
        skipped++;
        continue;
      }
      const ex: Example = { row: s, feeds: dict(), targets: dict(), length: W, baseline: dict() }; // keyed by the user's names
      for (const f of feeds) {
        const x = new Float32Array(W * f.features);
        for (let t = 0; t < W; t++) f.columns.forEach((c, j) => (x[t * f.features + j] = z(c, s + t)));
        ex.feeds[f.input.name] = x;
      }
      for (const t of targets) {
        const F = t.columns.length;
        const steps = t.perStep ? W : 1;
        const y = new Float32Array(steps * F);
        const base = new Float32Array(steps * F);
        for (let i = 0; i < steps; i++) {
          const at = t.perStep ? s + i : s + W - 1; // the last step the model has read
          t.columns.forEach((c, j) => {
            y[i * F + j] = z(c, at + h);
            // "same as last value": a level stays where it was; a change (differenced column) is 0
            base[i * F + j] = opts.difference.includes(c) ? (0 - stats[c].mean) / stats[c].std : z(c, at);
          });
        }
        ex.targets[t.output.name] = y;
        ex.baseline![t.output.name] = base;
      }
      splits[split].push(ex);
    }
  }

  const inputs: Record<string, PreparedInput> = {};
  for (const f of plan.feeds) inputs[f.input.name] = f.kind === 'float' ? { kind: 'float', columns: f.columns, features: f.features, sequence: f.sequence } : { kind: 'zeros' };
  const tgts: Record<string, PreparedTarget> = {};
  for (const t of targets) tgts[t.output.name] = { kind: 'float', columns: t.columns };
  const info: SeriesInfo = { window: W, horizon: h, stride: opts.stride, difference: opts.difference, normalise: opts.normalise, stats, ranges, skippedWindows: skipped };
  return { inputs, targets: tgts, splits, problems, info };
}

/** Values the model gives for an output (normalised) -> the data's units. Layout: [..., F]. */
export function denormalise(data: PreparedData, output: string, values: ArrayLike<number>): Float32Array {
  const cols = data.targets[output]?.columns ?? [];
  const st = cols.map((c) => data.series?.stats[c] ?? { mean: 0, std: 1 });
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = st[i % st.length];
    out[i] = values[i] * s.std + s.mean;
  }
  return out;
}

/** Root mean squared error in the data's units, over every scored value of these examples.
 *  `predictions[i]` is the model's output for examples[i] (normalised, the target's layout). */
export function forecastRMSE(data: PreparedData, output: string, examples: readonly Example[], predictions: readonly ArrayLike<number>[]): number {
  const cols = data.targets[output]?.columns ?? [];
  const std = cols.map((c) => data.series?.stats[c]?.std ?? 1);
  let sum = 0;
  let k = 0;
  examples.forEach((ex, i) => {
    const y = ex.targets[output];
    const p = predictions[i];
    if (p.length !== y.length) throw new Error(`prediction ${i} for "${output}" has ${p.length} values, its target ${y.length}`);
    for (let j = 0; j < y.length; j++) {
      const e = (p[j] - y[j]) * std[j % std.length];
      sum += e * e;
      k++;
    }
  });
  return k ? Math.sqrt(sum / k) : NaN;
}

/** RMSE of forecasting "the same as the last value seen" on a split: the bar a forecaster must beat. */
export function lastValueBaselineRMSE(data: PreparedData, split: SplitName, output: string): number {
  const ex = data.splits[split];
  return forecastRMSE(data, output, ex, ex.map((e) => e.baseline?.[output] ?? new Float32Array(0)));
}
