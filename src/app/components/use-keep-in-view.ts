// When the canvas changes width (the right panel opens wide for the inspector, is dragged wider,
// or the window is resized), the node being worked on stays on screen: the view pans (never
// zooms) just enough to show the selected nodes — or, with nothing selected, the node the
// inspector shows. With neither, a graph that was wholly in view stays wholly in view (opening
// the palette on a small screen must not hide the inputs under it): panned if it still fits at
// this zoom, fitted again (never below a readable zoom) if not. Otherwise the view keeps its centre.
import { useEffect, type RefObject } from 'react';
import type { AppState } from '../store/app-state';
import { inspectorStateFor } from '../inspector/inspector-state';

const MARGIN = 24;

/** The node ids to keep in view: the selection, else the inspected node while the inspector is open. */
function focusIds(app: AppState): string[] {
  const sel = app.graph.selection.nodes;
  if (sel.length) return [...sel];
  if (app.ui.rightTab !== 'inspector' || !app.run.trace) return [];
  const t = inspectorStateFor(app).target;
  return t && app.graph.node(t.node) ? [t.node] : [];
}

/** How far to move a span [lo, hi] (screen px) so it lies within [0, size] (its start first). */
export function nudge(lo: number, hi: number, size: number, margin = MARGIN): number {
  if (hi - lo > size - 2 * margin) return margin - lo;
  if (lo < margin) return margin - lo;
  if (hi > size - margin) return size - margin - hi;
  return 0;
}

export function useKeepInView(app: AppState, ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let last = el.getBoundingClientRect();
    const ro = new ResizeObserver(() => {
      const now = el.getBoundingClientRect();
      const before = last;
      last = now;
      const flow = app.flow;
      if (!flow || (Math.abs(now.width - before.width) < 1 && Math.abs(now.height - before.height) < 1)) return;
      const vp = flow.getViewport();
      const ids = focusIds(app);
      if (!ids.length) {
        const all = app.view.items.filter((n) => !n.hidden).map((n) => n.id);
        const g = all.length ? flow.getNodesBounds(all) : null;
        const span = (lo: number, size: number) => [lo * vp.zoom, (lo + size) * vp.zoom] as const;
        const within = (lo: number, hi: number, size: number) => lo >= -1 && hi <= size + 1;
        if (g) {
          const [x0, x1] = span(g.x, g.width).map((v) => v + vp.x);
          const [y0, y1] = span(g.y, g.height).map((v) => v + vp.y);
          // the canvas's left edge may have moved (the palette): compare in page coordinates
          const shift = now.left - before.left;
          if (within(x0, x1, before.width) && within(y0, y1, before.height)) {
            const fits = x1 - x0 <= now.width - 2 * MARGIN && y1 - y0 <= now.height - 2 * MARGIN;
            if (!fits) return app.fitReadable();
            const x = vp.x - shift;
            const dx = nudge(x0 - shift, x1 - shift, now.width);
            const dy = nudge(y0, y1, now.height);
            void flow.setViewport({ ...vp, x: x + dx, y: vp.y + dy });
            return;
          }
        }
        void flow.setViewport({ ...vp, x: vp.x + (now.width - before.width) / 2, y: vp.y + (now.height - before.height) / 2 });
        return;
      }
      const b = flow.getNodesBounds(ids);
      const dx = nudge(b.x * vp.zoom + vp.x, (b.x + b.width) * vp.zoom + vp.x, now.width);
      const dy = nudge(b.y * vp.zoom + vp.y, (b.y + b.height) * vp.zoom + vp.y, now.height);
      if (dx || dy) void flow.setViewport({ ...vp, x: vp.x + dx, y: vp.y + dy });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [app, ref]);
}
