// Comparing two runs (the name-gender classifier's bidirectional GRU on "Rossi" and then "Rossa": side
// by side, and as the difference B − A, where the forward direction agrees on the shared
// prefix); the inspector marking itself stale when the graph changes (not when a node merely
// moves) and following the next run; the dark theme.
import { expect, test } from '@playwright/test';
import { shot } from './helpers';
import { hoverCell, runAndInspect } from './inspector-helpers';

test('compare two inputs side by side and as a difference', async ({ page }) => {
  await runAndInspect(page, 'name-gender', 'encoder', { field: 'name', text: 'Rossi' });
  await expect(page.getByTestId('compare-select')).toBeDisabled(); // nothing to compare with yet
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-name').fill('Rossa');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toContainText('rossa');
  await page.getByTestId('tab-inspector').click();

  await page.getByTestId('compare-select').selectOption('side');
  await expect(page.getByTestId('compare-note')).toContainText('“Rossi”');
  await expect(page.getByTestId('compare-note')).toContainText('“Rossa”');
  await expect(page.getByTestId('compare-note')).toHaveAttribute('data-ok', 'true');
  const a = await hoverCell(page, 'heatmap-h-a', 5, 4);
  await expect(page.getByTestId('inspector-readout')).toHaveAttribute('data-run', 'A');
  expect(a.token).toBe('i');
  const b = await hoverCell(page, 'heatmap-h-b', 5, 4);
  expect(b.token).toBe('a');
  expect(a.value).not.toBe(b.value);
  await expect(page.getByTestId('heatmap-h-a')).toHaveAttribute('data-col-labels', JSON.stringify(['r', 'o', 's', 's', 'i']));
  await shot(page, 'inspector-compare');

  await page.getByTestId('compare-select').selectOption('diff');
  const d = await hoverCell(page, 'heatmap-h-diff', 5, 4);
  expect(Math.abs(d.value - (b.value - a.value))).toBeLessThanOrEqual(1e-6);
  expect(d.token).toBe('i/a');
  // forward: the first four letters are the same, so h is the same there
  for (let t = 0; t < 4; t++) expect((await hoverCell(page, 'heatmap-h-diff', 5, t)).value).toBe(0);
  // backward: every step has read the different last letter
  await page.getByTestId('inspector-direction-select').selectOption('both');
  const back = await hoverCell(page, 'heatmap-h-reverse-diff', 5, 0);
  expect(back.value).not.toBe(0);
  await expect(page.getByTestId('inspector-readout')).toHaveAttribute('data-direction', 'reverse');
  await shot(page, 'inspector-compare-diff');

  // pin the first run... the pinned one stays the baseline through later runs
  await page.getByTestId('compare-select').selectOption('off');
  await page.getByTestId('pin-run').click();
  await expect(page.getByTestId('pin-run')).toHaveText('Unpin');
});

test('stale after an edit (not after a move), fresh after running again; dark theme', async ({ page }) => {
  await runAndInspect(page, 'name-gender', 'encoder');
  const panel = page.getByTestId('inspector-panel');
  await expect(panel).toHaveAttribute('data-stale', 'false');
  await expect(page.getByTestId('heatmap-h')).toHaveAttribute('data-rows', '32');

  // moving a node changes nothing the run depends on
  const head = page.getByTestId('node-embed').locator('.sg-node-head');
  const box = (await head.boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 60, box.y + box.height / 2 + 30, { steps: 5 });
  await page.mouse.up();
  await expect(panel).toHaveAttribute('data-stale', 'false');
  await expect(page.getByTestId('inspector-stale')).toHaveCount(0);

  // changing the encoder's size does
  await page.getByTestId('tab-params').click();
  await page.getByTestId('node-encoder').locator('.sg-node-head').click();
  await page.getByTestId('param-hidden_size').fill('16');
  await page.getByTestId('param-confirm-apply').click(); // the trained weights no longer fit: asked first
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector-stale')).toBeVisible();
  await expect(page.getByTestId('heatmap-h')).toHaveAttribute('data-rows', '32');

  // run again from the inspector: fresh numbers, 16 units
  await page.getByTestId('inspector-run').click();
  await expect(page.getByTestId('heatmap-h')).toHaveAttribute('data-rows', '16');
  await expect(page.getByTestId('inspector-stale')).toHaveCount(0);
  await expect(page.getByTestId('tab-inspector')).toHaveAttribute('aria-selected', 'true');

  // dark theme: both directions, aligned to the letters
  await page.getByTestId('action-toggleTheme').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('inspector-direction-select').selectOption('both');
  await expect(page.getByTestId('heatmap-h-reverse')).toBeVisible();
  // a quantity's two directions share a line
  const fwd = (await page.getByTestId('heatmap-h-forward').boundingBox())!;
  const rev = (await page.getByTestId('heatmap-h-reverse').boundingBox())!;
  expect(Math.abs(fwd.y - rev.y)).toBeLessThan(1);
  await hoverCell(page, 'heatmap-h-reverse', 9, 3);
  await shot(page, 'inspector-dark');
});
