// The right-hand panel: Params, Run and Inspector tabs. The inspector (a later issue) will draw
// the last run's Trace, which the run store already keeps.
import { observer } from 'mobx-react-lite';
import type { RightTab } from '../store/ui-store';
import { ParamsPanel } from './ParamsPanel';
import { RunPanel } from './RunPanel';
import { cx, useApp } from './ui';

const TABS: { id: RightTab; label: string }[] = [
  { id: 'params', label: 'Params' },
  { id: 'run', label: 'Run' },
  { id: 'inspector', label: 'Inspector' },
];

const InspectorSlot = observer(function InspectorSlot() {
  const { run } = useApp();
  const t = run.trace;
  return (
    <div className="sg-node-details" data-testid="inspector-panel">
      <header className="sg-panel-head">
        <span className="sg-badge">Inspector</span>
      </header>
      {t ? (
        <>
          <p className="sg-note">The last run recorded every timestep of {t.nodes.length} recurrent node{t.nodes.length === 1 ? '' : 's'}:</p>
          <ul className="sg-trace-list" data-testid="trace-summary">
            {t.nodes.map((n) => (
              <li key={n.node}>
                <strong>{n.name}</strong> <span className="sg-muted">{n.type}</span> · {n.layers.length} layer×direction · {n.steps} steps · H={n.hidden_size}
              </li>
            ))}
          </ul>
          <p className="sg-hint">Timestep views of h, c and the gates come here.</p>
        </>
      ) : (
        <p className="sg-hint">Run the graph to record every timestep of its recurrent nodes; the inspector will draw them here.</p>
      )}
    </div>
  );
});

export const RightPanel = observer(function RightPanel() {
  const { ui } = useApp();
  return (
    <aside className="sg-right" aria-label="Details">
      <div className="sg-tabs" role="tablist" aria-label="Panels">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={ui.rightTab === t.id}
            className={cx('sg-tab', ui.rightTab === t.id && 'is-active')}
            onClick={() => ui.setTab(t.id)}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="sg-right-body" role="tabpanel">
        {ui.rightTab === 'params' ? <ParamsPanel /> : ui.rightTab === 'run' ? <RunPanel /> : <InspectorSlot />}
      </div>
    </aside>
  );
});
