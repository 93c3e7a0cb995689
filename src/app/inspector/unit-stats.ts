// The numbers the inspector computes from a trace, apart from drawing: per-unit mean and
// variance (to sort units), gate saturation (how often a gate is nearly shut or wide open), and
// LSTMVis-style pattern selection: pick a range of steps and a threshold, get the units that stay
// above it over the whole range, then find every other stretch of the input where those same
// units are on together. Only real steps count: padding past a row's length is never a value.
import type { NodeTrace } from '../../runtime/trace';
import { valueAt, type MatrixView, type QuantityKind } from './trace-quantities';

export interface UnitStats {
  mean: Float64Array;
  variance: Float64Array;
  /** how many steps each unit's stats are over */
  count: number;
}

/** Mean and (population) variance of every unit over the real steps of one row. */
export function unitStats(m: MatrixView): UnitStats {
  const n = m.validCols;
  const mean = new Float64Array(m.rows);
  const variance = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    // two passes (mean, then squared deviations): exact enough for float32 data and no cancellation
    let s = 0;
    for (let c = 0; c < n; c++) s += valueAt(m, r, c);
    const mu = n ? s / n : 0;
    let v = 0;
    for (let c = 0; c < n; c++) {
      const d = valueAt(m, r, c) - mu;
      v += d * d;
    }
    mean[r] = mu;
    variance[r] = n ? v / n : 0;
  }
  return { mean, variance, count: n };
}

export type UnitSort = 'index' | 'mean' | 'variance';

/**
 * The order units are drawn in, top to bottom: by index, or by mean or variance, largest first
 * (ties keep index order, so the order is stable from one run to the next).
 */
export function unitOrder(stats: UnitStats, by: UnitSort): Int32Array {
  const H = stats.mean.length;
  const order = Int32Array.from({ length: H }, (_, i) => i);
  if (by === 'index') return order;
  const key = by === 'mean' ? stats.mean : stats.variance;
  return order.sort((a, b) => key[b] - key[a] || a - b);
}

/** Where a gate counts as saturated: sigmoid gates below 0.1 / above 0.9; tanh candidates below −0.9 / above 0.9. */
export function saturationBounds(kind: QuantityKind): { low: number; high: number } {
  return kind === 'tanh' ? { low: -0.9, high: 0.9 } : { low: 0.1, high: 0.9 };
}

export interface Saturation {
  low: number;
  high: number;
  /** share of values below the low bound, above the high bound: overall and per unit */
  lowShare: number;
  highShare: number;
  perUnitLow: Float64Array;
  perUnitHigh: Float64Array;
  /** how many values (rows × real steps) each unit's share is over */
  count: number;
}

/** Saturation of one gate over every row of the batch and every real step. */
export function gateSaturation(data: Float32Array, node: Pick<NodeTrace, 'batch' | 'steps' | 'hidden_size' | 'lengths'>, kind: QuantityKind): Saturation {
  const { low, high } = saturationBounds(kind);
  const H = node.hidden_size;
  const T = node.steps;
  const lowN = new Float64Array(H);
  const highN = new Float64Array(H);
  let count = 0;
  for (let b = 0; b < node.batch; b++) {
    const len = node.lengths[b] ?? T;
    count += len;
    for (let t = 0; t < len; t++) {
      const base = (b * T + t) * H;
      for (let u = 0; u < H; u++) {
        const v = data[base + u];
        if (v < low) lowN[u]++;
        else if (v > high) highN[u]++;
      }
    }
  }
  let lo = 0;
  let hi = 0;
  for (let u = 0; u < H; u++) {
    lo += lowN[u];
    hi += highN[u];
    lowN[u] = count ? lowN[u] / count : 0;
    highN[u] = count ? highN[u] / count : 0;
  }
  const all = count * H;
  return { low, high, lowShare: all ? lo / all : 0, highShare: all ? hi / all : 0, perUnitLow: lowN, perUnitHigh: highN, count };
}

export interface StepRange {
  from: number;
  to: number;
}

/** The units whose value is at or above `threshold` at every step of the range (LSTMVis's selection). */
export function unitsAboveThreshold(m: MatrixView, range: StepRange, threshold: number): number[] {
  const from = Math.max(0, Math.min(range.from, range.to));
  const to = Math.min(m.validCols - 1, Math.max(range.from, range.to));
  const out: number[] = [];
  if (to < from) return out;
  for (let r = 0; r < m.rows; r++) {
    let on = true;
    for (let c = from; c <= to && on; c++) on = valueAt(m, r, c) >= threshold;
    if (on) out.push(r);
  }
  return out;
}

export interface PatternMatch {
  row: number;
  from: number;
  to: number;
  /** this is the stretch the selection was made on */
  isSelection: boolean;
}

/**
 * Every maximal stretch of steps, in every row, where all the given units are at or above the
 * threshold together, at least `minLength` steps long, longest first. That is LSTMVis's "match":
 * where else in the input does the same set of units switch on.
 */
export function patternMatches(
  data: Float32Array,
  node: Pick<NodeTrace, 'batch' | 'steps' | 'hidden_size' | 'lengths'>,
  units: number[],
  threshold: number,
  minLength: number,
  selection?: { row: number } & StepRange,
): PatternMatch[] {
  if (!units.length) return [];
  const H = node.hidden_size;
  const T = node.steps;
  const out: PatternMatch[] = [];
  for (let b = 0; b < node.batch; b++) {
    const len = node.lengths[b] ?? T;
    let start = -1;
    for (let t = 0; t <= len; t++) {
      let on = t < len;
      for (let k = 0; k < units.length && on; k++) on = data[(b * T + t) * H + units[k]] >= threshold;
      if (on && start < 0) start = t;
      if (!on && start >= 0) {
        if (t - start >= minLength) {
          const sel = !!selection && selection.row === b && start <= Math.min(selection.from, selection.to) && t - 1 >= Math.max(selection.from, selection.to);
          out.push({ row: b, from: start, to: t - 1, isSelection: sel });
        }
        start = -1;
      }
    }
  }
  return out.sort((a, b) => b.to - b.from - (a.to - a.from) || a.row - b.row || a.from - b.from);
}
