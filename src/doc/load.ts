// Reading a graph file: text -> JSON -> migrate -> schema -> references. Every problem is
// collected with its path in the file; a file with any error yields no document at all, so
// nothing half-loaded ever reaches the compiler or the editor.
import { GraphDocSchema, type GraphDoc } from './schema';
import { migrate } from './migrate';
import { formatPath, ProblemList, type Diagnostic } from './diagnostics';
import { getNodeDef, nodeTypes } from '../../nodes/index';
import { activePorts, type PortSpec } from '../compiler/node-def';
import { checkParams, withDefaults } from '../compiler/params';
import { decodeWeightData } from './weights';
import { FORBIDDEN_KEY, forbiddenKeys, unknownKeyMessage, unknownKeys } from './strict';

const RESERVED_ID = `"${FORBIDDEN_KEY}" can't be an id: ids are keys in the file (weights), and JavaScript reads this one as an object's prototype; rename it`;

export type LoadResult = { ok: true; doc: GraphDoc } | { ok: false; diagnostics: Diagnostic[] };

/** Line and column of a JSON.parse error, from the "position N" V8 puts in its message. */
function jsonErrorWhere(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}

export function parseGraphText(text: string): LoadResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    return { ok: false, diagnostics: [{ severity: 'error', path: '(file)', message: `not valid JSON${jsonErrorWhere(text, msg)}: ${msg}` }] };
  }
  return checkGraph(raw);
}

export function checkGraph(raw: unknown): LoadResult {
  const problems = new ProblemList();
  for (const d of forbiddenKeys(raw)) problems.push(d);
  const migrated = migrate(raw);
  let parsed: ReturnType<typeof GraphDocSchema.safeParse>;
  try {
    parsed = GraphDocSchema.safeParse(migrated);
  } catch (e) {
    // the schema walks nested lists recursively: a file nested thousands of levels deep
    if (e instanceof RangeError) return { ok: false, diagnostics: [{ severity: 'error', path: '(file)', message: `the file nests lists or objects too deeply to read (${e.message})` }] };
    throw e;
  }
  if (!parsed.success) {
    const top = Object.keys(GraphDocSchema.shape);
    for (const iss of parsed.error.issues) {
      if (iss.code === 'unrecognized_keys') {
        const keys = iss.keys.filter((k) => k !== FORBIDDEN_KEY); // reported by forbiddenKeys
        // a section whose schema words its own message (training: "NLLLoss has no …, it takes …") keeps it
        if (keys.length && !/^Unrecognized key/.test(iss.message)) problems.push({ severity: 'error', path: formatPath(iss.path), message: iss.message });
        else for (const k of keys) problems.push({ severity: 'error', path: formatPath([...iss.path, k]), message: unknownKeyMessage(k, iss.path.length ? [] : top) });
      } else problems.push({ severity: 'error', path: formatPath(iss.path), message: iss.message });
    }
    return { ok: false, diagnostics: problems.done() };
  }
  const doc = parsed.data;
  for (const d of unknownKeys(migrated, doc)) problems.push(d);
  if (problems.size) return { ok: false, diagnostics: problems.done() };
  const refs = checkReferences(doc);
  if (refs.some((d) => d.severity === 'error')) return { ok: false, diagnostics: refs };
  // fill in defaulted params so everything downstream sees complete params
  for (const n of doc.nodes) n.params = withDefaults(getNodeDef(n.type)!, n.params);
  return { ok: true, doc };
}

