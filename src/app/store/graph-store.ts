// The one store that holds the graph document. The document is immutable: every edit commits a
// new GraphDoc (built by doc-ops), so history is a stack of snapshots and toDoc() is the
// document itself. Derived views (the compiler's analysis, per-node and per-edge slices of it)
// are MobX computeds, so a node on the canvas re-renders only when its own slice changes.
import { action, compareStructural, computed, makeObservable, observableRef, type IComputedValue } from 'mobx';
import type { PortShape } from '../../compiler/node-def';
import type { Diagnostic } from '../../doc/diagnostics';
import type { DocEdge, DocNode, GraphDoc } from '../../doc/schema';
import { analyse, EMPTY_DIAGNOSTICS, pruneWeights, type Analysis } from './analysis';
import { History, NO_SELECTION, type Selection, type Snapshot } from './history';
import { moveNodes, type XY } from './doc-ops';
import { commentOfNote, groupOfFrame, moveComments } from './annotation-ops';

/** A selected group frame (group:<id>) or note (comment:<id>) that the document still has. */
function annotationExists(doc: GraphDoc, id: string): boolean {
  const g = groupOfFrame(id);
  if (g) return !!doc.groups?.some((x) => x.id === g);
  const c = commentOfNote(id);
  return !!c && !!doc.comments?.some((x) => x.id === c);
}

export interface CommitOptions {
  /** enter history as one undo step (default true) */
  history?: boolean;
  /** merge with the previous step when it has the same key and came moments ago */
  coalesce?: string;
  selection?: Selection;
  /** a freshly opened document: keep its weights exactly as they are */
  load?: boolean;
}

/** The document without positions, so moving nodes does not re-run the compiler. */
interface Topology {
  doc: GraphDoc;
  nodes: { id: string; type: string; name: string; params: DocNode['params'] }[];
  edges: DocEdge[];
  weights: GraphDoc['weights'];
  seed: number | undefined;
}

function sameTopology(a: Topology, b: Topology): boolean {
  if (a.edges !== b.edges || a.weights !== b.weights || a.seed !== b.seed || a.nodes.length !== b.nodes.length) return false;
  return a.nodes.every((n, i) => {
    const m = b.nodes[i];
    return n.id === m.id && n.type === m.type && n.name === m.name && n.params === m.params;
  });
}

function keyed<T>(cache: Map<string, IComputedValue<T>>, id: string, make: () => IComputedValue<T>): T {
  let c = cache.get(id);
  if (!c) cache.set(id, (c = make()));
  return c.get();
}

/** A node's connected ports: input port -> the edge feeding it; output ports in use. */
export interface NodeLinks {
  fed: Record<string, string>;
  used: string[];
}
const NO_LINKS: NodeLinks = { fed: {}, used: [] };

export class GraphStore {
  doc: GraphDoc;
  selection: Selection = NO_SELECTION;
  readonly history = new History();
  /** the state before a drag started, while one is under way */
  private gestureStart: Snapshot | null = null;
  private nodeCache = new Map<string, IComputedValue<DocNode | undefined>>();
  private edgeCache = new Map<string, IComputedValue<DocEdge | undefined>>();
  private diagCache = new Map<string, IComputedValue<Diagnostic[]>>();
  private edgeDiagCache = new Map<string, IComputedValue<Diagnostic[]>>();
  private edgeShapeCache = new Map<string, IComputedValue<PortShape | undefined>>();
  private nodeShapeCache = new Map<string, IComputedValue<Record<string, PortShape> | undefined>>();
  private linkCache = new Map<string, IComputedValue<NodeLinks>>();

  constructor(doc: GraphDoc) {
    this.doc = doc;
    makeObservable<GraphStore, 'topology'>(this, {
      doc: observableRef,
      selection: observableRef,
      topology: computed({ equals: sameTopology }),
      analysis: computed,
      nodeById: computed,
      linkMap: computed,
      edgeById: computed,
      edgeList: computed,
      selectedNodes: computed,
      selectedEdges: computed,
      commit: action,
      select: action,
      undo: action,
      redo: action,
      beginGesture: action,
      endGesture: action,
      moveTransient: action,
    });
  }

  /** The document, as the file format has it. */
  toDoc(): GraphDoc {
    return this.doc;
  }

  private get topology(): Topology {
    const d = this.doc;
    return { doc: d, nodes: d.nodes.map((n) => ({ id: n.id, type: n.type, name: n.name, params: n.params })), edges: d.edges, weights: d.weights, seed: d.seed };
  }

  /** The compiler's view: shapes and diagnostics. Not recomputed when nodes only move. */
  get analysis(): Analysis {
    return analyse(this.topology.doc);
  }

  get nodeById(): Map<string, DocNode> {
    return new Map(this.doc.nodes.map((n) => [n.id, n]));
  }

  /** The edges array; unchanged (same array) when an edit touched only nodes, such as a move. */
  get edgeList(): DocEdge[] {
    return this.doc.edges;
  }

