// The inspector shows the new cells' gates at every step: the MGU's forget gate f and candidate h̃,
// the peephole LSTM's i, f, g, o and c, the GRU with the paper's update gate's r, z, n. A graph
// holding all three (weights written into the file) is opened, run in the app, and hovered cells
// must read the runtime's trace computed here in Node (≤ 1e-6); the runtime's trace itself is
// checked against PyTorch written out by hand in tests/unit/cell-variants-pytorch.test.ts.
import { expect, test, type Page } from '@playwright/test';
import { compile } from '../../src/compiler/compile';
import { Rng } from '../../src/compiler/rng';
import type { GraphDoc } from '../../src/doc/schema';
import { encodeWeight } from '../../src/doc/weights';
import { execute } from '../../src/runtime/execute';
import { floatTensor } from '../../src/runtime/tensor';
import type { NodeTrace } from '../../src/runtime/trace';
import { openEditor, selectNode, shot } from './helpers';
import { hoverCell, pickRow } from './inspector-helpers';

const B = 2, T = 7, I = 3, H = 5;

function cellsDoc(): { doc: GraphDoc; trace: Map<string, NodeTrace> } {
  const rng = new Rng(15);
  const x = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: I }, () => rng.uniform(-2, 2))));
  const cell = (id: string, type: string, params: Record<string, unknown>, y: number) => ({ id, type, name: id, position: { x: 300, y }, params: { hidden_size: H, ...params } });
  const out = (id: string, y: number) => ({ id: `${id}_out`, type: 'Output', name: `${id}_y`, position: { x: 600, y }, params: {} });
  const doc = {
    format: 'seqgraph', version: 2, name: 'cells', seed: 7,
    nodes: [
      { id: 'x', type: 'Input', name: 'x', position: { x: 0, y: 200 }, params: { kind: 'sequence', features: I } },
      cell('mgu', 'MGU', {}, 40), out('mgu', 40),
      cell('peephole', 'LSTM', { peephole: true }, 200), out('peephole', 200),
      cell('gru_paper', 'GRU', { update_gate: 'paper' }, 360), out('gru_paper', 360),
    ],
    edges: ['mgu', 'peephole', 'gru_paper'].flatMap((id) => [
      { id: `${id}_in`, source: { node: 'x', port: 'sequence' }, target: { node: id, port: 'input' } },
      { id: `${id}_o`, source: { node: id, port: 'output' }, target: { node: `${id}_out`, port: 'value' } },
    ]),
    samples: [{ name: 'x (2 rows × 7 steps)', inputs: { x } }],
  } as unknown as GraphDoc;
  const c = compile(doc, { lower: false, initWeights: true });
  doc.weights = Object.fromEntries(Object.entries(c.weights).map(([id, ws]) => [id, Object.fromEntries(Object.entries(ws).map(([k, t]) => [k, encodeWeight(t.shape, t.data as Float32Array)]))]));
  const program = compile(doc).program;
  if (!program) throw new Error('the cells graph does not compile');
  const run = execute(program, { x: floatTensor([B, T, I], x.flat(2)) }, { trace: true });
  return { doc, trace: new Map(run.trace!.nodes.map((n) => [n.name, n])) };
}

/** hovers a few cells of each quantity in both rows; each must read the Node runtime's trace */
async function readsTrace(page: Page, n: NodeTrace, quantities: string[]): Promise<number> {
  const layer = n.layers[0];
  let worst = 0;
  for (const row of [0, 1]) {
    await pickRow(page, row);
    for (const q of quantities) {
      const data = q === 'h' ? layer.h : q === 'c' ? layer.c! : layer.gates[q];
      for (const [step, unit] of row === 0 ? [[0, 0], [T - 1, H - 1]] : [[3, 2]]) {
        const got = await hoverCell(page, `heatmap-${q}`, unit, step);
        const want = data[(row * T + step) * H + unit];
        const d = Math.abs(got.value - want);
        expect(d, `${n.name} ${q} row ${row} step ${step} unit ${unit}: shown ${got.value}, runtime ${want}`).toBeLessThanOrEqual(1e-6);
        worst = Math.max(worst, d);
      }
    }
  }
  return worst;
}

test('MGU (f, candidate h̃), peephole LSTM and GRU update_gate paper: every gate in the inspector, reading the runtime', async ({ page }) => {
  test.setTimeout(120_000); // three nodes, 13 quantities hovered in two rows
  const { doc, trace } = cellsDoc();
  await openEditor(page);
  await page.getByTestId('file-input').setInputFiles({ name: 'cells.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
  await expect(page.getByTestId('graph-name')).toHaveValue('cells');
  // the canvas says which variant each node is
  await expect(page.getByTestId('summary-mgu')).toHaveText('MGU 5');
  await expect(page.getByTestId('summary-peephole')).toHaveText('LSTM 5 peephole');
  await expect(page.getByTestId('summary-gru_paper')).toHaveText('GRU 5 z paper');
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();

  const inspect = async (name: string) => {
    await selectNode(page, name);
    await page.getByTestId('tab-inspector').click();
    await expect(page.getByTestId('inspector-panel')).toHaveAttribute('data-node', /.+/);
  };

  // MGU: one gate f and the candidate h̃ (recorded as n), no cell state, no r or z
  await inspect('mgu');
  for (const q of ['h', 'f', 'n']) await expect(page.getByTestId(`heatmap-${q}`)).toBeVisible();
  for (const q of ['c', 'r', 'z', 'i', 'o']) await expect(page.getByTestId(`heatmap-${q}`)).toHaveCount(0);
  await expect(page.getByTestId('heatmap-f')).toHaveAttribute('aria-label', /^f · forget gate/);
  await expect(page.getByTestId('heatmap-n')).toHaveAttribute('aria-label', /^n · candidate h̃/);
  await expect(page.getByTestId('heatmap-f-legend')).toHaveAttribute('data-kind', 'sequential');
  await expect(page.getByTestId('saturation-f')).toBeVisible();
  let worst = await readsTrace(page, trace.get('mgu')!, ['f', 'n', 'h']);
  await pickRow(page, 0);
  await hoverCell(page, 'heatmap-f', 2, 3);
  await shot(page, 'inspector-mgu');

  // LSTM with peepholes: i, f, g, o, c, h (the gates include p⊙c)
  await inspect('peephole');
  for (const q of ['h', 'c', 'i', 'f', 'g', 'o']) await expect(page.getByTestId(`heatmap-${q}`)).toBeVisible();
  worst = Math.max(worst, await readsTrace(page, trace.get('peephole')!, ['i', 'f', 'g', 'o', 'c', 'h']));
  await pickRow(page, 0);
  await hoverCell(page, 'heatmap-o', 1, 4);
  await shot(page, 'inspector-lstm-peephole');

  // GRU with the paper's update gate: r, z, n, h
  await inspect('gru_paper');
  for (const q of ['h', 'r', 'z', 'n']) await expect(page.getByTestId(`heatmap-${q}`)).toBeVisible();
  await expect(page.getByTestId('heatmap-n')).toHaveAttribute('aria-label', /^n · new gate/);
  worst = Math.max(worst, await readsTrace(page, trace.get('gru_paper')!, ['r', 'z', 'n', 'h']));
  console.log(`new cells in the inspector vs the runtime's trace: max abs diff ${worst}`);
});
