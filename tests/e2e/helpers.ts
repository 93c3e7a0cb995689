// Shared steps for the e2e tests: open the editor, drag from the palette, connect two ports,
// select nodes, and save screenshots where the docs expect them.
import { expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';

export const SHOTS = 'docs/screenshots';

/** Opens the editor and waits until the canvas shows the graph. */
export async function openEditor(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await expect(page.locator('.react-flow__node').first()).toBeVisible();
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length > 0 && !!document.querySelector('.react-flow__viewport'));
  await page.waitForTimeout(150); // the first fit-to-view
}

export async function center(l: Locator): Promise<{ x: number; y: number }> {
  const b = await l.boundingBox();
  if (!b) throw new Error('element has no box');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Drags a node type from the palette onto the canvas at (x, y) relative to the canvas. */
export async function dragFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  await page.getByTestId(`palette-${type}`).dragTo(page.getByTestId('canvas'), { targetPosition: at });
}

/** Presses on one handle, moves to another and (unless `hold`) releases there. */
export async function dragConnection(page: Page, fromTestId: string, toTestId: string, opts: { hold?: boolean } = {}): Promise<void> {
  const a = await center(page.getByTestId(fromTestId));
  const b = await center(page.getByTestId(toTestId));
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 6 });
  await page.mouse.move(b.x, b.y, { steps: 6 });
  if (!opts.hold) await page.mouse.up();
}

export function node(page: Page, name: string): Locator {
  return page.getByTestId(`node-${name}`);
}

/** Clicks a node on its title (Ctrl/⌘-click with `add`). */
export async function selectNode(page: Page, name: string, add = false): Promise<void> {
  const head = node(page, name).locator('.sg-node-head');
  await head.click({ modifiers: add ? ['ControlOrMeta'] : [] });
}

export async function nodeCount(page: Page): Promise<number> {
  return page.locator('.react-flow__node').count();
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(200);
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** A screenshot to look at, not for the docs: test-results/screens/<name>.png (not committed). */
export async function look(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screens', { recursive: true });
  await page.waitForTimeout(150);
  await page.screenshot({ path: `test-results/screens/${name}.png` });
}

/** Opens an example from the gallery; with `fitAll`, then fits the whole graph in view ("."). */
export async function openGalleryGraph(page: Page, id: string, fitAll = true): Promise<void> {
  await page.getByTestId('action-openGallery').click();
  await page.getByTestId(`gallery-${id}`).click();
  await expect(page.getByTestId('gallery')).toBeHidden();
  await settle(page, fitAll);
}

/**
 * Opens a test-only graph, tests/fixtures/graphs/<name>.json (not in the gallery, which holds only
 * trained examples), as a person opens a file: through the editor's Open file picker.
 */
export async function openFixtureGraph(page: Page, name: string, fitAll = true): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(`tests/fixtures/graphs/${name}.json`);
  await expect(page.getByTestId('graph-name')).toHaveValue(name);
  await settle(page, fitAll);
}

async function settle(page: Page, fitAll: boolean): Promise<void> {
  await page.waitForTimeout(300); // the opening view settles
  if (fitAll) {
    await page.getByTestId('action-fitView').click();
    await page.waitForTimeout(350);
  }
}
