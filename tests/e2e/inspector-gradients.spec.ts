// An LSTM's gradients in the inspector: ∂loss/∂c_t heatmaps beside ∂loss/∂h_t, and both norms in
// the plot by distance from the loss. What the c heatmaps show (their colour scale's ±max) is
// checked against the gradient trace the worker sent (the store's copy of backward's gradTrace).
import { expect, test } from '@playwright/test';
import { shot } from './helpers';
import { runAndInspect } from './inspector-helpers';

test('LSTM: ∂loss/∂c_t heatmaps beside ∂loss/∂h_t, from the gradient trace', async ({ page }) => {
  test.setTimeout(60_000);
  await runAndInspect(page, 'spam-filter', 'encoder');
  await page.getByTestId('grad-compute').click();
  for (const d of ['forward', 'reverse']) {
    await expect(page.getByTestId(`grad-heatmap-${d}`)).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId(`grad-heatmap-c-${d}`)).toBeVisible();
  }
  const want = await page.evaluate(() => {
    type L = { direction: string; dh: Float32Array; dc?: Float32Array };
    const g = (window as unknown as { seqgraph: { train: { grads: { result: { gradTrace: { nodes: { node: string; lengths: number[]; hidden_size: number; layers: L[] }[] } } } } } }).seqgraph.train.grads.result.gradTrace;
    const n = g.nodes.find((x) => x.node === 'lstm')!;
    const real = n.lengths[0] * n.hidden_size;
    const max = (a: Float32Array) => Math.max(...Array.from(a.subarray(0, real), Math.abs));
    return Object.fromEntries(n.layers.flatMap((l) => [[`h-${l.direction}`, max(l.dh)], [`c-${l.direction}`, max(l.dc!)]]));
  });
  for (const d of ['forward', 'reverse']) {
    expect(Number(await page.getByTestId(`grad-heatmap-c-${d}`).getAttribute('data-max'))).toBe(want[`c-${d}`]);
    expect(Number(await page.getByTestId(`grad-heatmap-${d}`).getAttribute('data-max'))).toBe(want[`h-${d}`]);
  }
  expect(want['c-forward']).not.toBe(want['h-forward']);
  await expect(page.getByTestId('grad-norm-plot')).toContainText('‖∂loss/∂c‖ forward');
  // the c heatmaps and the norm plot below them in view
  await page.getByTestId('grad-norm-plot').scrollIntoViewIfNeeded();
  await shot(page, 'inspector-gradients-lstm');
});
