// What the inspector shows is what `seqgraph run --trace` writes: its Trace JSON export equals the
// CLI's file for the same graph and input, and hovered cells read the CLI's numbers. On the POS
// tagger (2-layer LSTM over words): units sorted by variance, picked units plotted over time, and
// LSTMVis-style pattern selection, checked against the CLI's trace. On the G2P example: the
// decoder's attention heatmap, labelled with input letters and output phonemes, rows summing to 1,
// and the CLI's trace file opened in the inspector. And an Attention node on its own (multi-head).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openEditor, shot } from './helpers';
import { downloadText, hoverCell, runAndInspect } from './inspector-helpers';

type Rows = number[][][];
interface TraceJSON {
  format: string;
  nodes: { node: string; name: string; type: string; batch: number; steps: number; hidden_size: number; lengths: number[]; tokens?: string[][]; layers: { layer: number; direction: string; h: Rows; c?: Rows; gates: Record<string, Rows> }[] }[];
  attention?: { node: string; name: string; query_tokens?: string[][]; key_tokens?: string[][]; weights: number[][][][] }[];
}

/**
 * `seqgraph run <graph> --trace t.json` on the graph's first sample (the file's path rides along).
 * Both graphs here are test fixtures: seeded toys whose traces these checks were written for.
 */
function cliTrace(graph: string): TraceJSON & { file: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'seqgraph-insp-')), `${graph}.trace.json`);
  execFileSync(process.execPath, ['bin/seqgraph.js', 'run', `tests/fixtures/graphs/${graph}.json`, '--trace', file], { encoding: 'utf8' });
  return Object.assign(JSON.parse(readFileSync(file, 'utf8')) as TraceJSON, { file });
}

