// Gradients made visible: ∂loss/∂h_t of the shown node (units × steps, the same layout as its h
// heatmap above), and the norm ‖∂loss/∂h_t‖ against the distance from the loss on a log scale,
// so an RNN's gradient dying over the steps (vanishing) and an LSTM's surviving can be seen,
// and clipping's threshold read against it. Computed in the training worker (grad-job.ts) for
// the run's own input, against a test example's target or else the model's prediction.
import { observer } from 'mobx-react-lite';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { NodeGradTrace } from '../../runtime/grad-trace';
import type { AppState } from '../store/app-state';
import { cssColour, divergingScale } from './colour-scales';
import type { InspectorState } from './inspector-state';

/** which gradient: ∂loss/∂h_t, or (LSTM) ∂loss/∂c_t */
export type GradOf = 'dh' | 'dc';

/**
 * The values a gradient heatmap shows: one row, one layer, one direction, its real steps, as
 * [t][unit] (T × H). Null when the node has no such layer or no such gradient (dc: not an LSTM).
 */
export function gradCells(g: NodeGradTrace, layer: number, direction: 'forward' | 'reverse', row: number, of: GradOf = 'dh'): { T: number; H: number; values: Float32Array } | null {
  const L = g.layers.find((l) => l.layer === layer && l.direction === direction);
  const src = L?.[of];
  if (!src) return null;
  const { steps, hidden_size: H } = g;
  const T = g.lengths[row] ?? steps;
  return { T, H, values: src.subarray(row * steps * H, (row * steps + T) * H) };
}

/** ‖∂loss/∂h_t‖ (or ‖∂loss/∂c_t‖) per real step of one row, one layer, one direction */
export function gradNorms(g: NodeGradTrace, layer: number, direction: 'forward' | 'reverse', row: number, of: GradOf = 'dh'): number[] {
  const cells = gradCells(g, layer, direction, row, of);
  if (!cells) return [];
  const { T, H, values } = cells;
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let u = 0; u < H; u++) s += values[t * H + u] ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

