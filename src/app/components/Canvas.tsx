// The canvas: React Flow as a controlled view of the store. Moves are gestures (one undo step
// when the drag ends); selection lives in the store; connections go through the one central
// check in store/connections.ts; palette drops and double-clicks add nodes.
import { useCallback, useRef } from 'react';
import { observer } from 'mobx-react-lite';
import { runInAction } from 'mobx';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type OnConnectStartParams,
  type ReactFlowInstance,
} from '@xyflow/react';
import { getNodeDef } from '../../../nodes/index';
import { connectionIssue, handlePairIssue, type HandleRef } from '../store/connections';
import type { CanvasNode, SeqFlowEdge } from '../store/flow-view';
import { moveNodes, type XY } from '../store/doc-ops';
import { commentOfNote, groupOfFrame, moveComments } from '../store/annotation-ops';
import { resolveMoves } from '../store/canvas-moves';
import { GroupFrame } from './GroupFrame';
import { CommentNote } from './CommentNote';
import { useApp } from './ui';
import { LARGE_GRAPH } from '../store/app-state';
import { SeqNode } from './SeqNode';
import { ConnectionLine, TypedEdge } from './TypedEdge';
import { useKeepInView } from './use-keep-in-view';

const nodeTypes = { seq: SeqNode, frame: GroupFrame, note: CommentNote };
const edgeTypes = { typed: TypedEdge };
// props given to React Flow keep their identity across renders: a new object or function makes
// it update its store, which re-runs every node's selectors (slow with thousands of nodes)
const DEFAULT_EDGE_OPTIONS = { type: 'typed' };
const MULTI_SELECT_KEYS = ['Meta', 'Control'];
const MINIMAP_STYLE = { width: 168, height: 110 };
export const PALETTE_MIME = 'application/x-seqgraph-node';

const CATEGORY_COLOR: Record<string, string> = {
  Inputs: 'var(--cat-Inputs)',
  Embedding: 'var(--cat-Embedding)',
  Recurrent: 'var(--cat-Recurrent)',
  Attention: 'var(--cat-Attention)',
  Layers: 'var(--cat-Layers)',
  Sequence: 'var(--cat-Sequence)',
  Outputs: 'var(--cat-Outputs)',
};

/** A node in its category's colour; a frame or note in its own, faintly. */
function minimapColour(app: ReturnType<typeof useApp>, id: string): string {
  const g = groupOfFrame(id);
  const group = g && app.graph.doc.groups?.find((x) => x.id === g);
  if (group) return `color-mix(in srgb, ${group.color ?? '#4c7be8'} ${group.collapsed ? 85 : 30}%, transparent)`;
  if (commentOfNote(id)) return 'color-mix(in srgb, #c9a227 35%, transparent)';
  return CATEGORY_COLOR[getNodeDef(app.graph.node(id)?.type ?? '')?.category ?? ''] ?? 'var(--muted)';
}

function refOf(p: { nodeId: string | null; handleId: string | null; handleType: 'source' | 'target' | null }): HandleRef | null {
  if (!p.nodeId || !p.handleId || !p.handleType) return null;
  return { nodeId: p.nodeId, side: p.handleType === 'source' ? 'out' : 'in', port: p.handleId };
}

