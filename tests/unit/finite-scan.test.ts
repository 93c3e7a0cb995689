// firstNonFinite is the NaN/Inf check on every feed and every op's result (execute.ts): its
// fast path sums x * 0 in four lanes, so each lane and the tail need their own check.
import { describe, expect, it } from 'vitest';
import { firstNonFinite } from '../../src/runtime/tensor';

describe('firstNonFinite', () => {
  it('finds the first NaN or ±Inf at every position of every length, or says -1', () => {
    for (let n = 0; n <= 11; n++) {
      expect(firstNonFinite(new Float32Array(n).fill(1.5))).toBe(-1);
      for (let i = 0; i < n; i++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const d = new Float32Array(n).map((_, j) => j - 3.25);
          d[i] = bad;
          if (i + 2 < n) d[i + 2] = NaN; // a later one too: the first is the one reported
          expect(firstNonFinite(d)).toBe(i);
        }
      }
    }
  });
  it('passes the largest finite floats and -0 (x * 0 stays finite)', () => {
    expect(firstNonFinite(new Float32Array([3.4028234663852886e38, -3.4028234663852886e38, -0, 1e-45, 0]))).toBe(-1);
    expect(firstNonFinite([Number.MAX_VALUE, -Number.MAX_VALUE])).toBe(-1);
  });
});
