// How long the heatmaps take to draw, where a test or a person can read it: the last draw in
// `window.__inspectorDrawMs`, and recent draws (which heatmap, ms, cells) in
// `window.__inspectorDraws`. The speed budget is a 1,000-step × 512-unit heatmap in < 100 ms.

export interface DrawRecord {
  id: string;
  ms: number;
  cells: number;
  at: number;
}

interface DrawWindow {
  __inspectorDrawMs?: number;
  __inspectorDraws?: DrawRecord[];
}

const KEEP = 200;

export function recordDraw(id: string, ms: number, cells: number): void {
  if (typeof window === 'undefined') return;
  const w = window as unknown as DrawWindow;
  w.__inspectorDrawMs = ms;
  const log = (w.__inspectorDraws ??= []);
  log.push({ id, ms, cells, at: performance.now() });
  if (log.length > KEEP) log.splice(0, log.length - KEEP);
}
