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

// Issue 11: graphs/ (and so the gallery) holds only trained examples, each with the command that
// made it, its seed and its test metric, in the file and in the README's table. Untrained graphs
// belong in tests/fixtures/graphs/.
const EXAMPLES = readdirSync('graphs').filter((f) => f.endsWith('.json')).sort();

describe('graphs/ holds only trained examples', () => {
  it.each(EXAMPLES)('%s has a trained record: command, seed, test metric', (f) => {
    const doc = JSON.parse(readFileSync(`graphs/${f}`, 'utf8'));
    const t = doc.trained;
    expect(t, `graphs/${f} has no "trained" record: train it with \`seqgraph train\` or move it to tests/fixtures/graphs/`).toBeDefined();
    expect(t.command).toMatch(new RegExp(`^seqgraph train graphs/${f.replace('.', '\\.')} `));
    expect(Number.isInteger(t.seed)).toBe(true);
    expect(typeof t.test?.metric).toBe('string');
    expect(Number.isFinite(t.test.value)).toBe(true);
    expect(t.test.rows).toBeGreaterThan(0);
    // the budget: each example trained in at most 30 minutes on the 2-core machine
    expect(t.seconds, `graphs/${f}: training time`).toBeLessThanOrEqual(30 * 60);
  });

  it("the README's table lists exactly these, each with its command, seed and test metric", () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Trained examples'));
    const rows = section.split('\n').filter((l) => /^\| `[^`]+\.json` \|/.test(l)).map((l) => l.split(' | '));
    expect(rows.map((r) => r[0].slice(3, -1)).sort()).toEqual(EXAMPLES);
    for (const [file, , command, seed, metric] of rows) {
      const f = file.slice(3, -1);
      const t = JSON.parse(readFileSync(`graphs/${f}`, 'utf8')).trained;
      expect(command, f).toContain(`npx seqgraph train graphs/${f} `);
      expect(Number(seed), f).toBe(t.seed);
      // as the table writes it: rates in percent with one decimal, errors and losses to 3 decimals
      const shown = ['accuracy', 'per'].includes(t.test.metric) ? `${(100 * t.test.value).toFixed(1)}%` : t.test.value.toFixed(3);
      expect(metric, f).toContain(shown);
    }
  });
});
