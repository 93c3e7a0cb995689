// Weights in a document survive edits of other nodes and saving; a node whose weight shapes
// change with its params (or its input) loses its stale weights, and undo brings them back.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { compile } from '../../src/compiler/compile';
import { parseGraphText } from '../../src/doc/load';
import type { GraphDoc } from '../../src/doc/schema';
import { encodeWeight } from '../../src/doc/weights';
import { pruneWeights } from '../../src/app/store/analysis';
import { removeItems, setParam, renameNode } from '../../src/app/store/doc-ops';
import { look, node, openEditor, selectNode } from './helpers';

/** The name classifier with its (seeded) weights written into the file. */
function weightedDoc(): GraphDoc {
  const r = parseGraphText(readFileSync('tests/fixtures/graphs/name-classifier.json', 'utf8'));
  if (!r.ok) throw new Error('graph does not load');
  const doc = r.doc;
  const c = compile(doc, { lower: false, initWeights: true });
  doc.weights = Object.fromEntries(Object.entries(c.weights).map(([id, ws]) => [id, Object.fromEntries(Object.entries(ws).map(([k, t]) => [k, encodeWeight(t.shape, t.data as Float32Array)]))]));
  doc.name = 'weighted';
  return doc;
}

async function saved(page: Page): Promise<GraphDoc> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('ControlOrMeta+s')]);
  return JSON.parse(readFileSync(await download.path(), 'utf8')) as GraphDoc;
}

test('pruneWeights and the document edits keep what still fits (no browser)', () => {
  const doc = weightedDoc();
  expect(Object.keys(doc.weights!).sort()).toEqual(['dense', 'emb', 'gru']);
  // an edit elsewhere keeps every weight, by identity
  const renamed = pruneWeights(renameNode(doc, 'last', 'final'));
  expect(renamed.weights).toBe(doc.weights);
  const act = pruneWeights(setParam(doc, 'dense', 'activation', 'tanh'));
  expect(act.weights).toBe(doc.weights);
  // hidden_size changes the GRU's weights and the Dense's input: both go, the embedding stays
  const wider = pruneWeights(setParam(doc, 'gru', 'hidden_size', 48));
  expect(Object.keys(wider.weights!).sort()).toEqual(['emb']);
  expect(wider.weights!.emb).toBe(doc.weights!.emb);
  // a deleted node takes its weights along
  const fewer = removeItems(doc, ['dense'], []);
  expect(Object.keys(fewer.weights!).sort()).toEqual(['emb', 'gru']);
  expect(compile(doc).program).not.toBeNull();
});

test('a loaded graph keeps its weights through edits and saving; stale ones are dropped', async ({ page }) => {
  await openEditor(page);
  const text = JSON.stringify(weightedDoc());
  await page.getByTestId('file-input').setInputFiles({ name: 'weighted.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(page.getByTestId('graph-name')).toHaveValue('weighted');
  await expect(node(page, 'encoder')).toBeVisible();

  // edit another node: every weight is still there, byte for byte
  await selectNode(page, 'classify');
  await page.getByTestId('param-activation').selectOption('tanh');
  await expect(page.getByTestId('summary-classify')).toHaveText('8 tanh');
  const original = JSON.parse(text) as GraphDoc;
  let out = await saved(page);
  expect(out.weights).toEqual(original.weights);
  expect(out.nodes.find((n) => n.id === 'dense')!.params.activation).toBe('tanh');

  // a param that changes the GRU's weight shapes would drop its weights and the Dense's after
  // it: the form asks first, and nothing changes until the person says so
  await selectNode(page, 'encoder');
  await expect(page.getByTestId('weights-table')).toContainText('weight_ih_l0');
  await page.getByTestId('param-hidden_size').fill('48');
  const ask = page.getByTestId('param-confirm-hidden_size');
  await expect(ask).toContainText('the trained weights of encoder and classify would no longer fit');
  await expect(page.getByTestId('summary-encoder')).toHaveText('GRU 32 bi');
  await look(page, 'weights-confirm');
  await page.getByTestId('param-confirm-keep').click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId('param-hidden_size')).toHaveValue('32');
  out = await saved(page);
  expect(out.weights).toEqual(original.weights);

  await page.getByTestId('param-hidden_size').fill('48');
  await page.getByTestId('param-confirm-apply').click();
  await expect(page.getByTestId('summary-encoder')).toHaveText('GRU 48 bi');
  out = await saved(page);
  expect(Object.keys(out.weights ?? {})).toEqual(['emb']);
  expect(out.weights!.emb).toEqual(original.weights!.emb);

  // the message says what went, and its Undo brings the weights back
  const told = page.getByTestId('toast').filter({ hasText: 'The trained weights of encoder and classify no longer fit' });
  await expect(told).toBeVisible();
  await told.getByTestId('toast-action').click();
  await expect(page.getByTestId('summary-encoder')).toHaveText('GRU 32 bi');
  out = await saved(page);
  expect(out.weights).toEqual(original.weights);
});
