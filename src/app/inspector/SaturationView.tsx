// Gate saturation: for each gate of the shown layer and direction(s), the share of values that
// are nearly shut (sigmoid < 0.1, tanh < −0.9) and wide open (> 0.9), over every row of the
// batch and every real step — overall, and per unit as a strip of bars. Saturated gates pass no
// gradient, so a gate that is always saturated is a unit that has stopped learning.
import { autorun } from 'mobx';
import { observer } from 'mobx-react-lite';
import { useEffect, useMemo, useRef } from 'react';
import type { NodeTrace } from '../../runtime/trace';
import { paintStrip, stripBarWidth, stripWidth } from './bar-strip';
import { themeColours } from './heatmap-renderer';
import type { Direction, InspectorState } from './inspector-state';
import { isGate, layerOf, quantitiesOf, type Quantity } from './trace-quantities';
import { gateSaturation, type Saturation } from './unit-stats';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const Strip = observer(function Strip({ s, sat, q, d, barW }: { s: InspectorState; sat: Saturation; q: Quantity; d: Direction; barW: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = s.ui.theme;
  useEffect(() => {
    const c = themeColours();
    return autorun(() => {
      const h = s.hover;
      const mark = h && h.direction === d && h.unit !== undefined ? h.unit : null;
      if (ref.current)
        paintStrip(ref.current, {
          low: sat.perUnitLow,
          high: sat.perUnitHigh,
          barW,
          height: 26,
          lowColour: '#3b528b',
          highColour: '#e0a800',
          background: c.pad,
          mark,
          markColour: c.hover,
        });
    });
  }, [sat, barW, theme, d]);
  const onMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const u = Math.floor((e.clientX - e.currentTarget.getBoundingClientRect().left) / barW);
    if (u < 0 || u >= sat.perUnitLow.length) return s.setHover(null);
    s.setHover({
      quantity: `saturation:${q.key}`,
      direction: d,
      row: s.batchRow,
      unit: u,
      value: sat.perUnitLow[u] + sat.perUnitHigh[u],
      note: `${q.key}: ${pct(sat.perUnitLow[u])} < ${sat.low}, ${pct(sat.perUnitHigh[u])} > ${sat.high}`,
    });
  };
  return (
    <canvas
      ref={ref}
      className="sg-sat-strip"
      style={{ width: stripWidth(sat.perUnitLow.length, barW), height: 26 }}
      onPointerMove={onMove}
      onPointerLeave={() => s.setHover(null)}
      aria-label={`${q.key}: per unit share saturated`}
      data-testid={`saturation-strip-${q.key}-${d}`}
    />
  );
});

export const SaturationView = observer(function SaturationView({ s, node, width }: { s: InspectorState; node: NodeTrace; width: number }) {
  const layerNo = s.layerNumber;
  const dirs = s.directions;
  const rows = useMemo(
    () =>
      dirs.flatMap((d) => {
        const layer = layerOf(node, layerNo, d);
        return layer ? quantitiesOf(layer, node.type).filter(isGate).map((q) => ({ q, d, sat: gateSaturation(q.data, node, q.kind) })) : [];
      }),
    [node, layerNo, dirs.join()],
  );
  if (!rows.length) return null;
  const barW = stripBarWidth(node.hidden_size, Math.max(120, width - 300));
  const both = dirs.length > 1;
  return (
    <section className="sg-sat" data-testid="saturation">
      <h3 className="sg-insp-h">
        Gate saturation <span className="sg-muted">— over {node.batch > 1 ? `all ${node.batch} rows` : 'the row'} and every real step; per unit: <i className="sg-key is-low" /> shut <i className="sg-key is-high" /> open</span>
      </h3>
      <table className="sg-sat-table">
        <thead>
          <tr>
            <th>gate</th>
            <th title="share of values below the low bound">shut</th>
            <th title="share of values above the high bound">open</th>
            <th>per unit (0 … {node.hidden_size - 1})</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ q, d, sat }) => (
            <tr key={`${q.key}-${d}`} data-testid={`saturation-${q.key}${both ? `-${d}` : ''}`} data-low={sat.lowShare} data-high={sat.highShare} data-low-bound={sat.low} data-high-bound={sat.high}>
              <td>
                <b>{q.key}</b>
                {both && <span className="sg-muted"> {d === 'forward' ? '→' : '←'}</span>} <span className="sg-muted">{q.label}</span>
              </td>
              <td className="sg-num" title={`values < ${sat.low}`}>
                {pct(sat.lowShare)} <span className="sg-muted">&lt; {sat.low}</span>
              </td>
              <td className="sg-num" title={`values > ${sat.high}`}>
                {pct(sat.highShare)} <span className="sg-muted">&gt; {sat.high}</span>
              </td>
              <td>
                <Strip s={s} sat={sat} q={q} d={d} barW={barW} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
});
