// A reload mid-training: the Train tab says how many steps are lost since the last checkpoint
// (IndexedDB) and continues from it.
import { expect, test } from '@playwright/test';
import { openEditor, openGalleryGraph, shot } from './helpers';

test('reload mid-training: steps lost are named, and training continues from the checkpoint', async ({ page }) => {
  test.setTimeout(60_000);
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender', false);
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-dataset').selectOption('names-gender');
  const fit = page.getByTestId('train-fit-probs');
  await expect(fit.or(page.getByTestId('train-preview'))).toBeVisible({ timeout: 15_000 });
  if (await fit.isVisible()) await fit.click();
  await expect(page.getByTestId('train-preview')).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('train-batch-size').fill('64');
  await page.getByTestId('train-start').click();
  // past the first checkpoint (every 25 steps), then a few more
  await expect.poll(async () => Number(await page.getByTestId('train-step').textContent()), { timeout: 20_000 }).toBeGreaterThanOrEqual(27);
  await page.getByTestId('train-pause').click();
  const reached = Number(await page.getByTestId('train-step').textContent());
  const perEpoch = await page.evaluate(() => (window as unknown as { seqgraph: { train: { progress: { stepsPerEpoch: number } } } }).seqgraph.train.progress.stepsPerEpoch);
  await page.waitForTimeout(300);
  await page.reload();
  await page.getByTestId('tab-train').click();
  const banner = page.getByTestId('train-interrupted');
  await expect(banner).toBeVisible({ timeout: 10_000 });
  const lost = Number(await page.getByTestId('train-lost-steps').textContent());
  // checkpoints fall on multiples of 25 steps (at most one a second) and on every epoch's end
  // (train-loop.ts), so the last one is either at or below the step reached; the banner's step
  // counts may trail the worker by one batch of reports (the page applies step reports every 100 ms)
  const ckpt = Number((await page.getByTestId('train-continue').textContent())!.match(/step (\d+)/)![1]);
  expect(ckpt % 25 === 0 || ckpt % perEpoch === 0, `checkpoint at step ${ckpt} (epochs of ${perEpoch} steps)`).toBe(true);
  expect(ckpt).toBeGreaterThanOrEqual(25);
  expect(ckpt).toBeLessThanOrEqual(reached + 25);
  expect(lost).toBeGreaterThanOrEqual(0);
  await shot(page, 'train-interrupted');
  await page.getByTestId('train-continue').click();
  await expect.poll(async () => Number(await page.getByTestId('train-step').textContent()), { timeout: 20_000 }).toBeGreaterThan(ckpt);
  const first = await page.evaluate(() => (window as unknown as { seqgraph: { train: { steps: { step: number[] } } } }).seqgraph.train.steps.step[0]);
  expect(first).toBe(ckpt + 1);
  await page.getByTestId('train-pause').click();
});
