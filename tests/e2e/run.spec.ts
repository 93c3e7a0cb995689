// Running the name-gender classifier (trained, in the gallery) in the browser (compiled and
// executed in the Web Worker) gives the same probabilities as the command line, `seqgraph run`, on
// the same input; so does a G2P decoder's output.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openEditor, openFixtureGraph, openGalleryGraph, shot } from './helpers';

const CLASSIFIER = 'graphs/name-gender.json';
const classifier = JSON.parse(readFileSync(CLASSIFIER, 'utf8'));
/** the classifier's class labels, from its Output node */
const LABELS: string[] = classifier.nodes.find((n: { type: string }) => n.type === 'Output').params.labels;

/** `seqgraph run graphs/name-gender.json --input feeds.json` for one typed name. */
function cliProbs(name: string): number[] {
  const input = classifier.nodes.find((n: { type: string }) => n.type === 'Input');
  const vocab: string[] = input.params.vocab;
  const text = input.params.lowercase ? name.toLowerCase() : name;
  const ids = Array.from(text).map((ch) => (vocab.indexOf(ch) >= 0 ? vocab.indexOf(ch) : vocab.indexOf('<unk>')));
  const dir = mkdtempSync(join(tmpdir(), 'seqgraph-e2e-'));
  const feeds = join(dir, 'feeds.json');
  writeFileSync(feeds, JSON.stringify({ [input.name]: { dtype: 'int64', shape: [1, ids.length], data: ids } }));
  const out = execFileSync(process.execPath, ['bin/seqgraph.js', 'run', CLASSIFIER, '--input', feeds], { encoding: 'utf8' });
  const probs = JSON.parse(out).probs;
  expect(probs.shape).toEqual([1, LABELS.length]);
  return probs.data;
}

test('run the name classifier on a typed name: the probabilities equal the CLI’s', async ({ page }) => {
  const typed = 'Sophia';
  const expected = cliProbs(typed);
  expect(LABELS).toEqual(['female', 'male']);

  await openEditor(page);
  await openGalleryGraph(page, 'name-gender', false);
  await page.getByTestId('tab-run').click();
  const field = page.getByTestId('run-input-name');
  await field.fill(typed);
  await page.getByTestId('run-button').click();

  const rows = page.getByTestId('output-probs').getByTestId('class-row');
  await expect(rows).toHaveCount(LABELS.length);
  const labels = LABELS;
  let maxDiff = 0;
  const shown: { label: string; value: number }[] = [];
  for (let i = 0; i < LABELS.length; i++) {
    const r = rows.nth(i);
    const index = Number(await r.getAttribute('data-index'));
    const value = Number(await r.getAttribute('data-value'));
    expect(await r.getAttribute('data-label')).toBe(labels[index]);
    maxDiff = Math.max(maxDiff, Math.abs(value - expected[index]));
    shown.push({ label: labels[index], value });
  }
  expect(maxDiff).toBeLessThanOrEqual(1e-6);
  // sorted, best first, and the top one is the CLI's argmax
  for (let i = 1; i < shown.length; i++) expect(shown[i - 1].value).toBeGreaterThanOrEqual(shown[i].value);
  const argmax = expected.indexOf(Math.max(...expected));
  expect(shown[0].label).toBe(labels[argmax]);
  await expect(page.getByTestId('classes-probs-0')).toBeVisible();
  await expect(page.getByTestId('run-results')).toContainText('sophia');
  await shot(page, 'run-results');

  // a batch: one name per line
  await field.fill('Sophia\nOliver');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('classes-probs-1')).toBeVisible();
  const again = page.getByTestId('classes-probs-0').getByTestId('class-row').first();
  expect(Math.abs(Number(await again.getAttribute('data-value')) - Math.max(...expected))).toBeLessThanOrEqual(1e-6);
});

test('run errors are shown and name what is wrong', async ({ page }) => {
  await openEditor(page);
  await openGalleryGraph(page, 'name-gender');
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-name').fill('');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-error')).toContainText('name');

  // a graph that does not compile: the run names the problems
  await page.getByTestId('tab-params').click();
  await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
  await page.getByTestId('node-classify').locator('.sg-node-head').click();
  await page.getByTestId('param-units').fill('5');
  await page.getByTestId('param-confirm-apply').click(); // the trained weights no longer fit: asked first
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-input-name').fill('Rossi');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-error')).toContainText('labels');

  // and a sample from the graph runs
  await page.getByTestId('action-undo').click();
  await page.getByTestId('sample-select').selectOption('a batch of names');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('classes-probs-3')).toBeVisible();
});

test('the G2P example runs on a typed word and shows the phoneme symbols the CLI gives', async ({ page }) => {
  await openEditor(page, '/?fresh');
  // the greedy G2P fixture: the gallery's trained G2P also takes a target sequence as an input
  await openFixtureGraph(page, 'g2p-attention');
  await page.getByRole('tab', { name: 'Run' }).click();
  await page.getByTestId('run-input-word').fill('graph');
  await page.getByTestId('run-button').click();
  const rows = page.getByTestId('tokens-phonemes').getByTestId('token-row');
  await expect(rows).toHaveCount(1);
  const shown = await rows.first().getAttribute('data-text');
  // the same input through the command line
  const dir = mkdtempSync(join(tmpdir(), 'sg-g2p-'));
  const feeds = join(dir, 'feeds.json');
  const vocab: string[] = JSON.parse(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8')).nodes.find((n: { name: string }) => n.name === 'word').params.vocab;
  const ids = [...'graph'].map((c) => vocab.indexOf(c));
  writeFileSync(feeds, JSON.stringify({ word: { dtype: 'int64', shape: [1, ids.length], data: ids } }));
  const out = JSON.parse(execFileSync('node', ['bin/seqgraph.js', 'run', 'tests/fixtures/graphs/g2p-attention.json', '--input', feeds], { encoding: 'utf8' }));
  const phonemes: string[] = JSON.parse(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8')).nodes.find((n: { name: string }) => n.name === 'decoder').params.vocab;
  const len = out.phonemes.data.findIndex((id: number) => phonemes[id] === '</s>' || phonemes[id] === '<pad>');
  const cli = out.phonemes.data.slice(0, len < 0 ? undefined : len).map((id: number) => phonemes[id]);
  expect(cli.length).toBeGreaterThan(0);
  expect(shown!.split(/\s+/).filter(Boolean)).toEqual(cli);
  await shot(page, 'run-g2p');
});
