// The params tab for a selected group frame (name, colour, folded, its nodes, ungroup) or comment
// note (text, colour, delete). Every change is an undo step and is saved in the file.
import { useEffect, useState } from 'react';
import { observer } from 'mobx-react-lite';
import { ANNOTATION_COLOURS, NOTE_COLOUR } from '../store/annotation-ops';
import { count } from '../plural';
import { cx, useApp } from './ui';

function Swatches({ value, onPick }: { value: string; onPick: (c: string) => void }) {
  return (
    <div className="sg-swatches" role="radiogroup" aria-label="colour">
      {ANNOTATION_COLOURS.map((c) => (
        <button
          key={c}
          type="button"
          role="radio"
          aria-checked={value === c}
          aria-label={c}
          className={cx('sg-swatch', value === c && 'is-on')}
          style={{ '--sw': c } as React.CSSProperties}
          onClick={() => onPick(c)}
          data-testid={`swatch-${c.slice(1)}`}
        />
      ))}
    </div>
  );
}

export const GroupDetails = observer(function GroupDetails({ id }: { id: string }) {
  const app = useApp();
  const g = app.graph.doc.groups?.find((x) => x.id === id);
  const [draft, setDraft] = useState(g?.name ?? '');
  useEffect(() => setDraft(g?.name ?? ''), [g?.name]);
  if (!g) return null;
  const set = (patch: { name?: string; color?: string; collapsed?: boolean }) => app.perform('setGroup', { id, patch });
  return (
    <div className="sg-node-details" data-testid="group-panel" data-group={g.name}>
      <header className="sg-panel-head">
        <span className="sg-badge" style={{ '--cat': g.color } as React.CSSProperties}>
          Group
        </span>
        <span className="sg-panel-sub">{count(g.nodes.length, 'node')}</span>
      </header>
      <div className="sg-doc-wrap">
        <p className="sg-doc">A frame around nodes, for the eye only: it moves with them and folds to one box. The model does not change.</p>
      </div>
      <div className="sg-field">
        <div className="sg-field-head">
          <label htmlFor="sg-group-name" className="sg-field-label">
            name
          </label>
        </div>
        <input
          id="sg-group-name"
          type="text"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            if (e.target.value.trim()) set({ name: e.target.value.trim() });
          }}
          data-testid="group-name"
        />
      </div>
      <div className="sg-field">
        <div className="sg-field-head">
          <span className="sg-field-label">colour</span>
        </div>
        <Swatches value={g.color ?? ANNOTATION_COLOURS[0]} onPick={(color) => set({ color })} />
      </div>
      <div className="sg-run-actions">
        <button type="button" className="sg-button" onClick={() => set({ collapsed: !g.collapsed })} data-testid="group-fold">
          {g.collapsed ? 'Unfold' : 'Fold'}
        </button>
        <button type="button" className="sg-button is-quiet" onClick={() => app.perform('ungroupSelection')} data-testid="group-ungroup">
          Ungroup
        </button>
      </div>
      <h4 className="sg-section">Nodes</h4>
      <ul className="sg-diags">
        {g.nodes.map((n) => (
          <li key={n} className="sg-diag">
            <button type="button" className="sg-link" onClick={() => app.graph.select({ nodes: [n], edges: [] })}>
              {app.graph.node(n)?.name ?? n}
            </button>{' '}
            <span className="sg-muted">{app.graph.node(n)?.type}</span>
          </li>
        ))}
      </ul>
    </div>
  );
});

export const NoteDetails = observer(function NoteDetails({ id }: { id: string }) {
  const app = useApp();
  const c = app.graph.doc.comments?.find((x) => x.id === id);
  if (!c) return null;
  return (
    <div className="sg-node-details" data-testid="note-panel">
      <header className="sg-panel-head">
        <span className="sg-badge">Note</span>
        <span className="sg-panel-sub">a comment on the canvas</span>
      </header>
      <div className="sg-field">
        <div className="sg-field-head">
          <label htmlFor="sg-note-text" className="sg-field-label">
            text
          </label>
        </div>
        <textarea id="sg-note-text" rows={6} value={c.text} onChange={(e) => app.perform('setComment', { id, patch: { text: e.target.value } })} data-testid="note-text" />
      </div>
      <div className="sg-field">
        <div className="sg-field-head">
          <span className="sg-field-label">colour</span>
        </div>
        <Swatches value={c.color ?? NOTE_COLOUR} onPick={(color) => app.perform('setComment', { id, patch: { color } })} />
      </div>
      <div className="sg-run-actions">
        <button type="button" className="sg-button is-quiet" onClick={() => app.perform('deleteSelection')} data-testid="note-delete">
          Delete the note
        </button>
      </div>
    </div>
  );
});