/** Everything the schema alone can't see: node types, ids, names, edge ends, params, weights, samples. */
export function checkReferences(doc: GraphDoc): Diagnostic[] {
  const out = new ProblemList();
  const err = (path: string, message: string, extra: Partial<Diagnostic> = {}) => out.push({ severity: 'error', path, message, ...extra });
  const byId = new Map<string, number>();
  const names = new Map<string, number>();
  doc.nodes.forEach((n, i) => {
    const path = `nodes[${i}]`;
    if (n.id === FORBIDDEN_KEY) err(`${path}.id`, RESERVED_ID);
    if (byId.has(n.id)) err(`${path}.id`, `duplicate node id "${n.id}" (also nodes[${byId.get(n.id)}])`, { node: n.id });
    else byId.set(n.id, i);
    if (names.has(n.name)) err(`${path}.name`, `duplicate node name "${n.name}" (also nodes[${names.get(n.name)}]); names must be unique, they name inputs, outputs and weights`, { node: n.id });
    else names.set(n.name, i);
    const def = getNodeDef(n.type);
    if (!def) {
      err(`${path}.type`, `unknown node type "${n.type}" (known: ${nodeTypes().join(', ')})`, { node: n.id });
      return;
    }
    for (const p of checkParams(def, n.params)) err(`${path}.params${p.path.length ? '.' + formatPath(p.path) : ''}`, `${n.name} (${n.type}): ${p.message}`, { node: n.id, param: p.param });
  });

  // a node's active ports, worked out once per node and side (a file may have many edges)
  const portCache = new Map<string, PortSpec[] | null>();
  const portsOf = (ni: number, side: 'inputs' | 'outputs'): PortSpec[] | null => {
    const key = `${side}${ni}`;
    let ports = portCache.get(key);
    if (ports === undefined) {
      const node = doc.nodes[ni];
      const def = getNodeDef(node.type);
      ports = def ? activePorts(def[side], withDefaults(def, node.params)) : null;
      portCache.set(key, ports);
    }
    return ports;
  };
  const edgeIds = new Set<string>();
  const fedPorts = new Map<string, string>();
  doc.edges.forEach((e, i) => {
    const path = `edges[${i}]`;
    if (e.id === FORBIDDEN_KEY) err(`${path}.id`, RESERVED_ID);
    if (edgeIds.has(e.id)) err(`${path}.id`, `duplicate edge id "${e.id}"`, { edge: e.id });
    edgeIds.add(e.id);
    const ends: ['source' | 'target', 'outputs' | 'inputs'][] = [['source', 'outputs'], ['target', 'inputs']];
    for (const [end, side] of ends) {
      const ep = e[end];
      const ni = byId.get(ep.node);
      if (ni === undefined) {
        err(`${path}.${end}.node`, `edge ${e.id}: no node with id "${ep.node}"`, { edge: e.id });
        continue;
      }
      const node = doc.nodes[ni];
      const ports = portsOf(ni, side);
      if (!ports) continue;
      if (!ports.some((p) => p.name === ep.port)) {
        const have = ports.map((p) => p.name).join(', ') || 'none';
        err(`${path}.${end}.port`, `edge ${e.id}: ${node.name} (${node.type}) has no ${side === 'inputs' ? 'input' : 'output'} port "${ep.port}" (it has: ${have})`, { edge: e.id, node: node.id });
      }
    }
    const key = `${e.target.node}/${e.target.port}`;
    if (fedPorts.has(key)) err(`${path}.target`, `edge ${e.id}: input ${e.target.node}.${e.target.port} is already fed by edge ${fedPorts.get(key)}; an input takes one edge`, { edge: e.id, node: e.target.node, port: e.target.port });
    else fedPorts.set(key, e.id);
  });

  for (const [nodeId, ws] of Object.entries(doc.weights ?? {})) {
    if (!byId.has(nodeId)) {
      err(`weights.${nodeId}`, `weights for a node id "${nodeId}" that the graph does not have`);
      continue;
    }
    const node = doc.nodes[byId.get(nodeId)!];
    const def = getNodeDef(node.type);
    if (def && !def.weights) {
      err(`weights.${nodeId}`, `${node.name} (${node.type}) has no weights, but the file gives it ${Object.keys(ws).join(', ') || 'an empty list'}`, { node: nodeId });
      continue;
    }
    for (const [name, w] of Object.entries(ws)) {
      const r = decodeWeightData(w);
      if (typeof r === 'string') err(`weights.${nodeId}.${name}`, `${node.name}.${name}: ${r}`, { node: nodeId });
    }
  }

  // groups: members that exist, each node in one group at most; ids unique among groups and notes
  const grouped = new Map<string, string>();
  const annotationIds = new Map<string, string>();
  const claim = (annId: string, path: string) => {
    if (annotationIds.has(annId)) err(`${path}.id`, `duplicate group or comment id "${annId}" (also ${annotationIds.get(annId)})`);
    else annotationIds.set(annId, path);
  };
  (doc.groups ?? []).forEach((g, i) => {
    const path = `groups[${i}]`;
    claim(g.id, path);
    g.nodes.forEach((id, j) => {
      if (!byId.has(id)) err(`${path}.nodes[${j}]`, `group "${g.name}": no node with id "${id}"`);
      else if (grouped.has(id)) err(`${path}.nodes[${j}]`, `group "${g.name}": node "${doc.nodes[byId.get(id)!].name}" is already in group "${grouped.get(id)}"; a node is in one group at most`, { node: id });
      else grouped.set(id, g.name);
    });
  });
  (doc.comments ?? []).forEach((c, i) => claim(c.id, `comments[${i}]`));

  // samples are keyed by Input names; a state Input with a cell state also takes <name>_c
  const inputNames = new Set<string>();
  for (const n of doc.nodes) {
    if (n.type !== 'Input') continue;
    inputNames.add(n.name);
    if (n.params.kind === 'state' && n.params.cell === true) inputNames.add(`${n.name}_c`);
  }
  doc.samples.forEach((s, i) => {
    for (const key of Object.keys(s.inputs)) {
      if (!inputNames.has(key)) err(`samples[${i}].inputs.${key}`, `sample "${s.name}" feeds "${key}", which is not the name of an Input node (inputs: ${[...inputNames].join(', ') || 'none'})`);
    }
  });
  return out.done();
}
