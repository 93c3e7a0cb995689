// The inspector's numbers, apart from drawing: per-unit mean and variance and the unit order
// they give, gate saturation, LSTMVis pattern selection and matches — on hand-made traces where
// the answer is known, with ragged rows (padding never counts).
import { describe, it, expect } from 'vitest';
import { gateSaturation, patternMatches, saturationBounds, unitOrder, unitStats, unitsAboveThreshold } from '../../src/app/inspector/unit-stats';
import { queriesByKeys, unitsBySteps, valueAt, float32String, quantitiesOf } from '../../src/app/inspector/trace-quantities';

/** a [B, T, H] array from values[b][t][u] (missing steps are padding: 0) */
function bth(values: number[][][], T: number, H: number): Float32Array {
  const a = new Float32Array(values.length * T * H);
  values.forEach((row, b) => row.forEach((step, t) => step.forEach((v, u) => (a[(b * T + t) * H + u] = v))));
  return a;
}

// 2 rows, 5 steps (row 1 has 3), 3 units
const T = 5;
const H = 3;
const node = { batch: 2, steps: T, hidden_size: H, lengths: [5, 3] };
const data = bth(
  [
    [[0.9, 0.0, 0.5], [0.95, 0.2, 0.5], [0.05, 0.4, 0.5], [0.92, 0.6, 0.5], [0.97, 0.8, 0.5]],
    [[0.91, 0.1, 0.05], [0.93, 0.1, 0.05], [0.2, 0.1, 0.05]],
  ],
  T,
  H,
);

describe('views into the trace', () => {
  it('unitsBySteps reads [b][t][u] in place; valueAt(unit, step)', () => {
    const m = unitsBySteps(data, node, 1);
    expect(m.rows).toBe(H);
    expect(m.cols).toBe(T);
    expect(m.validCols).toBe(3);
    expect(valueAt(m, 0, 1)).toBeCloseTo(0.93, 6);
    expect(valueAt(m, 2, 2)).toBeCloseTo(0.05, 6);
  });
  it('queriesByKeys reads [b][head][q][k]', () => {
    const w = Float32Array.from({ length: 2 * 2 * 3 * 4 }, (_, i) => i);
    const a = { node: 'a', name: 'a', type: 'Attention', score: 'dot', batch: 2, heads: 2, queries: 3, keys: 4, weights: w, query_lengths: [3, 2], key_lengths: [4, 3] };
    const m = queriesByKeys(a, 1, 1);
    expect(valueAt(m, 2, 3)).toBe(((1 * 2 + 1) * 3 + 2) * 4 + 3);
    expect([m.validRows, m.validCols]).toEqual([2, 3]);
  });
  it('quantities: h, c, then the gates in recorded order, each with its kind', () => {
    const z = new Float32Array(1);
    const qs = quantitiesOf({ layer: 0, direction: 'forward', h: z, c: z, gates: { i: z, f: z, g: z, o: z } });
    expect(qs.map((q) => `${q.key}:${q.kind}`)).toEqual(['h:state', 'c:state', 'i:sigmoid', 'f:sigmoid', 'g:tanh', 'o:sigmoid']);
  });
  it('float32String is the shortest decimal that reads back as the same float32', () => {
    for (const v of [0.1, -0.35335171222686768, 1 / 3, 1e-8, 123456.789, 0]) {
      const s = float32String(v);
      expect(Math.fround(Number(s))).toBe(Math.fround(v));
      expect(s.replace(/^-?0?\.?/, '').replace(/e.*$/, '').length).toBeLessThanOrEqual(9);
    }
    expect(float32String(Math.fround(0.1))).toBe('0.1');
  });
});

