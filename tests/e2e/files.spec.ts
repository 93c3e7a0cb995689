// Files: autosave brings the graph back after a reload; a bad file is refused with every
// problem listed and the open graph left as it was; save downloads the graph; drop opens one.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { dragFromPalette, node, nodeCount, openEditor } from './helpers';

test('reload the page and the graph is still there', async ({ page }) => {
  await openEditor(page);
  const name = page.getByTestId('graph-name');
  await name.fill('my-names');
  await name.press('Enter');
  await dragFromPalette(page, 'Dropout', { x: 420, y: 620 });
  await expect(node(page, 'Dropout')).toBeVisible();
  const before = await nodeCount(page);
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'saved');

  await page.reload();
  await expect(node(page, 'Dropout')).toBeVisible();
  await expect(page.getByTestId('graph-name')).toHaveValue('my-names');
  expect(await nodeCount(page)).toBe(before);
});

test('opening a malformed file lists every problem and leaves the graph untouched', async ({ page }) => {
  await openEditor(page);
  const before = await nodeCount(page);
  const graphName = await page.getByTestId('graph-name').inputValue();
  const bad = {
    format: 'seqgraph',
    version: 1,
    name: 'broken',
    nodes: [
      { id: 'a', type: 'Input', name: 'x', position: { x: 0, y: 0 }, params: { kind: 'tokens' } },
      { id: 'b', type: 'Wormhole', name: 'w', position: { x: 200, y: 0 }, params: {} },
      { id: 'c', type: 'LSTM', name: '9lives', position: { x: 400, y: 0 }, params: { hidden_size: -3 } },
    ],
    edges: [{ id: 'e1', source: { node: 'a', port: 'tokens' }, target: { node: 'zz', port: 'input' } }],
  };
  await page.getByTestId('file-input').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  const dialog = page.getByTestId('problems-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('broken.json was not opened');
  const items = page.getByTestId('problems-list').locator('li');
  await expect(items.first()).toBeVisible();
  expect(await items.count()).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('problems-list')).toContainText('nodes[2].name');
  await page.getByTestId('dialog-close').click();
  expect(await nodeCount(page)).toBe(before);
  await expect(page.getByTestId('graph-name')).toHaveValue(graphName);

  // the schema passes but the references don't: every one is listed
  const bad2 = { ...bad, nodes: [bad.nodes[0], bad.nodes[1], { ...bad.nodes[2], name: 'lstm' }] };
  await page.getByTestId('file-input').setInputFiles({ name: 'broken2.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad2)) });
  await expect(page.getByTestId('problems-list')).toContainText('unknown node type "Wormhole"');
  await expect(page.getByTestId('problems-list')).toContainText('hidden_size');
  await expect(page.getByTestId('problems-list')).toContainText('no node with id "zz"');
  expect(await page.getByTestId('problems-list').locator('li').count()).toBeGreaterThanOrEqual(3);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('problems-dialog')).toBeHidden();

  // not JSON at all
  await page.getByTestId('file-input').setInputFiles({ name: 'junk.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "seqgraph", nodes: [') });
  await expect(page.getByTestId('problems-list')).toContainText('not valid JSON');
  await page.keyboard.press('Escape');
  expect(await nodeCount(page)).toBe(before);
  await expect(page.getByTestId('graph-name')).toHaveValue(graphName);
});

test('save downloads the graph; dropping a .json file opens it', async ({ page }) => {
  await openEditor(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('action-saveFile').click()]);
  expect(download.suggestedFilename()).toBe('name-gender.json');
  const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(saved.format).toBe('seqgraph');
  expect(saved.nodes).toHaveLength(7);

  const text = readFileSync('tests/fixtures/graphs/pos-tagger.json', 'utf8');
  const dt = await page.evaluateHandle((t) => {
    const d = new DataTransfer();
    d.items.add(new File([t], 'pos-tagger.json', { type: 'application/json' }));
    return d;
  }, text);
  await page.dispatchEvent('.sg-app', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('.sg-app', 'drop', { dataTransfer: dt });
  await expect(page.getByTestId('graph-name')).toHaveValue('pos-tagger');
  await expect(node(page, 'lstm')).toBeVisible();
  // opening is one undo step
  await page.keyboard.press('ControlOrMeta+z');
  await expect(page.getByTestId('graph-name')).toHaveValue('name-gender');
});
