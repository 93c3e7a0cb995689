// The canvas's view of the document: React Flow node and edge objects, derived from the GraphDoc,
// the selection and the measured sizes. An object is rebuilt only when something React Flow
// cares about changed, so unchanged nodes keep their identity and are not re-rendered.
import { computed, makeObservable } from 'mobx';
import type { Edge, Node } from '@xyflow/react';
import type { GraphStore } from './graph-store';
import type { UiStore } from './ui-store';
import { compatibility, handleKey, outputType, type HandleRef } from './connections';
import { estimatedLayout, NODE_WIDTH } from './node-layout';

/** data: nothing the node component reads (it reads the store); an unmeasured node carries its
 *  params there only so that its estimated layout is made again when they change */
export type SeqFlowNode = Node<Record<string, unknown>, 'seq'>;
export type SeqFlowEdge = Edge<{ portType?: string }, 'typed'>;

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

  constructor(
    private graph: GraphStore,
    private ui: UiStore,
  ) {
    makeObservable(this, { nodes: computed, edges: computed, compat: computed });
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
    const seen = new Set<string>();
    const out = this.graph.doc.nodes.map((n) => {
      seen.add(n.id);
      const prev = this.nodeCache.get(n.id);
      const selected = sel.has(n.id);
      const measured = this.ui.measured.get(n.id);
      if (prev && prev.position === n.position && prev.selected === selected && prev.measured === measured && (measured || prev.data === n.params)) return prev;
      const rf: SeqFlowNode = { id: n.id, type: 'seq', position: n.position, data: EMPTY, selected, measured, ariaLabel: `${n.type} node ${n.name}` };
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
    const seen = new Set<string>();
    const out = doc.edges.map((e) => {
      seen.add(e.id);
      const prev = this.edgeCache.get(e.id);
      const selected = sel.has(e.id);
      const portType = outputType(doc, a, e.source.node, e.source.port);
      if (
        prev &&
        prev.selected === selected &&
        prev.data?.portType === portType &&
        prev.source === e.source.node &&
        prev.sourceHandle === e.source.port &&
        prev.target === e.target.node &&
        prev.targetHandle === e.target.port
      ) {
        return prev;
      }
      const rf: SeqFlowEdge = {
        id: e.id,
        type: 'typed',
        source: e.source.node,
        sourceHandle: e.source.port,
        target: e.target.node,
        targetHandle: e.target.port,
        selected,
        data: { portType },
      };
      this.edgeCache.set(e.id, rf);
      return rf;
    });
    for (const id of this.edgeCache.keys()) if (!seen.has(id)) this.edgeCache.delete(id);
    return (this.lastEdges = same(this.lastEdges, out));
  }
}
