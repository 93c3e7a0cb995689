// Units as lines over time, drawn on a canvas under the heatmaps with the same column width, so
// step t of every line sits right under step t of the cells above it. Framework-free; the
// React component (UnitPlot.tsx) only decides what to pass.
import { hiDpiContext, type AxisStyle } from './heatmap-renderer';

export interface PlotSeries {
  unit: number;
  colour: string;
  /** one value per real step */
  values: ArrayLike<number>;
}

export interface PlotSpec {
  width: number;
  height: number;
  cellW: number;
  /** y range of the plot; a zero line is drawn when 0 lies inside it */
  yMin: number;
  yMax: number;
  series: PlotSeries[];
  /** the step under the mouse, marked with a vertical line */
  hoverCol: number | null;
  /** a band of steps (the pattern range) */
  range: { from: number; to: number } | null;
}

/** The y range that holds every series, padded a little, and 0 and ±1 when the data is near them. */
export function plotRange(series: PlotSeries[], fallback: [number, number]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (!Number.isFinite(lo)) return fallback;
  // the quantity's natural range (gates 0..1, states −1..1) when the data fills much of it;
  // else just the data and 0, so small values (an untrained model) are not a flat line
  if (lo >= fallback[0] && hi <= fallback[1] && hi - lo >= 0.4 * (fallback[1] - fallback[0])) return fallback;
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  const pad = (hi - lo || 1) * 0.08;
  return [lo - pad, hi + pad];
}

export function paintLinePlot(canvas: HTMLCanvasElement, p: PlotSpec, style: AxisStyle & { grid: string }): void {
  const ctx = hiDpiContext(canvas, p.width, p.height);
  if (!ctx) return;
  ctx.clearRect(0, 0, p.width, p.height);
  const top = 6;
  const bottom = p.height - 6;
  const y = (v: number) => bottom - ((v - p.yMin) / (p.yMax - p.yMin || 1)) * (bottom - top);
  ctx.lineWidth = 1;
  ctx.strokeStyle = style.grid;
  for (const g of [p.yMin, p.yMax, 0]) {
    if (g < p.yMin || g > p.yMax) continue;
    ctx.beginPath();
    ctx.setLineDash(g === 0 && p.yMin < 0 ? [4, 3] : []);
    ctx.moveTo(0, Math.round(y(g)) + 0.5);
    ctx.lineTo(p.width, Math.round(y(g)) + 0.5);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (p.range) {
    const a = Math.min(p.range.from, p.range.to);
    const b = Math.max(p.range.from, p.range.to);
    ctx.fillStyle = style.accent;
    ctx.globalAlpha = 0.08;
    ctx.fillRect(a * p.cellW, 0, (b - a + 1) * p.cellW, p.height);
    ctx.globalAlpha = 1;
  }
  if (p.hoverCol !== null) {
    ctx.fillStyle = style.muted;
    ctx.fillRect(Math.round(p.hoverCol * p.cellW + p.cellW / 2), 0, 1, p.height);
  }
  ctx.lineWidth = 1.6;
  ctx.lineJoin = 'round';
  for (const s of p.series) {
    ctx.strokeStyle = s.colour;
    ctx.beginPath();
    for (let t = 0; t < s.values.length; t++) {
      const x = t * p.cellW + p.cellW / 2;
      if (t === 0) ctx.moveTo(x, y(s.values[t]));
      else ctx.lineTo(x, y(s.values[t]));
    }
    ctx.stroke();
    // dots where steps are wide enough to tell apart
    if (p.cellW >= 8) {
      ctx.fillStyle = s.colour;
      for (let t = 0; t < s.values.length; t++) {
        ctx.beginPath();
        ctx.arc(t * p.cellW + p.cellW / 2, y(s.values[t]), p.hoverCol === t ? 3.2 : 2, 0, Math.PI * 2);
        ctx.fill();
      }
    }
  }
}

/** The y-axis labels (max, 0, min) in the gutter left of the plot. */
export function paintPlotAxis(canvas: HTMLCanvasElement, width: number, height: number, yMin: number, yMax: number, style: AxisStyle): void {
  const ctx = hiDpiContext(canvas, width, height);
  if (!ctx) return;
  ctx.clearRect(0, 0, width, height);
  ctx.font = style.font;
  ctx.fillStyle = style.muted;
  ctx.textAlign = 'right';
  const top = 6;
  const bottom = height - 6;
  const y = (v: number) => bottom - ((v - yMin) / (yMax - yMin || 1)) * (bottom - top);
  // short labels (".14", "-.01") so they fit the 30 px gutter
  const fmt = (v: number) => {
    if (v === 0) return '0';
    const s = Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? String(Math.round(v * 10) / 10) : v.toFixed(2);
    return s.replace(/^(-?)0\./, '$1.');
  };
  ctx.textBaseline = 'top';
  ctx.fillText(fmt(yMax), width - 4, 1);
  ctx.textBaseline = 'bottom';
  ctx.fillText(fmt(yMin), width - 4, height - 1);
  // the zero line's label, unless it would sit on the top or bottom one
  if (yMin < 0 && yMax > 0 && y(0) > 18 && y(0) < height - 18) {
    ctx.textBaseline = 'middle';
    ctx.fillText('0', width - 4, y(0));
  }
}
