// The dialogs that float over the editor: keyboard shortcuts, the example gallery, and the
// problems of a file that could not be opened.
import { useEffect, useRef, type ReactNode } from 'react';
import { observer } from 'mobx-react-lite';
import { ACTIONS } from '../actions/registry';
import { keyLabel, type ActionGroup } from '../actions/types';
import { GALLERY, loadGalleryEntry } from '../store/gallery';
import { Icon, useApp } from './ui';
import { problemCount } from '../../doc/diagnostics';
import { count } from '../plural';

export function Modal({ title, onClose, children, testId, wide }: { title: string; onClose: () => void; children: ReactNode; testId: string; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="sg-modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={wide ? 'sg-modal is-wide' : 'sg-modal'} role="dialog" aria-modal="true" aria-label={title} data-testid={testId} tabIndex={-1} ref={ref}>
        <header className="sg-modal-head">
          <h2>{title}</h2>
          <button type="button" className="sg-tool" onClick={onClose} aria-label="Close" data-testid="dialog-close">
            <Icon name="close" />
          </button>
        </header>
        <div className="sg-modal-body">{children}</div>
      </div>
    </div>
  );
}

const GROUPS: ActionGroup[] = ['File', 'Edit', 'Canvas', 'View', 'Run'];

const CANVAS_GESTURES: [string, string][] = [
  ['Drag on empty canvas', 'pan'],
  ['Wheel / pinch', 'zoom'],
  ['Shift + drag', 'box-select'],
  ['Ctrl/⌘ + click', 'add to selection'],
  ['Drag from a port', 'connect; ports that can’t take it dim'],
  ['Drop a connection on the canvas', 'add a node that fits, connected'],
  ['Arrow keys (node focused)', 'nudge the selection'],
  ['Drag a group’s title bar', 'move the group with its nodes'],
  ['Double-click a note or a group’s name', 'write in it, rename it'],
  ['Drag the right panel’s left edge', 'resize the panel'],
];

export const HelpOverlay = observer(function HelpOverlay() {
  const { ui } = useApp();
  if (!ui.helpOpen) return null;
  return (
    <Modal title="Keyboard shortcuts" onClose={() => ui.setHelp(false)} testId="help-overlay" wide>
      <div className="sg-help-grid">
        {GROUPS.map((g) => {
          const items = ACTIONS.filter((a) => a.group === g && (a.keys?.length || a.gesture));
          if (!items.length) return null;
          return (
            <section key={g}>
              <h3>{g}</h3>
              <dl className="sg-keys">
                {items.map((a) => (
                  <div key={a.name} className="sg-key-row">
                    <dt>{a.label}</dt>
                    <dd>
                      {a.keys?.map((k) => (
                        <kbd key={k}>{keyLabel(k)}</kbd>
                      ))}
                      {a.gesture && <span className="sg-gesture">{a.gesture}</span>}
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          );
        })}
        <section>
          <h3>Mouse</h3>
          <dl className="sg-keys">
            {CANVAS_GESTURES.map(([k, v]) => (
              <div key={k} className="sg-key-row">
                <dt>{v}</dt>
                <dd>
                  <span className="sg-gesture">{k}</span>
                </dd>
              </div>
            ))}
          </dl>
        </section>
        <section>
          <h3>Port types</h3>
          <ul className="sg-legend">
            {['Tokens', 'Sequence', 'Vector', 'State', 'Mask'].map((t) => (
              <li key={t}>
                <span className="sg-legend-dot" style={{ background: `var(--pt-${t})` }} />
                {t}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </Modal>
  );
});

export const GalleryDialog = observer(function GalleryDialog() {
  const app = useApp();
  if (!app.ui.galleryOpen) return null;
  const open = async (id: string) => {
    const e = GALLERY.find((g) => g.id === id)!;
    const r = await loadGalleryEntry(e);
    if (!r.ok) app.ui.showProblems({ title: `${e.file} was not opened`, diagnostics: r.diagnostics });
    else app.perform('openDoc', { doc: r.doc });
  };
  return (
    <Modal title="Example graphs" onClose={() => app.ui.setGallery(false)} testId="gallery" wide>
      {!GALLERY.length && <p className="sg-empty">No graphs in graphs/ yet.</p>}
      <div className="sg-gallery">
        {GALLERY.map((g) => (
          <button type="button" key={g.id} className="sg-gallery-card" onClick={() => void open(g.id)} data-testid={`gallery-${g.id}`} aria-label={`Open ${g.name}`}>
            <span className="sg-gallery-name">{g.name}</span>
            <span className="sg-gallery-desc">{g.description || g.file}</span>
            <span className="sg-gallery-meta">
              {count(g.nodeCount, 'node')}
              {g.groupCount > 0 && ` · ${count(g.groupCount, 'group')}`}
              {g.commentCount > 0 && ` · ${count(g.commentCount, 'note')}`} · {g.nodeTypes.filter((t) => t !== 'Input' && t !== 'Output').join(' → ')}
            </span>
          </button>
        ))}
      </div>
    </Modal>
  );
});

export const ProblemsDialog = observer(function ProblemsDialog() {
  const { ui } = useApp();
  const p = ui.problems;
  if (!p) return null;
  return (
    <Modal title={p.title} onClose={() => ui.showProblems(null)} testId="problems-dialog">
      <p className="sg-note">
        {count(problemCount(p.diagnostics), 'problem')} found; the graph you had open is unchanged.
      </p>
      <ul className="sg-diags" data-testid="problems-list">
        {p.diagnostics.map((d, i) => (
          <li key={i} className={`sg-diag is-${d.severity}`}>
            {d.path && <code>{d.path}</code>} {d.message}
          </li>
        ))}
      </ul>
    </Modal>
  );
});
