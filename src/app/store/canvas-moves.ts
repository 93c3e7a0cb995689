// What a move on the canvas moves in the document. React Flow reports new positions by its own
// ids: a node's, a note's (comment:<id>), or a group frame's (group:<id>), whose nodes move by
// as much as the frame did — the frame is drawn around them, so it follows.
import type { GraphDoc } from '../../doc/schema';
import { commentOfNote, groupOfFrame } from './annotation-ops';
import type { Box } from './annotation-view';
import type { XY } from './doc-ops';

export interface DocMoves {
  nodes: Map<string, XY>;
  comments: Map<string, XY>;
}

export function resolveMoves(doc: GraphDoc, boxes: Map<string, Box>, moves: Map<string, XY>): DocMoves {
  const nodes = new Map<string, XY>();
  const comments = new Map<string, XY>();
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  for (const [id, p] of moves) {
    const c = commentOfNote(id);
    if (c) comments.set(c, p);
    else if (!groupOfFrame(id)) nodes.set(id, p);
  }
  for (const [id, p] of moves) {
    const g = groupOfFrame(id);
    const group = g ? doc.groups?.find((x) => x.id === g) : undefined;
    const box = g ? boxes.get(g) : undefined;
    if (!group || !box) continue;
    const dx = p.x - box.x;
    const dy = p.y - box.y;
    if (!dx && !dy) continue;
    for (const m of group.nodes) {
      const n = byId.get(m);
      if (n && !nodes.has(m)) nodes.set(m, { x: Math.round(n.position.x + dx), y: Math.round(n.position.y + dy) });
    }
  }
  return { nodes, comments };
}
