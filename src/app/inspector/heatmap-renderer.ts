// The heatmap renderer: framework-free canvas drawing for the inspector. Cells are written into
// one ImageData through a Uint32 view (a colour-table lookup per cell, each cell's first pixel
// line written once and copied down with copyWithin) and put on the canvas with a single
// putImageData — a 1,000-step × 512-unit heatmap is ~0.5 M pixels and draws in a few ms, where
// one DOM element (or one fillRect) per cell would not. Hover never redraws cells: the cell
// under the mouse is computed from its position (cellAt) and marked on a separate overlay canvas.
import type { ColourScale } from './colour-scales';
import type { MatrixView } from './trace-quantities';

export interface CellLayout {
  rows: number;
  cols: number;
  cellW: number;
  cellH: number;
  /** canvas size in CSS pixels (= device pixels for the cells canvas, which is never scaled) */
  width: number;
  height: number;
}

export function cellLayout(rows: number, cols: number, cellW: number, cellH: number): CellLayout {
  return { rows, cols, cellW, cellH, width: Math.max(1, cols * cellW), height: Math.max(1, rows * cellH) };
}

/** The largest whole-pixel cell size that fits `count` cells in `avail` pixels, within [min, max]. */
export function fitCell(count: number, avail: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(avail / Math.max(1, count))));
}

/**
 * Cell sizes for a grid of `count` heatmaps of `steps` columns and `units` rows in `width` px:
 * two heatmaps side by side when each still gets readable columns (≥ 14 px), else one per line
 * with columns as wide as fit (down to 1 px, then the heatmap scrolls). Rows: 16 px for a few
 * units, down to 1 px so 512 units stay a 512 px tall picture. `zoom` > 0 fixes the column width.
 */
export function gridCellSize(steps: number, units: number, count: number, width: number, gutter: number, zoom: number): { cellW: number; cellH: number; perLine: number } {
  const cellH = fitCell(units, 192, 1, 16);
  const gap = 16;
  const twoUp = Math.floor(((width - gap) / 2 - gutter - 4) / Math.max(1, steps));
  if (zoom > 0) return { cellW: zoom, cellH, perLine: count > 1 && 2 * (gutter + zoom * steps + 4) + gap <= width ? 2 : 1 };
  if (count > 1 && twoUp >= 14) return { cellW: Math.min(40, twoUp), cellH, perLine: 2 };
  return { cellW: fitCell(steps, width - gutter - 4, 1, 40), cellH, perLine: 1 };
}

/** The cell under a point in the canvas's CSS pixels, or null outside. */
export function cellAt(l: CellLayout, x: number, y: number): { row: number; col: number } | null {
  const col = Math.floor(x / l.cellW);
  const row = Math.floor(y / l.cellH);
  if (x < 0 || y < 0 || col < 0 || row < 0 || col >= l.cols || row >= l.rows) return null;
  return { row, col };
}

// One ImageData per canvas, kept while its size stays: redraws (theme, sort, row) allocate nothing.
const images = new WeakMap<HTMLCanvasElement, ImageData>();

/**
 * Draws every cell of `m` (display row i shows source row order[i]); padding cells (past a
 * row's length, or past the attention's query length) get `padColour`. Returns the time it
 * took in ms, so callers can report it (window.__inspectorDrawMs).
 */
export function paintCells(canvas: HTMLCanvasElement, m: MatrixView, order: Int32Array | null, l: CellLayout, scale: ColourScale, padColour: number): number {
  const t0 = performance.now();
  if (canvas.width !== l.width) canvas.width = l.width;
  if (canvas.height !== l.height) canvas.height = l.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  let img = images.get(canvas);
  if (!img || img.width !== l.width || img.height !== l.height) {
    img = ctx.createImageData(l.width, l.height);
    images.set(canvas, img);
  }
  const buf = new Uint32Array(img.data.buffer);
  const { lut, min, max } = scale;
  const W = l.width;
  const { cellW, cellH } = l;
  const span = max - min;
  const { data, offset, rowStride, colStride } = m;
  for (let i = 0; i < l.rows; i++) {
    const r = order ? order[i] : i;
    const y0 = i * cellH * W;
    const rowValid = r < m.validRows;
    let base = offset + r * rowStride;
    for (let c = 0; c < l.cols; c++, base += colStride) {
      let colour = padColour;
      if (rowValid && c < m.validCols) {
        // scaleIndex inlined: this is the hot loop
        const f = (data[base] - min) / span;
        colour = lut[!(f > 0) ? 0 : f >= 1 ? 255 : (f * 255 + 0.5) | 0];
      }
      const x0 = y0 + c * cellW;
      if (cellW === 1) buf[x0] = colour;
      else buf.fill(colour, x0, x0 + cellW);
    }
    for (let k = 1; k < cellH; k++) buf.copyWithin(y0 + k * W, y0, y0 + W);
  }
  ctx.putImageData(img, 0, 0);
  return performance.now() - t0;
}

