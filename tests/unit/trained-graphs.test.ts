// Every example in graphs/ trained by `seqgraph train` stores its test metric in the file's
// `trained` section; `seqgraph evaluate` on the same data and the same test rows must give exactly
// that number (so the README table can't drift from the weights). Each is evaluated once on its
// stored test split (accuracy and PER exactly; losses, CE and RMSE to 1e-7 relative); where training capped the scored rows (--eval-rows, the G2P model) the same
// evenly spaced rows are scored here.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { main } from '../../src/cli/main';

afterEach(() => vi.restoreAllMocks());

const trained = readdirSync('graphs')
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: `graphs/${f}`, doc: JSON.parse(readFileSync(`graphs/${f}`, 'utf8')) }))
  .filter((g) => g.doc.trained?.test);

/** the README's promise for each trained example */
const BAR: Record<string, (t: { metric: string; value: number; extra?: Record<string, number> }) => void> = {
  'name-gender': (t) => expect(t.value).toBeGreaterThanOrEqual(0.8),
  'spam-filter': (t) => expect(t.value).toBeGreaterThanOrEqual(0.95),
  'co2-forecaster': (t) => expect(t.extra!.improvement).toBeGreaterThanOrEqual(0.2),
  'stress-tagger': (t) => expect(t.value).toBeGreaterThanOrEqual(0.9),
  // the G2P targets: phoneme error rate <= 12%, word error rate <= 45%
  'g2p-cmudict': (t) => {
    expect(t.value).toBeLessThanOrEqual(0.12);
    expect(t.extra!.wer).toBeLessThanOrEqual(0.45);
  },
  // a uniform guess over 28 letters and </s> is ln 29 = 3.37 nats
  'name-generator': (t) => expect(t.value).toBeLessThanOrEqual(2.2),
};

describe('trained example graphs: the stored test metric is what `seqgraph evaluate` gives', () => {
  it('there are trained examples', () => expect(trained.map((g) => g.doc.name).sort()).toEqual(expect.arrayContaining(['co2-forecaster', 'name-gender'])));
  for (const { file, doc } of trained) {
    it(`${file}: ${doc.trained.test.metric} ${doc.trained.test.value}`, async () => {
      let out = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const code = await main(['evaluate', file, '--json', '--rows', String(doc.trained.test.rows), '--examples', '0']);
      vi.restoreAllMocks();
      expect(code).toBe(0);
      const r = JSON.parse(out);
      expect(r.rows).toBe(doc.trained.test.rows);
      expect(r.metrics.metric.name).toBe(doc.trained.test.metric);
      // counts (accuracy, PER) agree exactly; sums of float32 losses to 1e-7 relative: the trained
      // process and a fresh load sum them in float32 kernels whose rounding differs in the last bits
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-7 * Math.abs(b));
      if (['accuracy', 'per'].includes(doc.trained.test.metric)) expect(r.metrics.metric.value).toBe(doc.trained.test.value);
      else close(r.metrics.metric.value, doc.trained.test.value);
      close(r.metrics.loss, doc.trained.test.loss);
      BAR[doc.name]?.(doc.trained.test);
    }, 120_000);
  }
});
