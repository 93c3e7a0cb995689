// The built-in sets: each loads with the counts docs/datasets.md states; the time series is
// split by time, scaled with the training stretch only, and its "same as last value" baseline
// is the RMSE of the actual step changes; and the browser build bundles every set as its own
// lazy chunk whose contents equal what Node reads (spam cleaned at build time included).
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { BUILTINS, loadBuiltin, prepareData, suggestSpec, lastValueBaselineRMSE, forecastRMSE, makeBatch, type Table } from '../../src/data/index';
import { seqgraphData } from '../../src/data/builtin/vite-plugin';

const regressor = () => {
  const r = checkGraph(JSON.parse(readFileSync('tests/fixtures/graphs/time-series-regressor.json', 'utf8')));
  if (!r.ok) throw new Error('graph');
  return compile(r.doc).program!;
};

describe('built-in sets load with the documented counts', () => {
  for (const b of BUILTINS) {
    it(`${b.name}: ${b.rows} rows, columns and licence stated`, async () => {
      const t = await loadBuiltin(b.name);
      expect(t.rows.length).toBe(b.rows);
      expect(t.problems).toEqual([]);
      expect(b.licence.length).toBeGreaterThan(5);
      for (const c of Object.values(b.roles).flat()) expect(t.columns).toContain(c);
    });
  }
  it('names in both lists are left out of names-gender, spam has no repeats, CMUdict words are letters', async () => {
    const g = await loadBuiltin('names-gender');
    const names = await loadBuiltin('names');
    const both = names.rows.filter((r) => r.gender === 'both').map((r) => String(r.name).toLowerCase());
    expect(both.length).toBe(419);
    const inGender = new Set(g.rows.map((r) => String(r.name).toLowerCase()));
    expect(both.some((n) => inGender.has(n))).toBe(false);
    const spam = await loadBuiltin('spam-assassin');
    expect(new Set(spam.rows.map((r) => r.text)).size).toBe(spam.rows.length);
    expect(spam.rows.filter((r) => r.label === 'spam').length).toBe(1_771);
    expect(spam.rows.every((r) => !/^(received|return-path):/im.test(String(r.text)))).toBe(true);
    const g2p = await loadBuiltin('cmudict-g2p');
    expect(g2p.rows.find((r) => r.word === 'hello')).toEqual({ word: 'hello', phonemes: 'HH AH L OW', phonemes_stress: 'HH AH0 L OW1' });
  });
});

describe('co2-concentration on the regressor (forecast, N→N)', async () => {
  const table = await loadBuiltin('co2-concentration');
  const program = regressor();
  const spec = suggestSpec(program, table, { builtin: 'co2-concentration' });
  const data = prepareData(program, table, spec);
  const co2 = table.rows.map((r) => Number(r.co2));
  const change = co2.map((x, i) => (i ? x - co2[i - 1] : NaN));

  it('is split by time and scaled with the training stretch\'s mean and std of the monthly change', () => {
    expect(spec.inputs.series).toEqual({ columns: ['co2', 'month_sin', 'month_cos'] });
    const { train, validation, test } = data.series!.ranges;
    expect([train, validation, test]).toEqual([[0, 470], [470, 571], [571, 672]]);
    const tr = change.slice(1, 470);
    const mean = tr.reduce((s, x) => s + x, 0) / tr.length;
    const std = Math.sqrt(tr.reduce((s, x) => s + (x - mean) ** 2, 0) / tr.length);
    expect(data.series!.stats.co2.mean).toBeCloseTo(mean, 10);
    expect(data.series!.stats.co2.std).toBeCloseTo(std, 10);
    // the test stretch has no say: change it, and nothing about the scaling moves
    const edited: Table = { ...table, rows: table.rows.map((r, i) => (i >= 571 ? { ...r, co2: String(Number(r.co2) + 50) } : r)) };
    expect(prepareData(program, edited, spec).series!.stats).toEqual(data.series!.stats);
  });

  it('windows [B, 24, 3] -> targets [B, 24, 1]: the next month\'s change; the baseline RMSE is the RMS of the real changes', () => {
    const b = makeBatch(data, data.splits.test);
    expect(b.feeds.series.shape).toEqual([4, 24, 3]);
    expect(b.targets.forecast.shape).toEqual([4, 24, 1]);
    const ex = data.splits.test[0];
    const { mean, std } = data.series!.stats.co2;
    expect(ex.targets.forecast[0] * std + mean).toBeCloseTo(change[ex.row + 1], 4);
    const scored = data.splits.test.flatMap((e) => Array.from({ length: 24 }, (_, t) => change[e.row + t + 1]));
    const rms = Math.sqrt(scored.reduce((s, x) => s + x * x, 0) / scored.length);
    expect(lastValueBaselineRMSE(data, 'test', 'forecast')).toBeCloseTo(rms, 4);
    // a perfect forecast scores 0; predicting the training mean change scores the std about 0
    expect(forecastRMSE(data, 'forecast', data.splits.test, data.splits.test.map((e) => e.targets.forecast))).toBe(0);
  });
});

describe('the browser build', () => {
  it('emits each set as a lazy chunk, apart from the code, holding what Node reads', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'seqgraph-data-build-'));
    try {
      await build({
        configFile: false, logLevel: 'silent', plugins: [seqgraphData()],
        build: {
          outDir: out, emptyOutDir: true, target: 'es2022', modulePreload: false, chunkSizeWarningLimit: 100_000,
          rollupOptions: { input: 'tests/helpers/data-build-entry.ts', output: { entryFileNames: 'entry.js' } },
        },
      });
      const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
      const chunks = files(out).filter((f) => f.endsWith('.js') && !f.endsWith('entry.js')).map((f) => ({ f, size: statSync(f).size, text: readFileSync(f, 'utf8') }));
      const entry = readFileSync(path.join(out, 'entry.js'), 'utf8');
      // the code people load first holds none of the data
      expect(entry.length).toBeLessThan(300_000);
      for (const marker of ['AH0 B AA1 B AH0', 'Abagael', 'Aaron', 'garrigues', '1958-03-01,315.70', '2012-01-01,0.0,12.8']) {
        expect(entry.includes(marker), marker).toBe(false);
        expect(chunks.filter((c) => c.text.includes(marker)).length, marker).toBe(1);
      }
      // spam was cleaned at build time: no raw headers in its chunk
      const spam = chunks.find((c) => c.text.includes('garrigues'))!;
      expect(spam.text.includes('Return-Path')).toBe(false);
      expect(spam.size).toBeLessThan(9_000_000);
      // the built chunks give the same tables as Node's reader
      await import(pathToFileURL(path.join(out, 'entry.js')).href);
      const built = (globalThis as any).seqgraphDataTest as { loadBuiltin: typeof loadBuiltin };
      // (spam: its chunk holds Node's cleaning of the mails, checked on the text, not loaded again)
      const nodeSpam = await loadBuiltin('spam-assassin');
      for (const r of nodeSpam.rows.slice(0, 20)) expect(spam.text.includes(JSON.stringify(String(r.text)).slice(1, -1).slice(0, 200)), String(r.id)).toBe(true);
      for (const name of ['names-gender', 'co2-concentration'] as const) {
        const [a, b] = [await built.loadBuiltin(name), await loadBuiltin(name)];
        expect(a.rows.length, name).toBe(b.rows.length);
        expect(a.rows.slice(0, 50), name).toEqual(b.rows.slice(0, 50));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
