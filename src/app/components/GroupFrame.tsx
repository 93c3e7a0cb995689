// A group on the canvas. Expanded: a tinted frame behind its nodes with a title bar (drag it to
// move the whole group; double-click the name to rename; the arrow folds it). Folded: one box
// with the group's name and, as its handles, the ports that edges from outside reach — the
// edges stay drawn, now to the box (the way Blender and ComfyUI fold node groups).
import { useEffect, useState } from 'react';
import { observer } from 'mobx-react-lite';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import type { FrameFlowNode } from '../store/annotation-view';
import { ANNOTATION_COLOURS } from '../store/annotation-ops';
import { count } from '../plural';
import { cx, useApp } from './ui';

function GroupName({ id, name }: { id: string; name: string }) {
  const app = useApp();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  if (!editing) {
    return (
      <span className="sg-frame-name" onDoubleClick={() => setEditing(true)} title="Double-click to rename">
        {name || 'Group'}
      </span>
    );
  }
  const done = (keep: boolean) => {
    setEditing(false);
    if (keep && draft.trim() && draft.trim() !== name) app.perform('setGroup', { id, patch: { name: draft.trim() } });
    else setDraft(name);
  };
  return (
    <input
      className="sg-frame-name-input nodrag"
      autoFocus
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={() => done(true)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') done(true);
        if (e.key === 'Escape') done(false);
        e.stopPropagation();
      }}
      aria-label="Group name"
      data-testid="group-name-input"
    />
  );
}

export const GroupFrame = observer(function GroupFrame({ id, data, selected }: NodeProps<FrameFlowNode>) {
  const app = useApp();
  const { graph, view } = app;
  const g = graph.doc.groups?.find((x) => x.id === data.groupId);
  const ports = view.annotations.folded.get(data.groupId);
  const update = useUpdateNodeInternals();
  const key = ports?.map((p) => p.handle).join(',') ?? '';
  useEffect(() => update(id), [key, id, update]);
  if (!g) return null;
  const colour = g.color ?? ANNOTATION_COLOURS[0];
  const toggle = (
    <button
      type="button"
      className="sg-frame-toggle nodrag"
      onClick={() => app.perform('toggleGroup', { id: g.id })}
      aria-label={g.collapsed ? `Unfold group ${g.name}` : `Fold group ${g.name}`}
      aria-expanded={!g.collapsed}
      title={g.collapsed ? 'Unfold (Shift+F)' : 'Fold into one box (Shift+F)'}
      data-testid={`group-toggle-${g.name}`}
    >
      {g.collapsed ? '▸' : '▾'}
    </button>
  );
  const head = (
    <div className="sg-frame-head sg-frame-drag">
      {toggle}
      <GroupName id={g.id} name={g.name} />
      <span className="sg-frame-count">{count(g.nodes.length, 'node')}</span>
    </div>
  );
  if (!g.collapsed || !ports) {
    return (
      <div className={cx('sg-frame', selected && 'is-selected')} style={{ '--frame': colour } as React.CSSProperties} data-testid={`group-${g.name}`} data-collapsed="false">
        {head}
      </div>
    );
  }
  const nodeName = (nid: string) => graph.node(nid)?.name ?? nid;
  const typeOf = (p: (typeof ports)[number]) => {
    if (p.side === 'out') return graph.analysis.nodeShapes[p.node]?.[p.port]?.type;
    const e = graph.doc.edges.find((x) => x.target.node === p.node && x.target.port === p.port);
    return e ? graph.analysis.edgeShapes[e.id]?.type : undefined;
  };
  const pt = (p: (typeof ports)[number]) => {
    const t = typeOf(p);
    return t ? ({ '--pt': `var(--pt-${t})` } as React.CSSProperties) : undefined;
  };
  const ins = ports.filter((p) => p.side === 'in');
  const outs = ports.filter((p) => p.side === 'out');
  return (
    <div className={cx('sg-frame', 'is-folded', 'sg-frame-drag', selected && 'is-selected')} style={{ '--frame': colour } as React.CSSProperties} data-testid={`group-${g.name}`} data-collapsed="true">
      {head}
      <div className="sg-frame-ports">
        {ins.map((p) => (
          <div key={p.handle} className="sg-port sg-port-in" title={`${nodeName(p.node)}.${p.port} (inside the group)`}>
            <Handle type="target" position={Position.Left} id={p.handle} isConnectable={false} className="sg-handle is-connected" style={pt(p)} />
            <span className="sg-port-name">
              {nodeName(p.node)}.{p.port}
            </span>
          </div>
        ))}
        {outs.map((p) => (
          <div key={p.handle} className="sg-port sg-port-out" title={`${nodeName(p.node)}.${p.port} (inside the group)`}>
            <Handle
              type="source"
              position={Position.Right}
              id={p.handle}
              isConnectable={false}
              className="sg-handle is-connected"
              style={pt(p)}
            />
            <span className="sg-port-name">
              {nodeName(p.node)}.{p.port}
            </span>
          </div>
        ))}
        {!ports.length && <div className="sg-frame-empty">no edges in or out</div>}
      </div>
    </div>
  );
});
