// The one node component: every node type is drawn from its declaration (nodes/*.ts): title,
// the key params inline (the declaration's summary), one handle per port with its name and port
// type, and the compiler's first problem on it. observer() makes it a memo'd component that
// re-renders only when this node's own document entry, shapes or diagnostics change.
import { memo, useEffect, useRef } from 'react';
import { observer } from 'mobx-react-lite';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { getNodeDef } from '../../../nodes/index';
import { activePorts, type PortSpec, type PortShape, type NodeDef } from '../../compiler/node-def';
import { withDefaults } from '../../compiler/params';
import { shapeStr } from '../../runtime/tensor';
import type { SeqFlowNode } from '../store/flow-view';
import { cx, useApp } from './ui';

const SHORT: Record<string, string> = { Tokens: 'Tokens', Sequence: 'Seq', Vector: 'Vec', State: 'State', Mask: 'Mask' };

interface PortProps {
  nodeId: string;
  nodeName: string;
  side: 'in' | 'out';
  port: PortSpec;
  /** the type flowing through it, when known */
  shape?: PortShape;
  connected: boolean;
}

const PortHandle = observer(function PortHandle({ nodeId, nodeName, side, port, shape, connected }: PortProps) {
  const { view } = useApp();
  const issue = view.handleIssue({ nodeId, side, port: port.name });
  const type = shape?.type ?? (port.types.length === 1 ? port.types[0] : undefined);
  const typeText = shape ? shape.type : port.types.map((t) => (port.types.length > 1 ? SHORT[t] : t)).join('|');
  const title = `${port.name}: ${port.types.join(' or ')}${shape ? ` — ${shape.type} ${shapeStr(shape.shape)}` : ''}\n${port.help}${port.optional ? ' (optional)' : ''}`;
  return (
    <div className={cx('sg-port', `sg-port-${side}`, issue === null && 'is-compatible', typeof issue === 'string' && 'is-dimmed')} title={title}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={port.name}
        className={cx('sg-handle', connected && 'is-connected', !type && 'is-multi')}
        style={{ '--pt': type ? `var(--pt-${type})` : 'var(--pt-any)' } as React.CSSProperties}
        data-testid={`${side}-${nodeName}-${port.name}`}
        data-port-type={type ?? port.types.join('|')}
        aria-label={`${side === 'in' ? 'input' : 'output'} ${port.name} of ${nodeName} (${port.types.join(' or ')})`}
      />
      <span className="sg-port-name">
        {port.name}
        {port.optional && <span className="sg-port-opt">?</span>}
      </span>
      <span className="sg-port-type" style={{ color: type ? `var(--pt-${type})` : undefined }}>
        {typeText}
      </span>
    </div>
  );
});

// an observer of its own: the shapes flowing in change when something upstream is fixed, while
// this node's own entry and diagnostics (what SeqNode reads) may not; what it reads (links,
// shapes) must be tracked, or MobX recomputes it on every read instead of caching it
const Ports = observer(function Ports({ id, name, def, params }: { id: string; name: string; def: NodeDef; params: Record<string, unknown> }) {
  const { graph } = useApp();
  const ins = activePorts(def.inputs, params);
  const outs = activePorts(def.outputs, params);
  const shapes = graph.nodeShapes(id);
  const links = graph.links(id);
  const update = useUpdateNodeInternals();
  const key = ins.map((p) => p.name).join(',') + '|' + outs.map((p) => p.name).join(',');
  // React Flow measures a node's handles when it mounts; it needs telling only when the ports
  // change later. Telling it on mount too made opening n nodes cost n store updates of n nodes.
  const shown = useRef(key);
  useEffect(() => {
    if (shown.current === key) return;
    shown.current = key;
    update(id);
  }, [key, id, update]);
  // inputs on the left edge, then outputs on the right edge, one port per row
  return (
    <div className="sg-node-ports">
      {ins.map((p) => {
        const e = links.fed[p.name];
        return <PortHandle key={`in-${p.name}`} nodeId={id} nodeName={name} side="in" port={p} shape={e ? graph.edgeShape(e) : undefined} connected={!!e} />;
      })}
      {outs.map((p) => (
        <PortHandle key={`out-${p.name}`} nodeId={id} nodeName={name} side="out" port={p} shape={shapes?.[p.name]} connected={links.used.includes(p.name)} />
      ))}
    </div>
  );
});

/** What React Flow renders: passes on only what the node shows, so a node that moves or is
 *  measured (new position and size props) does not render its ports again. */
export const SeqNode = memo(function SeqNode({ id, selected }: NodeProps<SeqFlowNode>) {
  return <SeqNodeView id={id} selected={!!selected} />;
});

const SeqNodeView = observer(function SeqNodeView({ id, selected }: { id: string; selected: boolean }) {
  const { graph } = useApp();
  const node = graph.node(id);
  if (!node) return null;
  const def = getNodeDef(node.type);
  if (!def) {
    return (
      <div className="sg-node has-error" data-testid={`node-${node.name}`}>
        <div className="sg-node-head">
          <span className="sg-node-name">{node.name}</span>
        </div>
        <div className="sg-node-error">unknown node type “{node.type}”</div>
      </div>
    );
  }
  const params = withDefaults(def, node.params);
  const diags = graph.nodeDiagnostics(id);
  const errors = diags.filter((d) => d.severity === 'error');
  const warnings = diags.filter((d) => d.severity === 'warning');
  let summary = '';
  try {
    summary = def.summary?.(params as never) ?? '';
  } catch {
    summary = '';
  }
  const shown = errors[0] ?? warnings[0];
  return (
    <div
      className={cx('sg-node', `cat-${def.category}`, selected && 'is-selected', errors.length > 0 && 'has-error', !errors.length && warnings.length > 0 && 'has-warning')}
      data-testid={`node-${node.name}`}
      data-node-type={node.type}
      data-errors={errors.length}
    >
      <div className="sg-node-head" title={def.doc}>
        <span className="sg-node-name">{node.name}</span>
        {node.name !== def.label && <span className="sg-node-type">{def.label}</span>}
      </div>
      {summary && (
        <div className="sg-node-summary" data-testid={`summary-${node.name}`}>
          {summary}
        </div>
      )}
      <Ports id={id} name={node.name} def={def} params={params} />
      {shown && (
        <div
          className={cx('sg-node-msg', shown.severity === 'error' ? 'is-error' : 'is-warning')}
          data-testid={shown.severity === 'error' ? `node-error-${node.name}` : `node-warning-${node.name}`}
          title={diags.map((d) => `${d.severity}: ${d.message}`).join('\n')}
        >
          {shown.message}
          {diags.length > 1 && <span className="sg-node-more"> +{diags.length - 1} more</span>}
        </div>
      )}
    </div>
  );
});