export const Canvas = observer(function Canvas() {
  const app = useApp();
  const { graph, ui, view } = app;
  const canvasRef = useRef<HTMLDivElement>(null);
  useKeepInView(app, canvasRef);

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const moves = new Map<string, XY>();
      let dragging = false;
      let selection: { add: string[]; remove: string[] } | null = null;
      runInAction(() => {
        for (const c of changes) {
          if (c.type === 'position' && c.position) {
            moves.set(c.id, { x: Math.round(c.position.x), y: Math.round(c.position.y) });
            dragging ||= !!c.dragging;
          } else if (c.type === 'dimensions' && c.dimensions) {
            if (graph.node(c.id) || groupOfFrame(c.id)) ui.setMeasured(c.id, c.dimensions); // a folded frame too: the minimap draws it
          } else if (c.type === 'select') {
            selection ??= { add: [], remove: [] };
            (c.selected ? selection.add : selection.remove).push(c.id);
          }
        }
        if (moves.size) {
          const m = resolveMoves(graph.doc, view.annotations.boxes, moves);
          if (dragging || graph.gestureActive) graph.moveTransient(m.nodes, m.comments);
          else app.apply({ doc: moveComments(moveNodes(graph.doc, m.nodes), m.comments), history: true, coalesce: 'nudge' });
        }
        if (selection) {
          const s: { add: string[]; remove: string[] } = selection;
          const nodes = new Set(graph.selection.nodes);
          s.remove.forEach((id) => nodes.delete(id));
          s.add.forEach((id) => nodes.add(id));
          graph.select({ nodes: [...nodes], edges: graph.selection.edges });
        }
      });
    },
    [app, graph, ui, view],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<SeqFlowEdge>[]) => {
      const edges = new Set(graph.selection.edges);
      let changed = false;
      for (const c of changes) {
        if (c.type !== 'select') continue;
        changed = true;
        if (c.selected) edges.add(c.id);
        else edges.delete(c.id);
      }
      if (changed) graph.select({ nodes: graph.selection.nodes, edges: [...edges] });
    },
    [graph],
  );

  const isValidConnection: IsValidConnection<SeqFlowEdge> = useCallback(
    (c) => {
      if (!c.sourceHandle || !c.targetHandle) return false;
      return connectionIssue(graph.doc, graph.analysis, { source: c.source, sourceHandle: c.sourceHandle, target: c.target, targetHandle: c.targetHandle }) === null;
    },
    [graph],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.sourceHandle || !c.targetHandle) return;
      app.perform('connect', { source: c.source, sourceHandle: c.sourceHandle, target: c.target, targetHandle: c.targetHandle });
    },
    [app],
  );

  const onConnectStart = useCallback((_: unknown, p: OnConnectStartParams) => ui.setConnecting(refOf(p)), [ui]);

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, s: FinalConnectionState) => {
      const from = ui.connecting;
      ui.setConnecting(null);
      if (!from) return;
      if (s.toHandle?.id && s.isValid === false) {
        const to: HandleRef = { nodeId: s.toHandle.nodeId, side: s.toHandle.type === 'source' ? 'out' : 'in', port: s.toHandle.id };
        const why = handlePairIssue(graph.doc, graph.analysis, from, to);
        if (why) ui.toast(`Not connected: ${why}`, 'error', 8000);
        return;
      }
      if (!s.toHandle && !s.toNode) {
        // dropped on the empty canvas: offer the nodes that fit, ComfyUI-style
        const pt = 'changedTouches' in event ? event.changedTouches[0] : event;
        const screen = { x: pt.clientX, y: pt.clientY };
        const flow = app.flow?.screenToFlowPosition(screen) ?? { x: 0, y: 0 };
        ui.setQuickAdd({ screen, flow, from });
      }
    },
    [app, graph, ui],
  );

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (e.dataTransfer.types.includes(PALETTE_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const type = e.dataTransfer.getData(PALETTE_MIME);
      if (!type) return;
      e.preventDefault();
      e.stopPropagation();
      const p = app.flow?.screenToFlowPosition({ x: e.clientX, y: e.clientY }) ?? { x: 0, y: 0 };
      app.perform('addNode', { type, position: { x: p.x - 90, y: p.y - 24 } });
    },
    [app],
  );

  const onDoubleClick = useCallback(
    (e: React.MouseEvent) => {
      const target = e.target as HTMLElement;
      if (!target.classList.contains('react-flow__pane')) return;
      const flow = app.flow?.screenToFlowPosition({ x: e.clientX, y: e.clientY }) ?? { x: 0, y: 0 };
      ui.setQuickAdd({ screen: { x: e.clientX, y: e.clientY }, flow });
    },
    [app, ui],
  );

  const onInit = useCallback(
    (inst: ReactFlowInstance<CanvasNode, SeqFlowEdge>) => {
      app.flow = inst;
      app.fitWhenMeasured();
    },
    [app],
  );
  const beginGesture = useCallback(() => graph.beginGesture(), [graph]);
  const endGesture = useCallback(() => graph.endGesture(), [graph]);
  // one function for the minimap's life (a new one each render redraws all of a large graph's boxes)
  const nodeColor = useCallback((n: CanvasNode) => minimapColour(app, n.id), [app]);

  return (
    <div ref={canvasRef} className="sg-canvas" onDragOver={onDragOver} onDrop={onDrop} onDoubleClick={onDoubleClick} data-testid="canvas">
      <ReactFlow<CanvasNode, SeqFlowEdge>
        nodes={view.items}
        edges={view.edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onInit={onInit}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStart={beginGesture}
        onNodeDragStop={endGesture}
        onSelectionDragStart={beginGesture}
        onSelectionDragStop={endGesture}
        onConnect={onConnect}
        onConnectStart={onConnectStart}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={ConnectionLine}
        connectionRadius={24}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        zoomOnDoubleClick={false}
        colorMode={ui.theme}
        minZoom={0.15}
        maxZoom={2.5}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        onlyRenderVisibleElements={view.nodes.length > LARGE_GRAPH}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <MiniMap
          pannable
          zoomable
          ariaLabel="Mini map"
          nodeColor={nodeColor}
          nodeStrokeWidth={2}
          nodeBorderRadius={3}
          style={MINIMAP_STYLE}
          className="sg-minimap"
        />
        <Controls showInteractive={false} aria-label="Zoom controls" />
      </ReactFlow>
    </div>
  );
});
