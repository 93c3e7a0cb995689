// Building a graph by hand: palette drags, typed connections (and a refused one, with its
// reason), and shapes that follow the params.
import { expect, test } from '@playwright/test';
import { dragConnection, dragFromPalette, node, openEditor, openGalleryGraph, selectNode, shot } from './helpers';

test('drag an Embedding and an LSTM from the palette, connect them, see the edge shapes', async ({ page }) => {
  await openEditor(page);
  await page.getByTestId('action-newGraph').click();
  await expect(node(page, 'text')).toBeVisible();
  await expect(node(page, 'output')).toBeVisible();

  await dragFromPalette(page, 'Embedding', { x: 250, y: 600 });
  await dragFromPalette(page, 'LSTM', { x: 520, y: 600 });
  await expect(node(page, 'Embedding')).toBeVisible();
  await expect(node(page, 'LSTM')).toBeVisible();
  // the declaration's summary, inline on the node
  await expect(page.getByTestId('summary-LSTM')).toHaveText('LSTM 64');

  await dragConnection(page, 'out-text-tokens', 'in-Embedding-tokens');
  await expect(page.getByTestId('edge-text.tokens-Embedding.tokens')).toHaveText('[B, T]');
  await dragConnection(page, 'out-Embedding-output', 'in-LSTM-input');
  const edge = page.getByTestId('edge-Embedding.output-LSTM.input');
  await expect(edge).toHaveText('[B, T, 32]');
  // the LSTM no longer complains about its input
  await expect(page.getByTestId('node-error-LSTM')).toHaveCount(0);

  // connect the LSTM's last vector to the output: the graph compiles
  await dragConnection(page, 'out-LSTM-last', 'in-output-value');
  await expect(page.getByTestId('edge-LSTM.last-output.value')).toHaveText('[B, 64]');
  await expect(page.getByTestId('status-summary')).toHaveText('compiles');
});

test('a wrong connection (Tokens into an LSTM) is refused and the reason is shown', async ({ page }) => {
  await openEditor(page);
  await page.getByTestId('action-newGraph').click();
  await dragFromPalette(page, 'LSTM', { x: 420, y: 600 });
  await expect(node(page, 'LSTM')).toBeVisible();

  await dragConnection(page, 'out-text-tokens', 'in-LSTM-input', { hold: true });
  // while dragging, ports that can't take Tokens are dimmed, and the line says why
  await expect(page.getByTestId('in-LSTM-input').locator('..')).toHaveClass(/is-dimmed/);
  await expect(page.getByTestId('in-output-value').locator('..')).toHaveClass(/is-compatible/);
  const hint = page.getByTestId('connection-hint');
  await expect(hint).toContainText('LSTM.input takes Sequence; got Tokens [B, T] (put an Embedding between them)');
  await shot(page, 'refused-connection');
  await page.mouse.up();

  const toast = page.getByTestId('toast').filter({ hasText: 'Not connected' });
  await expect(toast).toContainText('LSTM.input takes Sequence; got Tokens [B, T] (put an Embedding between them)');
  await expect(page.locator('.react-flow__edge')).toHaveCount(0);
});

test('changing hidden_size changes the shapes downstream', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender', false);
  await expect(page.getByTestId('edge-encoder.output-last.input')).toHaveText('[B, T, 64]');
  await expect(page.getByTestId('edge-last.output-classify.input')).toHaveText('[B, 64]');

  await selectNode(page, 'encoder');
  const panel = page.getByTestId('params-panel');
  await expect(panel).toHaveAttribute('data-node', 'encoder');
  const field = page.getByTestId('param-hidden_size');
  await expect(field).toHaveValue('32');

  // a bad value shows why and is not applied
  await field.fill('abc');
  await expect(page.getByTestId('param-error-hidden_size')).toContainText('is not a number');
  await field.fill('0');
  await expect(page.getByTestId('param-error-hidden_size')).toContainText('must be at least 1');
  await expect(page.getByTestId('edge-encoder.output-last.input')).toHaveText('[B, T, 64]');

  await field.fill('48');
  await expect(page.getByTestId('param-error-hidden_size')).toHaveCount(0);
  await page.getByTestId('param-confirm-apply').click(); // the trained weights no longer fit: asked first
  await expect(page.getByTestId('edge-encoder.output-last.input')).toHaveText('[B, T, 96]');
  await expect(page.getByTestId('edge-last.output-classify.input')).toHaveText('[B, 96]');
  await expect(page.getByTestId('summary-encoder')).toHaveText('GRU 48 bi');
  await shot(page, 'params-panel');

  // bidirectional off: merge_mode is hidden (its `when`), shapes halve
  await page.getByTestId('param-bidirectional').click();
  await expect(page.getByTestId('param-merge_mode')).toHaveCount(0);
  await expect(page.getByTestId('edge-last.output-classify.input')).toHaveText('[B, 48]');
  await page.getByTestId('param-bidirectional').click();
  await expect(page.getByTestId('param-merge_mode')).toBeVisible();

  // the name must stay a unique identifier
  const name = page.getByTestId('node-name-input');
  await name.fill('embed');
  await expect(page.getByTestId('node-name-error')).toContainText('already the name');
  await name.fill('2x');
  await expect(page.getByTestId('node-name-error')).toContainText('start with a letter');
  await name.fill('encoder');
  await expect(page.getByTestId('node-name-error')).toHaveCount(0);
});

