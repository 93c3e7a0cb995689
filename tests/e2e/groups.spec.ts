// Groups and comment notes: select nodes and put them in a named, coloured frame that moves
// with them and folds to one box (edges then end at its ports); write notes on the canvas. Both
// are saved in the graph file, come back after a reload, undo, and copy/paste; the G2P example
// shows one of each.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { GraphDoc } from '../../src/doc/schema';
import { look, node, openEditor, openFixtureGraph, selectNode, shot } from './helpers';

async function saved(page: Page): Promise<GraphDoc> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('action-saveFile').click()]);
  return JSON.parse(readFileSync(await download.path(), 'utf8')) as GraphDoc;
}

async function box(page: Page, testId: string) {
  const b = await page.getByTestId(testId).boundingBox();
  if (!b) throw new Error(`${testId} has no box`);
  return b;
}

const contains = (outer: { x: number; y: number; width: number; height: number }, inner: typeof outer) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

test('group nodes in a named, coloured frame that moves with them, folds, copies, undoes and is saved', async ({ page }) => {
  await openEditor(page);
  await selectNode(page, 'embed');
  await selectNode(page, 'encoder', true);
  await page.keyboard.press('ControlOrMeta+g');
  const frame = page.getByTestId('group-Group');
  await expect(frame).toBeVisible();
  await expect(page.getByTestId('group-panel')).toBeVisible();
  await page.getByTestId('group-name').fill('Encoder');
  await page.getByTestId('swatch-16a085').click();
  await expect(page.getByTestId('group-Encoder')).toBeVisible();
  expect(contains(await box(page, 'group-Encoder'), await box(page, 'node-embed'))).toBe(true);
  expect(contains(await box(page, 'group-Encoder'), await box(page, 'node-encoder'))).toBe(true);
  await look(page, 'group-frame');

  // drag the frame by its title: its nodes move with it, as one undo step
  const head = page.getByTestId('group-Encoder').locator('.sg-frame-head');
  const e0 = await box(page, 'node-encoder');
  const m0 = await box(page, 'node-embed');
  const h = (await head.boundingBox())!;
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
  await page.mouse.down();
  await page.mouse.move(h.x + h.width / 2 + 60, h.y + h.height / 2 + 80, { steps: 6 });
  await page.mouse.up();
  const e1 = await box(page, 'node-encoder');
  const m1 = await box(page, 'node-embed');
  const h1 = (await head.boundingBox())!;
  expect(e1.x - e0.x).toBeGreaterThan(40);
  expect(e1.y - e0.y).toBeGreaterThan(60);
  for (const d of [m1.x - m0.x, h1.x - h.x]) expect(Math.abs(d - (e1.x - e0.x))).toBeLessThan(1);
  for (const d of [m1.y - m0.y, h1.y - h.y]) expect(Math.abs(d - (e1.y - e0.y))).toBeLessThan(1);
  expect(contains(await box(page, 'group-Encoder'), e1)).toBe(true);
  await page.keyboard.press('ControlOrMeta+z');
  await expect.poll(async () => Math.round((await box(page, 'node-encoder')).x)).toBe(Math.round(e0.x));

  // fold: one box whose handles are the ports edges cross; the edges still show their shapes
  await page.getByTestId('group-toggle-Encoder').click();
  await expect(page.getByTestId('group-Encoder')).toHaveAttribute('data-collapsed', 'true');
  await expect(node(page, 'embed')).toBeHidden();
  await expect(page.getByTestId('group-Encoder')).toContainText('embed.tokens');
  await expect(page.getByTestId('group-Encoder')).toContainText('encoder.output');
  await expect(page.getByTestId('edge-name.tokens-embed.tokens')).toHaveText('[B, T]');
  await expect(page.getByTestId('edge-encoder.output-last.input')).toHaveText('[B, T, 64]');
  // the minimap draws the folded box in place of its two nodes (5 nodes + 1 box)
  await expect(page.locator('.react-flow__minimap-node')).toHaveCount(6);
  await look(page, 'group-folded');
  let doc = await saved(page);
  expect(doc.groups).toEqual([{ id: expect.any(String), name: 'Encoder', color: '#16a085', nodes: ['emb', 'gru'], collapsed: true }]);
  await page.keyboard.press('ControlOrMeta+z');
  await expect(node(page, 'embed')).toBeVisible();

  // copy and paste the frame: a second group around copies of its nodes
  await head.click();
  await page.keyboard.press('ControlOrMeta+c');
  await page.keyboard.press('ControlOrMeta+v');
  await expect(page.getByTestId('group-Encoder')).toHaveCount(2);
  await expect(node(page, 'encoder_2')).toBeVisible();
  doc = await saved(page);
  expect(doc.groups!.map((g) => g.nodes.map((id) => doc.nodes.find((n) => n.id === id)!.name))).toEqual([
    ['embed', 'encoder'],
    ['embed_2', 'encoder_2'],
  ]);

  // it comes back after a reload (the autosave reads it as a file)
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'saved');
  await page.reload();
  await expect(page.getByTestId('group-Encoder')).toHaveCount(2);
});

test('comment notes: write one, edit it, undo; saved in the file; the G2P example shows its group and note', async ({ page }) => {
  await openEditor(page);
  await page.getByTestId('action-addNote').click();
  const input = page.getByTestId('note-input');
  await expect(input).toBeFocused();
  await input.fill('The classifier reads the name backwards too');
  await page.keyboard.press('Escape');
  const note = page.getByTestId('note');
  await expect(note).toHaveText('The classifier reads the name backwards too');
  let doc = await saved(page);
  expect(doc.comments).toHaveLength(1);
  expect(doc.comments![0].text).toBe('The classifier reads the name backwards too');

  // colour and text in the params panel; each change undoes on its own
  await note.click();
  await page.getByTestId('swatch-d6456b').click();
  await page.getByTestId('note-text').fill('Bidirectional GRU');
  await expect(note).toHaveText('Bidirectional GRU');
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('ControlOrMeta+z');
  await expect(note).toHaveText('The classifier reads the name backwards too');
  await page.keyboard.press('ControlOrMeta+z');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(note).toHaveText('Double-click to write a note');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(note).toHaveCount(0);

  // the G2P fixture ships a group and a note
  await openFixtureGraph(page, 'g2p-attention', false);
  await expect(page.getByTestId('group-Encoder')).toBeVisible();
  await expect(page.getByTestId('note')).toContainText('Letters in, phonemes out');
  await shot(page, 'g2p-groups-notes');
});