  get edgeById(): Map<string, DocEdge> {
    return new Map(this.edgeList.map((e) => [e.id, e]));
  }

  get selectedNodes(): Set<string> {
    return new Set(this.selection.nodes);
  }

  get selectedEdges(): Set<string> {
    return new Set(this.selection.edges);
  }

  node(id: string): DocNode | undefined {
    return keyed(this.nodeCache, id, () => computed(() => this.nodeById.get(id)));
  }

  edge(id: string): DocEdge | undefined {
    return keyed(this.edgeCache, id, () => computed(() => this.edgeById.get(id)));
  }

  nodeDiagnostics(id: string): Diagnostic[] {
    return keyed(this.diagCache, id, () => computed(() => this.analysis.byNode.get(id) ?? EMPTY_DIAGNOSTICS, { equals: compareStructural }));
  }

  /** An edge's diagnostics: an edge reads only its own, so an edit re-renders only the edges it touched. */
  edgeDiagnostics(id: string): Diagnostic[] {
    return keyed(this.edgeDiagCache, id, () => computed(() => this.analysis.byEdge.get(id) ?? EMPTY_DIAGNOSTICS, { equals: compareStructural }));
  }

  edgeShape(id: string): PortShape | undefined {
    return keyed(this.edgeShapeCache, id, () => computed(() => this.analysis.edgeShapes[id], { equals: compareStructural }));
  }

  nodeShapes(id: string): Record<string, PortShape> | undefined {
    return keyed(this.nodeShapeCache, id, () => computed(() => this.analysis.nodeShapes[id], { equals: compareStructural }));
  }

  /** Every node's connected ports, from one pass over the edges (not one pass per node). */
  get linkMap(): Map<string, NodeLinks> {
    const m = new Map<string, { fed: Record<string, string>; used: Set<string> }>();
    const at = (id: string) => {
      let l = m.get(id);
      if (!l) m.set(id, (l = { fed: {}, used: new Set() }));
      return l;
    };
    for (const e of this.edgeList) {
      at(e.target.node).fed[e.target.port] = e.id;
      at(e.source.node).used.add(e.source.port);
    }
    return new Map([...m].map(([id, l]) => [id, { fed: l.fed, used: [...l.used].sort() }]));
  }

  links(id: string): NodeLinks {
    return keyed(this.linkCache, id, () => computed(() => this.linkMap.get(id) ?? NO_LINKS, { equals: compareStructural }));
  }

  /** The single node that is selected, if exactly one is. */
  get soleSelectedNode(): DocNode | undefined {
    return this.selection.nodes.length === 1 ? this.nodeById.get(this.selection.nodes[0]) : undefined;
  }

  private snapshot(): Snapshot {
    return { doc: this.doc, selection: this.selection };
  }

  /** Makes `next` the document. */
  commit(next: GraphDoc, opts: CommitOptions = {}): void {
    const doc = opts.load ? next : pruneWeights(next);
    if (doc === this.doc && !opts.selection) return;
    if (doc !== this.doc && (opts.history ?? true)) this.history.record(this.gestureStart ?? this.snapshot(), opts.coalesce);
    this.doc = doc;
    if (opts.selection) this.selection = opts.selection;
    else this.dropStaleSelection();
  }

  select(selection: Selection): void {
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    if (same(selection.nodes, this.selection.nodes) && same(selection.edges, this.selection.edges)) return;
    this.selection = selection;
  }

  private dropStaleSelection(): void {
    const nodes = this.selection.nodes.filter((id) => this.nodeById.has(id) || annotationExists(this.doc, id));
    const edges = this.selection.edges.filter((id) => this.edgeById.has(id));
    if (nodes.length !== this.selection.nodes.length || edges.length !== this.selection.edges.length) this.selection = { nodes, edges };
  }

  undo(): boolean {
    if (this.gestureStart) return false;
    const s = this.history.undo(this.snapshot());
    if (!s) return false;
    this.doc = s.doc;
    this.selection = s.selection;
    this.dropStaleSelection();
    return true;
  }

  redo(): boolean {
    if (this.gestureStart) return false;
    const s = this.history.redo(this.snapshot());
    if (!s) return false;
    this.doc = s.doc;
    this.selection = s.selection;
    this.dropStaleSelection();
    return true;
  }

  /** A drag starts: its moves are one undo step, recorded when it ends. */
  beginGesture(): void {
    this.gestureStart ??= this.snapshot();
  }

  /** Moves nodes (and comment notes, by comment id) while a drag is under way. */
  moveTransient(positions: Map<string, XY>, comments?: Map<string, XY>): void {
    this.doc = moveComments(moveNodes(this.doc, positions), comments ?? new Map());
  }

  endGesture(): void {
    const start = this.gestureStart;
    this.gestureStart = null;
    if (start && start.doc !== this.doc) this.history.record(start);
  }

  get gestureActive(): boolean {
    return this.gestureStart !== null;
  }
}
