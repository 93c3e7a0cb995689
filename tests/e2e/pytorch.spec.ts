// "PyTorch" in the editor's top bar downloads the graph as a PyTorch package: a zip holding
// model.py (the nn.Module, named and shaped as the graph), the weights, vocab.json, samples.json,
// train.py (the example has a training section) and a README, and a toast says what it wrote.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { unzipSync, strFromU8 } from 'fflate';
import { openEditor, shot } from './helpers';

test('Export PyTorch downloads a zip with model.py, the weights and a README', async ({ page }) => {
  await openEditor(page, '/?fresh');
  const button = page.getByTestId('action-exportPyTorch');
  await expect(button).toBeEnabled();
  await expect(button).toHaveAttribute('title', /Export PyTorch/);
  const download = page.waitForEvent('download');
  await button.click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('name-gender-pytorch.zip');
  const files = unzipSync(readFileSync((await d.path())!));
  expect(Object.keys(files).sort()).toEqual(['README.md', 'model.py', 'samples.json', 'train.py', 'vocab.json', 'weights.safetensors'].map((f) => `name-gender-pytorch/${f}`));
  const model = strFromU8(files['name-gender-pytorch/model.py']);
  expect(model).toContain('class NameGender(nn.Module)');
  expect(model).toContain('self.encoder = nn.GRU(16, 32, bidirectional=True, batch_first=True)');
  expect(strFromU8(files['name-gender-pytorch/README.md'])).toContain('seqgraph weights load graph.json');
  await expect(page.getByText(/Exported name-gender-pytorch\.zip/)).toBeVisible();
  await shot(page, 'pytorch-export');
});
