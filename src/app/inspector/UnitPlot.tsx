// The picked units as lines over time (click a unit's row in any heatmap to add or remove it;
// a pattern selection picks units too). Drawn by line-plot.ts with the heatmaps' column width,
// so each step of a line sits over the same step of the cells. Hovering shows the nearest line's
// unit, step, token and value in the readout.
import { autorun } from 'mobx';
import { observer } from 'mobx-react-lite';
import { useEffect, useMemo, useRef } from 'react';
import type { NodeTrace } from '../../runtime/trace';
import { SERIES_COLOURS } from './colour-scales';
import { cellLayout, columnAxisFor, measureContext, paintColumnAxis, themeColours } from './heatmap-renderer';
import type { InspectorState } from './inspector-state';
import { paintLinePlot, paintPlotAxis, plotRange, type PlotSeries } from './line-plot';
import { layerOf, quantitiesOf, stepLabels } from './trace-quantities';

const HEIGHT = 150;

export const UnitPlot = observer(function UnitPlot({ s, node, cellW, gutter }: { s: InspectorState; node: NodeTrace; cellW: number; gutter: number }) {
  const plot = useRef<HTMLCanvasElement>(null);
  const yAxis = useRef<HTMLCanvasElement>(null);
  const xAxis = useRef<HTMLCanvasElement>(null);
  const row = s.batchRow;
  const layer = layerOf(node, s.layerNumber, s.plotDirection);
  const q = layer ? quantitiesOf(layer, node.type).find((x) => x.key === s.plotQuantity) : undefined;
  const units = s.plotUnits;
  const theme = s.ui.theme;
  const len = node.lengths[row] ?? node.steps;
  const labels = useMemo(() => stepLabels(node, row), [node, row]);

  const series: PlotSeries[] = useMemo(() => {
    if (!q) return [];
    const T = node.steps;
    const H = node.hidden_size;
    return units.map((u, k) => ({
      unit: u,
      colour: SERIES_COLOURS[k % SERIES_COLOURS.length],
      values: Float32Array.from({ length: len }, (_, t) => q.data[(row * T + t) * H + u]),
    }));
  }, [q, units, row, len, node]);

  const natural: [number, number] = q?.kind === 'sigmoid' ? [0, 1] : q?.kind === 'state' || q?.kind === 'tanh' ? [-1, 1] : [-1, 1];
  const [yMin, yMax] = plotRange(series, natural);
  const width = Math.max(1, node.steps * cellW);
  const layout = cellLayout(1, node.steps, cellW, HEIGHT);
  const axis = useMemo(() => columnAxisFor(measureContext(), labels, cellW, themeColours().font), [labels, cellW]);

  useEffect(() => {
    const style = themeColours();
    if (yAxis.current) paintPlotAxis(yAxis.current, gutter, HEIGHT, yMin, yMax, style);
    return autorun(() => {
      const h = s.hover;
      const col = h && h.row === row && h.step !== undefined && h.quantity !== 'attention' ? h.step : null;
      if (plot.current) paintLinePlot(plot.current, { width, height: HEIGHT, cellW, yMin, yMax, series, hoverCol: col, range: s.pattern && s.pattern.row === row ? s.pattern : null }, style);
      if (xAxis.current) paintColumnAxis(xAxis.current, labels, layout, axis, style, col);
    });
  }, [series, yMin, yMax, width, cellW, theme, row, labels, axis]);

  if (!q) return null;
  const onMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const t = Math.floor((e.clientX - r.left) / cellW);
    if (t < 0 || t >= len || !series.length) return s.setHover(null);
    // the line nearest the mouse at that step
    const y = e.clientY - r.top;
    const toY = (v: number) => HEIGHT - 6 - ((v - yMin) / (yMax - yMin || 1)) * (HEIGHT - 12);
    let best = series[0];
    for (const sr of series) if (Math.abs(toY(sr.values[t]) - y) < Math.abs(toY(best.values[t]) - y)) best = sr;
    s.setHover({ quantity: q.key, direction: s.plotDirection, row, unit: best.unit, step: t, token: node.tokens ? labels[t] : undefined, value: best.values[t], note: 'line plot' });
  };

  return (
    <section className="sg-plot" data-testid="unit-plot" data-units={units.join(',')} data-quantity={q.key} data-direction={s.plotDirection} aria-label={`units ${units.join(', ')} of ${q.key} over time`}>
      <header className="sg-hm-head">
        <span className="sg-hm-title">
          <b>{q.key}</b> <span className="sg-muted">over time{s.bidirectional ? ` (${s.plotDirection === 'forward' ? '→ forward' : '← backward'})` : ''}</span>
        </span>
        <span className="sg-plot-units">
          {units.map((u, k) => (
            <button
              key={u}
              type="button"
              className="sg-chip"
              style={{ borderColor: SERIES_COLOURS[k % SERIES_COLOURS.length] }}
              onClick={() => s.toggleUnit(u, q.key, s.plotDirection)}
              title={`unit ${u}: click to take it off the plot`}
              data-testid={`plot-unit-${u}`}
            >
              <i style={{ background: SERIES_COLOURS[k % SERIES_COLOURS.length] }} />
              {u}
            </button>
          ))}
        </span>
        <button type="button" className="sg-hm-btn" onClick={() => s.setUnits([])} data-testid="plot-clear">
          Clear
        </button>
      </header>
      <div className="sg-hm-scroll">
        <div className="sg-hm-body" style={{ gridTemplateColumns: `${gutter}px ${width}px` }}>
          <canvas ref={yAxis} aria-hidden="true" />
          <canvas ref={plot} className="sg-plot-canvas" onPointerMove={onMove} onPointerLeave={() => s.setHover(null)} data-testid="unit-plot-canvas" />
          <span />
          <canvas ref={xAxis} aria-hidden="true" />
        </div>
      </div>
    </section>
  );
});
