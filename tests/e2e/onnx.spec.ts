// ONNX from the editor: "Export ONNX" downloads a model that decodes as ONNX with the graph's
// inputs and outputs; "Check in onnxruntime" runs the exported bytes in onnxruntime-web (wasm,
// served by the app itself) on the current input and shows a difference below 1e-4.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { decodeModel } from '../../src/onnx/proto';
import { openEditor, openFixtureGraph, shot } from './helpers';

test('Export ONNX downloads a model with the graph inputs, outputs and vocabulary', async ({ page }) => {
  await openEditor(page, '/?fresh');
  const download = page.waitForEvent('download');
  await page.getByTestId('action-exportOnnx').click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('name-gender.onnx');
  const model = decodeModel(readFileSync((await d.path())!));
  expect(model.graph!.input!.map((i) => i.name)).toEqual(['name']);
  expect(model.graph!.output!.map((o) => o.name)).toEqual(['probs']);
  const meta = Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key, p.value]));
  expect(JSON.parse(meta['vocab.name'])[0]).toBe('<pad>');
});

test('Check in onnxruntime: the exported model agrees with the runtime on a typed name', async ({ page }) => {
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  await openEditor(page, '/?fresh');
  await page.getByRole('tab', { name: 'Run' }).click();
  await page.getByTestId('run-input-name').fill('Rossi\nNakamura\nAl');
  await page.getByTestId('onnx-check-button').click();
  const result = page.getByTestId('onnx-result');
  await expect(result).toBeVisible({ timeout: 30_000 });
  const diff = Number(await result.getAttribute('data-max-diff'));
  expect(diff).toBeLessThan(1e-4);
  await expect(result).toContainText('agrees');
  expect(failed.filter((u) => !u.startsWith('http://127.0.0.1'))).toEqual([]); // nothing from a CDN
  await shot(page, 'onnx-check');
});

test('Check in onnxruntime on the seq2seq example (greedy decoder as an ONNX Loop)', async ({ page }) => {
  await openEditor(page, '/?fresh');
  // the greedy G2P fixture: the gallery's trained G2P decodes by beam search, which ONNX holds only as greedy
  await openFixtureGraph(page, 'g2p-attention');
  await page.getByRole('tab', { name: 'Run' }).click();
  await page.getByTestId('onnx-check-button').click();
  const result = page.getByTestId('onnx-result');
  await expect(result).toBeVisible({ timeout: 30_000 });
  expect(Number(await result.getAttribute('data-max-diff'))).toBeLessThan(1e-4);
});
