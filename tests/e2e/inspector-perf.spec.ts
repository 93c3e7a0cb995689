// Speed: a trace of 1,000 steps × 512 units (an LSTM: h, c and four gates, six heatmaps) is drawn
// on canvases with one putImageData each, every heatmap in well under 100 ms, and hovering costs
// a few ms per move (the cell is computed from the mouse position; only the overlay repaints).
// The trace is made in the page and shown through the run store, as a trace file would be.
import { expect, test } from '@playwright/test';
import { openEditor } from './helpers';

const T = 1000;
const H = 512;

test('a 1,000 × 512 trace draws each heatmap in < 100 ms and hovers smoothly', async ({ page }) => {
  await openEditor(page);
  await page.getByTestId('tab-inspector').click();
  const t0 = await page.evaluate(
    ({ T, H }) => {
      const wave = (phase: number, squash: (x: number) => number) => {
        const a = new Float32Array(T * H);
        for (let t = 0; t < T; t++) for (let u = 0; u < H; u++) a[t * H + u] = squash(Math.sin(t / (7 + (u % 23)) + u * phase) * (1 + (u % 5) / 2));
        return a;
      };
      const sig = (x: number) => 1 / (1 + Math.exp(-2 * x));
      const tokens = Array.from({ length: T }, (_, t) => 'abcdefghijklmnopqrstuvwxyz'[(t * 7) % 26]);
      const trace = {
        nodes: [
          {
            node: 'synthetic', name: 'synthetic', type: 'LSTM', batch: 1, steps: T, hidden_size: H, lengths: [T], tokens: [tokens],
            layers: [{ layer: 0, direction: 'forward', h: wave(0.3, Math.tanh), c: wave(0.7, (x) => x), gates: { i: wave(0.1, sig), f: wave(0.2, sig), g: wave(0.5, Math.tanh), o: wave(0.9, sig) } }],
          },
        ],
      };
      (window as unknown as { __inspectorDraws: unknown[] }).__inspectorDraws = [];
      const start = performance.now();
      (window as unknown as { seqgraph: { run: { showTrace(t: unknown, label: string): void } } }).seqgraph.run.showTrace(trace, 'synthetic 1000 × 512');
      return start;
    },
    { T, H },
  );
  for (const q of ['h', 'c', 'i', 'f', 'g', 'o']) await expect(page.getByTestId(`heatmap-${q}`)).toHaveAttribute('data-draw-ms', /\d/);
  const draws = await page.evaluate(() => (window as unknown as { __inspectorDraws: { id: string; ms: number; cells: number; at: number }[] }).__inspectorDraws);
  const big = draws.filter((d) => d.cells === T * H);
  expect(big.map((d) => d.id).sort()).toEqual(['heatmap-c', 'heatmap-f', 'heatmap-g', 'heatmap-h', 'heatmap-i', 'heatmap-o']);
  const worst = Math.max(...big.map((d) => d.ms));
  const shown = Math.max(...big.map((d) => d.at)) - t0;
  console.log(`1000×512 heatmaps: each drawn in ${big.map((d) => d.ms.toFixed(1)).join(', ')} ms; all six on screen ${shown.toFixed(0)} ms after the trace arrived`);
  expect(worst).toBeLessThan(100);
  await expect(page.getByTestId('heatmap-h')).toHaveAttribute('data-cols', String(T));
  await expect(page.getByTestId('heatmap-h')).toHaveAttribute('data-rows', String(H));

  // hover: 60 moves across the heatmap, each handled (cell found, readout state set, overlays of
  // all six heatmaps repainted) synchronously; the cost per move is measured in the page
  const hit = page.getByTestId('heatmap-h-hit');
  await hit.hover({ position: { x: 10, y: 10 } });
  const perMove = await hit.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const start = performance.now();
    for (let k = 0; k < 60; k++) el.dispatchEvent(new PointerEvent('pointermove', { bubbles: true, clientX: r.left + 5 + k * 13, clientY: r.top + 5 + k * 7 }));
    return (performance.now() - start) / 60;
  });
  console.log(`hover: ${perMove.toFixed(2)} ms per move`);
  expect(perMove).toBeLessThan(16);
  await hit.hover({ position: { x: 500.5, y: 200.5 } });
  const readout = page.getByTestId('inspector-readout');
  await expect(readout).toHaveAttribute('data-step', '500');
  await expect(readout).toHaveAttribute('data-unit', '200');
  // the exact value the synthetic trace holds there
  const want = await page.evaluate(() => Math.fround(Math.tanh(Math.sin(500 / (7 + (200 % 23)) + 200 * 0.3) * (1 + (200 % 5) / 2))));
  expect(Math.abs(Number(await readout.getAttribute('data-value')) - want)).toBeLessThanOrEqual(1e-7);
});
