// Saving what the inspector shows: text files (trace JSON, CSV) and heatmaps as PNG. A PNG is
// put together from the heatmap's own canvases (row labels, cells, column labels) under a
// title and the colour legend, so the picture explains itself outside the app. DOM only, no React.
import { gradientStops, type ColourScale } from './colour-scales';

/** Starts a browser download of `blob` named `name`. */
export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // revoke later: some browsers read the URL after click() returns
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(name: string, text: string, mime = 'text/plain'): void {
  downloadBlob(name, new Blob([text], { type: `${mime};charset=utf-8` }));
}

export interface HeatmapParts {
  title: string;
  cells: HTMLCanvasElement;
  rowAxis?: HTMLCanvasElement | null;
  colAxis?: HTMLCanvasElement | null;
  scale: ColourScale;
  background: string;
  text: string;
  font: string;
}

/**
 * One canvas with the title, the colour bar and its range under it, the row labels, the cells
 * and the column labels, at the cells' own resolution (axis canvases are drawn back at CSS size).
 */
export function composeHeatmap(p: HeatmapParts): HTMLCanvasElement {
  const pad = 10;
  const headH = 40; // title line, then the colour bar line
  const cssW = (c?: HTMLCanvasElement | null) => (c ? parseFloat(c.style.width) || c.width : 0);
  const cssH = (c?: HTMLCanvasElement | null) => (c ? parseFloat(c.style.height) || c.height : 0);
  const gutter = cssW(p.rowAxis);
  const out = document.createElement('canvas');
  const ctx0 = out.getContext('2d')!;
  ctx0.font = `600 12px ${p.font}`;
  const titleW = ctx0.measureText(p.title).width;
  const w = Math.ceil(Math.max(pad * 2 + gutter + p.cells.width, pad * 2 + titleW, 180));
  const h = pad * 2 + headH + p.cells.height + cssH(p.colAxis);
  out.width = w;
  out.height = h;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = p.background;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = p.text;
  ctx.font = `600 12px ${p.font}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(p.title, pad, pad + 7);
  // the colour bar with its range: "min [bar] max"
  ctx.font = `10px ${p.font}`;
  const minText = fmt(p.scale.min);
  const barX = pad + ctx.measureText(minText).width + 5;
  const barW = 90;
  const barY = pad + 20;
  ctx.fillText(minText, pad, barY + 4.5);
  const grad = ctx.createLinearGradient(barX, 0, barX + barW, 0);
  gradientStops(p.scale).forEach(([at, colour]) => grad.addColorStop(at, colour));
  ctx.fillStyle = grad;
  ctx.fillRect(barX, barY, barW, 9);
  ctx.fillStyle = p.text;
  ctx.fillText(fmt(p.scale.max), barX + barW + 5, barY + 4.5);
  const y0 = pad + headH;
  if (p.rowAxis) ctx.drawImage(p.rowAxis, pad, y0, gutter, cssH(p.rowAxis));
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(p.cells, pad + gutter, y0);
  if (p.colAxis) ctx.drawImage(p.colAxis, pad + gutter, y0 + p.cells.height, cssW(p.colAxis), cssH(p.colAxis));
  return out;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

export function downloadCanvasPNG(name: string, canvas: HTMLCanvasElement): void {
  canvas.toBlob((blob) => blob && downloadBlob(name, blob), 'image/png');
}

/** A file name from parts: letters, digits, dots and dashes only. */
export function fileName(...parts: (string | number)[]): string {
  return parts
    .map((p) => String(p).replace(/[^A-Za-z0-9.-]+/g, '-'))
    .filter(Boolean)
    .join('-');
}
