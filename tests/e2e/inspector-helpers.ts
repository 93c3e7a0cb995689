// Steps the inspector tests share: run an example graph, open the inspector on a node, hover a
// heatmap cell by its (unit, step) and read the readout, download what an export button saves.
import { expect, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { openEditor, openFixtureGraph, openGalleryGraph, selectNode } from './helpers';

/**
 * Opens a graph (a gallery example, graphs/<graph>.json, else the test-only
 * tests/fixtures/graphs/<graph>.json through the Open file picker), runs its first sample (or
 * `input` typed into `field`), and shows `node` in the inspector.
 */
export async function runAndInspect(page: Page, graph: string, node: string, typed?: { field: string; text: string }): Promise<void> {
  await openEditor(page);
  if (existsSync(`graphs/${graph}.json`)) await openGalleryGraph(page, graph, false);
  else await openFixtureGraph(page, graph, false);
  await page.getByTestId('tab-run').click();
  if (typed) await page.getByTestId(`run-input-${typed.field}`).fill(typed.text);
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();
  await selectNode(page, node);
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector-panel')).toHaveAttribute('data-node', /.+/);
}

export interface Cell {
  unit: number;
  step: number;
  value: number;
  token: string | null;
}

/**
 * Moves the mouse over the cell of `unit` at `step` in the heatmap `testId` (found from the
 * canvas's cell size and unit order) and returns what the readout says.
 */
export async function hoverCell(page: Page, testId: string, row: number, col: number): Promise<Cell> {
  const canvas = page.getByTestId(testId);
  await expect(canvas).toBeVisible();
  const cw = Number(await canvas.getAttribute('data-cell-w'));
  const ch = Number(await canvas.getAttribute('data-cell-h'));
  const order = (await canvas.getAttribute('data-order'))?.split(',').map(Number);
  const displayRow = order ? order.indexOf(row) : row;
  await page.getByTestId(`${testId}-hit`).hover({ position: { x: (col + 0.5) * cw, y: (displayRow + 0.5) * ch } });
  const r = page.getByTestId('inspector-readout');
  if (testId === 'heatmap-attention') {
    await expect(r).toHaveAttribute('data-step', String(row));
    await expect(r).toHaveAttribute('data-key', String(col));
  } else {
    await expect(r).toHaveAttribute('data-unit', String(row));
    await expect(r).toHaveAttribute('data-step', String(col));
  }
  return { unit: row, step: col, value: Number(await r.getAttribute('data-value')), token: await r.getAttribute('data-token') };
}

/** Clicks a button that downloads a file and returns the file's text. */
export async function downloadText(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/** Picks the batch row in the inspector. */
export async function pickRow(page: Page, row: number): Promise<void> {
  await page.getByTestId('inspector-row-select').selectOption(String(row));
  await expect(page.getByTestId('inspector-row-select')).toHaveValue(String(row));
}
