// Add a node by name at a spot: opened by double-clicking the canvas, by "/", or by dropping a
// connection on empty canvas (then only the nodes that can take it are offered, and the new node
// comes connected).
import { useEffect, useRef, useState } from 'react';
import { observer } from 'mobx-react-lite';
import { NODE_TYPES } from '../../../nodes/index';
import { activePorts, defaultParams, type NodeDef } from '../../compiler/node-def';
import { outputType, portsOf } from '../store/connections';
import { rankDefs } from './Palette';
import { cx, useApp } from './ui';

export const QuickAdd = observer(function QuickAdd() {
  const app = useApp();
  const q = app.ui.quickAdd;
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    setText('');
    setActive(0);
    input.current?.focus();
  }, [q]);
  if (!q) return null;
  const from = q.from;
  // a dropped connection: offer the types with a port on the other side that takes it
  const fits = (def: NodeDef) => {
    if (!from) return true;
    const ports = from.side === 'out' ? activePorts(def.inputs, defaultParams(def)) : activePorts(def.outputs, defaultParams(def));
    if (from.side === 'out') {
      const t = outputType(app.graph.doc, app.graph.analysis, from.nodeId, from.port);
      return ports.some((p) => !t || p.types.includes(t));
    }
    const want = portsOf(app.graph.doc, from.nodeId, 'in').find((p) => p.name === from.port)?.types ?? [];
    return ports.some((p) => p.types.some((t) => want.includes(t)));
  };
  const items = rankDefs(NODE_TYPES.filter(fits), text).slice(0, 9);
  const choose = (def: NodeDef | undefined) => {
    if (!def) return;
    app.ui.setQuickAdd(null);
    app.perform('addNode', { type: def.type, position: { x: q.flow.x - 20, y: q.flow.y - 20 }, from });
  };
  const left = Math.min(q.screen.x, window.innerWidth - 340);
  const top = Math.min(q.screen.y, window.innerHeight - 360);
  return (
    <div className="sg-quickadd-backdrop" onMouseDown={(e) => e.target === e.currentTarget && app.ui.setQuickAdd(null)}>
      <div className="sg-quickadd" style={{ left, top }} role="dialog" aria-label="Add a node" data-testid="quick-add">
        <input
          ref={input}
          value={text}
          placeholder={from ? 'Add a node that takes this…' : 'Add a node…'}
          onChange={(e) => (setText(e.target.value), setActive(0))}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') (e.preventDefault(), setActive((a) => Math.min(items.length - 1, a + 1)));
            else if (e.key === 'ArrowUp') (e.preventDefault(), setActive((a) => Math.max(0, a - 1)));
            else if (e.key === 'Enter') choose(items[active]);
            else if (e.key === 'Escape') app.ui.setQuickAdd(null);
          }}
          aria-label="Node type"
          data-testid="quick-add-input"
        />
        <ul role="listbox" aria-label="Node types">
          {items.map((d, i) => (
            <li key={d.type} role="option" aria-selected={i === active}>
              <button type="button" className={cx('sg-quickadd-item', i === active && 'is-active')} onMouseEnter={() => setActive(i)} onClick={() => choose(d)} data-testid={`quick-add-${d.type}`}>
                <span className="sg-quickadd-name" style={{ '--cat': `var(--cat-${d.category})` } as React.CSSProperties}>
                  {d.label}
                </span>
                <span className="sg-quickadd-doc">{d.doc}</span>
              </button>
            </li>
          ))}
          {!items.length && <li className="sg-empty">No node type matches.</li>}
        </ul>
      </div>
    </div>
  );
});
