// The heatmaps of the shown node: units × steps of h, c and every gate, for the shown layer,
// direction(s) and batch row, tokens along the time axis. In compare mode the same quantities
// of the baseline run (A) and the current one (B) side by side, or their difference B − A.
// Rows are ordered the same way in every heatmap of a direction, so unit u is on the same line
// in h, c and each gate; hover, picked units and the pattern range are marked in all of them.
import { observer } from 'mobx-react-lite';
import { useMemo } from 'react';
import type { NodeTrace } from '../../runtime/trace';
import { divergingScale, symmetricLimit, type ColourScale } from './colour-scales';
import { cellLayout, gridCellSize } from './heatmap-renderer';
import { HeatmapCanvas, type CellEvent, type HeatmapCanvasProps } from './HeatmapCanvas';
import type { Direction, InspectorState } from './inspector-state';
import { layerOf, maxAbs, quantitiesOf, quantityData, scaleFor, stepLabels, unitsBySteps, valueAt, type MatrixView, type Quantity } from './trace-quantities';
import { unitOrder, unitStats } from './unit-stats';
import { fileName } from './download';
import { UnitPlot } from './UnitPlot';

export const GUTTER = 30;
const ARROW: Record<Direction, string> = { forward: '→', reverse: '←' };

type Run = 'A' | 'B' | 'diff';

interface Panel {
  key: string;
  /** the quantity's place in h, c, gates: panels are shown quantity by quantity */
  qi: number;
  q: Quantity;
  d: Direction;
  run?: Run;
  node: NodeTrace;
  row: number;
  matrix: MatrixView;
  scale: ColourScale;
  labels: string[];
}

function inverse(order: Int32Array): Int32Array {
  const inv = new Int32Array(order.length);
  order.forEach((u, i) => (inv[u] = i));
  return inv;
}

