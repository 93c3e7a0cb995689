// Pure edits of a GraphDoc. Every function takes a document and returns a new one (or the same
// one when nothing changes); objects that do not change keep their identity, so the canvas
// re-renders only what an edit touched. No MobX, no React: the store and the actions call these.
import { FORMAT, VERSION, type DocComment, type DocEdge, type DocGroup, type DocNode, type GraphDoc, type WeightJSON } from '../../doc/schema';
import { getNodeDef } from '../../../nodes/index';
import { activePorts, defaultParams, type Params } from '../../compiler/node-def';
import { withDefaults } from '../../compiler/params';

export type XY = { x: number; y: number };

/** A node name is the name of a model input/output and prefixes its weights: an identifier. */
export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

let counter = 0;
/** A fresh id that the document does not use yet. */
export function freshId(prefix: string, taken: (id: string) => boolean): string {
  for (;;) {
    const id = `${prefix}_${Date.now().toString(36).slice(-4)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 5)}`;
    if (!taken(id)) return id;
  }
}

/** `base`, or `base_2`, `base_3`, ... whichever no node has yet. */
export function uniqueName(names: Set<string>, base: string): string {
  const clean = base.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^([^A-Za-z_])/, '_$1') || 'node';
  if (!names.has(clean)) return clean;
  const stem = clean.replace(/_\d+$/, '');
  for (let k = 2; ; k++) if (!names.has(`${stem}_${k}`)) return `${stem}_${k}`;
}

/** Why `name` can't be the name of node `id`, or null when it can. */
export function nameProblem(doc: GraphDoc, id: string, name: string): string | null {
  if (!name) return 'a node needs a name';
  if (name.length > 100) return 'at most 100 characters';
  if (!NAME_RE.test(name)) return 'start with a letter or _, then letters, digits, _ . - only';
  const other = doc.nodes.find((n) => n.name === name && n.id !== id);
  if (other) return `"${name}" is already the name of a ${other.type} node; names must be unique`;
  return null;
}

export function nodeParams(n: DocNode): Params {
  const def = getNodeDef(n.type);
  return def ? withDefaults(def, n.params) : n.params;
}

/** A new graph: an Input and an Output to build between. */
export function blankDoc(name = 'untitled'): GraphDoc {
  return {
    format: FORMAT,
    version: VERSION,
    name,
    seed: 0,
    nodes: [
      { id: 'input', type: 'Input', name: 'text', position: { x: 0, y: 80 }, params: defaultParams(getNodeDef('Input')!) },
      { id: 'output', type: 'Output', name: 'output', position: { x: 720, y: 80 }, params: defaultParams(getNodeDef('Output')!) },
    ],
    edges: [],
    samples: [{ name: 'example', inputs: { text: 'hello' } }],
  };
}

export function addNode(doc: GraphDoc, type: string, position: XY): { doc: GraphDoc; id: string } {
  const def = getNodeDef(type);
  if (!def) throw new Error(`unknown node type "${type}"`);
  const ids = new Set(doc.nodes.map((n) => n.id));
  const id = freshId(type.toLowerCase(), (x) => ids.has(x));
  const name = uniqueName(new Set(doc.nodes.map((n) => n.name)), def.type);
  const node: DocNode = { id, type, name, position: { x: Math.round(position.x), y: Math.round(position.y) }, params: defaultParams(def) };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id };
}

/** Removes nodes (with their edges, weights and sample values) and edges. */
export function removeItems(doc: GraphDoc, nodeIds: Iterable<string>, edgeIds: Iterable<string>): GraphDoc {
  const dropN = new Set(nodeIds);
  const dropE = new Set(edgeIds);
  if (!dropN.size && !dropE.size) return doc;
  const nodes = doc.nodes.filter((n) => !dropN.has(n.id));
  const edges = doc.edges.filter((e) => !dropE.has(e.id) && !dropN.has(e.source.node) && !dropN.has(e.target.node));
  let weights = doc.weights;
  if (weights && [...dropN].some((id) => id in weights!)) {
    weights = Object.fromEntries(Object.entries(weights).filter(([id]) => !dropN.has(id)));
  }
  const goneInputs = new Set(doc.nodes.filter((n) => dropN.has(n.id) && n.type === 'Input').map((n) => n.name));
  const samples = goneInputs.size
    ? doc.samples.map((s) => ({ ...s, inputs: Object.fromEntries(Object.entries(s.inputs).filter(([k]) => !goneInputs.has(k))) }))
    : doc.samples;
  const groups = doc.groups?.map((g) => ({ ...g, nodes: g.nodes.filter((n) => !dropN.has(n)) })).filter((g) => g.nodes.length);
  const sameGroups = !doc.groups || (groups!.length === doc.groups.length && groups!.every((g, i) => g.nodes.length === doc.groups![i].nodes.length));
  return {
    ...doc,
    nodes,
    edges: edges.length === doc.edges.length ? doc.edges : edges,
    weights,
    samples,
    groups: sameGroups ? doc.groups : groups!.length ? groups : undefined,
  };
}

