// When the canvas changes width (the right panel opens wide for the inspector, is dragged wider,
// or the window is resized), the node being worked on stays on screen: the view pans (never
// zooms) just enough to show the selected nodes — or, with nothing selected, the node the
// inspector shows. With neither, the view keeps its centre where it was.
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
