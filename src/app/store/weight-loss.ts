// Trained weights are never dropped without a word: an edit that makes a node's weights no
// longer fit (a new hidden_size, a different input width) is announced before it is applied
// (the params form asks) and after (a message with Undo). Pure functions over documents.
import type { GraphDoc } from '../../doc/schema';
import { pruneWeights } from './analysis';

/** Ids of nodes that hold weights in `before` and still exist, but hold none in `after`. */
export function lostWeights(before: GraphDoc, after: GraphDoc): string[] {
  const had = before.weights;
  if (!had) return [];
  const ids = new Set(after.nodes.map((n) => n.id));
  return Object.keys(had).filter((id) => ids.has(id) && !after.weights?.[id]);
}

/** What `lostWeights` will say once `next` is committed (the store prunes on commit). */
export function weightsAnEditWouldDrop(doc: GraphDoc, next: GraphDoc): string[] {
  if (!doc.weights || next === doc) return [];
  return lostWeights(doc, pruneWeights(next));
}

/** "encoder and classify", by node name. */
export function nodeNames(doc: GraphDoc, ids: string[]): string {
  const names = ids.map((id) => doc.nodes.find((n) => n.id === id)?.name ?? id);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
