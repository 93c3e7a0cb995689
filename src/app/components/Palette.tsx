// The palette: every node type by category, with search. Drag an entry onto the canvas, or
// click it (or press Enter) to add it in the middle of the view. Each entry shows its help.
import { observer } from 'mobx-react-lite';
import { NODE_TYPES } from '../../../nodes/index';
import { CATEGORIES, type NodeDef } from '../../compiler/node-def';
import { PALETTE_MIME } from './Canvas';
import { Icon, useApp } from './ui';

export function matchesSearch(def: NodeDef, q: string): boolean {
  if (!q) return true;
  const hay = `${def.type} ${def.label} ${def.category} ${def.doc}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** Best matches first: type name starts with the query, then contains it, then the rest. */
export function rankDefs(defs: NodeDef[], q: string): NodeDef[] {
  const s = q.trim().toLowerCase();
  const score = (d: NodeDef) => (!s ? 0 : d.type.toLowerCase().startsWith(s) ? 0 : d.type.toLowerCase().includes(s) ? 1 : 2);
  return defs.filter((d) => matchesSearch(d, s)).sort((a, b) => score(a) - score(b));
}

function portSummary(def: NodeDef): string {
  const ins = def.inputs.map((p) => p.types.join('|'));
  const outs = [...new Set(def.outputs.map((p) => p.types.join('|')))];
  return `${ins.join(', ') || '—'} → ${outs.join(', ') || '—'}`;
}

export const Palette = observer(function Palette() {
  const app = useApp();
  const q = app.ui.paletteFilter;
  const defs = NODE_TYPES.filter((d) => matchesSearch(d, q));
  const addAtCentre = (type: string) => {
    const el = document.querySelector('.react-flow');
    const r = el?.getBoundingClientRect();
    const centre = r ? { x: r.left + r.width / 2, y: r.top + r.height / 2 } : { x: 400, y: 300 };
    const p = app.flow?.screenToFlowPosition(centre) ?? { x: 0, y: 0 };
    const jitter = (app.graph.doc.nodes.length % 5) * 24;
    app.perform('addNode', { type, position: { x: p.x - 90 + jitter, y: p.y - 40 + jitter } });
  };
  if (!app.layout.paletteOpen) {
    // folded (narrow windows start so): a rail that opens it, or adds a node by name
    return (
      <aside className="sg-palette is-folded" aria-label="Node palette (folded)">
        <button type="button" className="sg-tool" onClick={() => app.layout.setPaletteOpen(true)} title="Show the node palette" aria-label="Show the node palette" data-testid="palette-toggle">
          <Icon name="unfold" />
        </button>
        <button type="button" className="sg-tool" onClick={() => app.perform('searchNodes')} title="Add a node by name (/)" aria-label="Add a node by name">
          <Icon name="plus" />
        </button>
        {CATEGORIES.map((cat) => (
          <span key={cat} className="sg-palette-dot" style={{ '--cat': `var(--cat-${cat})` } as React.CSSProperties} title={cat} />
        ))}
      </aside>
    );
  }
  return (
    <aside className="sg-palette" aria-label="Node palette">
      <div className="sg-palette-search">
        <button type="button" className="sg-tool" onClick={() => app.layout.setPaletteOpen(false)} title="Fold the palette (more room for the canvas)" aria-label="Fold the palette" data-testid="palette-toggle">
          <Icon name="fold" />
        </button>
        <input
          type="search"
          placeholder="Search nodes…"
          value={q}
          onChange={(e) => app.ui.setPaletteFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && defs[0]) addAtCentre(defs[0].type);
            if (e.key === 'Escape') app.ui.setPaletteFilter('');
          }}
          aria-label="Search nodes"
          data-testid="palette-search"
        />
      </div>
      <div className="sg-palette-list">
        {CATEGORIES.map((cat) => {
          const items = defs.filter((d) => d.category === cat);
          if (!items.length) return null;
          return (
            <section key={cat} className="sg-palette-group" aria-label={cat}>
              <h3 className="sg-palette-cat" style={{ '--cat': `var(--cat-${cat})` } as React.CSSProperties}>
                {cat}
              </h3>
              {items.map((def) => (
                <button
                  type="button"
                  key={def.type}
                  className="sg-palette-item"
                  style={{ '--cat': `var(--cat-${cat})` } as React.CSSProperties}
                  draggable
                  onDragStart={(e) => {
                    e.dataTransfer.setData(PALETTE_MIME, def.type);
                    e.dataTransfer.setData('text/plain', def.type);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => addAtCentre(def.type)}
                  title={`${def.doc}\n\nDrag onto the canvas, or click to add.`}
                  aria-label={`Add ${def.label}`}
                  data-testid={`palette-${def.type}`}
                >
                  <span className="sg-palette-item-head">
                    <span className="sg-palette-item-name">{def.label}</span>
                    <span className="sg-palette-item-ports">{portSummary(def)}</span>
                  </span>
                  <span className="sg-palette-item-doc">{def.doc}</span>
                </button>
              ))}
            </section>
          );
        })}
        {!defs.length && <p className="sg-empty">No node matches “{q}”.</p>}
      </div>
    </aside>
  );
});
