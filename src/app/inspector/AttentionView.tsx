// Attention weights of an Attention node or a Decoder: target steps (rows, labelled with the
// symbols produced) × source positions (columns, labelled with the input symbols). Each row is a
// softmax, so it sums to 1 over the real keys; the CSV export writes the matrix as shown.
import { observer } from 'mobx-react-lite';
import { useMemo } from 'react';
import type { AttentionTrace } from '../../runtime/trace';
import { sequentialScale } from './colour-scales';
import { attentionCSV } from './trace-export';
import { downloadText, fileName } from './download';
import { cellLayout, fitCell, measureContext, themeColours } from './heatmap-renderer';
import { HeatmapCanvas, type CellEvent } from './HeatmapCanvas';
import type { InspectorState } from './inspector-state';
import { queriesByKeys, valueAt } from './trace-quantities';

export const AttentionView = observer(function AttentionView({ s, att, width }: { s: InspectorState; att: AttentionTrace; width: number }) {
  const row = Math.min(s.batchRow, att.batch - 1);
  const head = Math.min(s.head, att.heads - 1);
  const theme = s.ui.theme;
  const matrix = useMemo(() => queriesByKeys(att, row, head), [att, row, head]);
  const qLabels = useMemo(() => Array.from({ length: matrix.validRows }, (_, q) => att.query_tokens?.[row]?.[q] ?? String(q)), [att, row, matrix]);
  const kLabels = useMemo(() => Array.from({ length: matrix.validCols }, (_, k) => att.key_tokens?.[row]?.[k] ?? String(k)), [att, row, matrix]);
  const fit = s.colourRange === 'fit';
  const scale = useMemo(() => {
    if (!fit) return sequentialScale(0, 1);
    let hi = 0;
    for (let q = 0; q < matrix.validRows; q++) for (let k = 0; k < matrix.validCols; k++) hi = Math.max(hi, valueAt(matrix, q, k));
    return sequentialScale(0, Math.ceil(hi * 100) / 100 || 1);
  }, [fit, matrix]);
  // the gutter fits the longest output symbol
  const gutter = useMemo(() => {
    const ctx = measureContext();
    ctx.font = themeColours().font;
    return Math.min(120, Math.max(30, Math.ceil(Math.max(0, ...qLabels.map((l) => ctx.measureText(l).width))) + 12));
  }, [qLabels]);
  // only the real queries and keys are drawn: padding would be a band of zeros
  const view = useMemo(() => ({ ...matrix, rows: matrix.validRows, cols: matrix.validCols }), [matrix]);
  const cellW = fitCell(view.cols, Math.min(width, 720) - gutter - 8, 6, 44);
  const cellH = fitCell(view.rows, 360, 6, 24);
  const layout = cellLayout(view.rows, view.cols, cellW, cellH);

  const onHover = (c: CellEvent | null) => {
    if (!c) return s.setHover(null);
    s.setHover({ quantity: 'attention', row, step: c.row, token: qLabels[c.row], key: c.col, keyToken: kLabels[c.col], value: valueAt(view, c.row, c.col) });
  };
  const exportCSV = () => downloadText(`${fileName(att.name, 'attention', `row${row}`, att.heads > 1 ? `head${head}` : '')}.csv`, attentionCSV(att, row, head), 'text/csv');

  return (
    <section className="sg-att" data-testid="attention-view" data-node={att.node} data-row={row} data-head={head}>
      <h3 className="sg-insp-h">
        Attention <span className="sg-muted">— {att.score} · rows: {att.type === 'Decoder' ? 'output symbols' : 'queries'} · columns: input symbols</span>
      </h3>
      <HeatmapCanvas
        testId="heatmap-attention"
        title={
          <>
            <b>{att.name}</b> <span className="sg-muted">{att.score} attention</span>
          </>
        }
        titleText={`${att.name} · ${att.score} attention`}
        matrix={view}
        order={null}
        layout={layout}
        scale={scale}
        rowLabels={qLabels}
        colLabels={kLabels}
        gutter={gutter}
        theme={theme}
        fileStem={fileName(att.name, 'attention', `row${row}`)}
        marks={() => {
          const h = s.hover;
          const here = !!h && h.row === row;
          // hovering the decoder's own heatmaps at step t marks target step t here
          const q = here && h!.quantity === 'attention' ? h!.step! : here && s.target?.node === att.node && h!.step !== undefined ? h!.step! : null;
          return { hoverRow: q, hoverCol: here && h!.quantity === 'attention' ? (h!.key ?? null) : null, selectedRows: [], range: null, matches: [] };
        }}
        axisMarks={() => {
          const h = s.hover;
          const a = !!h && h.row === row && h.quantity === 'attention';
          return { rows: new Set<number>(), row: a ? h!.step! : null, col: a ? (h!.key ?? null) : null };
        }}
        onHover={onHover}
        extra={
          <>
            {att.heads > 1 && (
              <select className="sg-hm-select" value={head} onChange={(e) => s.set('head', Number(e.target.value))} aria-label="attention head" data-testid="attention-head-select">
                {Array.from({ length: att.heads }, (_, h) => (
                  <option key={h} value={h}>
                    head {h}
                  </option>
                ))}
              </select>
            )}
            <button type="button" className="sg-hm-btn" onClick={exportCSV} data-testid="export-attention-csv" title="Save this attention matrix as CSV">
              CSV
            </button>
          </>
        }
      />
    </section>
  );
});
