// Training in the editor: pick a data set, fit the graph to it, train the name classifier for a
// short run in the Web Worker; the loss curve appears and falls, pause/resume continues from the
// same step, and the trained weights give the same probabilities in the Run tab as
// `seqgraph run` on the saved file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openEditor, openFixtureGraph, shot } from './helpers';

/** `seqgraph run <file> --input feeds.json` on one name: the probabilities by class */
function cliProbs(file: string, name: string): number[] {
  const graph = JSON.parse(readFileSync(file, 'utf8'));
  const input = graph.nodes.find((n: { type: string }) => n.type === 'Input');
  const vocab: string[] = input.params.vocab;
  const text = input.params.lowercase ? name.toLowerCase() : name;
  const ids = Array.from(text).map((ch) => (vocab.indexOf(ch) >= 0 ? vocab.indexOf(ch) : vocab.indexOf('<unk>')));
  const feeds = join(mkdtempSync(join(tmpdir(), 'seqgraph-e2e-')), 'feeds.json');
  writeFileSync(feeds, JSON.stringify({ [input.name]: { dtype: 'int64', shape: [1, ids.length], data: ids } }));
  const out = execFileSync(process.execPath, ['bin/seqgraph.js', 'run', file, '--input', feeds], { encoding: 'utf8' });
  return JSON.parse(out).probs.data;
}

type Steps = { step: number[]; loss: number[] };
const steps = (page: Page) => page.evaluate(() => {
  const t = (window as unknown as { seqgraph: { train: { steps: Steps } } }).seqgraph.train.steps;
  return { step: [...t.step], loss: [...t.loss] };
});

test('train the name classifier in the browser: the loss falls, pause/resume continues, Run = CLI on the saved file', async ({ page }) => {
  test.setTimeout(90_000);
  await openEditor(page);
  await openFixtureGraph(page, 'name-classifier', false);
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-dataset').selectOption('names-gender');
  // a classifier with other classes than the data's 2: the error says so and offers the fix
  const fit = page.getByTestId('train-fit-probs');
  await expect(fit.or(page.getByTestId('train-preview'))).toBeVisible({ timeout: 15_000 });
  if (await fit.isVisible()) {
    await expect(page.getByTestId('train-data-error')).toContainText(/scores \d+ classes/);
    await shot(page, 'train-fit-output');
    await fit.click();
  }
  await expect(page.getByTestId('train-preview')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('train-report')).toContainText('kept');
  await expect(page.getByTestId('train-loss-probs')).toHaveValue('CrossEntropyLoss');
  await page.getByTestId('train-preview').scrollIntoViewIfNeeded();
  await shot(page, 'train-mapping');
  await page.getByTestId('train-epochs').fill('1');
  // batch 16: 400 steps, so the run is still going when the test pauses it (a cross-origin
  // isolated page trains ~1.4x faster: at batch 64 the epoch could end first)
  await page.getByTestId('train-batch-size').fill('16');
  await page.getByTestId('train-lr').fill('0.01');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-chart-loss-box').locator('canvas')).toBeVisible({ timeout: 20_000 });
  await expect.poll(async () => (await steps(page)).step.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);

  // pause: no step runs while paused; resume: the next step is the one after
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-resume')).toBeVisible();
  const at = await steps(page);
  const last = at.step.at(-1)!;
  await page.waitForTimeout(600);
  expect((await steps(page)).step.at(-1)).toBe(last);
  await expect(page.getByTestId('train-step')).toHaveText(String(last));
  await shot(page, 'train-paused');
  await page.getByTestId('train-resume').click();
  await expect.poll(async () => (await steps(page)).step.length, { timeout: 10_000 }).toBeGreaterThan(at.step.length);
  const after = await steps(page);
  expect(after.step.slice(at.step.length - 1, at.step.length + 1)).toEqual([last, last + 1]);

  // to the end of the (one) epoch: results on the test split
  await expect(page.getByTestId('train-results')).toBeVisible({ timeout: 45_000 });
  const all = await steps(page);
  expect(all.step).toEqual(all.step.map((_, i) => i + 1)); // every step once, in order
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  expect(mean(all.loss.slice(-10))).toBeLessThan(mean(all.loss.slice(0, 10)) - 0.05);
  await expect(page.getByTestId('train-confusion')).toBeVisible();
  const acc = Number((await page.getByTestId('train-test-metric').textContent())!.replace('%', ''));
  expect(acc).toBeGreaterThan(60);
  await page.getByTestId('train-panel').locator('..').evaluate((el) => (el.scrollTop = 0));
  await shot(page, 'train-results');
  await page.getByTestId('train-chart-loss-box').scrollIntoViewIfNeeded();
  await shot(page, 'train-charts');

  // the trained weights are in the graph: the Run tab and `seqgraph run` on the saved file agree
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('action-saveFile').click()]);
  const file = join(mkdtempSync(join(tmpdir(), 'seqgraph-e2e-')), 'trained.json');
  writeFileSync(file, readFileSync(await download.path(), 'utf8'));
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved.training.data.source).toEqual({ builtin: 'names-gender' });
  expect(saved.training.epochs).toBe(1);
  const expected = cliProbs(file, 'Maria');
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-name').fill('Maria');
  await page.getByTestId('run-button').click();
  const rows = page.getByTestId('output-probs').getByTestId('class-row');
  await expect(rows).toHaveCount(2);
  for (let i = 0; i < 2; i++) {
    const r = rows.nth(i);
    const index = Number(await r.getAttribute('data-index'));
    expect(Math.abs(Number(await r.getAttribute('data-value')) - expected[index])).toBeLessThanOrEqual(1e-6);
  }

  // one click from a test example into the inspector: its h_t and its ∂loss/∂h_t against its target
  await page.getByTestId('tab-train').click();
  const row = page.getByTestId('train-example-row').first();
  const name = (await row.locator('td').first().textContent())!;
  const target = (await row.locator('td').nth(1).textContent())!;
  await row.click();
  await expect(page.getByTestId('inspector-panel')).toBeVisible();
  await expect(page.getByTestId('grad-target')).toContainText(`${target} (the target)`, { timeout: 15_000 });
  await expect(page.getByTestId('grad-heatmap-forward')).toBeVisible();
  await expect(page.getByTestId('grad-norm-plot').locator('canvas')).toBeVisible();
  expect(name.length).toBeGreaterThan(0);
  await page.getByTestId('grad-view').scrollIntoViewIfNeeded();
  await shot(page, 'inspector-gradients');
});
