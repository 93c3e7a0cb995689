// Train / validation / test splits and per-epoch order, all from a seed, so the same spec gives
// the same rows in the same splits on every machine (mulberry32, the generator the compiler
// uses for fresh weights).
import { Rng } from '../compiler/rng';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

export interface SplitFractions {
  validation: number;
  test: number;
  seed: number;
}

/** Fisher–Yates over 0..n-1 with a seeded generator. */
export function permutation(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Counts per split: round(n × fraction) for validation and test, the rest for training. */
export function splitSizes(n: number, f: Pick<SplitFractions, 'validation' | 'test'>): Record<SplitName, number> {
  const test = Math.round(n * f.test);
  const validation = Math.min(n - test, Math.round(n * f.validation));
  return { train: n - test - validation, validation, test };
}

/** Rows 0..n-1 shuffled once with the seed and cut into test, validation and training parts;
 *  each part is returned in row order (training order is shuffled per epoch, later). */
export function splitRows(n: number, f: SplitFractions): Record<SplitName, number[]> {
  const sizes = splitSizes(n, f);
  const p = permutation(n, f.seed);
  const asc = (a: number[]) => a.sort((x, y) => x - y);
  return {
    test: asc(p.slice(0, sizes.test)),
    validation: asc(p.slice(sizes.test, sizes.test + sizes.validation)),
    train: asc(p.slice(sizes.test + sizes.validation)),
  };
}

/** A time series is split by time, never shuffled: the model is tested on a later stretch
 *  than it was trained on. Returns [start, end) row ranges. */
export function splitSeries(n: number, f: Pick<SplitFractions, 'validation' | 'test'>): Record<SplitName, [number, number]> {
  const s = splitSizes(n, f);
  return { train: [0, s.train], validation: [s.train, s.train + s.validation], test: [s.train + s.validation, n] };
}

/** The seed for one epoch's order: different every epoch, the same for the same (seed, epoch). */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}