test('double-click the canvas to add a node there; drop a connection on the canvas to add one that fits', async ({ page }) => {
  await openEditor(page);
  await page.getByTestId('action-newGraph').click();
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await page.mouse.dblclick(box.x + 300, box.y + 620);
  await expect(page.getByTestId('quick-add')).toBeVisible();
  await page.getByTestId('quick-add-input').fill('embed');
  await page.keyboard.press('Enter');
  await expect(node(page, 'Embedding')).toBeVisible();
  const nb = (await node(page, 'Embedding').boundingBox())!;
  expect(Math.abs(nb.x - (box.x + 300))).toBeLessThan(60);

  await dragConnection(page, 'out-text-tokens', 'in-Embedding-tokens');
  // drag from the Embedding's output and let go on empty canvas: only nodes that take a Sequence
  const from = await page.getByTestId('out-Embedding-output').boundingBox();
  await page.mouse.move(from!.x + 4, from!.y + 4);
  await page.mouse.down();
  await page.mouse.move(box.x + 560, box.y + 700, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByTestId('quick-add')).toBeVisible();
  await expect(page.getByTestId('quick-add-Embedding')).toHaveCount(0);
  await expect(page.getByTestId('quick-add-RepeatVector')).toHaveCount(0);
  await page.getByTestId('quick-add-GRU').click();
  await expect(page.getByTestId('edge-Embedding.output-GRU.input')).toHaveText('[B, T, 32]');
});

test('params: lists, enums that change ports, and sizes too big to hold are refused', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender');
  await selectNode(page, 'name');
  const vocab = page.getByTestId('param-vocab');
  await expect(vocab).toHaveValue(/^<pad>\n<unk>\n<s>\n<\/s>\na\nb/);
  // a comma list works too; the compiler's reason shows under the field
  await vocab.fill('<pad>, <unk>, a, b, c');
  await page.getByTestId('param-confirm-apply').click(); // the embedding's trained rows no longer fit: asked first
  await expect(page.getByTestId('summary-name')).toHaveText('chars · 5 symbols');
  await expect(page.getByTestId('node-error-embed')).toHaveCount(0);
  await vocab.fill('<pad>\na\nb');
  await expect(page.getByTestId('param-problem-unk_token')).toContainText('"<unk>" is not in the vocabulary');
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('ControlOrMeta+z');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(page.getByTestId('summary-name')).toHaveText('chars · 33 symbols');

  // kind = vector: the tokens port goes, and its edge with it
  await selectNode(page, 'name');
  await page.getByTestId('param-kind').selectOption('vector');
  await expect(page.getByTestId('out-name-tokens')).toHaveCount(0);
  await expect(page.getByTestId('out-name-vector')).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(5);
  await expect(page.getByTestId('param-features')).toBeVisible();
  await expect(page.getByTestId('param-vocab')).toHaveCount(0);
  await expect(page.getByTestId('node-error-embed')).toContainText('embed.tokens is not connected');
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('ControlOrMeta+z');
  await expect(page.locator('.react-flow__edge')).toHaveCount(6);

  // a size whose weights would not fit in memory is refused before it is applied
  await selectNode(page, 'encoder');
  await page.getByTestId('param-hidden_size').fill('16000');
  await expect(page.getByTestId('param-error-hidden_size')).toContainText('weights');
  await expect(page.getByTestId('summary-encoder')).toHaveText('GRU 32 bi');
});
