// The canvas's view of groups and comments: a frame per group, drawn around its nodes (so it
// follows them when they move), or — folded — one box whose handles are the ports that cross its
// edge, with the edges rerouted to it; and a note per comment. Derived from the document and
// the measured node sizes, like the rest of flow-view.ts.
import { computed, makeObservable } from 'mobx';
import type { Node } from '@xyflow/react';
import type { DocGroup, GraphDoc } from '../../doc/schema';
import type { GraphStore } from './graph-store';
import type { UiStore } from './ui-store';
import { frameId, noteId, NOTE_SIZE } from './annotation-ops';

export type FrameFlowNode = Node<{ groupId: string }, 'frame'>;
export type NoteFlowNode = Node<{ commentId: string }, 'note'>;

/** space between a frame and its nodes, and the frame's title bar */
export const FRAME_PAD = 18;
export const FRAME_HEAD = 30;
const DEFAULT_NODE = { width: 176, height: 100 };

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A port on a folded group's edge: a member's port that an edge from outside reaches. */
export interface BoundaryPort {
  /** the folded frame's handle id: in:<node>:<port> or out:<node>:<port> */
  handle: string;
  side: 'in' | 'out';
  node: string;
  port: string;
}

export const boundaryHandle = (side: 'in' | 'out', node: string, port: string) => `${side}:${node}:${port}`;

export function boundaryPorts(doc: GraphDoc, g: DocGroup): BoundaryPort[] {
  const inside = new Set(g.nodes);
  const seen = new Map<string, BoundaryPort>();
  for (const e of doc.edges) {
    const si = inside.has(e.source.node);
    const ti = inside.has(e.target.node);
    if (si === ti) continue;
    const [side, node, port] = ti ? (['in', e.target.node, e.target.port] as const) : (['out', e.source.node, e.source.port] as const);
    const handle = boundaryHandle(side, node, port);
    if (!seen.has(handle)) seen.set(handle, { handle, side, node, port });
  }
  return [...seen.values()];
}

export class AnnotationView {
  private frameCache = new Map<string, FrameFlowNode>();
  private noteCache = new Map<string, NoteFlowNode>();

  constructor(
    private graph: GraphStore,
    private ui: UiStore,
  ) {
    makeObservable(this, { boxes: computed, hidden: computed, folded: computed, frames: computed, notes: computed });
  }

  /** Each expanded group's frame box, from its nodes' positions and measured sizes. */
  get boxes(): Map<string, Box> {
    const out = new Map<string, Box>();
    const byId = this.graph.nodeById;
    for (const g of this.graph.doc.groups ?? []) {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const id of g.nodes) {
        const n = byId.get(id);
        if (!n) continue;
        const size = this.ui.measured.get(id) ?? DEFAULT_NODE;
        x0 = Math.min(x0, n.position.x);
        y0 = Math.min(y0, n.position.y);
        x1 = Math.max(x1, n.position.x + size.width);
        y1 = Math.max(y1, n.position.y + size.height);
      }
      if (x0 === Infinity) continue;
      out.set(g.id, { x: x0 - FRAME_PAD, y: y0 - FRAME_PAD - FRAME_HEAD, width: x1 - x0 + 2 * FRAME_PAD, height: y1 - y0 + 2 * FRAME_PAD + FRAME_HEAD });
    }
    return out;
  }

  /** node id -> the folded group that hides it */
  get hidden(): Map<string, string> {
    const m = new Map<string, string>();
    for (const g of this.graph.doc.groups ?? []) if (g.collapsed) for (const n of g.nodes) m.set(n, g.id);
    return m;
  }

  /** folded group id -> the ports on its edge */
  get folded(): Map<string, BoundaryPort[]> {
    const m = new Map<string, BoundaryPort[]>();
    for (const g of this.graph.doc.groups ?? []) if (g.collapsed) m.set(g.id, boundaryPorts(this.graph.doc, g));
    return m;
  }

  get frames(): FrameFlowNode[] {
    const sel = this.graph.selectedNodes;
    const seen = new Set<string>();
    const out: FrameFlowNode[] = [];
    for (const g of this.graph.doc.groups ?? []) {
      const box = this.boxes.get(g.id);
      if (!box) continue;
      const id = frameId(g.id);
      seen.add(id);
      const selected = sel.has(id);
      const folded = !!g.collapsed;
      const prev = this.frameCache.get(id);
      if (
        prev &&
        prev.selected === selected &&
        prev.position.x === box.x &&
        prev.position.y === box.y &&
        (folded ? prev.width === undefined && prev.measured === this.ui.measured.get(id) : prev.width === box.width && prev.height === box.height)
      ) {
        out.push(prev);
        continue;
      }
      const rf: FrameFlowNode = {
        id,
        type: 'frame',
        position: { x: box.x, y: box.y },
        data: { groupId: g.id },
        selected,
        // expanded: a fixed box behind its nodes; folded: sized by what it shows, among the nodes
        // (a folded one gets its measured size back, as controlled nodes must, or the minimap skips it)
        ...(folded ? { zIndex: 1, measured: this.ui.measured.get(id) } : { width: box.width, height: box.height, zIndex: -1 }),
        dragHandle: '.sg-frame-drag',
        className: folded ? 'sg-frame-node is-folded' : 'sg-frame-node',
        ariaLabel: `group ${g.name}`,
      };
      this.frameCache.set(id, rf);
      out.push(rf);
    }
    for (const id of this.frameCache.keys()) if (!seen.has(id)) this.frameCache.delete(id);
    return out;
  }

  get notes(): NoteFlowNode[] {
    const sel = this.graph.selectedNodes;
    const seen = new Set<string>();
    const out: NoteFlowNode[] = [];
    for (const c of this.graph.doc.comments ?? []) {
      const id = noteId(c.id);
      seen.add(id);
      const selected = sel.has(id);
      const width = c.width ?? NOTE_SIZE.width;
      const height = c.height ?? NOTE_SIZE.height;
      const prev = this.noteCache.get(id);
      if (prev && prev.selected === selected && prev.position === c.position && prev.width === width && prev.height === height) {
        out.push(prev);
        continue;
      }
      const rf: NoteFlowNode = { id, type: 'note', position: c.position, data: { commentId: c.id }, selected, width, height, ariaLabel: 'comment' };
      this.noteCache.set(id, rf);
      out.push(rf);
    }
    for (const id of this.noteCache.keys()) if (!seen.has(id)) this.noteCache.delete(id);
    return out;
  }
}