/** B − A over the steps both rows have, as a units × steps view ([t][u] layout like a trace row). */
function difference(a: MatrixView, b: MatrixView): MatrixView {
  const H = a.rows;
  const T = Math.min(a.validCols, b.validCols);
  const out = new Float32Array(T * H);
  for (let t = 0; t < T; t++) for (let u = 0; u < H; u++) out[t * H + u] = valueAt(b, u, t) - valueAt(a, u, t);
  return { data: out, offset: 0, rowStride: 1, colStride: H, rows: H, cols: T, validCols: T, validRows: H };
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function testIdOf(q: string, d: Direction, bothDirs: boolean, run?: Run): string {
  return ['heatmap', q, bothDirs ? d : '', run ? run.toLowerCase() : ''].filter(Boolean).join('-');
}

export const QuantityGrid = observer(function QuantityGrid({ s, width }: { s: InspectorState; width: number }) {
  const node = s.node;
  const row = s.batchRow;
  const dirs = s.directions;
  const layerNo = s.layerNumber;
  const theme = s.ui.theme;
  const compare = s.compare;
  const range = s.colourRange;
  const base = compare !== 'off' ? s.baselineSnapshot : null;
  const baseNode = node && base ? (base.trace.nodes.find((n) => n.node === node.node && n.hidden_size === node.hidden_size) ?? null) : null;
  const baseRow = baseNode ? Math.min(row, baseNode.batch - 1) : 0;

  // unit order per direction, from the sort quantity's stats over this row's real steps
  const orders = useMemo(() => {
    const m = new Map<Direction, Int32Array | null>();
    if (!node) return m;
    for (const d of dirs) {
      const layer = layerOf(node, layerNo, d);
      const data = layer && (quantityData(layer, s.sort === 'index' ? 'h' : s.sortQuantity) ?? layer.h);
      m.set(d, !data || s.sort === 'index' ? null : unitOrder(unitStats(unitsBySteps(data, node, row)), s.sort));
    }
    return m;
  }, [node, dirs.join(), layerNo, row, s.sort, s.sortQuantity]);

  const panels = useMemo(() => {
    const out: Panel[] = [];
    if (!node) return out;
    const labels = stepLabels(node, row);
    for (const d of dirs) {
      const layer = layerOf(node, layerNo, d);
      if (!layer) continue;
      const baseLayer = baseNode ? layerOf(baseNode, layerNo, d) : undefined;
      for (const [qi, q] of quantitiesOf(layer, node.type).entries()) {
        const mB = unitsBySteps(q.data, node, row);
        const aData = baseLayer && quantityData(baseLayer, q.key);
        if (!aData || !baseNode) {
          out.push({ key: `${q.key}-${d}`, qi, q, d, node, row, matrix: mB, scale: scaleFor(q, theme, range), labels });
          continue;
        }
        const mA = unitsBySteps(aData, baseNode, baseRow);
        const labelsA = stepLabels(baseNode, baseRow);
        if (compare === 'diff') {
          const diff = difference(mA, mB);
          const both = labels.slice(0, diff.cols).map((t, i) => (t === labelsA[i] ? t : `${labelsA[i]}/${t}`));
          out.push({ key: `${q.key}-${d}-diff`, qi, q, d, run: 'diff', node, row, matrix: diff, scale: divergingScale(symmetricLimit(maxAbs(diff.data), 0), theme), labels: both });
        } else {
          // one scale for both sides, wide enough for either
          const fit = range === 'fit';
          const scale =
            q.kind === 'sigmoid' && !fit ? scaleFor(q, theme) : q.kind === 'sigmoid' ? scaleFor({ ...q, data: concat(aData, q.data) }, theme, 'fit')
            : q.kind === 'tanh' && !fit ? scaleFor(q, theme)
            : divergingScale(symmetricLimit(Math.max(maxAbs(aData), maxAbs(q.data)), q.kind === 'state' && !fit ? 1 : 0), theme);
          out.push({ key: `${q.key}-${d}-A`, qi, q: { ...q, data: aData }, d, run: 'A', node: baseNode, row: baseRow, matrix: mA, scale, labels: labelsA });
          out.push({ key: `${q.key}-${d}-B`, qi, q, d, run: 'B', node, row, matrix: mB, scale, labels });
        }
      }
    }
    // quantity by quantity (stable: forward before backward, A before B), so with two per line
    // a quantity's directions, or its two runs, sit side by side on one line
    return out.sort((a, b) => a.qi - b.qi);
  }, [node, dirs.join(), layerNo, row, theme, compare, baseNode, baseRow, range]);

  if (!node) return null;
  const maxCols = Math.max(1, ...panels.map((p) => p.matrix.cols));
  const { cellW, cellH, perLine } = gridCellSize(maxCols, node.hidden_size, panels.length, width, GUTTER, s.zoom);
  const bothDirs = dirs.length > 1;

  const items: (HeatmapCanvasProps & { key: string })[] = panels.map((p) => {
    const order = orders.get(p.d) ?? null;
    const inv = order ? inverse(order) : null;
    const disp = (u: number) => (inv ? inv[u] : u);
    const rowLabels = Array.from({ length: p.matrix.rows }, (_, i) => String(order ? order[i] : i));
    const layout = cellLayout(p.matrix.rows, p.matrix.cols, cellW, cellH);
    const interactive = p.run === undefined || p.run === 'B';
    const runWord = p.run === 'A' ? 'A (baseline)' : p.run === 'B' ? 'B (this run)' : p.run === 'diff' ? 'B − A' : '';
    const dirWord = bothDirs || s.bidirectional ? ` ${ARROW[p.d]} ${p.d === 'forward' ? 'forward' : 'backward'}` : '';
    const titleText = `${p.q.key} · ${p.q.label}${dirWord}${runWord ? ` · ${runWord}` : ''}`;
    const hoverCell = (c: CellEvent | null) => {
      if (!c || c.col >= p.matrix.validCols) return s.setHover(null);
      // nodes without a token input label steps by number: then there is no token to show
      const token = p.node.tokens ? p.labels[c.col] : undefined;
      s.setHover({ quantity: p.q.key, direction: p.d, run: p.run, row: p.row, unit: c.row, step: c.col, token, value: valueAt(p.matrix, c.row, c.col) });
    };
    return {
      key: p.key,
      testId: testIdOf(p.q.key, p.d, bothDirs, p.run),
      // the run badge first: when the header is narrow the words after it are what gets cut
      title: (
        <>
          {p.run && <span className={`sg-hm-run is-${p.run}`} title={runWord}>{p.run === 'diff' ? 'B − A' : p.run}</span>}
          <b>{p.q.key}</b>
          {dirWord && <span className="sg-hm-dir">{dirWord}</span>} <span className="sg-muted">{p.q.label}</span>
        </>
      ),
      titleText,
      matrix: p.matrix,
      order,
      layout,
      scale: p.scale,
      rowLabels,
      colLabels: p.labels,
      gutter: GUTTER,
      theme,
      fixedWidth: perLine === 2,
      fileStem: fileName(p.node.name, `layer${layerNo}`, p.d, p.q.key, `row${p.row}`, p.run ?? ''),
      marks: () => {
        const h = s.hover;
        const onAxis = !!h && h.quantity !== 'attention' && h.row === p.row && h.step !== undefined;
        const sameUnitAxis = !!h && h.direction === p.d && h.unit !== undefined && (h.step === undefined || h.row === p.row);
        const pat = s.pattern;
        return {
          hoverRow: sameUnitAxis ? disp(h!.unit!) : null,
          hoverCol: onAxis ? h!.step! : null,
          selectedRows: s.plotDirection === p.d ? s.plotUnits.map(disp) : [],
          range: pat && pat.row === p.row && p.run !== 'A' ? pat : null,
          matches: p.run === 'A' ? [] : s.patternMatches.filter((m) => m.row === p.row && !m.isSelection),
        };
      },
      axisMarks: () => {
        const h = s.hover;
        return {
          rows: new Set(s.plotDirection === p.d ? s.plotUnits.map(disp) : []),
          row: h && h.direction === p.d && h.unit !== undefined ? disp(h.unit) : null,
          col: h && h.quantity !== 'attention' && h.row === p.row && h.step !== undefined ? h.step : null,
        };
      },
      onHover: hoverCell,
      onCellClick: interactive ? (c: CellEvent) => s.toggleUnit(c.row, p.q.key, p.d) : undefined,
      onColumnDrag: interactive
        ? (from: number, to: number, done: boolean) => {
            const last = p.matrix.validCols - 1;
            s.setPattern({ from: Math.min(from, last), to: Math.min(to, last), quantity: p.q.key, direction: p.d, row: p.row });
            if (done) s.applyPattern();
          }
        : undefined,
    };
  });

  return (
    <div
      className="sg-hm-grid"
      data-testid="heatmap-grid"
      data-per-line={perLine}
      style={{ gridTemplateColumns: perLine === 2 ? 'repeat(2, max-content)' : 'minmax(0, 1fr)' }}
    >
      <PlotSlot s={s} node={node} cellW={cellW} />
      {items.map(({ key, ...props }) => (
        <HeatmapCanvas key={key} {...props} />
      ))}
    </div>
  );
});

/** The unit plot, when units are picked; its own observer so picking units does not re-render the grid. */
const PlotSlot = observer(function PlotSlot({ s, node, cellW }: { s: InspectorState; node: NodeTrace; cellW: number }) {
  if (!s.plotUnits.length) return null;
  return (
    <div className="sg-hm-span">
      <UnitPlot s={s} node={node} cellW={cellW} gutter={GUTTER} />
    </div>
  );
});

/**
 * Scrolling one wide heatmap sideways scrolls the others (and the unit plot) with it, so their
 * time axes stay aligned. Used as onScrollCapture on the element that holds them all.
 */
export function syncScroll(src: HTMLElement, root: HTMLElement): void {
  if (!src.classList?.contains('sg-hm-scroll')) return;
  root.querySelectorAll<HTMLElement>('.sg-hm-scroll').forEach((el) => {
    if (el !== src && el.scrollLeft !== src.scrollLeft) el.scrollLeft = src.scrollLeft;
  });
}
