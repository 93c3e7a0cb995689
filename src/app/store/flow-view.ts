// The canvas's view of the document: React Flow node and edge objects, derived from the GraphDoc,
// the selection and the measured sizes. An object is rebuilt only when something React Flow
// cares about changed, so unchanged nodes keep their identity and are not re-rendered.
import { computed, makeObservable } from 'mobx';
import type { Edge, Node } from '@xyflow/react';
import type { GraphStore } from './graph-store';
import type { UiStore } from './ui-store';
import { compatibility, handleKey, outputType, type HandleRef } from './connections';
import { estimatedLayout, NODE_WIDTH } from './node-layout';
import { AnnotationView, boundaryHandle, type FrameFlowNode, type NoteFlowNode } from './annotation-view';
import { frameId } from './annotation-ops';

/** data: nothing the node component reads (it reads the store); an unmeasured node carries its
 *  params there only so that its estimated layout is made again when they change */
export type SeqFlowNode = Node<Record<string, unknown>, 'seq'>;
export type SeqFlowEdge = Edge<{ portType?: string }, 'typed'>;
/** everything on the canvas: nodes, group frames (behind them) and comment notes */
export type CanvasNode = SeqFlowNode | FrameFlowNode | NoteFlowNode;

const EMPTY: Record<string, unknown> = {};

/** `prev` itself when `next` holds the same objects in the same order: React Flow then sees
 *  no change at all (a new array makes it rebuild its lookups of every node or edge). */
function same<T>(prev: T[], next: T[]): T[] {
  return prev.length === next.length && prev.every((x, i) => x === next[i]) ? prev : next;
}

export class FlowView {
  private nodeCache = new Map<string, SeqFlowNode>();
  private edgeCache = new Map<string, SeqFlowEdge>();
  private lastNodes: SeqFlowNode[] = [];
  private lastEdges: SeqFlowEdge[] = [];
  readonly annotations: AnnotationView;

  constructor(
    private graph: GraphStore,
    private ui: UiStore,
  ) {
    this.annotations = new AnnotationView(graph, ui);
    makeObservable(this, { nodes: computed, edges: computed, compat: computed, items: computed });
  }

  /** What React Flow draws: frames first (behind), then the nodes, then the notes. */
  get items(): CanvasNode[] {
    const a = this.annotations;
    if (!a.frames.length && !a.notes.length) return this.nodes;
    return [...a.frames, ...this.nodes, ...a.notes];
  }

  /** While a connection is dragged: for each handle, null if it can take it, else why not. */
  get compat(): Map<string, string | null> | null {
    const from = this.ui.connecting;
    return from ? compatibility(this.graph.doc, this.graph.analysis, from) : null;
  }

  /** undefined: no connection is being dragged; null: this handle can take it; else why not. */
  handleIssue(h: HandleRef): string | null | undefined {
    const c = this.compat;
    return c ? (c.get(handleKey(h)) ?? null) : undefined;
  }

  get nodes(): SeqFlowNode[] {
    const sel = this.graph.selectedNodes;
    const folded = this.annotations.hidden;
    const seen = new Set<string>();
    const out = this.graph.doc.nodes.map((n) => {
      seen.add(n.id);
      const prev = this.nodeCache.get(n.id);
      const selected = sel.has(n.id);
      const measured = this.ui.measured.get(n.id);
      const hidden = folded.has(n.id);
      if (prev && prev.position === n.position && prev.selected === selected && prev.measured === measured && !!prev.hidden === hidden && (measured || prev.data === n.params)) return prev;
      const rf: SeqFlowNode = { id: n.id, type: 'seq', position: n.position, data: EMPTY, selected, measured, ariaLabel: `${n.type} node ${n.name}`, ...(hidden && { hidden }) };
      if (!measured) {
        // until it is drawn and measured: estimated handles and size, so React Flow need not
        // draw it to know them (a large graph then draws only the nodes in view)
        const est = estimatedLayout(n);
        if (est) Object.assign(rf, { handles: est.handles, initialWidth: NODE_WIDTH, initialHeight: est.height, data: n.params });
      }
      this.nodeCache.set(n.id, rf);
      return rf;
    });
    for (const id of this.nodeCache.keys()) if (!seen.has(id)) this.nodeCache.delete(id);
    return (this.lastNodes = same(this.lastNodes, out));
  }

  get edges(): SeqFlowEdge[] {
    const sel = this.graph.selectedEdges;
    const doc = this.graph.doc;
    const a = this.graph.analysis;
    const folded = this.annotations.hidden;
    const seen = new Set<string>();
    const out = doc.edges.map((e) => {
      seen.add(e.id);
      const prev = this.edgeCache.get(e.id);
      const selected = sel.has(e.id);
      const portType = outputType(doc, a, e.source.node, e.source.port);
      // an end inside a folded group is drawn at the group's box, on the handle of that port
      const sg = folded.get(e.source.node);
      const tg = folded.get(e.target.node);
      const hidden = !!sg && sg === tg;
      const source = sg ? frameId(sg) : e.source.node;
      const sourceHandle = sg ? boundaryHandle('out', e.source.node, e.source.port) : e.source.port;
      const target = tg ? frameId(tg) : e.target.node;
      const targetHandle = tg ? boundaryHandle('in', e.target.node, e.target.port) : e.target.port;
      if (
        prev &&
        prev.selected === selected &&
        prev.data?.portType === portType &&
        prev.source === source &&
        prev.sourceHandle === sourceHandle &&
        prev.target === target &&
        prev.targetHandle === targetHandle &&
        !!prev.hidden === hidden
      ) {
        return prev;
      }
      const rf: SeqFlowEdge = {
        id: e.id,
        type: 'typed',
        source,
        sourceHandle,
        target,
        targetHandle,
        selected,
        data: { portType },
        ...(hidden && { hidden }),
      };
      this.edgeCache.set(e.id, rf);
      return rf;
    });
    for (const id of this.edgeCache.keys()) if (!seen.has(id)) this.edgeCache.delete(id);
    return (this.lastEdges = same(this.lastEdges, out));
  }
}
