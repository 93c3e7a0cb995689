// Pure edits of a document's groups (named, coloured frames around nodes) and comments (notes
// on the canvas). Like doc-ops: every function returns a new document, or the same one when
// nothing changes. The model never reads these sections; the editor and the file keep them.
import type { DocComment, DocGroup, GraphDoc } from '../../doc/schema';
import { freshId, type XY } from './doc-ops';

/** The colours a group or note can take (the first for new groups: a quiet blue). */
export const ANNOTATION_COLOURS = ['#4c7be8', '#16a085', '#8e5bd8', '#e0862b', '#d6456b', '#7a8699', '#c9a227', '#2b9bd6'];
export const NOTE_COLOUR = '#c9a227';
export const NOTE_SIZE = { width: 240, height: 110 };

/** The canvas's id for a group's frame, and for a note: a prefix keeps them apart from node ids. */
export const frameId = (groupId: string) => `group:${groupId}`;
export const noteId = (commentId: string) => `comment:${commentId}`;
export const groupOfFrame = (rfId: string) => (rfId.startsWith('group:') ? rfId.slice(6) : null);
export const commentOfNote = (rfId: string) => (rfId.startsWith('comment:') ? rfId.slice(8) : null);

const takenIds = (doc: GraphDoc) => new Set([...(doc.groups ?? []).map((g) => g.id), ...(doc.comments ?? []).map((c) => c.id)]);

function withGroups(doc: GraphDoc, groups: DocGroup[]): GraphDoc {
  return { ...doc, groups: groups.length ? groups : undefined };
}

function withComments(doc: GraphDoc, comments: DocComment[]): GraphDoc {
  return { ...doc, comments: comments.length ? comments : undefined };
}

/** The group node `id` is in, if any. */
export function groupOf(doc: GraphDoc, nodeId: string): DocGroup | undefined {
  return doc.groups?.find((g) => g.nodes.includes(nodeId));
}

/** Puts nodes in a new group (taking them out of the groups they were in). */
export function groupNodes(doc: GraphDoc, nodeIds: readonly string[], name?: string): { doc: GraphDoc; id: string } | null {
  const exists = new Set(doc.nodes.map((n) => n.id));
  const members = [...new Set(nodeIds)].filter((id) => exists.has(id));
  if (!members.length) return null;
  const taken = takenIds(doc);
  const id = freshId('group', (x) => taken.has(x));
  const groups = (doc.groups ?? []).map((g) => ({ ...g, nodes: g.nodes.filter((n) => !members.includes(n)) })).filter((g) => g.nodes.length);
  const names = new Set(groups.map((g) => g.name));
  let label = name ?? 'Group';
  for (let k = 2; names.has(label); k++) label = `${name ?? 'Group'} ${k}`;
  const color = ANNOTATION_COLOURS[(doc.groups?.length ?? 0) % ANNOTATION_COLOURS.length];
  return { doc: withGroups(doc, [...groups, { id, name: label, color, nodes: members }]), id };
}

export function ungroup(doc: GraphDoc, groupIds: Iterable<string>): GraphDoc {
  const drop = new Set(groupIds);
  if (!doc.groups?.some((g) => drop.has(g.id))) return doc;
  return withGroups(doc, doc.groups.filter((g) => !drop.has(g.id)));
}

export function setGroup(doc: GraphDoc, id: string, patch: Partial<Pick<DocGroup, 'name' | 'color' | 'collapsed'>>): GraphDoc {
  const g = doc.groups?.find((x) => x.id === id);
  if (!g || Object.entries(patch).every(([k, v]) => g[k as keyof DocGroup] === v)) return doc;
  const next = { ...g, ...patch };
  if (!next.collapsed) delete next.collapsed;
  return withGroups(doc, doc.groups!.map((x) => (x.id === id ? next : x)));
}

/** Groups lose members that are gone; a group left empty goes. */
export function pruneGroups(doc: GraphDoc): GraphDoc {
  if (!doc.groups) return doc;
  const exists = new Set(doc.nodes.map((n) => n.id));
  if (doc.groups.every((g) => g.nodes.every((n) => exists.has(n)))) return doc;
  return withGroups(doc, doc.groups.map((g) => ({ ...g, nodes: g.nodes.filter((n) => exists.has(n)) })).filter((g) => g.nodes.length));
}

export function addComment(doc: GraphDoc, position: XY, text = ''): { doc: GraphDoc; id: string } {
  const taken = takenIds(doc);
  const id = freshId('note', (x) => taken.has(x));
  const c: DocComment = { id, text, position: { x: Math.round(position.x), y: Math.round(position.y) }, ...NOTE_SIZE };
  return { doc: withComments(doc, [...(doc.comments ?? []), c]), id };
}

export function setComment(doc: GraphDoc, id: string, patch: Partial<Omit<DocComment, 'id'>>): GraphDoc {
  const c = doc.comments?.find((x) => x.id === id);
  if (!c) return doc;
  const same = Object.entries(patch).every(([k, v]) => {
    const old = c[k as keyof DocComment];
    return k === 'position' ? (old as XY).x === (v as XY).x && (old as XY).y === (v as XY).y : old === v;
  });
  return same ? doc : withComments(doc, doc.comments!.map((x) => (x.id === id ? { ...x, ...patch } : x)));
}

export function removeComments(doc: GraphDoc, ids: Iterable<string>): GraphDoc {
  const drop = new Set(ids);
  if (!doc.comments?.some((c) => drop.has(c.id))) return doc;
  return withComments(doc, doc.comments.filter((c) => !drop.has(c.id)));
}

export function moveComments(doc: GraphDoc, positions: Map<string, XY>): GraphDoc {
  if (!positions.size || !doc.comments) return doc;
  let changed = false;
  const comments = doc.comments.map((c) => {
    const p = positions.get(c.id);
    if (!p || (p.x === c.position.x && p.y === c.position.y)) return c;
    changed = true;
    return { ...c, position: { x: p.x, y: p.y } };
  });
  return changed ? { ...doc, comments } : doc;
}