export interface Endpoints {
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

/** Adds an edge; an input takes one edge, so an edge already into that port is replaced. */
export function connect(doc: GraphDoc, c: Endpoints): { doc: GraphDoc; id: string } {
  const same = doc.edges.find((e) => e.source.node === c.source && e.source.port === c.sourceHandle && e.target.node === c.target && e.target.port === c.targetHandle);
  if (same) return { doc, id: same.id };
  const ids = new Set(doc.edges.map((e) => e.id));
  const id = freshId('e', (x) => ids.has(x));
  const edge: DocEdge = { id, source: { node: c.source, port: c.sourceHandle }, target: { node: c.target, port: c.targetHandle } };
  const kept = doc.edges.filter((e) => !(e.target.node === c.target && e.target.port === c.targetHandle));
  return { doc: { ...doc, edges: [...kept, edge] }, id };
}

function replaceNode(doc: GraphDoc, id: string, f: (n: DocNode) => DocNode): GraphDoc {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== id) return n;
    const m = f(n);
    changed ||= m !== n;
    return m;
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Sets one param. Edges on ports that the new params remove (e.g. an Input's kind) go too. */
export function setParam(doc: GraphDoc, id: string, key: string, value: unknown): GraphDoc {
  const next = replaceNode(doc, id, (n) => (Object.is(n.params[key], value) ? n : { ...n, params: { ...n.params, [key]: value } }));
  if (next === doc) return doc;
  const node = next.nodes.find((n) => n.id === id)!;
  const def = getNodeDef(node.type);
  if (!def) return next;
  const p = withDefaults(def, node.params);
  const ins = new Set(activePorts(def.inputs, p).map((x) => x.name));
  const outs = new Set(activePorts(def.outputs, p).map((x) => x.name));
  const edges = next.edges.filter((e) => (e.target.node !== id || ins.has(e.target.port)) && (e.source.node !== id || outs.has(e.source.port)));
  return edges.length === next.edges.length ? next : { ...next, edges };
}

/** Renames a node; an Input's samples follow its new name. */
export function renameNode(doc: GraphDoc, id: string, name: string): GraphDoc {
  const old = doc.nodes.find((n) => n.id === id);
  if (!old || old.name === name) return doc;
  const next = replaceNode(doc, id, (n) => ({ ...n, name }));
  if (old.type !== 'Input') return next;
  const samples = next.samples.map((s) =>
    old.name in s.inputs ? { ...s, inputs: Object.fromEntries(Object.entries(s.inputs).map(([k, v]) => [k === old.name ? name : k, v])) } : s,
  );
  return { ...next, samples };
}

export function moveNodes(doc: GraphDoc, positions: Map<string, XY>): GraphDoc {
  if (!positions.size) return doc;
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const p = positions.get(n.id);
    if (!p || (p.x === n.position.x && p.y === n.position.y)) return n;
    changed = true;
    return { ...n, position: { x: p.x, y: p.y } };
  });
  return changed ? { ...doc, nodes } : doc;
}

/** What copy puts on the clipboard: nodes, the edges between them, their weights, and the
 *  groups and comments that go with them. */
export interface Fragment {
  kind: 'seqgraph-fragment';
  nodes: DocNode[];
  edges: DocEdge[];
  weights: Record<string, Record<string, WeightJSON>>;
  groups?: DocGroup[];
  comments?: DocComment[];
}

/**
 * The selected items as a fragment. `ids` are canvas ids: nodes, `group:<id>` frames (which
 * bring their nodes) and `comment:<id>` notes. A group comes along when its frame is selected
 * or all its nodes are.
 */
