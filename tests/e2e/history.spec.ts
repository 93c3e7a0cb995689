// Undo/redo as one step per action (a multi-node delete included), copy/paste and duplicate.
import { expect, test } from '@playwright/test';
import { center, node, nodeCount, openEditor, openGalleryGraph, selectNode } from './helpers';

test('undo and redo a multi-node delete as one step', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender');
  await expect(page.locator('.react-flow__node')).toHaveCount(7);
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);

  // box selection: Shift + drag around the last two nodes
  const a = await node(page, 'softmax').boundingBox();
  const b = await node(page, 'probs').boundingBox();
  if (!a || !b) throw new Error('nodes not on screen');
  await page.keyboard.down('Shift');
  await page.mouse.move(a.x - 12, Math.min(a.y, b.y) - 30);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width + 12, Math.max(a.y + a.height, b.y + b.height) + 30, { steps: 8 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(node(page, 'softmax')).toHaveClass(/is-selected/);
  await expect(node(page, 'probs')).toHaveClass(/is-selected/);
  await expect(node(page, 'classify')).not.toHaveClass(/is-selected/);

  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node')).toHaveCount(5);
  await expect(page.locator('.react-flow__edge')).toHaveCount(4);
  await expect(node(page, 'softmax')).toHaveCount(0);

  await page.keyboard.press('ControlOrMeta+z');
  await expect(page.locator('.react-flow__node')).toHaveCount(7);
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);
  await expect(node(page, 'probs')).toBeVisible();

  await page.keyboard.press('ControlOrMeta+Shift+z');
  await expect(page.locator('.react-flow__node')).toHaveCount(5);
  await page.keyboard.press('ControlOrMeta+z');
  await expect(page.locator('.react-flow__node')).toHaveCount(7);
  await page.keyboard.press('ControlOrMeta+y');
  await expect(page.locator('.react-flow__node')).toHaveCount(5);
  // the top bar's buttons do the same
  await page.getByTestId('action-undo').click();
  await expect(page.locator('.react-flow__node')).toHaveCount(7);
  await expect(page.getByTestId('edge-softmax.output-probs.value')).toHaveText('[B, 2]');
});

test('copy/paste and duplicate a node; select all and delete', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender');
  await selectNode(page, 'embed');
  await page.keyboard.press('ControlOrMeta+c');
  await page.keyboard.press('ControlOrMeta+v');
  await expect(node(page, 'embed_2')).toBeVisible();
  await expect(node(page, 'embed_2')).toHaveClass(/is-selected/);
  await expect(node(page, 'embed')).not.toHaveClass(/is-selected/);
  // same params, shifted, and its own node on the canvas
  const p1 = await center(node(page, 'embed'));
  const p2 = await center(node(page, 'embed_2'));
  expect(p2.x).toBeGreaterThan(p1.x);
  expect(p2.y).toBeGreaterThan(p1.y);
  await expect(page.getByTestId('summary-embed_2')).toHaveText('vocab → 16');
  expect(await nodeCount(page)).toBe(8);

  await page.keyboard.press('ControlOrMeta+d');
  await expect(node(page, 'embed_3')).toBeVisible();
  expect(await nodeCount(page)).toBe(9);

  await page.keyboard.press('ControlOrMeta+z');
  await page.keyboard.press('ControlOrMeta+z');
  expect(await nodeCount(page)).toBe(7);

  await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Backspace');
  expect(await nodeCount(page)).toBe(0);
  await page.keyboard.press('ControlOrMeta+z');
  await expect(page.locator('.react-flow__node')).toHaveCount(7);
});

test('auto-layout (elkjs) arranges the graph left to right as one undo step', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender');
  // scramble two nodes, then lay out
  const before = async (name: string) => (await node(page, name).boundingBox())!;
  const last = await before('last');
  await page.mouse.move(last.x + 30, last.y + 8);
  await page.mouse.down();
  await page.mouse.move(last.x + 30, last.y + 260, { steps: 6 });
  await page.mouse.up();
  const moved = await before('last');
  expect(moved.y).toBeGreaterThan(last.y + 100);

  await page.getByTestId('action-autoLayout').click();
  await expect
    .poll(async () => Math.abs((await before('last')).y - (await before('encoder')).y), { timeout: 5000 })
    .toBeLessThan(120);
  // left to right, in data-flow order; polled, because the view may still be fitting itself to
  // the new layout (screen positions move while it pans and zooms: a one-shot read once caught it
  // mid-way in CI)
  const xs = async () => {
    const out: number[] = [];
    for (const n of ['name', 'embed', 'encoder', 'last', 'classify', 'softmax', 'probs']) out.push((await before(n)).x);
    return out;
  };
  await expect.poll(async () => (await xs()).every((x, i, a) => i === 0 || x > a[i - 1]), { timeout: 5000 }).toBe(true);

  // one undo takes the layout back; a second undoes the drag
  await page.keyboard.press('ControlOrMeta+z');
  await page.getByTestId('action-fitView').click();
  await page.waitForTimeout(400);
  const afterUndo = await before('last');
  const enc = await before('encoder');
  expect(afterUndo.y - enc.y).toBeGreaterThan(60);
});
