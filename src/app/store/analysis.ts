// What the editor knows about a document without running it: the compiler's fast passes
// (order, shapes, weights; no lowering) regrouped for the canvas — diagnostics per node and
// per edge, shapes per port — plus the weight clean-up that edits need.
import { compile, CompileMemo, type CompileResult } from '../../compiler/compile';
import type { PortShape } from '../../compiler/node-def';
import type { Diagnostic } from '../../doc/diagnostics';
import type { GraphDoc, WeightJSON } from '../../doc/schema';
import { getNodeDef } from '../../../nodes/index';
import { withDefaults } from '../../compiler/params';
import { shapeStr } from '../../runtime/tensor';
import { docIndex, nodeOf } from './doc-index';

export interface Analysis {
  nodeShapes: Record<string, Record<string, PortShape>>;
  edgeShapes: Record<string, PortShape>;
  /** node id -> its diagnostics, errors first */
  byNode: Map<string, Diagnostic[]>;
  byEdge: Map<string, Diagnostic[]>;
  /** diagnostics about the graph as a whole (no node) */
  global: Diagnostic[];
  all: Diagnostic[];
  errorCount: number;
  warningCount: number;
  /** node id -> weight name -> shape (from the file or fresh) */
  weightShapes: Record<string, Record<string, number[]>>;
}

export const EMPTY_DIAGNOSTICS: Diagnostic[] = [];

/** One per editor: successive documents share most nodes, and an edit re-infers only what it touched. */
export const editorMemo = new CompileMemo();

function safeCompile(doc: GraphDoc): CompileResult {
  try {
    return compile(doc, { lower: false, memo: editorMemo });
  } catch (e) {
    const message = `internal compiler error: ${(e as Error).message}`;
    return { program: null, diagnostics: [{ severity: 'error', message }], nodeShapes: {}, edgeShapes: {}, weights: {}, weightShapes: {}, order: [] };
  }
}

function push(m: Map<string, Diagnostic[]>, k: string, d: Diagnostic): void {
  const a = m.get(k);
  if (a) a.push(d);
  else m.set(k, [d]);
}

export function analyse(doc: GraphDoc): Analysis {
  const r = safeCompile(doc);
  const byNode = new Map<string, Diagnostic[]>();
  const byEdge = new Map<string, Diagnostic[]>();
  const global: Diagnostic[] = [];
  const sorted = [...r.diagnostics].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  for (const d of sorted) {
    if (d.edge) push(byEdge, d.edge, d);
    if (d.node) push(byNode, d.node, d);
    else if (!d.edge) global.push(d);
  }
  const weightShapes = r.weightShapes;
  return {
    nodeShapes: r.nodeShapes,
    edgeShapes: r.edgeShapes,
    byNode,
    byEdge,
    global,
    all: sorted,
    errorCount: sorted.filter((d) => d.severity === 'error').length,
    warningCount: sorted.filter((d) => d.severity === 'warning').length,
    weightShapes,
  };
}

/** "Sequence [B, T, 256]" for an edge label; the declared type when the shape is unknown. */
export function shapeLabel(s: PortShape | undefined): string {
  return s ? shapeStr(s.shape) : '?';
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Drops weights that no longer fit: those of nodes that are gone, and all of a node's weights
 * when its params (or what feeds it) changed the shapes it needs. Weights whose node can't be
 * checked right now (it has an error upstream) are kept as they are.
 */
export function pruneWeights(doc: GraphDoc): GraphDoc {
  const weights = doc.weights;
  if (!weights || !Object.keys(weights).length) return doc;
  const ids = docIndex(doc).byId;
  let r: CompileResult | null = null;
  const kept: Record<string, Record<string, WeightJSON>> = {};
  let changed = false;
  for (const [id, ws] of Object.entries(weights)) {
    if (!ids.has(id)) {
      changed = true;
      continue;
    }
    const node = nodeOf(doc, id)!;
    const def = getNodeDef(node.type);
    if (!def?.weights) {
      changed = true;
      continue;
    }
    r ??= safeCompile(doc);
    if (!r.nodeShapes[id]) {
      kept[id] = ws; // can't tell now: keep
      continue;
    }
    const inputs: Record<string, PortShape | undefined> = {};
    for (const e of docIndex(doc).into.get(id) ?? []) inputs[e.target.port] = r.edgeShapes[e.id];
    let expected: Record<string, number[]>;
    try {
      expected = def.weights({ params: withDefaults(def, node.params), inputs });
    } catch {
      kept[id] = ws;
      continue;
    }
    const fits = Object.entries(ws).every(([k, w]) => expected[k] && sameShape(expected[k], w.shape));
    if (fits) kept[id] = ws;
    else changed = true;
  }
  if (!changed) return doc;
  return { ...doc, weights: Object.keys(kept).length ? kept : undefined };
}

/** Parameter count of a node's weights, from the shapes the analysis found. */
export function paramCount(shapes: Record<string, number[]> | undefined): number {
  if (!shapes) return 0;
  return Object.values(shapes).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
}

/** The most weights (float32 values) one node may hold in the editor: 64M values, 256 MB. */
export const WEIGHT_BUDGET = 64 * 1024 * 1024;

/**
 * How many weight values node `id` would hold with `params`, given what feeds it now; null
 * when that can't be known yet. The compiler allocates fresh weights on every check, so a
 * param that would need gigabytes must be refused before it is applied.
 */
export function weightCountWith(doc: GraphDoc, a: Analysis, id: string, params: Record<string, unknown>): number | null {
  const node = nodeOf(doc, id);
  const def = node && getNodeDef(node.type);
  if (!node || !def?.weights) return 0;
  const inputs: Record<string, PortShape | undefined> = {};
  for (const e of docIndex(doc).into.get(id) ?? []) inputs[e.target.port] = a.edgeShapes[e.id];
  try {
    const shapes = def.weights({ params: withDefaults(def, params), inputs });
    return paramCount(shapes);
  } catch {
    return null;
  }
}
