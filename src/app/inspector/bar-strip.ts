// Per-unit gate saturation as a strip of tiny stacked bars, one per unit: the share of steps a
// gate is shut (below its low bound) rises from the bottom, the share it is wide open (above
// its high bound) hangs from the top, so a unit that is always saturated is a full column.
// Framework-free canvas drawing, like the heatmaps.
import { hiDpiContext } from './heatmap-renderer';

export interface StripSpec {
  low: ArrayLike<number>;
  high: ArrayLike<number>;
  barW: number;
  height: number;
  lowColour: string;
  highColour: string;
  background: string;
  /** a unit to outline (the one under the mouse anywhere in the inspector) */
  mark: number | null;
  markColour: string;
}

export function stripWidth(units: number, barW: number): number {
  return Math.max(1, units * barW);
}

/** The bar width that fits `units` bars in about `avail` px, 1..14 px. */
export function stripBarWidth(units: number, avail: number): number {
  return Math.max(1, Math.min(14, Math.floor(avail / Math.max(1, units))));
}

export function paintStrip(canvas: HTMLCanvasElement, p: StripSpec): void {
  const H = p.low.length;
  const w = stripWidth(H, p.barW);
  const ctx = hiDpiContext(canvas, w, p.height);
  if (!ctx) return;
  ctx.clearRect(0, 0, w, p.height);
  ctx.fillStyle = p.background;
  ctx.fillRect(0, 0, w, p.height);
  const gap = p.barW >= 4 ? 1 : 0;
  for (let u = 0; u < H; u++) {
    const x = u * p.barW;
    const lo = Math.round(p.low[u] * p.height);
    const hi = Math.round(p.high[u] * p.height);
    ctx.fillStyle = p.lowColour;
    ctx.fillRect(x, p.height - lo, p.barW - gap, lo);
    ctx.fillStyle = p.highColour;
    ctx.fillRect(x, 0, p.barW - gap, hi);
  }
  if (p.mark !== null && p.mark < H) {
    ctx.strokeStyle = p.markColour;
    ctx.lineWidth = 1;
    ctx.strokeRect(p.mark * p.barW + 0.5, 0.5, Math.max(1, p.barW - 1), p.height - 1);
  }
}