function Heat({ g, layer, direction, row, of, width, theme }: { g: NodeGradTrace; layer: number; direction: 'forward' | 'reverse'; row: number; of: GradOf; width: number; theme: 'light' | 'dark' }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const cells = gradCells(g, layer, direction, row, of);
  const T = cells?.T ?? 0;
  const H = g.hidden_size;
  const cw = Math.max(3, Math.min(28, Math.floor((width - 8) / Math.max(1, T))));
  const ch = Math.max(2, Math.min(8, Math.floor(220 / H)));
  let max = 0;
  if (cells) for (const v of cells.values) max = Math.max(max, Math.abs(v));
  const values = cells?.values;
  useEffect(() => {
    const c = ref.current;
    if (!c || !values) return;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const scale = divergingScale(max || 1, theme);
    for (let t = 0; t < T; t++)
      for (let u = 0; u < H; u++) {
        ctx.fillStyle = cssColour(scale, values[t * H + u]);
        ctx.fillRect(t * cw, u * ch, cw, ch);
      }
  }, [values, T, H, cw, ch, max, theme]);
  if (!cells) return null;
  const tokens = g.tokens?.[row];
  const q = of === 'dh' ? 'h' : 'c';
  const testid = `grad-heatmap-${of === 'dh' ? '' : 'c-'}${direction}`;
  return (
    <div className="sg-grad-heat">
      <div className="sg-grad-title">
        ∂loss/∂{q}
        <sub>t</sub> {direction === 'reverse' ? '(reverse direction)' : ''} <span className="sg-muted">· {H} units × {T} steps · colour ±{max.toExponential(1)}</span>
      </div>
      <canvas ref={ref} width={T * cw} height={H * ch} data-testid={testid} data-max={max} aria-label={`gradient of the loss with respect to ${q}, ${H} units by ${T} steps`} />
      {tokens && cw >= 8 && (
        <div className="sg-grad-tokens" style={{ width: T * cw }}>
          {tokens.slice(0, T).map((tk, i) => (
            <span key={i} style={{ width: cw }}>
              {tk}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

function NormPlot({ g, layer, row, width, clip }: { g: NodeGradTrace; layer: number; row: number; width: number; clip?: number }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const dirs = (['forward', 'reverse'] as const).filter((d) => g.layers.some((l) => l.layer === layer && l.direction === d));
    // distance from the loss, counted back from the last step (where a classifier reads the
    // sequence, and a per-step loss's latest term sits), for both directions alike
    // an LSTM's ∂loss/∂c_t as second series (dashed): the cell path is where its gradient survives
    const lines = dirs.flatMap((d) => (['dh', 'dc'] as const).filter((of) => of === 'dh' || gradCells(g, layer, d, row, of)).map((of) => ({ d, of })));
    const norms = lines.map(({ d, of }) => gradNorms(g, layer, d, row, of).slice().reverse());
    const len = Math.max(0, ...norms.map((n) => n.length));
    const x = Array.from({ length: len }, (_, i) => i);
    const safe = (a: number[]) => x.map((i) => (a[i] !== undefined && a[i] > 0 ? a[i] : null));
    const plot = new uPlot(
      {
        title: (lines.some((l) => l.of === 'dc') ? '‖∂loss/∂h_t‖ and ‖∂loss/∂c_t‖' : '‖∂loss/∂h_t‖') + ' by distance from the last step (log scale; gaps: no gradient)',
        width: Math.max(220, width),
        height: 150,
        scales: { x: { time: false }, y: { distr: 3 } },
        legend: { live: false },
        axes: [{ label: 'steps before the last step', size: 36, font: '10px system-ui', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }, { size: 50, font: '10px system-ui' }],
        series: [
          { label: 'steps' },
          ...lines.map(({ d, of }) => ({ label: `${of === 'dh' ? '‖∂loss/∂h‖' : '‖∂loss/∂c‖'} ${d}`, stroke: d === 'reverse' ? '#e07b39' : '#6b8fd6', dash: of === 'dc' ? [5, 3] : undefined, width: 1.5, points: { show: true, size: 4 } })),
        ],
      },
      [x, ...norms.map(safe)] as uPlot.AlignedData,
      el.current,
    );
    return () => plot.destroy();
  }, [g, layer, row, width, clip]);
  return <div ref={el} className="sg-grad-norms" data-testid="grad-norm-plot" />;
}

export const GradientView = observer(function GradientView({ s, app, width }: { s: InspectorState; app: AppState; width: number }) {
  const { run, train } = app;
  const trace = run.trace;
  const node = s.node;
  const g = train.grads;
  const ask = () => {
    if (trace && run.traceInputs && run.resultDoc) train.requestGradients(run.resultDoc, run.traceInputs, trace);
  };
  // a run opened from the results table computes them at once; any other run on request (a
  // backward pass over a long trace is not free, and most runs are not about gradients)
  const fromResults = !!train.gradTargets;
  useEffect(() => {
    if (fromResults && trace && run.traceInputs && run.resultDoc && g?.forTrace !== trace) train.requestGradients(run.resultDoc, run.traceInputs, trace);
  }, [fromResults, trace, run, train, g?.forTrace]);
  if (!node || !trace) return null;
  if (g?.forTrace !== trace)
    return (
      <section className="sg-grad" data-testid="grad-view">
        <h4 className="sg-grad-h">Gradients</h4>
        <p className="sg-field-help">
          ∂loss/∂h<sub>t</sub> for this input, per unit and step, and how its size falls off with distance from the loss (vanishing gradients).{' '}
          <button type="button" className="sg-button" onClick={ask} data-testid="grad-compute">
            Show gradients
          </button>
        </p>
      </section>
    );
  const res = g?.forTrace === trace ? g.result : undefined;
  const err = g?.forTrace === trace ? g.error : undefined;
  const ng = res?.gradTrace.nodes.find((n) => n.node === node.node);
  const row = Math.min(s.batchRow, (ng?.batch ?? 1) - 1);
  const clip = app.graph.doc.training?.clip_grad_norm?.max_norm;
  return (
    <section className="sg-grad" data-testid="grad-view">
      <h4 className="sg-grad-h">Gradients</h4>
      {err ? (
        <p className="sg-insp-stale is-error">{err}</p>
      ) : !res ? (
        <p className="sg-muted">Computing ∂loss/∂h_t…</p>
      ) : !ng ? (
        <p className="sg-muted">No gradient reaches this node from the loss.</p>
      ) : (
        <>
          <p className="sg-field-help" data-testid="grad-target">
            Loss {res.loss.toFixed(4)}, taken against {res.targets.join('; ')}. Red and blue: which way each unit of h<sub>t</sub> would move to lower the loss. Where the colours fade towards the early steps, the gradient vanishes: those steps learn little.
            {clip !== undefined && ` Training clips the whole gradient's norm at ${clip}.`}
          </p>
          {(['forward', 'reverse'] as const).map((d) => (
            <Heat key={d} g={ng} layer={s.layerNumber} direction={d} row={row} of="dh" width={width} theme={app.ui.theme} />
          ))}
          {ng.layers.some((l) => l.dc) && (
            <p className="sg-field-help">
              The LSTM's cell state c<sub>t</sub> carries its own gradient, ∂loss/∂c<sub>t</sub>: through the forget gate it can reach early steps where ∂loss/∂h<sub>t</sub> alone would fade.
            </p>
          )}
          {(['forward', 'reverse'] as const).map((d) => (
            <Heat key={`c-${d}`} g={ng} layer={s.layerNumber} direction={d} row={row} of="dc" width={width} theme={app.ui.theme} />
          ))}
          <NormPlot g={ng} layer={s.layerNumber} row={row} width={width - 8} clip={clip} />
        </>
      )}
    </section>
  );
});
