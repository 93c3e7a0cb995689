// A new user's first five minutes, in order, on a 1280×720 laptop screen (issue 15, "First use
// in the editor"): the app opens on an example that is wholly visible and readable; they unfold
// the palette, drag a node onto the canvas, connect it, run the graph, read the new output, and
// open the inspector on a node. Each step is one a first-time user takes without help, and each
// screen it passes through is saved to test-results/screens/first-path-*.png to look at.
import { expect, test, type Page } from '@playwright/test';
import { dragConnection, look, node, openEditor, selectNode } from './helpers';
import { canvasView, expectAllInView } from './first-use-helpers';

/** Rendered font size (px on screen) of a node's title: text a person can read is ≥ 8 px. */
async function titlePx(page: Page, name: string): Promise<number> {
  return node(page, name)
    .locator('.sg-node-head')
    .first()
    .evaluate((el) => {
      const css = parseFloat(getComputedStyle(el).fontSize);
      const m = /scale\(([\d.]+)\)/.exec((document.querySelector('.react-flow__viewport') as HTMLElement).style.transform);
      return css * (m ? Number(m[1]) : 1);
    });
}

/** A point on the canvas, relative to it, where a dropped node lands in a space that no node, minimap or zoom control covers. */
async function freeSpot(page: Page): Promise<{ x: number; y: number }> {
  return page.evaluate(() => {
    const canvas = document.querySelector('.sg-canvas')!.getBoundingClientRect();
    const boxes = [...document.querySelectorAll('.react-flow__node, .react-flow__minimap, .react-flow__controls')].map((e) => e.getBoundingClientRect());
    const clear = (x: number, y: number) => boxes.every((b) => x + 180 < b.left - 20 || x > b.right + 20 || y + 90 < b.top - 20 || y > b.bottom + 20);
    for (let y = canvas.top + 30; y < canvas.bottom - 120; y += 20)
      for (let x = canvas.left + 30; x < canvas.right - 200; x += 20) if (clear(x, y)) return { x: x + 90 - canvas.left, y: y + 30 - canvas.top }; // a node lands centred on the pointer
    throw new Error('no free room on the canvas');
  });
}

test('a new user: example visible and readable → palette → drag a node → connect → run → read the output → inspector', async ({ page }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 1280, height: 720 });

  // 1. The app opens on an example, every node in view, titles readable, and it compiles
  await openEditor(page);
  await expectAllInView(page, 'the example on first load', 0.65);
  for (const name of ['name', 'encoder', 'probs']) expect(await titlePx(page, name), `${name}'s title size on screen`).toBeGreaterThanOrEqual(8);
  await expect(page.getByTestId('status-summary')).toHaveText('compiles');
  await look(page, 'first-path-1-open');

  // 2. The palette is folded on a small screen; its button says what it does
  const toggle = page.getByTestId('palette-toggle');
  await expect(toggle).toHaveAttribute('aria-label', 'Show the node palette');
  await toggle.click();
  await expect(page.getByTestId('palette-Output')).toBeVisible();
  // opening the palette narrows the canvas: the graph is fitted again, and where it is too wide
  // to fit at a readable zoom its inputs' end stays in view — nothing goes under the palette
  await expect
    .poll(async () => {
      const v = await canvasView(page);
      return v.zoom >= 0.65 && !v.outside.includes('name') && !v.outside.includes('classify') ? 'ok' : `zoom ${v.zoom.toFixed(2)}, not in view: ${v.outside.join(', ')}`;
    }, { message: 'the inputs stay in view when the palette opens' })
    .toBe('ok');
  await look(page, 'first-path-2-palette');

  // 3. Drag an Output onto an empty part of the canvas: it lands where it was dropped, in view
  const at = await freeSpot(page);
  await page.getByTestId('palette-Output').dragTo(page.getByTestId('canvas'), { targetPosition: at });
  await expect(node(page, 'Output')).toBeVisible();
  expect((await canvasView(page)).outside, 'the new node is on screen').not.toContain('Output');
  // unconnected, it is a warning, not a stop: the rest still compiles and runs
  await expect(page.getByTestId('status-summary')).not.toHaveText(/does not compile|error/);
  await look(page, 'first-path-3-dropped');

  // 4. Connect the encoder's last state to it: the edge shows its shape, the output its type
  await dragConnection(page, 'out-encoder-last', 'in-Output-value');
  await expect(page.getByTestId('edge-encoder.last-Output.value')).toHaveText('[B, 64]');
  await expect(page.getByTestId('status-summary')).toHaveText('compiles');
  await expect(node(page, 'Output')).toContainText('Vector');
  await look(page, 'first-path-4-connected');

  // 5. Run the example's sample: both outputs come back, the new one as a labelled table
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-results')).toBeVisible();
  await expect(page.getByTestId('output-probs').getByTestId('class-row')).toHaveCount(2);
  const out = page.getByTestId('output-Output');
  await out.scrollIntoViewIfNeeded();
  await expect(out).toContainText('[1, 64]');
  const table = page.getByTestId('floats-Output');
  await expect(table).toBeVisible();
  // one row of 64 units reads down the panel, each unit labelled, the column headed by the
  // input name (name-gender's first sample, “Margaret”) — not a line of numbers running off the panel's edge
  await expect(table).toHaveAttribute('data-layout', 'features-down');
  await expect(table.getByTestId('float-feature')).toHaveCount(64);
  await expect(table.getByTestId('float-feature').nth(5).locator('th')).toHaveText('Output[5]');
  await expect(table.locator('thead th').nth(1)).toHaveText('margaret');
  expect(await table.getByTestId('float-feature').nth(5).locator('td').textContent()).toMatch(/^-?\d\.\d{4}$/);
  const inside = await table.evaluate((t) => {
    const panel = t.closest('.sg-output')!.getBoundingClientRect();
    return t.getBoundingClientRect().right <= panel.right + 0.5;
  });
  expect(inside, 'the table fits the panel').toBe(true);
  await look(page, 'first-path-5-run');

  // 6. Select the encoder and open the inspector: its recurrent steps are shown, the node stays in view
  await selectNode(page, 'encoder');
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector-panel')).toContainText('encoder · GRU · 8 steps × 32 units'); // “Margaret”: 8 letters
  await expect(page.getByTestId('heatmap-h')).toBeVisible();
  await expect.poll(async () => (await canvasView(page)).outside, { message: 'the inspected node is on screen' }).not.toContain('encoder');
  await look(page, 'first-path-6-inspector');
});
