// The right-hand panel: Params, Run, Train and Inspector tabs. The inspector (../inspector/) draws the
// last run's Trace, which the run store keeps.
import { observer } from 'mobx-react-lite';
import type { RightTab } from '../store/ui-store';
import { ParamsPanel } from './ParamsPanel';
import { RunPanel } from './RunPanel';
import { TrainPanel } from './TrainPanel';
import { InspectorPanel } from '../inspector/InspectorPanel';
import { inspectorStateFor } from '../inspector/inspector-state';
import { PanelResize } from './PanelResize';
import { cx, useApp } from './ui';

const TABS: { id: RightTab; label: string }[] = [
  { id: 'params', label: 'Params' },
  { id: 'run', label: 'Run' },
  { id: 'train', label: 'Train' },
  { id: 'inspector', label: 'Inspector' },
];

export const RightPanel = observer(function RightPanel() {
  const app = useApp();
  const { ui } = app;
  // the inspector, showing a trace in wide mode, has a width of its own
  const wide = ui.rightTab === 'inspector' && !!app.run.trace && inspectorStateFor(app).wide;
  return (
    <aside className="sg-right" aria-label="Details">
      <PanelResize wide={wide} />
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
        {ui.rightTab === 'params' ? <ParamsPanel /> : ui.rightTab === 'run' ? <RunPanel /> : ui.rightTab === 'train' ? <TrainPanel /> : <InspectorPanel />}
      </div>
    </aside>
  );
});
