// Import in the editor: drop an ONNX model made by PyTorch on the page, name its tokens, see the
// graph, run it and open the inspector; drop weights for it, map a prefix in the dialog, load
// them, and undo; import a model whose weights are in an external-data file.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { writeSafetensors } from '../../src/weights/safetensors';
import { node, openEditor, selectNode, shot } from './helpers';

/** drops files on the canvas as a person dragging them from a file manager does */
async function dropFiles(page: Page, files: { name: string; bytes: Buffer }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, data: [...f.bytes] }));
  await page.evaluate((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.data)], f.name));
    const target = document.querySelector('[data-testid="canvas"]')!;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, payload);
}

const fixture = (f: string) => readFileSync(`tests/fixtures/import/${f}`);

test('drop a PyTorch ONNX model, give its vocabulary, see the graph, run it, inspect the LSTM', async ({ page }) => {
  await openEditor(page);
  await dropFiles(page, [{ name: 'lstm_classifier.onnx', bytes: fixture('lstm_classifier.onnx') }]);
  const dialog = page.getByTestId('onnx-import-dialog');
  await expect(dialog).toContainText('holds token ids but no symbols');
  await expect(dialog).toContainText('13 ids');
  // 13 symbols, one per line
  await page.getByTestId('onnx-vocab-tokens-input').setInputFiles({ name: 'vocab.txt', mimeType: 'text/plain', buffer: Buffer.from('abcdefghijklm'.split('').join('\n') + '\n') });
  await expect(dialog).toBeHidden();
  for (const n of ['tokens', 'emb', 'lstm', 'fc', 'logprobs']) await expect(node(page, n)).toBeVisible();
  await expect(node(page, 'lstm')).toContainText('LSTM 5 ×2 bi');
  await page.keyboard.press('.');
  await shot(page, 'import-onnx');

  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-tokens').fill('badcam');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();
  await expect(page.getByTestId('output-logprobs')).toBeVisible();
  await selectNode(page, 'lstm');
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector-panel')).toHaveAttribute('data-node', /.+/);
  for (const q of ['h', 'c', 'i', 'f', 'g', 'o']) await expect(page.getByTestId(`heatmap-${q}`).first()).toBeVisible();
  await shot(page, 'import-inspector');

  // weights for it, saved by "PyTorch" inside a wrapper module: the dialog shows the names, a prefix map strips it
  const tensors = [
    { name: 'model.emb.weight', shape: [13, 6], data: new Float32Array(78).fill(0.01) },
    { name: 'model.fc.weight', shape: [3, 10], data: new Float32Array(30).fill(0.02) },
    { name: 'model.fc.bias', shape: [3], data: new Float32Array([1, 2, 3]) },
    { name: 'model.lstm.weight_ih_l0', shape: [20, 5], data: new Float32Array(100) }, // the wrong shape: [20, 6]
    { name: 'model.head.weight', shape: [2], data: new Float32Array(2) },
  ];
  await dropFiles(page, [{ name: 'weights.safetensors', bytes: Buffer.from(writeSafetensors(tensors)) }]);
  const wd = page.getByTestId('weights-dialog');
  await expect(wd).toBeVisible();
  await expect(page.getByTestId('weights-leftover')).toContainText('model.fc.bias');
  await expect(page.getByTestId('weights-load')).toBeDisabled(); // nothing matched yet
  await page.getByTestId('weights-prefixes').fill('model.=');
  await expect(page.getByTestId('weights-matched')).toContainText('fc.bias');
  await expect(page.getByTestId('weights-wrong')).toContainText('lstm.weight_ih_l0');
  await expect(page.getByTestId('weights-leftover')).toContainText('model.head.weight');
  await expect(page.getByTestId('weights-load')).toBeDisabled(); // a wrong shape blocks loading: nothing half-applied
  await shot(page, 'import-weights-dialog');
  // a mistyped prefix is pointed out rather than silently matching nothing
  await page.getByTestId('weights-prefixes').fill('model.emb=emb, model.fc=fc, modle.lstm=lstm');
  await expect(page.getByTestId('weights-unused-prefix')).toContainText("modle.lstm=lstm: no tensor of the file starts with 'modle.lstm.'");
  await page.screenshot({ path: 'test-results/import-weights-prefix.png' }); // looked at, not kept in docs
  await page.getByTestId('weights-prefixes').fill('model.emb=emb, model.fc=fc');
  await expect(page.getByTestId('weights-unused-prefix')).toBeHidden();
  await expect(page.getByTestId('weights-matched').locator('tr')).toHaveCount(3);
  await page.getByTestId('weights-load').click();
  await expect(wd).toBeHidden();
  await expect(page.getByTestId('toast').last()).toContainText('Loaded 3 weights from weights.safetensors');
  // the output changes with the new weights, and undo brings the old ones back
  const probs = async () => (await page.getByTestId('output-logprobs').textContent()) ?? '';
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('output-logprobs')).toBeVisible();
  const before = await probs();
  await page.getByTestId('run-button').click();
  await expect.poll(probs).not.toBe(before);
  await page.keyboard.press('ControlOrMeta+z');
  await page.getByTestId('run-button').click();
  await expect.poll(probs).toBe(before);
});

test('a model whose weights are in an external-data file: the editor asks for it', async ({ page }) => {
  await openEditor(page);
  await dropFiles(page, [{ name: 'dynamo_lstm.onnx', bytes: fixture('dynamo_lstm.onnx') }]);
  const dialog = page.getByTestId('onnx-import-dialog');
  await expect(dialog).toContainText('dynamo_lstm.onnx.data');
  await page.getByTestId('onnx-pick-data-input').setInputFiles({ name: 'dynamo_lstm.onnx.data', mimeType: 'application/octet-stream', buffer: fixture('dynamo_lstm.onnx.data') });
  await expect(dialog).toContainText('11 ids');
  await page.getByTestId('onnx-use-numbers').click();
  await expect(dialog).toBeHidden();
  await expect(node(page, 'lstm')).toBeVisible();
  await expect(page.getByTestId('toast').last()).toContainText(/traced with batch size 2/);
});

