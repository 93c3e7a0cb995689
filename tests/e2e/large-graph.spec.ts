// A 2,000-node graph stays usable: it opens, draws only what is in view, takes edits quickly and
// comes back after a reload. The bounds here are looser than the bench's targets (open < 3 s, an
// edit < 100 ms on an idle 2-core machine; `npm run bench` measures them) because the test
// machine may be shared. Also: the handle positions the canvas assumes for nodes it has not
// drawn (store/node-layout.ts) are where drawn nodes really have them.
import { expect, test } from '@playwright/test';
import { editorGraph } from '../../src/bench/editor-graph';
import { median, summary, timeEditor } from '../../src/bench/editor-measure';
import { openEditor, shot } from './helpers';
import { estimatedLayout } from '../../src/app/store/node-layout';
import type { DocNode } from '../../src/doc/schema';

test('2,000 nodes: open, edit, move, reload', async ({ page }) => {
  test.setTimeout(120_000);
  await openEditor(page, '/?fresh');
  const t = await timeEditor(page, JSON.stringify(editorGraph(2000)), 6);
  console.log(summary(t));
  expect(t.nodes).toBe(2000);
  expect(t.drawn, 'only the nodes in view are drawn').toBeLessThan(800);
  expect(t.openMs).toBeLessThan(20_000);
  expect(median(t.editMs)).toBeLessThan(1_000);
  expect(median(t.moveMs)).toBeLessThan(1_000);
  await expect(page.getByTestId('status-bar')).toContainText('2,000 nodes');
  await expect(page.getByTestId('status-summary')).toHaveText('compiles');
  await shot(page, 'large-graph-2000');

  // autosaved: a reload opens it again
  await expect(page.getByTestId('autosave-status')).toHaveAttribute('data-status', 'saved', { timeout: 20_000 });
  const t0 = Date.now();
  await page.goto('/'); // not reload(): the page was opened with ?fresh
  await expect(page.getByTestId('status-bar')).toContainText('2,000 nodes', { timeout: 30_000 });
  await expect(page.locator('.react-flow__node').first()).toBeVisible();
  console.log(`reload with 2,000 nodes autosaved: ${Date.now() - t0} ms`);
});

test('estimated handle positions match the drawn ones', async ({ page }) => {
  await openEditor(page);
  await page.waitForTimeout(500);
  const drawn = await page.evaluate(() => {
    type Bounds = { id: string; x: number; y: number }[] | null | undefined;
    const app = (window as unknown as {
      seqgraph: {
        graph: { doc: { nodes: unknown[] } };
        flow: { getInternalNode(id: string): { measured: { height?: number }; internals: { handleBounds?: { source?: Bounds; target?: Bounds } } } };
      };
    }).seqgraph;
    return (app.graph.doc.nodes as { id: string }[]).map((n) => {
      const i = app.flow.getInternalNode(n.id);
      return { node: n, height: i.measured.height ?? 0, handles: [...(i.internals.handleBounds?.target ?? []), ...(i.internals.handleBounds?.source ?? [])] };
    });
  });
  expect(drawn.length).toBeGreaterThan(5);
  for (const d of drawn) {
    const est = estimatedLayout(d.node as DocNode)!;
    const type = (d.node as DocNode).type;
    expect(est.handles.map((h) => h.id).sort(), `${type}: ports`).toEqual(d.handles.map((h) => h.id).sort());
    for (const h of est.handles) {
      const m = d.handles.find((x) => x.id === h.id)!;
      expect(Math.abs(m.x - h.x), `${type}.${h.id}: x`).toBeLessThan(1.5);
      expect(Math.abs(m.y - h.y), `${type}.${h.id}: y`).toBeLessThan(1.5);
    }
    expect(Math.abs(d.height - est.height), `${type}: height`).toBeLessThan(3);
  }
});