export interface OverlayMarks {
  /** display row and column under the mouse (either may be null: a crosshair of one line) */
  hoverRow: number | null;
  hoverCol: number | null;
  /** display rows of the selected units */
  selectedRows: number[];
  /** a range of steps picked for pattern selection */
  range: { from: number; to: number } | null;
  /** other stretches where the pattern holds (this row only) */
  matches: { from: number; to: number }[];
}

export interface OverlayStyle {
  hover: string;
  selected: string;
  range: string;
  match: string;
}

/** Sets a canvas's backing size for its CSS size at the screen's pixel ratio; returns the scaled context. */
export function hiDpiContext(canvas: HTMLCanvasElement, cssW: number, cssH: number): CanvasRenderingContext2D | null {
  const dpr = Math.max(1, Math.round((globalThis.devicePixelRatio || 1) * 100) / 100);
  const w = Math.max(1, Math.round(cssW * dpr));
  const h = Math.max(1, Math.round(cssH * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** The marks over the cells: range band, pattern matches, selected units, hover crosshair. Cheap: a handful of rects. */
export function paintOverlay(canvas: HTMLCanvasElement, l: CellLayout, marks: OverlayMarks, style: OverlayStyle): void {
  const ctx = hiDpiContext(canvas, l.width, l.height);
  if (!ctx) return;
  ctx.clearRect(0, 0, l.width, l.height);
  const { cellW, cellH } = l;
  ctx.lineWidth = 1;
  for (const m of marks.matches) {
    ctx.strokeStyle = style.match;
    ctx.setLineDash([3, 2]);
    ctx.strokeRect(m.from * cellW + 0.5, 0.5, (m.to - m.from + 1) * cellW - 1, l.height - 1);
  }
  ctx.setLineDash([]);
  if (marks.range) {
    const a = Math.min(marks.range.from, marks.range.to);
    const b = Math.max(marks.range.from, marks.range.to);
    ctx.fillStyle = style.range;
    ctx.globalAlpha = 0.18;
    ctx.fillRect(a * cellW, 0, (b - a + 1) * cellW, l.height);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = style.range;
    ctx.strokeRect(a * cellW + 0.5, 0.5, (b - a + 1) * cellW - 1, l.height - 1);
  }
  // picked units: an outline where rows are tall enough; thin rows only get a tick at the left
  // edge (the gutter marks them too), so many picked units do not hide the cells under lines
  ctx.strokeStyle = style.selected;
  ctx.fillStyle = style.selected;
  for (const r of marks.selectedRows) {
    if (cellH >= 8) ctx.strokeRect(0.5, r * cellH + 0.5, l.width - 1, cellH - 1);
    else ctx.fillRect(0, r * cellH, Math.min(4, l.width), Math.max(1, cellH));
  }
  ctx.strokeStyle = style.hover;
  ctx.lineWidth = cellW >= 4 && cellH >= 4 ? 2 : 1;
  if (marks.hoverRow !== null && marks.hoverCol !== null) {
    // the cell, plus faint guides along its row and column (LSTMVis-style crosshair)
    ctx.globalAlpha = 0.35;
    ctx.strokeRect(0.5, marks.hoverRow * cellH + 0.5, l.width - 1, cellH - 1);
    ctx.strokeRect(marks.hoverCol * cellW + 0.5, 0.5, cellW - 1, l.height - 1);
    ctx.globalAlpha = 1;
    ctx.strokeRect(marks.hoverCol * cellW + 1, marks.hoverRow * cellH + 1, Math.max(1, cellW - 2), Math.max(1, cellH - 2));
  } else if (marks.hoverCol !== null) {
    ctx.globalAlpha = 0.5;
    ctx.strokeRect(marks.hoverCol * cellW + 0.5, 0.5, cellW - 1, l.height - 1);
    ctx.globalAlpha = 1;
  }
}

export interface AxisStyle {
  font: string;
  text: string;
  muted: string;
  accent: string;
}

/** How labels along the columns are drawn: each upright, each turned 90°, or every k-th step number. */
export interface ColumnAxis {
  mode: 'upright' | 'vertical' | 'ticks';
  height: number;
  every: number;
}

let probe: CanvasRenderingContext2D | null = null;

/** A 2-D context to measure text with before anything is drawn. */
export function measureContext(): CanvasRenderingContext2D {
  probe ??= document.createElement('canvas').getContext('2d')!;
  return probe;
}

export function columnAxisFor(ctx: CanvasRenderingContext2D, labels: string[], cellW: number, font: string): ColumnAxis {
  ctx.font = font;
  if (cellW < 9) return { mode: 'ticks', height: 16, every: Math.max(1, Math.ceil(44 / cellW)) };
  let widest = 0;
  for (const s of labels) widest = Math.max(widest, ctx.measureText(s).width);
  if (widest <= cellW - 2) return { mode: 'upright', height: 16, every: 1 };
  return { mode: 'vertical', height: Math.min(72, Math.ceil(widest) + 6), every: 1 };
}

/** Draws the column labels (tokens or step numbers) under the cells; `highlight` marks one column. */
export function paintColumnAxis(canvas: HTMLCanvasElement, labels: string[], l: CellLayout, axis: ColumnAxis, style: AxisStyle, highlight: number | null): void {
  const ctx = hiDpiContext(canvas, l.width, axis.height);
  if (!ctx) return;
  ctx.clearRect(0, 0, l.width, axis.height);
  ctx.font = style.font;
  ctx.textBaseline = 'middle';
  const n = Math.min(labels.length, l.cols);
  if (axis.mode === 'ticks') {
    ctx.textAlign = 'left';
    for (let c = 0; c < n; c += axis.every) {
      ctx.fillStyle = style.muted;
      ctx.fillRect(c * l.cellW, 0, 1, 4);
      ctx.fillText(String(c), c * l.cellW + 2, 10);
    }
    if (highlight !== null && highlight < n) {
      const s = `${highlight} ${labels[highlight]}`;
      const w = ctx.measureText(s).width + 6;
      const x = Math.min(Math.max(0, highlight * l.cellW - w / 2), l.width - w);
      ctx.fillStyle = style.accent;
      ctx.fillRect(x, 2, w, 13);
      ctx.fillStyle = '#fff';
      ctx.fillText(s, x + 3, 9);
    }
    return;
  }
  for (let c = 0; c < n; c++) {
    ctx.fillStyle = c === highlight ? style.accent : style.text;
    const cx = c * l.cellW + l.cellW / 2;
    if (axis.mode === 'upright') {
      ctx.textAlign = 'center';
      ctx.fillText(labels[c], cx, 8);
    } else {
      ctx.save();
      ctx.translate(cx, 3);
      ctx.rotate(Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(labels[c], 0, 0, axis.height - 4);
      ctx.restore();
    }
  }
}

/**
 * Draws row labels in a gutter left of the cells, right-aligned: each label when rows are tall
 * enough to read, else one every few rows. `marked` rows get an accent bar (selected units).
 */
export function paintRowAxis(canvas: HTMLCanvasElement, labels: string[], l: CellLayout, width: number, style: AxisStyle, marked: Set<number>, highlight: number | null): void {
  const ctx = hiDpiContext(canvas, width, l.height);
  if (!ctx) return;
  ctx.clearRect(0, 0, width, l.height);
  ctx.font = style.font;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  const every = l.cellH >= 10 ? 1 : Math.ceil(14 / l.cellH);
  for (const r of marked) {
    ctx.fillStyle = style.accent;
    ctx.fillRect(width - 3, r * l.cellH, 3, Math.max(1, l.cellH));
  }
  for (let r = 0; r < l.rows; r += every) {
    ctx.fillStyle = marked.has(r) ? style.accent : style.muted;
    ctx.fillText(labels[r] ?? '', width - 6, r * l.cellH + (every === 1 ? l.cellH / 2 : 5), width - 8);
  }
  if (highlight !== null && highlight < l.rows && every > 1) {
    // thin rows: the hovered unit's label over the sampled ones, on a plate so they do not mix
    const y = Math.max(6, Math.min(l.height - 6, highlight * l.cellH + l.cellH / 2));
    const text = labels[highlight] ?? '';
    const w = ctx.measureText(text).width + 6;
    ctx.fillStyle = style.accent;
    ctx.fillRect(width - 4 - w, y - 6, w, 12);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, width - 6, y, width - 8);
  } else if (highlight !== null && highlight < l.rows) {
    ctx.fillStyle = style.accent;
    ctx.fillText(labels[highlight] ?? '', width - 6, highlight * l.cellH + l.cellH / 2, width - 8);
  }
}

/** Reads the theme's colours from CSS variables, so canvases follow light and dark themes. */
export function themeColours(): AxisStyle & OverlayStyle & { pad: string; grid: string } {
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  const text = v('--text-2', '#3b4556');
  const accent = v('--accent', '#3563e9');
  return {
    font: `10.5px ${v('--mono', 'monospace')}`,
    text,
    muted: v('--muted', '#6b7586'),
    accent,
    hover: v('--text', '#18202e'),
    selected: accent,
    range: v('--warning', '#c56a00'),
    match: v('--ok', '#16a34a'),
    pad: v('--panel-3', '#e9edf2'),
    grid: v('--border', '#dde2e9'),
  };
}
