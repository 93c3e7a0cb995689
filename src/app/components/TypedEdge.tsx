// Edges coloured by the port type they carry, labelled with the inferred shape ([B, T, 256]),
// and the line drawn while a connection is dragged, which says why a port can't take it.
import { observer } from 'mobx-react-lite';
import { BaseEdge, EdgeLabelRenderer, getBezierPath, getSmoothStepPath, type ConnectionLineComponentProps, type EdgeProps } from '@xyflow/react';
import { shapeStr } from '../../runtime/tensor';
import type { CanvasNode, SeqFlowEdge } from '../store/flow-view';
import { handlePairIssue, type HandleRef } from '../store/connections';
import { cx, useApp } from './ui';

export const TypedEdge = observer(function TypedEdge(props: EdgeProps<SeqFlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, data } = props;
  const { graph } = useApp();
  const edge = graph.edge(id);
  const shape = graph.edgeShape(id);
  const found = graph.edgeDiagnostics(id);
  const problems = found.length ? found : undefined;
  // an edge that runs back to the left (a graph laid out in rows) goes round, not through, the
  // nodes between its ends: down, across the gap between the rows, and in from the left
  const backward = targetX < sourceX - 40;
  const [path, lx, ly] = backward
    ? getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 14, offset: 22 })
    : getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const type = shape?.type ?? data?.portType;
  const color = problems?.length ? 'var(--danger)' : type ? `var(--pt-${type})` : 'var(--pt-any)';
  const src = edge && graph.node(edge.source.node);
  const tgt = edge && graph.node(edge.target.node);
  const testId = src && tgt && edge ? `edge-${src.name}.${edge.source.port}-${tgt.name}.${edge.target.port}` : `edge-${id}`;
  const label = shape ? shapeStr(shape.shape) : (type ?? '?');
  return (
    <>
      <BaseEdge id={id} path={path} className={cx('sg-edge', selected && 'is-selected')} style={{ stroke: color }} interactionWidth={16} />
      <EdgeLabelRenderer>
        <div
          className={cx('sg-edge-label', selected && 'is-selected', !shape && 'is-unknown', problems?.length && 'is-error')}
          style={{ transform: `translate(-50%, -50%) translate(${lx}px, ${ly}px)`, borderColor: color }}
          data-testid={testId}
          data-shape={shape ? shapeStr(shape.shape) : ''}
          title={problems?.map((p) => p.message).join('\n') ?? (shape ? `${shape.type} ${shapeStr(shape.shape)} ${shape.dtype}${shape.masked ? ', padded (lengths travel along)' : ''}` : 'shape not known yet')}
        >
          {label}
        </div>
      </EdgeLabelRenderer>
    </>
  );
});

/** The line while dragging a connection; over a port that can't take it, it says why. */
export const ConnectionLine = observer(function ConnectionLine(props: ConnectionLineComponentProps<CanvasNode>) {
  const { fromX, fromY, toX, toY, fromPosition, toPosition, fromHandle, toHandle, fromNode, connectionStatus } = props;
  const { graph, ui } = useApp();
  const from: HandleRef | null = ui.connecting;
  let issue: string | null = null;
  if (from && toHandle && toHandle.id) {
    const to: HandleRef = { nodeId: toHandle.nodeId, side: toHandle.type === 'source' ? 'out' : 'in', port: toHandle.id };
    issue = handlePairIssue(graph.doc, graph.analysis, from, to);
  }
  const [path] = getBezierPath({ sourceX: fromX, sourceY: fromY, sourcePosition: fromPosition, targetX: toX, targetY: toY, targetPosition: toPosition });
  const type = fromHandle?.id && fromNode ? (graph.analysis.nodeShapes[fromNode.id]?.[fromHandle.id]?.type ?? undefined) : undefined;
  const color = connectionStatus === 'invalid' || issue ? 'var(--danger)' : type ? `var(--pt-${type})` : 'var(--accent)';
  return (
    <g className="sg-connection-line">
      <path d={path} fill="none" stroke={color} strokeWidth={2} strokeDasharray={issue ? '6 4' : undefined} />
      <circle cx={toX} cy={toY} r={4} fill={color} />
      {issue && (
        <foreignObject x={toX + 12} y={toY + 10} width={320} height={120} style={{ overflow: 'visible' }}>
          <div className="sg-refusal-hint" role="status" data-testid="connection-hint">
            {issue}
          </div>
        </foreignObject>
      )}
    </g>
  );
});
