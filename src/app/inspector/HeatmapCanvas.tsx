// One heatmap on screen: a header (title, colour legend, PNG export), a gutter of row labels,
// the cells canvas with an overlay canvas above it for hover and selection marks, and the column
// labels underneath. The cells are painted by heatmap-renderer.ts when the data, order, size or
// theme change — never on hover: the overlay and the axis highlights are repainted by small
// MobX autoruns that read only the hover and selection state.
import { autorun } from 'mobx';
import { memo, useEffect, useLayoutEffect, useMemo, useRef, type ReactNode } from 'react';
import { cssGradient, type ColourScale } from './colour-scales';
import { composeHeatmap, downloadCanvasPNG } from './download';
import {
  cellAt,
  columnAxisFor,
  measureContext,
  paintCells,
  paintColumnAxis,
  paintOverlay,
  paintRowAxis,
  themeColours,
  type CellLayout,
  type OverlayMarks,
} from './heatmap-renderer';
import { packRGBA, parseHex } from './colour-scales';
import type { MatrixView } from './trace-quantities';
import { recordDraw } from './draw-timing';

export interface CellEvent {
  /** the display row and the source row (unit, query) it shows */
  displayRow: number;
  row: number;
  col: number;
}

export interface HeatmapCanvasProps {
  testId: string;
  title: ReactNode;
  /** the title as plain text, for the PNG and the canvas's accessible name */
  titleText: string;
  matrix: MatrixView;
  order: Int32Array | null;
  layout: CellLayout;
  scale: ColourScale;
  rowLabels: string[];
  colLabels: string[];
  gutter: number;
  /** changes when the theme changes, to repaint with its colours */
  theme: string;
  /** read inside an autorun: what to mark on the overlay */
  marks: () => OverlayMarks;
  /** read inside an autorun: display rows to mark in the gutter, and the hovered display row/column */
  axisMarks: () => { rows: Set<number>; row: number | null; col: number | null };
  onHover: (cell: CellEvent | null) => void;
  onCellClick?: (cell: CellEvent) => void;
  /** shift-drag across columns (pattern selection) */
  onColumnDrag?: (from: number, to: number, done: boolean) => void;
  fileStem: string;
  extra?: ReactNode;
  /** the figure is exactly as wide as the heatmap (two per line), its header shrinking to fit */
  fixedWidth?: boolean;
}

function padColour(theme: string): number {
  const [r, g, b] = parseHex(theme === 'dark' ? '#242b36' : '#e9edf2');
  return packRGBA(r, g, b);
}