describe('unit statistics and order', () => {
  it('mean and variance over the real steps only', () => {
    const s = unitStats(unitsBySteps(data, node, 1));
    expect(s.count).toBe(3);
    expect(s.mean[0]).toBeCloseTo((0.91 + 0.93 + 0.2) / 3, 6);
    expect(s.variance[1]).toBeCloseTo(0, 12);
    const xs = [0.91, 0.93, 0.2];
    const m = xs.reduce((a, b) => a + b) / 3;
    expect(s.variance[0]).toBeCloseTo(xs.reduce((a, b) => a + (b - m) ** 2, 0) / 3, 6);
  });
  it('orders by mean or variance, largest first; ties keep index order', () => {
    const s = unitStats(unitsBySteps(data, node, 0));
    expect(Array.from(unitOrder(s, 'index'))).toEqual([0, 1, 2]);
    expect(Array.from(unitOrder(s, 'mean'))).toEqual([0, 2, 1]);
    expect(Array.from(unitOrder(s, 'variance'))).toEqual([0, 1, 2]);
    const flat = { mean: new Float64Array([1, 1, 1]), variance: new Float64Array(3), count: 1 };
    expect(Array.from(unitOrder(flat, 'mean'))).toEqual([0, 1, 2]);
  });
});

describe('gate saturation', () => {
  it('shares below 0.1 and above 0.9, per unit and overall, over every row’s real steps', () => {
    const s = gateSaturation(data, node, 'sigmoid');
    // unit 0: > 0.9 at 0.95 0.92 0.97 (row 0; 0.9 is not > 0.9) + 0.91 0.93 (row 1) = 5 of 8; < 0.1: 0.05 = 1 of 8
    expect(s.count).toBe(8);
    expect(s.perUnitHigh[0]).toBeCloseTo(5 / 8, 12);
    expect(s.perUnitLow[0]).toBeCloseTo(1 / 8, 12);
    // unit 1: < 0.1 at 0.0 only (0.1 is not < 0.1)
    expect(s.perUnitLow[1]).toBeCloseTo(1 / 8, 12);
    // unit 2: 0.05 three times in row 1; the padding zeros of row 1 do not count
    expect(s.perUnitLow[2]).toBeCloseTo(3 / 8, 12);
    expect(s.lowShare).toBeCloseTo((1 + 1 + 3) / 24, 12);
    expect(s.highShare).toBeCloseTo(5 / 24, 12);
  });
  it('tanh candidates saturate at ±0.9', () => {
    expect(saturationBounds('tanh')).toEqual({ low: -0.9, high: 0.9 });
    const s = gateSaturation(Float32Array.from([-0.95, 0.95, 0, 0.5]), { batch: 1, steps: 4, hidden_size: 1, lengths: [4] }, 'tanh');
    expect([s.lowShare, s.highShare]).toEqual([0.25, 0.25]);
  });
});

describe('pattern selection (LSTMVis)', () => {
  it('units at or above the threshold over the whole range', () => {
    const m = unitsBySteps(data, node, 0);
    expect(unitsAboveThreshold(m, { from: 0, to: 1 }, 0.5)).toEqual([0, 2]);
    expect(unitsAboveThreshold(m, { from: 1, to: 0 }, 0.5)).toEqual([0, 2]); // a range dragged right to left
    expect(unitsAboveThreshold(m, { from: 0, to: 4 }, 0.5)).toEqual([2]);
    expect(unitsAboveThreshold(m, { from: 3, to: 4 }, 0.55)).toEqual([0, 1]);
    // steps past the row's end are cut off
    expect(unitsAboveThreshold(unitsBySteps(data, node, 1), { from: 0, to: 4 }, 0.15)).toEqual([0]);
  });
  it('matches: every maximal stretch where all the units are on, in every row, longest first', () => {
    // (0.85, not 0.9: the float32 nearest 0.9 is just below it)
    const ms = patternMatches(data, node, [0], 0.85, 1, { row: 0, from: 0, to: 1 });
    expect(ms.map((m) => [m.row, m.from, m.to, m.isSelection])).toEqual([
      [0, 0, 1, true],
      [0, 3, 4, false],
      [1, 0, 1, false],
    ]);
    expect(patternMatches(data, node, [0, 1], 0.5, 1)).toEqual([{ row: 0, from: 3, to: 4, isSelection: false }]);
    expect(patternMatches(data, node, [0], 0.85, 3)).toEqual([]);
    expect(patternMatches(data, node, [], 0.5, 1)).toEqual([]);
  });
});
