// src/train/metrics.ts against hand-computed cases (and G2P's convention: PER = Σ edits / Σ
// reference phonemes, WER = words with any error).
import { describe, expect, it } from 'vitest';
import { editDistance, errorRates, confusionMatrix, accuracyOf, classReport, argmax, rmse, improvementOver, crossEntropyReport } from '../../src/train/metrics';

describe('task metrics', () => {
  it('edit distance: insertions, deletions, substitutions cost 1 each', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance(['K', 'AE', 'T'], ['K', 'AE', 'T'])).toBe(0);
    expect(editDistance(['K', 'AE', 'T'], ['K', 'AH', 'T', 'S'])).toBe(2);
    expect(editDistance([1, 2, 3, 4], [2, 3, 4, 1])).toBe(2);
  });

  it('phoneme and word error rates over (reference, hypothesis) pairs', () => {
    const r = errorRates<string>([
      [['K', 'AE', 'T'], ['K', 'AE', 'T']],
      [['D', 'AO', 'G'], ['D', 'AA', 'G', 'Z']],
      [['F', 'IH', 'SH'], ['F', 'IH', 'SH']],
      [['B', 'ER', 'D'], []],
    ]);
    expect(r.edits).toBe(2 + 3);
    expect(r.symbols).toBe(12);
    expect(r.symbolErrorRate).toBeCloseTo(5 / 12, 15);
    expect(r.sequenceErrorRate).toBe(0.5);
  });

  it('confusion matrix [target][prediction], accuracy, per-class precision/recall/F1', () => {
    const m = confusionMatrix(['a', 'b', 'c'], [0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2]);
    expect(m.matrix).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
    expect(accuracyOf(m)).toBeCloseTo(5 / 7, 15);
    const [a, b, c] = classReport(m);
    expect(a).toMatchObject({ support: 2, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(b.precision).toBeCloseTo(2 / 3, 15);
    expect(b.recall).toBe(1);
    expect(c.recall).toBeCloseTo(2 / 3, 15);
    expect(() => confusionMatrix(['a'], [0], [1])).toThrow(/class ids must be 0..0/);
  });

  it('argmax takes the first of ties (torch.argmax); RMSE; improvement; nats → bits, perplexity', () => {
    expect(argmax([0, 3, 1, 3], 0, 4)).toBe(1);
    expect(argmax([9, 0, 3, 1], 1, 3)).toBe(1);
    expect(rmse([1, 2, 3], [1, 2, 6])).toBeCloseTo(Math.sqrt(3), 15);
    expect(improvementOver(2, 1.5)).toBeCloseTo(0.25, 15);
    const ce = crossEntropyReport(Math.log(4));
    expect(ce.bits).toBeCloseTo(2, 12);
    expect(ce.perplexity).toBeCloseTo(4, 12);
  });
});
