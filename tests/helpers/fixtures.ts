// Reading the reference numbers in tests/fixtures (made by PyTorch and by the ONNX project; copied from the steering repo's shared/fixtures, see tests/fixtures/README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

export const FIXTURES = path.resolve(process.cwd(), 'tests/fixtures');

export interface FixTensor {
  shape: number[];
  data: number[];
}

export function loadFixture<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, rel), 'utf8')) as T;
}

/** max |a - b|, with the index of the worst entry */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; at: number } {
  if (a.length !== b.length) return { diff: Infinity, at: -1 };
  let diff = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) {
      diff = d;
      at = i;
    }
  }
  return { diff, at };
}

export function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): number {
  const { diff, at } = maxAbsDiff(got, want);
  expect(got.length, `${what}: length`).toBe(want.length);
  expect(diff, `${what}: max abs diff ${diff} at ${at} (got ${got[at]}, want ${want[at]})`).toBeLessThanOrEqual(tol);
  return diff;
}
