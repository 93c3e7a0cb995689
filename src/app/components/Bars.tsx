// The bars around the canvas. Top: the graph's name, file actions, undo/redo, layout, run,
// theme and help; every button performs a registered action and shows its shortcut in its
// tooltip. Bottom: what the compiler thinks of the graph. And passing messages (toasts).
import { useEffect, useState } from 'react';
import { observer } from 'mobx-react-lite';
import { getAction } from '../actions/registry';
import { keyLabel } from '../actions/types';
import { cx, Icon, useApp, type IconName } from './ui';
import { count } from '../plural';

const ActionButton = observer(function ActionButton({ action, icon, text, primary }: { action: string; icon: IconName; text?: string; primary?: boolean }) {
  const app = useApp();
  const a = getAction(action)!;
  const keys = a.keys?.map(keyLabel).join(' or ');
  const enabled = app.isEnabled(action);
  return (
    <button
      type="button"
      className={cx('sg-tool', primary && 'is-primary', text && 'has-text')}
      onClick={() => app.perform(action)}
      disabled={!enabled}
      title={keys ? `${a.label} (${keys})` : a.label}
      aria-label={a.label}
      data-testid={`action-${action}`}
    >
      <Icon name={icon} />
      {text && <span>{text}</span>}
    </button>
  );
});

const GraphName = observer(function GraphName() {
  const app = useApp();
  const name = app.graph.doc.name;
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  return (
    <input
      className="sg-graph-name"
      value={draft}
      spellCheck={false}
      onChange={(e) => {
        setDraft(e.target.value);
        if (e.target.value.trim()) app.perform('renameGraph', e.target.value);
      }}
      onBlur={() => setDraft(app.graph.doc.name)}
      onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
      aria-label="Graph name"
      data-testid="graph-name"
    />
  );
});

const SaveState = observer(function SaveState() {
  const { ui, recovery } = useApp();
  const text = ui.saveStatus === 'pending' ? 'saving…' : ui.saveStatus === 'saved' ? 'saved locally' : ui.saveStatus === 'error' ? 'not saved!' : '';
  const why = recovery.storageProblem ? `Not saved: ${recovery.storageProblem.message}. Use Save (download) to keep the graph.` : 'The graph is kept in this browser (IndexedDB) and comes back after a reload';
  return (
    <span className={cx('sg-save-state', ui.saveStatus === 'error' && 'is-error')} data-testid="autosave-status" data-status={ui.saveStatus} title={why}>
      {text}
    </span>
  );
});

export const TopBar = observer(function TopBar() {
  const { ui } = useApp();
  return (
    <header className="sg-topbar">
      <div className="sg-brand" aria-label="seqgraph">
        <span className="sg-logo" aria-hidden="true">
          <i />
          <i />
          <i />
        </span>
        seqgraph
      </div>
      <GraphName />
      <SaveState />
      <div className="sg-toolgroup" role="group" aria-label="File">
        <ActionButton action="newGraph" icon="new" />
        <ActionButton action="openFile" icon="open" />
        <ActionButton action="saveFile" icon="save" />
        <ActionButton action="openGallery" icon="gallery" text="Examples" />
        <ActionButton action="exportOnnx" icon="onnx" text="ONNX" />
        <ActionButton action="exportPyTorch" icon="torch" text="PyTorch" />
      </div>
      <div className="sg-toolgroup" role="group" aria-label="Edit">
        <ActionButton action="undo" icon="undo" />
        <ActionButton action="redo" icon="redo" />
        <ActionButton action="groupSelection" icon="group" />
        <ActionButton action="addNote" icon="note" />
      </div>
      <div className="sg-toolgroup" role="group" aria-label="View">
        <ActionButton action="autoLayout" icon="layout" text="Layout" />
        <ActionButton action="fitView" icon="fit" />
      </div>
      <span className="sg-spacer" />
      <div className="sg-toolgroup" role="group" aria-label="Run and settings">
        <ActionButton action="runGraph" icon="play" text="Run" primary />
        <ActionButton action="toggleTheme" icon={ui.theme === 'dark' ? 'sun' : 'moon'} />
        <ActionButton action="toggleHelp" icon="help" />
      </div>
    </header>
  );
});

export const StatusBar = observer(function StatusBar() {
  const { graph } = useApp();
  const a = graph.analysis;
  const first = a.global[0] ?? a.all[0];
  return (
    <footer className="sg-status" data-testid="status-bar">
      <span className={cx('sg-status-dot', a.errorCount ? 'is-error' : a.warningCount ? 'is-warning' : 'is-ok')} />
      <span data-testid="status-summary">{a.errorCount ? count(a.errorCount, 'error') : 'compiles'}</span>
      {a.warningCount > 0 && <span className="sg-muted">· {count(a.warningCount, 'warning')}</span>}
      {first && <span className="sg-status-msg">{first.message}</span>}
      <span className="sg-spacer" />
      <span className="sg-muted">
        {count(graph.doc.nodes.length, 'node')} · {count(graph.doc.edges.length, 'edge')} · press <kbd>?</kbd> for shortcuts
      </span>
    </footer>
  );
});

export const Toasts = observer(function Toasts() {
  const { ui } = useApp();
  return (
    <div className="sg-toasts" aria-live="assertive">
      {ui.toasts.map((t) => (
        <div key={t.id} className={cx('sg-toast', `is-${t.kind}`)} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast" data-kind={t.kind}>
          <span>{t.text}</span>
          {t.action && (
            <button
              type="button"
              className="sg-toast-action"
              onClick={() => {
                ui.dismiss(t.id);
                t.action!.run();
              }}
              data-testid="toast-action"
            >
              {t.action.label}
            </button>
          )}
          <button type="button" className="sg-toast-close" onClick={() => ui.dismiss(t.id)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
});
