// What a run shows, read as a person reads it: float outputs in labelled tables and charts
// (the forecast over its input series), the decoder's log-probability table with its columns
// named, the greedy choice for exporting a beam-search decoder, and heatmap titles that are
// never cut off (bidirectional and compare views, at 1280×720 too).
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { look, openEditor, openFixtureGraph, openGalleryGraph, selectNode, shot } from './helpers';

async function run(page: Page): Promise<void> {
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();
}

test('a float forecast is charted against its input series, with its steps and features labelled', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'co2-forecaster', false);
  await run(page);
  const chart = page.getByTestId('chart-co2-0');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('data-series', 'co2|series[0]|series[1]|series[2]');
  await expect(chart.locator('canvas')).toHaveCount(1);
  const table = page.getByTestId('floats-co2-0');
  await expect(table.locator('thead th')).toHaveText(['step', 'co2']);
  await expect(table.getByTestId('float-step')).toHaveCount(24);
  await expect(table.getByTestId('float-step').nth(3).locator('th')).toHaveText('3');
  await page.getByTestId('output-co2').scrollIntoViewIfNeeded();
  // the legend names the series and how to read them, not a row of dashes; hovered, it reads values
  const legend = chart.locator('.u-legend');
  await expect(legend).toContainText('hover to read');
  await expect(legend).not.toContainText('—');
  const box = (await chart.locator('.u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  await expect(legend).toContainText(/co2\s*:?\s*-?\d\.\d{4}/);
  await page.mouse.move(box.x - 40, box.y - 40);
  await shot(page, 'run-forecast-chart');
});

test('the decoder’s log-probability table names its columns', async ({ page }) => {
  await openEditor(page);
  await openFixtureGraph(page, 'g2p-attention', false);
  await run(page);
  const table = page.getByTestId('steps-logprobs-0');
  await expect(table.locator('thead th')).toHaveText(['step', 'most likely', 'probability']);
  await page.getByTestId('output-logprobs').scrollIntoViewIfNeeded();
  await look(page, 'run-decoder-logprobs');
});

test('a beam-search decoder exports and checks in onnxruntime as greedy, from the editor', async ({ page }) => {
  // beam search: ONNX holds it only as greedy decoding (the CLI's --greedy), which the editor offers
  await openEditor(page);
  // the greedy G2P fixture, switched to beam here (the gallery's trained G2P is beam already)
  await openFixtureGraph(page, 'g2p-attention', false);
  await selectNode(page, 'decoder');
  await page.getByTestId('param-strategy').selectOption('beam');
  // the node's summary says so, whole (it wraps rather than ending in "b…")
  const summary = page.getByTestId('summary-decoder');
  await expect(summary).toHaveText('GRU 48 · additive · beam 4');
  expect(await summary.evaluate((e) => e.scrollWidth <= e.clientWidth + 1)).toBe(true);
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('onnx-greedy')).not.toBeChecked();
  await page.getByTestId('action-exportOnnx').click();
  const refused = page.getByTestId('toast').filter({ hasText: 'uses beam search' });
  await expect(refused.getByTestId('toast-action')).toHaveText('Export as greedy');
  await look(page, 'export-beam-refused');
  const [download] = await Promise.all([page.waitForEvent('download'), refused.getByTestId('toast-action').click()]);
  expect(download.suggestedFilename()).toBe('g2p-attention.onnx');
  expect(readFileSync(await download.path()).includes(Buffer.from('requested_strategy'))).toBe(true);

  await page.getByTestId('onnx-check-button').click();
  await expect(page.getByTestId('onnx-error')).toContainText('uses beam search');
  await page.getByTestId('onnx-greedy-check').click();
  await expect(page.getByTestId('onnx-result')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('onnx-greedy')).toBeChecked();
  expect(Number(await page.getByTestId('onnx-result').getAttribute('data-max-diff'))).toBeLessThanOrEqual(1e-4);
  await expect(page.getByTestId('onnx-result')).toContainText('beam search checked as greedy decoding');
  await look(page, 'onnx-greedy-check');
});

/** Titles whose text does not fit their box (scrollWidth beyond clientWidth). */
async function cutTitles(page: Page): Promise<string[]> {
  return page.locator('.sg-hm-title').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1).map((e) => e.textContent ?? ''));
}

test('heatmap titles are whole in the bidirectional and compare views, at 1280×720 too', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openEditor(page);
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-name').fill('Rossi');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();
  await page.getByTestId('run-input-name').fill('Rossa');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toContainText('rossa');
  await selectNode(page, 'encoder');
  await page.getByTestId('tab-inspector').click();
  await page.getByTestId('inspector-direction-select').selectOption('both');
  await expect(page.getByTestId('heatmap-n-reverse')).toBeVisible();
  expect(await cutTitles(page)).toEqual([]);
  await page.getByTestId('compare-select').selectOption('side');
  await expect(page.getByTestId('heatmap-n-reverse-b')).toBeVisible();
  expect(await cutTitles(page)).toEqual([]);
  await look(page, 'inspector-titles-1280');
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(page.getByTestId('heatmap-n-reverse-b')).toBeVisible();
  expect(await cutTitles(page)).toEqual([]);
});
