// The Inspector tab: the last run's Trace for the node selected on the canvas — heatmaps of h,
// c and every gate (units × steps, tokens along the time axis), the hover readout, the unit
// line plot, pattern selection, gate saturation, attention, compare and exports. It says when
// the graph has changed since the run, and follows new runs by itself (it observes run.trace).
import { observer } from 'mobx-react-lite';
import type { AppState } from '../store/app-state';
import { cx, useApp } from '../components/ui';
import { cssGradient, divergingScale, sequentialScale } from './colour-scales';
import { AttentionView } from './AttentionView';
import { inspectorStateFor, type InspectorState } from './inspector-state';
import { InspectorToolbar } from './InspectorToolbar';
import { PatternPanel } from './PatternPanel';
import { QuantityGrid, syncScroll } from './QuantityGrid';
import { Readout } from './Readout';
import { SaturationView } from './SaturationView';
import { GradientView } from './GradientView';
import { useWidth } from './use-width';
import './inspector.css';
import { count } from '../plural';
import { currentFailure } from '../components/RunPanel';

const Legend = observer(function Legend({ s }: { s: InspectorState }) {
  const d = divergingScale(1, s.ui.theme);
  const q = sequentialScale(0, 1);
  if (s.colourRange === 'fit')
    return (
      <div className="sg-insp-legend" data-testid="inspector-legend" data-range="fit">
        <span>
          states diverge <i style={{ background: cssGradient(d) }} /> gates and attention <i style={{ background: cssGradient(q) }} />
        </span>
        <span className="sg-muted">each heatmap's colours span its own data: read its range beside its title</span>
      </div>
    );
  return (
    <div className="sg-insp-legend" data-testid="inspector-legend">
      <span title="h, c and tanh candidates (g, n): diverging around 0">
        states <span className="sg-muted">h c g n</span> <span className="sg-num">−1</span>
        <i style={{ background: cssGradient(d) }} />
        <span className="sg-num">1</span>
      </span>
      <span title="sigmoid gates (i, f, o, r, z) and attention weights: sequential">
        gates <span className="sg-muted">i f o r z</span> · attention <span className="sg-num">0</span>
        <i style={{ background: cssGradient(q) }} />
        <span className="sg-num">1</span>
      </span>
      <span className="sg-muted">grey: padding past a row's end</span>
    </div>
  );
});

const RunAgain = observer(function RunAgain({ app, primary }: { app: AppState; primary?: boolean }) {
  const running = app.run.status === 'running';
  return (
    <button type="button" className={cx('sg-button', primary && 'is-primary')} disabled={running} onClick={() => void app.run.run(app.graph.doc)} data-testid="inspector-run">
      {running ? 'Running…' : app.run.trace ? 'Run again' : 'Run'}
    </button>
  );
});

const CompareNote = observer(function CompareNote({ s }: { s: InspectorState }) {
  if (s.compare === 'off') return null;
  const base = s.baselineSnapshot;
  const cur = s.current;
  const node = s.node;
  const ok = !!base && !!node && base.trace.nodes.some((n) => n.node === node.node && n.hidden_size === node.hidden_size);
  return (
    <div className="sg-compare-note" data-testid="compare-note" data-ok={ok}>
      <span>
        <span className="sg-hm-run is-A">A</span> {base ? base.label || 'a run' : 'no other run yet'}
        {base && s.baseline === 'pinned' && base === s.baselineSnapshot ? ' (pinned)' : ''}
      </span>
      <span>
        <span className="sg-hm-run is-B">B</span> {cur?.label || 'this run'}
      </span>
      {!ok && <span className="sg-stale">{base ? 'the other run has no such node to compare; run both on the same graph' : 'run another input to compare with this one'}</span>}
    </div>
  );
});

export const InspectorPanel = observer(function InspectorPanel() {
  const app = useApp();
  const s = inspectorStateFor(app);
  // wide only when there is something to show: an empty inspector needs no room
  // (the canvas keeps the inspected node in view as the panel widens: use-keep-in-view.ts)
  const wide = s.wide && !!app.run.trace;
  const [bodyRef, width] = useWidth<HTMLDivElement>();
  const trace = app.run.trace;
  const t = s.target;
  const node = s.node;
  const failure = currentFailure(app);
  return (
    <div className={cx('sg-inspector', wide && 'is-wide')} data-testid="inspector-panel" data-node={t?.node} data-stale={s.stale}>
      <header className="sg-panel-head">
        <span className="sg-badge">Inspector</span>
        <span className="sg-panel-sub">{t ? `${t.name} · ${t.type}${node ? ` · ${count(node.steps, 'step')} × ${count(node.hidden_size, 'unit')}` : ''}` : ''}</span>
        <span className="sg-insp-spacer" />
        {trace && <RunAgain app={app} />}
      </header>
      {s.stale && (
        <div className="sg-insp-stale" role="status" data-testid="inspector-stale">
          <strong>Stale:</strong> the graph changed since this run; these are the old numbers. Run again to see the new ones.
        </div>
      )}
      {failure && (
        <div className="sg-insp-stale is-error" role="alert" data-testid="inspector-run-error">
          The last run failed: {failure.message}
        </div>
      )}
      {!trace ? (
        <div className="sg-insp-empty">
          <p className="sg-hint">Run the graph to record every timestep of its recurrent and attention nodes; then select one on the canvas to see inside it.</p>
          <RunAgain app={app} primary />
        </div>
      ) : !t ? (
        <p className="sg-hint" data-testid="inspector-nothing">This graph has no recurrent or attention node to inspect.</p>
      ) : (
        <>
          <InspectorToolbar s={s} app={app} />
          <Legend s={s} />
          <Readout s={s} />
          <CompareNote s={s} />
          <div ref={bodyRef} className="sg-insp-body" onScrollCapture={(e) => syncScroll(e.target as HTMLElement, e.currentTarget)}>
            {t.attention && <AttentionView s={s} att={t.attention} width={width} />}
            {node && <QuantityGrid s={s} width={width} />}
            {node && <PatternPanel s={s} node={node} />}
            {node && <SaturationView s={s} node={node} width={width} />}
            {node && <GradientView s={s} app={app} width={width} />}
          </div>
        </>
      )}
    </div>
  );
});
