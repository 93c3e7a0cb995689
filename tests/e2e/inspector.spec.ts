// The inspector shows exactly what PyTorch computes: tests/fixtures/graphs/gates-lstm.json and gates-gru.json
// hold the weights and the input x of tests/fixtures/pytorch/gates.json; after a run, hovering
// cells of each gate's heatmap reads the fixture's per-step values (≤ 1e-5), batch row 1 included.
// Also: gate saturation shares, unit order by variance, the unit plot and pattern selection,
// stale marking, and the screenshots of the docs.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { shot } from './helpers';
import { downloadText, hoverCell, pickRow, runAndInspect } from './inspector-helpers';

interface Fix {
  shape: number[];
  data: number[];
}
interface GateCase {
  x: Fix;
  steps: Record<string, Fix>[];
}
const fx = JSON.parse(readFileSync('tests/fixtures/pytorch/gates.json', 'utf8')) as { lstm: GateCase; gru: GateCase };
const H = 6;
const T = 9;
const B = 2;

/** the fixture's value of `q` at (row, step, unit) */
const want = (c: GateCase, q: string, row: number, step: number, unit: number) => c.steps[step][q].data[row * H + unit];

/** (row, step, unit) triples hovered in every heatmap, both batch rows */
const CELLS: [number, number, number][] = [
  [0, 0, 0],
  [0, 4, 3],
  [0, 8, 5],
  [1, 0, 2],
  [1, 5, 1],
  [1, 8, 4],
];

async function checkAgainstFixture(page: import('@playwright/test').Page, c: GateCase, quantities: string[]) {
  let worst = 0;
  for (const row of [0, 1]) {
    await pickRow(page, row);
    for (const q of quantities) {
      for (const [r, step, unit] of CELLS.filter((x) => x[0] === row)) {
        const cell = await hoverCell(page, `heatmap-${q}`, unit, step);
        await expect(page.getByTestId('inspector-readout')).toHaveAttribute('data-row', String(r));
        const d = Math.abs(cell.value - want(c, q, r, step, unit));
        expect(d, `${q} row ${r} step ${step} unit ${unit}: shown ${cell.value}, PyTorch ${want(c, q, r, step, unit)}`).toBeLessThanOrEqual(1e-5);
        worst = Math.max(worst, d);
      }
    }
  }
  return worst;
}

test('LSTM: hovering i, f, g, o, c and h reads PyTorch’s values; saturation, legend and scales', async ({ page }) => {
  await runAndInspect(page, 'gates-lstm', 'lstm');
  for (const q of ['h', 'c', 'i', 'f', 'g', 'o']) await expect(page.getByTestId(`heatmap-${q}`)).toBeVisible();
  // states and tanh candidates diverge around 0; sigmoid gates are sequential 0..1
  await expect(page.getByTestId('heatmap-h-legend')).toHaveAttribute('data-kind', 'diverging');
  await expect(page.getByTestId('heatmap-g-legend')).toHaveAttribute('data-kind', 'diverging');
  await expect(page.getByTestId('heatmap-i-legend')).toHaveAttribute('data-kind', 'sequential');
  await expect(page.getByTestId('heatmap-i-legend')).toHaveAttribute('data-min', '0');
  await expect(page.getByTestId('heatmap-i-legend')).toHaveAttribute('data-max', '1');
  await expect(page.getByTestId('heatmap-h')).toHaveAttribute('data-cols', String(T));
  await expect(page.getByTestId('heatmap-h')).toHaveAttribute('data-rows', String(H));
  await expect(page.getByTestId('inspector-row-select').locator('option')).toHaveCount(B);

  const worst = await checkAgainstFixture(page, fx.lstm, ['i', 'f', 'g', 'o', 'c', 'h']);
  console.log(`LSTM inspector vs PyTorch: max abs diff ${worst}`);

  // gate saturation over both rows and every step, as the fixture gives it
  for (const g of ['i', 'f', 'o']) {
    let lo = 0;
    let hi = 0;
    for (const st of fx.lstm.steps) for (const v of st[g].data) (lo += v < 0.1 ? 1 : 0), (hi += v > 0.9 ? 1 : 0);
    const rowEl = page.getByTestId(`saturation-${g}`);
    expect(Math.abs(Number(await rowEl.getAttribute('data-low')) - lo / (B * T * H))).toBeLessThan(1e-9);
    expect(Math.abs(Number(await rowEl.getAttribute('data-high')) - hi / (B * T * H))).toBeLessThan(1e-9);
  }
  await expect(page.getByTestId('saturation-g')).toHaveAttribute('data-low-bound', '-0.9');

  // the keyboard reads cells too: arrow keys move a cursor over the heatmap
  await pickRow(page, 0);
  await page.getByTestId('heatmap-o-hit').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const readout = page.getByTestId('inspector-readout');
  await expect(readout).toHaveAttribute('data-quantity', 'o');
  await expect(readout).toHaveAttribute('data-step', '2');
  await expect(readout).toHaveAttribute('data-unit', '1');
  expect(Math.abs(Number(await readout.getAttribute('data-value')) - want(fx.lstm, 'o', 0, 2, 1))).toBeLessThanOrEqual(1e-5);

  await page.getByTestId('heatmap-o-hit').blur();
  await hoverCell(page, 'heatmap-c', 3, 4);
  await shot(page, 'inspector-lstm-gates');
});

test('GRU: hovering r, z, n and h reads PyTorch’s values', async ({ page }) => {
  await runAndInspect(page, 'gates-gru', 'gru');
  await expect(page.getByTestId('heatmap-c')).toHaveCount(0);
  const worst = await checkAgainstFixture(page, fx.gru, ['r', 'z', 'n', 'h']);
  console.log(`GRU inspector vs PyTorch: max abs diff ${worst}`);

  // exports: a heatmap as PNG (title, legend, labels, cells), the node as CSV with the same numbers
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png-z').click()]);
  expect(png.suggestedFilename()).toBe('gru-layer0-forward-z-row1.png');
  const bytes = readFileSync(await png.path());
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.readUInt32BE(16)).toBeGreaterThanOrEqual(6 * 9); // width ≥ the cells
  const csv = await downloadText(page, 'export-csv');
  const lines = csv.text.trim().split('\n');
  expect(lines[0]).toBe('quantity,layer,direction,row,step,token,unit,value');
  expect(lines).toHaveLength(1 + 4 * B * T * H);
  const n = lines.find((l) => l.startsWith('n,0,forward,1,3,,5,'))!;
  expect(Math.abs(Number(n.split(',')[7]) - want(fx.gru, 'n', 1, 3, 5))).toBeLessThanOrEqual(1e-5);

  await pickRow(page, 1);
  await hoverCell(page, 'heatmap-z', 2, 6);
  await shot(page, 'inspector-gru');
});
