// Lookups over one document, built once per document and kept while it lives (documents are
// immutable: an edit makes a new one). The canvas asks "which node has this id", "what feeds
// this node", "does this connection close a loop" once per node, edge or handle; answered by a
// scan of the document each time, that is quadratic, and a 2,000-node graph froze the tab.
import type { DocEdge, DocNode, GraphDoc } from '../../doc/schema';

export interface DocIndex {
  byId: Map<string, DocNode>;
  /** node id -> the edges into it */
  into: Map<string, DocEdge[]>;
  /** node id -> the ids of the nodes its outputs feed */
  next: Map<string, string[]>;
  /** node id -> the ids of the nodes that feed it */
  prev: Map<string, string[]>;
  /** node id -> every node reachable from it (itself included), filled on demand */
  descendants: Map<string, Set<string>>;
  /** node id -> every node that reaches it (itself included), filled on demand */
  ancestors: Map<string, Set<string>>;
}

const cache = new WeakMap<GraphDoc, DocIndex>();

function add<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

export function docIndex(doc: GraphDoc): DocIndex {
  let x = cache.get(doc);
  if (!x) {
    x = { byId: new Map(doc.nodes.map((n) => [n.id, n])), into: new Map(), next: new Map(), prev: new Map(), descendants: new Map(), ancestors: new Map() };
    for (const e of doc.edges) {
      add(x.into, e.target.node, e);
      add(x.next, e.source.node, e.target.node);
      add(x.prev, e.target.node, e.source.node);
    }
    cache.set(doc, x);
  }
  return x;
}

export function nodeOf(doc: GraphDoc, id: string): DocNode | undefined {
  return docIndex(doc).byId.get(id);
}

function closure(start: string, step: Map<string, string[]>): Set<string> {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length) for (const m of step.get(stack.pop()!) ?? []) if (!seen.has(m)) seen.add(m), stack.push(m);
  return seen;
}

export function descendantsOf(doc: GraphDoc, id: string): Set<string> {
  const x = docIndex(doc);
  let s = x.descendants.get(id);
  if (!s) x.descendants.set(id, (s = closure(id, x.next)));
  return s;
}

export function ancestorsOf(doc: GraphDoc, id: string): Set<string> {
  const x = docIndex(doc);
  let s = x.ancestors.get(id);
  if (!s) x.ancestors.set(id, (s = closure(id, x.prev)));
  return s;
}

/** Would an edge src -> tgt close a loop (tgt already reaches src)? Uses whichever closure is known. */
export function wouldLoop(doc: GraphDoc, src: string, tgt: string): boolean {
  const x = docIndex(doc);
  const anc = x.ancestors.get(src);
  if (anc) return anc.has(tgt);
  return descendantsOf(doc, tgt).has(src);
}