function fmtRange(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

export const HeatmapCanvas = memo(function HeatmapCanvas(p: HeatmapCanvasProps) {
  const cells = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const rowAxis = useRef<HTMLCanvasElement>(null);
  const colAxis = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ from: number } | null>(null);
  /** the keyboard's cell (display row, column): arrow keys move it and read it like a hover */
  const cursor = useRef<{ row: number; col: number } | null>(null);
  const { layout, matrix, order, scale, theme } = p;

  // the column axis' form (upright, turned, ticks) decides its height, so it is measured first
  const axis = useMemo(() => columnAxisFor(measureContext(), p.colLabels, layout.cellW, themeColours().font), [p.colLabels, layout.cellW]);

  useLayoutEffect(() => {
    if (!cells.current) return;
    const ms = paintCells(cells.current, matrix, order, layout, scale, padColour(theme));
    cells.current.dataset.drawMs = ms.toFixed(2);
    recordDraw(p.testId, ms, layout.rows * layout.cols);
    // layout by value: a re-render that builds an equal layout must not repaint
  }, [matrix, order, layout.width, layout.height, layout.cellW, layout.cellH, scale, theme, p.testId]);

  useEffect(() => {
    const style = themeColours();
    return autorun(() => {
      const m = p.marks();
      if (overlay.current) paintOverlay(overlay.current, layout, m, style);
    });
  }, [p.marks, layout.width, layout.height, theme]);

  useEffect(() => {
    const style = themeColours();
    return autorun(() => {
      const a = p.axisMarks();
      if (rowAxis.current) paintRowAxis(rowAxis.current, p.rowLabels, layout, p.gutter, style, a.rows, a.row);
      if (colAxis.current) paintColumnAxis(colAxis.current, p.colLabels, layout, axis, style, a.col);
    });
  }, [p.axisMarks, p.rowLabels, p.colLabels, layout.width, layout.height, p.gutter, theme, axis]);

  const cellFromEvent = (e: React.PointerEvent): CellEvent | null => {
    const r = e.currentTarget.getBoundingClientRect();
    const c = cellAt(layout, e.clientX - r.left, e.clientY - r.top);
    if (!c) return null;
    return { displayRow: c.row, row: order ? order[c.row] : c.row, col: c.col };
  };

  const onKey = (e: React.KeyboardEvent) => {
    const c = cursor.current ?? { row: 0, col: 0 };
    const step: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (step[e.key]) {
      e.preventDefault();
      const next = { row: Math.max(0, Math.min(layout.rows - 1, c.row + step[e.key][0])), col: Math.max(0, Math.min(layout.cols - 1, c.col + step[e.key][1])) };
      cursor.current = next;
      p.onHover({ displayRow: next.row, row: order ? order[next.row] : next.row, col: next.col });
    } else if ((e.key === ' ' || e.key === 'Enter') && cursor.current && p.onCellClick) {
      e.preventDefault();
      p.onCellClick({ displayRow: c.row, row: order ? order[c.row] : c.row, col: c.col });
    }
  };

  const savePNG = () => {
    if (!cells.current) return;
    const s = themeColours();
    const bg = getComputedStyle(document.documentElement).getPropertyValue('--panel').trim() || '#fff';
    const out = composeHeatmap({ title: p.titleText, cells: cells.current, rowAxis: rowAxis.current, colAxis: colAxis.current, scale, background: bg, text: s.text, font: s.font.replace(/^[\d.]+px /, '') });
    downloadCanvasPNG(`${p.fileStem}.png`, out);
  };

  return (
    <figure className="sg-hm" data-testid={`${p.testId}-figure`} style={p.fixedWidth ? { width: Math.max(250, p.gutter + layout.width) } : undefined}>
      <figcaption className="sg-hm-head">
        <span className="sg-hm-title">{p.title}</span>
        {/* legend and buttons wrap together under a long title */}
        <span className="sg-hm-tools">
          <span className="sg-hm-legend" title={`colour scale ${scale.min} … ${scale.max} (${scale.kind})`} data-testid={`${p.testId}-legend`} data-min={scale.min} data-max={scale.max} data-kind={scale.kind}>
            <span>{fmtRange(scale.min)}</span>
            <span className="sg-hm-bar" style={{ background: cssGradient(scale) }} />
            <span>{fmtRange(scale.max)}</span>
          </span>
          {p.extra}
          <button type="button" className="sg-hm-btn" onClick={savePNG} title="Save this heatmap as PNG" aria-label={`Save ${p.titleText} as PNG`} data-testid={`export-png-${p.testId.replace(/^heatmap-/, '')}`}>
            PNG
          </button>
        </span>
      </figcaption>
      <div className="sg-hm-scroll">
        <div className="sg-hm-body" style={{ gridTemplateColumns: `${p.gutter}px ${layout.width}px` }}>
          <canvas ref={rowAxis} className="sg-hm-rows" aria-hidden="true" />
          <div className="sg-hm-cells" style={{ width: layout.width, height: layout.height }}>
            <canvas
              ref={cells}
              role="img"
              aria-label={`${p.titleText}: ${layout.rows} × ${layout.cols} heatmap`}
              data-testid={p.testId}
              data-rows={layout.rows}
              data-cols={layout.cols}
              data-cell-w={layout.cellW}
              data-cell-h={layout.cellH}
              data-order={order ? Array.from(order).join(',') : undefined}
              data-row-labels={p.rowLabels.length <= 2000 ? JSON.stringify(p.rowLabels) : undefined}
              data-col-labels={p.colLabels.length <= 2000 ? JSON.stringify(p.colLabels) : undefined}
              style={{ width: layout.width, height: layout.height }}
            />
            <canvas
              ref={overlay}
              className="sg-hm-overlay"
              data-testid={`${p.testId}-hit`}
              tabIndex={0}
              aria-label={`${p.titleText}: arrow keys read a cell, Enter picks its unit`}
              onKeyDown={onKey}
              onFocus={(e) => {
                // a click focuses too: only a keyboard focus (Tab) shows the cursor's cell
                if (!e.currentTarget.matches(':focus-visible')) return;
                cursor.current ??= { row: 0, col: 0 };
                const c = cursor.current;
                p.onHover({ displayRow: c.row, row: order ? order[c.row] : c.row, col: c.col });
              }}
              onBlur={() => p.onHover(null)}
              onPointerMove={(e) => {
                const c = cellFromEvent(e);
                p.onHover(c);
                if (drag.current && c && p.onColumnDrag) p.onColumnDrag(drag.current.from, c.col, false);
              }}
              onPointerLeave={() => !drag.current && p.onHover(null)}
              onPointerDown={(e) => {
                const c = cellFromEvent(e);
                if (c) cursor.current = { row: c.displayRow, col: c.col };
                if (!c || !e.shiftKey || !p.onColumnDrag) return;
                drag.current = { from: c.col };
                e.currentTarget.setPointerCapture(e.pointerId);
                p.onColumnDrag(c.col, c.col, false);
              }}
              onPointerUp={(e) => {
                const c = cellFromEvent(e);
                if (drag.current) {
                  const from = drag.current.from;
                  drag.current = null;
                  p.onColumnDrag?.(from, c?.col ?? from, true);
                  return;
                }
                if (c && p.onCellClick) p.onCellClick(c);
              }}
            />
          </div>
          <span />
          <canvas ref={colAxis} className="sg-hm-cols" aria-hidden="true" />
        </div>
      </div>
    </figure>
  );
});
