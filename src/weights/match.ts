// Which tensors of a weights file go to which node and weight: a state_dict key
// "<module path>.<weight name>" matches the node named <module path> that has that weight
// (seqgraph names weights as PyTorch does). Prefix mappings rename a file's module paths first
// ("encoder.rnn=lstm": keys under encoder.rnn. go to the node named lstm; "module.=" strips a
// prefix). Nothing changes until applyWeights, which refuses while any tensor has the wrong shape,
// so weights are never half-applied.
import { compile } from '../compiler/compile';
import type { GraphDoc } from '../doc/schema';
import { encodeWeight } from '../doc/weights';
import { WeightsError, type NamedTensor } from './tensors';

export interface PrefixMap {
  from: string;
  to: string;
}

export interface WeightMatch {
  matched: { key: string; node: string; nodeName: string; name: string; shape: number[] }[];
  wrongShape: { key: string; node: string; nodeName: string; name: string; expected: number[]; got: number[] }[];
  leftover: { key: string; shape: number[]; why: string }[];
  /** weights of the graph the file does not give (they keep their values) */
  missing: { node: string; nodeName: string; name: string; shape: number[] }[];
  /** prefix maps no tensor of the file starts with (a typo in "from" otherwise goes unseen) */
  unusedPrefixes: string[];
}

/** "a=b" items -> prefix maps (state_dict prefix a goes to node b; an empty b strips a) */
export function parsePrefixes(items: string[]): PrefixMap[] {
  return items.map((s) => {
    const i = s.indexOf('=');
    if (i <= 0) throw new WeightsError(`prefix mapping '${s}' is not <file prefix>=<node name> (e.g. emb=embed, or module.= to strip a prefix)`);
    return { from: s.slice(0, i).replace(/\.$/, ''), to: s.slice(i + 1).replace(/\.$/, '') };
  });
}

function rename(key: string, prefixes: PrefixMap[], used: Set<PrefixMap>): string {
  for (const p of prefixes) {
    if (key.startsWith(p.from + '.')) {
      used.add(p);
      return p.to ? `${p.to}.${key.slice(p.from.length + 1)}` : key.slice(p.from.length + 1);
    }
  }
  return key;
}

export function matchWeights(doc: GraphDoc, tensors: NamedTensor[], prefixes: PrefixMap[] = []): WeightMatch {
  const r = compile(doc, { lower: false, initWeights: false });
  const nodes = doc.nodes
    .filter((n) => r.weightShapes[n.id] && Object.keys(r.weightShapes[n.id]).length)
    .sort((a, b) => b.name.length - a.name.length);
  const m: WeightMatch = { matched: [], wrongShape: [], leftover: [], missing: [], unusedPrefixes: [] };
  const taken = new Set<string>();
  const used = new Set<PrefixMap>();
  for (const t of tensors) {
    const key = rename(t.name, prefixes, used);
    const node = nodes.find((n) => key.startsWith(n.name + '.') && key.slice(n.name.length + 1) in r.weightShapes[n.id]);
    if (!node) {
      const owner = nodes.find((n) => key.startsWith(n.name + '.'));
      m.leftover.push({ key: t.name, shape: t.shape, why: owner ? `${owner.name} (${owner.type}) has no weight '${key.slice(owner.name.length + 1)}' (it has: ${Object.keys(r.weightShapes[owner.id]).join(', ')})` : 'no node has this name' });
      continue;
    }
    const name = key.slice(node.name.length + 1);
    if (taken.has(`${node.id}/${name}`)) {
      m.leftover.push({ key: t.name, shape: t.shape, why: `${node.name}.${name} is already given by another tensor` });
      continue;
    }
    if (!t.data) {
      m.leftover.push({ key: t.name, shape: t.shape, why: `a ${t.dtype} tensor, not floating-point weights` });
      continue;
    }
    taken.add(`${node.id}/${name}`);
    const expected = r.weightShapes[node.id][name];
    if (expected.length !== t.shape.length || expected.some((d, i) => d !== t.shape[i])) {
      m.wrongShape.push({ key: t.name, node: node.id, nodeName: node.name, name, expected, got: t.shape });
    } else m.matched.push({ key: t.name, node: node.id, nodeName: node.name, name, shape: t.shape });
  }
  for (const n of nodes) for (const [name, shape] of Object.entries(r.weightShapes[n.id])) if (!taken.has(`${n.id}/${name}`)) m.missing.push({ node: n.id, nodeName: n.name, name, shape });
  m.unusedPrefixes = prefixes.filter((p) => !used.has(p)).map((p) => `${p.from}=${p.to}`);
  return m;
}

/** the document with the matched tensors as its weights; refuses while any tensor has the wrong shape */
export function applyWeights(doc: GraphDoc, m: WeightMatch, tensors: NamedTensor[]): GraphDoc {
  if (m.wrongShape.length) {
    const shown = m.wrongShape.slice(0, 4).map((w) => `${w.key}: [${w.got.join(', ')}], ${w.nodeName}.${w.name} needs [${w.expected.join(', ')}]`);
    if (m.wrongShape.length > shown.length) shown.push(`and ${m.wrongShape.length - shown.length} more`);
    throw new WeightsError(`${m.wrongShape.length} tensor${m.wrongShape.length === 1 ? ' has' : 's have'} the wrong shape (${shown.join('; ')}); nothing was loaded`);
  }
  if (!m.matched.length) throw new WeightsError('no tensor matches a weight of the graph; nothing was loaded (map prefixes: <file prefix>=<node name>)');
  const byKey = new Map(tensors.map((t) => [t.name, t]));
  const weights: NonNullable<GraphDoc['weights']> = structuredClone(doc.weights ?? {});
  for (const x of m.matched) (weights[x.node] ??= {})[x.name] = encodeWeight(x.shape, byKey.get(x.key)!.data!);
  return { ...doc, weights };
}

/** the report as text lines (the CLI prints it; the editor's dialog shows the same lists) */
export function formatMatch(m: WeightMatch): string[] {
  const lines: string[] = [];
  lines.push(`matched ${m.matched.length}:`);
  for (const x of m.matched) lines.push(`  ${x.key} -> ${x.nodeName}.${x.name} [${x.shape.join(', ')}]`);
  if (m.wrongShape.length) {
    lines.push(`wrong shape ${m.wrongShape.length}:`);
    for (const x of m.wrongShape) lines.push(`  ${x.key} [${x.got.join(', ')}] -> ${x.nodeName}.${x.name} needs [${x.expected.join(', ')}]`);
  }
  if (m.leftover.length) {
    lines.push(`left over ${m.leftover.length}:`);
    for (const x of m.leftover) lines.push(`  ${x.key} [${x.shape.join(', ')}]: ${x.why}`);
  }
  if (m.missing.length) {
    lines.push(`not in the file ${m.missing.length} (keep their values):`);
    for (const x of m.missing) lines.push(`  ${x.nodeName}.${x.name} [${x.shape.join(', ')}]`);
  }
  for (const p of m.unusedPrefixes) lines.push(`prefix map ${p}: no tensor of the file starts with '${p.slice(0, p.indexOf('='))}.'`);
  return lines;
}