export function extractFragment(doc: GraphDoc, selected: Iterable<string>): Fragment | null {
  const sel = new Set(selected);
  const frames = (doc.groups ?? []).filter((g) => sel.has(`group:${g.id}`));
  const ids = new Set([...sel, ...frames.flatMap((g) => g.nodes)]);
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  const comments = (doc.comments ?? []).filter((c) => sel.has(`comment:${c.id}`));
  if (!nodes.length && !comments.length) return null;
  const edges = doc.edges.filter((e) => ids.has(e.source.node) && ids.has(e.target.node));
  const weights = Object.fromEntries(Object.entries(doc.weights ?? {}).filter(([id]) => ids.has(id)));
  const groups = (doc.groups ?? []).filter((g) => frames.includes(g) || g.nodes.every((n) => ids.has(n)));
  return { kind: 'seqgraph-fragment', nodes, edges, weights, groups, comments };
}

/** Pastes a fragment with fresh ids and unique names, shifted by `offset`; returns the new node ids. */
export function pasteFragment(doc: GraphDoc, frag: Fragment, offset: XY): { doc: GraphDoc; ids: string[] } {
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  const edgeIds = new Set(doc.edges.map((e) => e.id));
  const names = new Set(doc.nodes.map((n) => n.name));
  const idMap = new Map<string, string>();
  const nodes = frag.nodes.map((n) => {
    const id = freshId(n.type.toLowerCase(), (x) => nodeIds.has(x));
    nodeIds.add(id);
    idMap.set(n.id, id);
    const name = uniqueName(names, n.name);
    names.add(name);
    return { ...n, id, name, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } };
  });
  const edges = frag.edges.map((e) => {
    const id = freshId('e', (x) => edgeIds.has(x));
    edgeIds.add(id);
    return { id, source: { node: idMap.get(e.source.node)!, port: e.source.port }, target: { node: idMap.get(e.target.node)!, port: e.target.port } };
  });
  let weights = doc.weights;
  const copied = Object.entries(frag.weights).filter(([id]) => idMap.has(id));
  if (copied.length) weights = { ...(weights ?? {}), ...Object.fromEntries(copied.map(([id, w]) => [idMap.get(id)!, w])) };
  // groups and comments get fresh ids too; a pasted group holds the pasted nodes
  const annIds = new Set([...(doc.groups ?? []).map((g) => g.id), ...(doc.comments ?? []).map((c) => c.id)]);
  const fresh = (prefix: string) => {
    const id = freshId(prefix, (x) => annIds.has(x));
    annIds.add(id);
    return id;
  };
  const groups = (frag.groups ?? []).map((g) => ({ ...g, id: fresh('group'), nodes: g.nodes.map((n) => idMap.get(n)!).filter(Boolean) })).filter((g) => g.nodes.length);
  const comments = (frag.comments ?? []).map((c) => ({ ...c, id: fresh('note'), position: { x: c.position.x + offset.x, y: c.position.y + offset.y } }));
  const next: GraphDoc = { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges], weights };
  if (groups.length) next.groups = [...(doc.groups ?? []), ...groups];
  if (comments.length) next.comments = [...(doc.comments ?? []), ...comments];
  return { doc: next, ids: [...nodes.map((n) => n.id), ...groups.map((g) => `group:${g.id}`), ...comments.map((c) => `comment:${c.id}`)] };
}

export function setGraphName(doc: GraphDoc, name: string): GraphDoc {
  return doc.name === name ? doc : { ...doc, name };
}

/** The document as a file: stable key order, two-space indent. Sections this function does not
 *  name (training, and whatever later versions add) are kept, after the known ones and before
 *  the bulky weights, so saving in the editor never drops part of a file. */
export function docToText(doc: GraphDoc): string {
  const { format, version, name, description, seed, nodes, edges, samples, weights, groups, comments, ...rest } = doc;
  const out: Record<string, unknown> = { format, version, name };
  if (description !== undefined) out.description = description;
  if (seed !== undefined) out.seed = seed;
  Object.assign(out, { nodes, edges, samples });
  if (groups?.length) out.groups = groups;
  if (comments?.length) out.comments = comments;
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  if (weights && Object.keys(weights).length) out.weights = weights;
  return JSON.stringify(out, null, 2) + '\n';
}