/** Same structure, same strings, numbers within `tol`; returns the largest difference. */
function compareJSON(a: unknown, b: unknown, path = '$', tol = 1e-6): number {
  if (typeof a === 'number' && typeof b === 'number') {
    const d = Math.abs(a - b);
    expect(d, `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(tol);
    return d;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    expect(Array.isArray(a) && Array.isArray(b), `${path}: array`).toBe(true);
    const x = a as unknown[];
    const y = b as unknown[];
    expect(x.length, `${path}: length`).toBe(y.length);
    return x.reduce<number>((m, v, i) => Math.max(m, compareJSON(v, y[i], `${path}[${i}]`, tol)), 0);
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), `${path}: keys`).toEqual(Object.keys(b).sort());
    return Object.keys(a).reduce((m, k) => Math.max(m, compareJSON((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, tol)), 0);
  }
  expect(a, path).toEqual(b);
  return 0;
}

test('POS tagger: the Trace JSON export equals `seqgraph run --trace`; sort, unit plot and pattern selection agree with it', async ({ page }) => {
  const cli = cliTrace('pos-tagger');
  await runAndInspect(page, 'pos-tagger', 'lstm');

  const exported = await downloadText(page, 'export-trace-json');
  expect(exported.name).toMatch(/trace\.json$/);
  const { file: _file, ...cliJSON } = cli;
  const worst = compareJSON(JSON.parse(exported.text), cliJSON);
  console.log(`inspector export vs CLI trace: max abs diff ${worst}`);

  // layer 1 of the 2-layer LSTM; hovered cells read the CLI's numbers, tokens along the time axis
  await page.getByTestId('inspector-layer-select').selectOption('1');
  const lstm = cli.nodes.find((n) => n.name === 'lstm')!;
  const l1 = lstm.layers.find((l) => l.layer === 1)!;
  const tokens = lstm.tokens![0];
  expect(tokens).toEqual(['the', 'old', 'man', 'sails', 'the', 'boat']);
  expect(JSON.parse((await page.getByTestId('heatmap-h').getAttribute('data-col-labels'))!)).toEqual(tokens);
  for (const [q, step, unit] of [['h', 3, 17], ['c', 5, 40], ['f', 0, 2], ['o', 2, 47]] as const) {
    const data = q === 'h' ? l1.h : q === 'c' ? l1.c! : l1.gates[q];
    const cell = await hoverCell(page, `heatmap-${q}`, unit, step);
    expect(cell.token).toBe(tokens[step]);
    expect(Math.abs(cell.value - data[0][step][unit])).toBeLessThanOrEqual(1e-6);
  }

  // sort units by variance of h (largest first), as computed from the CLI's numbers
  await page.getByTestId('sort-select').selectOption('variance');
  const H = lstm.hidden_size;
  const variance = Array.from({ length: H }, (_, u) => {
    const xs = l1.h[0].map((step) => step[u]);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
  });
  const order = (await page.getByTestId('heatmap-h').getAttribute('data-order'))!.split(',').map(Number);
  expect(order).toHaveLength(H);
  for (let i = 1; i < H; i++) expect(variance[order[i - 1]]).toBeGreaterThanOrEqual(variance[order[i]] - 1e-9);
  // c is ordered the same way, so a unit stays on one line in every heatmap
  await expect(page.getByTestId('heatmap-c')).toHaveAttribute('data-order', order.join(','));

  // shift-drag across steps 1–3 of h: the units that stay ≥ 0.05 there are picked and plotted
  await page.getByTestId('pattern-threshold').fill('0.05');
  const hit = page.getByTestId('heatmap-h-hit');
  // centred, so the sticky readout does not cover its top rows
  await hit.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const canvas = page.getByTestId('heatmap-h');
  const cw = Number(await canvas.getAttribute('data-cell-w'));
  const box = (await hit.boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + 1.5 * cw, box.y + 4);
  await page.mouse.down();
  await page.mouse.move(box.x + 2.5 * cw, box.y + 4, { steps: 3 });
  await page.mouse.move(box.x + 3.5 * cw, box.y + 4, { steps: 3 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.getByTestId('pattern-from')).toHaveValue('1');
  await expect(page.getByTestId('pattern-to')).toHaveValue('3');
  const expected = Array.from({ length: H }, (_, u) => u).filter((u) => [1, 2, 3].every((t) => l1.h[0][t][u] >= 0.05));
  expect(expected.length).toBeGreaterThan(0);
  await expect(page.getByTestId('pattern-units')).toHaveAttribute('data-units', expected.join(','));
  await expect(page.getByTestId('unit-plot')).toHaveAttribute('data-units', expected.join(','));
  // the selection itself is one of the matches
  await expect(page.getByTestId('pattern-matches')).toContainText('the selection');

  // clicking a unit's row takes it off the plot, or adds it back
  const u0 = expected[0];
  const ch = Number(await canvas.getAttribute('data-cell-h'));
  await hit.click({ position: { x: 0.5 * cw, y: (order.indexOf(u0) + 0.5) * ch } });
  await expect(page.getByTestId('unit-plot')).toHaveAttribute('data-units', expected.slice(1).join(','));
  await hit.click({ position: { x: 0.5 * cw, y: (order.indexOf(u0) + 0.5) * ch } });
  await expect(page.getByTestId('unit-plot')).toHaveAttribute('data-units', [...expected.slice(1), u0].join(','));

  await page.getByTestId('unit-plot-canvas').hover({ position: { x: 2.5 * cw, y: 40 } });
  await expect(page.getByTestId('inspector-readout')).toHaveAttribute('data-step', '2');
  // colours fitted to the data: this seeded (untrained) model's states are small
  await page.getByTestId('colour-range-select').selectOption('fit');
  await expect(page.getByTestId('heatmap-h-legend')).not.toHaveAttribute('data-max', '1');
  await page.getByTestId('inspector-panel').evaluate((el) => el.closest('.sg-right-body')?.scrollTo(0, 0));
  await shot(page, 'inspector-unit-plot');
});

test('G2P: the decoder’s attention heatmap has labels, its rows sum to 1, and it equals the CLI’s trace', async ({ page }) => {
  const cli = cliTrace('g2p-attention');
  const att = cli.attention!.find((a) => a.name === 'decoder')!;
  await runAndInspect(page, 'g2p-attention', 'decoder');
  const heat = page.getByTestId('heatmap-attention');
  await expect(heat).toBeVisible();
  const rows = JSON.parse((await heat.getAttribute('data-row-labels'))!) as string[];
  const cols = JSON.parse((await heat.getAttribute('data-col-labels'))!) as string[];
  expect(cols).toEqual(['h', 'e', 'l', 'l', 'o']);
  expect(rows).toEqual(att.query_tokens![0]);
  expect(rows.at(-1)).toBe('</s>');

  // the matrix as shown, through the CSV export: labels, and every row sums to 1
  const csv = await downloadText(page, 'export-attention-csv');
  const lines = csv.text.trim().split('\n').map((l) => l.split(','));
  expect(lines[0]).toEqual(['query\\key', ...cols]);
  expect(lines.slice(1).map((l) => l[0])).toEqual(rows);
  for (const l of lines.slice(1)) {
    const sum = l.slice(1).map(Number).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 1), `row ${l[0]} sums to ${sum}`).toBeLessThanOrEqual(1e-5);
  }
  // hovering every cell of one row reads the same numbers, and they are the CLI's
  let sum = 0;
  for (let k = 0; k < cols.length; k++) {
    const cell = await hoverCell(page, 'heatmap-attention', 2, k);
    expect(Math.abs(cell.value - att.weights[0][0][2][k])).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(cell.value - Number(lines[3][k + 1]))).toBeLessThanOrEqual(1e-7);
    sum += cell.value;
  }
  expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-5);
  await expect(page.getByTestId('inspector-readout')).toHaveAttribute('data-key-token', 'o');

  // the decoder's own GRU steps are there too, labelled with the symbols it wrote
  await expect(page.getByTestId('heatmap-z')).toBeVisible();
  expect(JSON.parse((await page.getByTestId('heatmap-h').getAttribute('data-col-labels'))!)).toEqual(rows);
  const { file, ...cliJSON } = cli;
  const exported = await downloadText(page, 'export-trace-json');
  compareJSON(JSON.parse(exported.text), cliJSON);

  // colours fitted to the data: this seeded (untrained) decoder attends almost evenly
  await page.getByTestId('colour-range-select').selectOption('fit');
  await hoverCell(page, 'heatmap-attention', 3, 2);
  await page.getByTestId('inspector-panel').evaluate((el) => el.closest('.sg-right-body')?.scrollTo(0, 0));
  await shot(page, 'inspector-attention');

  // the CLI's trace file opens in the inspector too
  await page.getByTestId('inspector-open-trace').setInputFiles(file);
  await expect(page.getByText('Opened the trace g2p-attention.trace.json')).toBeVisible();
  const again = await hoverCell(page, 'heatmap-attention', 1, 4);
  expect(Math.abs(again.value - att.weights[0][0][1][4])).toBeLessThanOrEqual(1e-7);
});

test('an Attention node alone (multi-head self-attention over words): one heatmap per head, rows summing to 1; the narrow inspector', async ({ page }) => {
  const pos = JSON.parse(readFileSync('tests/fixtures/graphs/pos-tagger.json', 'utf8'));
  const input = pos.nodes.find((n: { type: string }) => n.type === 'Input');
  const doc = {
    format: 'seqgraph', version: 1, name: 'self-attention', seed: 3, samples: pos.samples,
    nodes: [
      input,
      { id: 'emb', type: 'Embedding', name: 'embed', position: { x: 260, y: 120 }, params: { embedding_dim: 8 } },
      { id: 'att', type: 'Attention', name: 'selfatt', position: { x: 520, y: 120 }, params: { score: 'multi_head', num_heads: 2 } },
      { id: 'o1', type: 'Output', name: 'ctx', position: { x: 780, y: 60 }, params: {} },
      { id: 'o2', type: 'Output', name: 'w', position: { x: 780, y: 200 }, params: {} },
    ],
    edges: [
      { id: 'e1', source: { node: input.id, port: 'tokens' }, target: { node: 'emb', port: 'tokens' } },
      { id: 'e2', source: { node: 'emb', port: 'output' }, target: { node: 'att', port: 'query' } },
      { id: 'e3', source: { node: 'att', port: 'context' }, target: { node: 'o1', port: 'value' } },
      { id: 'e4', source: { node: 'att', port: 'weights' }, target: { node: 'o2', port: 'value' } },
    ],
  };
  await openEditor(page);
  await page.getByTestId('file-input').setInputFiles({ name: 'self-attention.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector-panel')).not.toHaveClass(/is-wide/); // nothing to show yet: no extra room taken
  await page.getByTestId('inspector-run').click();
  await expect(page.getByTestId('heatmap-attention')).toBeVisible();
  await expect(page.getByTestId('inspector-panel')).toHaveClass(/is-wide/);
  await page.getByTestId('inspector-wide').click();
  await expect(page.getByTestId('inspector-panel')).not.toHaveClass(/is-wide/);
  const words = ['the', 'old', 'man', 'sails', 'the', 'boat'];
  for (const head of ['0', '1']) {
    await page.getByTestId('attention-head-select').selectOption(head);
    await expect(page.getByTestId('attention-view')).toHaveAttribute('data-head', head);
    await expect(page.getByTestId('heatmap-attention')).toHaveAttribute('data-col-labels', JSON.stringify(words));
    const csv = await downloadText(page, 'export-attention-csv');
    expect(csv.name).toContain(`head${head}`);
    const lines = csv.text.trim().split('\n').map((l) => l.split(','));
    expect(lines.slice(1).map((l) => l[0])).toEqual(words);
    for (const l of lines.slice(1)) expect(Math.abs(l.slice(1).map(Number).reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-5);
  }
});
