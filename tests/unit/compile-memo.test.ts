// The editor's incremental analysis (compile's memo) must say exactly what a full compile says,
// after any sequence of edits: random edits (params, names, types, edges, nodes) applied the way
// the editor applies them (a new document; untouched nodes and edges keep their objects), each
// compared with a compile without the memo. And it must be incremental: an edit far downstream
// infers only what it touched.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_GRAPHS } from '../helpers/graph-files';
import { parseGraphText } from '../../src/doc/load';
import { compile, CompileMemo } from '../../src/compiler/compile';
import type { GraphDoc } from '../../src/doc/schema';
import { getNodeDef, nodeTypes } from '../../nodes/index';
import type { ParamSpec } from '../../src/compiler/node-def';
import { Rng } from '../fuzz/mutate';
import { editorGraph } from '../../src/bench/editor-graph';

function edit(doc: GraphDoc, r: Rng): GraphDoc {
  const nodes = doc.nodes;
  const n = r.pick(nodes);
  if (!n) return doc;
  const def = getNodeDef(n.type);
  switch (r.int(7)) {
    case 0:
    case 1: {
      if (!def || !Object.keys(def.params).length) return doc;
      const [k, spec] = r.pick(Object.entries(def.params) as [string, ParamSpec][]);
      const v = spec.kind === 'int' ? r.pick([1, 2, 3, 8, 16, -1]) : spec.kind === 'enum' ? r.pick(spec.options) : spec.kind === 'bool' ? r.chance(0.5) : spec.default;
      return { ...doc, nodes: nodes.map((x) => (x === n ? { ...x, params: { ...x.params, [k]: v } } : x)) };
    }
    case 2:
      return { ...doc, nodes: nodes.map((x) => (x === n ? { ...x, name: `${x.name}_${r.int(9)}` } : x)) };
    case 3:
      return { ...doc, nodes: nodes.map((x) => (x === n ? { ...x, type: r.pick(nodeTypes()), params: {} } : x)) };
    case 4:
      if (nodes.length < 3) return doc;
      return { ...doc, nodes: nodes.filter((x) => x !== n), edges: doc.edges.filter((e) => e.source.node !== n.id && e.target.node !== n.id) };
    case 5: {
      const e = r.pick(doc.edges);
      if (!e) return doc;
      const to = r.pick(nodes);
      const port = getNodeDef(to.type)?.inputs[0]?.name ?? 'input';
      return { ...doc, edges: doc.edges.map((x) => (x === e ? { ...x, target: { node: to.id, port } } : x)) };
    }
    default:
      return { ...doc, edges: doc.edges.filter((x) => x !== r.pick(doc.edges)) };
  }
}

const strip = (r: ReturnType<typeof compile>) => ({ diagnostics: r.diagnostics, nodeShapes: { ...r.nodeShapes }, edgeShapes: { ...r.edgeShapes }, weightShapes: { ...r.weightShapes }, order: r.order });

describe('compile with a memo says what a full compile says', () => {
  // the examples and the test-only graphs: each kind of node and edge the memo must get right
  for (const file of ALL_GRAPHS) {
    const f = path.basename(file);
    it(`${f}: 40 random edits`, () => {
      const r = parseGraphText(readFileSync(file, 'utf8'));
      if (!r.ok) throw new Error(f);
      const rng = new Rng(f.length * 7919);
      const memo = new CompileMemo();
      let doc = r.doc;
      for (let i = 0; i < 40; i++) {
        doc = edit(doc, rng);
        const a = compile(doc, { lower: false, memo });
        const b = compile(doc, { lower: false });
        expect(strip(a), `${f} after edit ${i}`).toEqual(strip(b));
      }
    });
  }

  it('an edit at the end of a 2,000-node graph infers only what it touched', () => {
    const doc = editorGraph(2000);
    const memo = new CompileMemo();
    compile(doc, { lower: false, memo });
    const dense = doc.nodes.filter((n) => n.type === 'Dense');
    const last = dense[dense.length - 1];
    const next = { ...doc, nodes: doc.nodes.map((n) => (n === last ? { ...n, params: { ...n.params, units: 5 } } : n)) };
    const before = new Map([...memo.nodes].map(([k, v]) => [k, v]));
    const t0 = performance.now();
    const a = compile(next, { lower: false, memo });
    const ms = performance.now() - t0;
    const redone = [...memo.nodes].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    expect(redone.length, redone.join(', ')).toBeLessThan(5);
    expect(redone).toContain(last.id);
    expect(strip(a)).toEqual(strip(compile(next, { lower: false })));
    expect(ms).toBeLessThan(2000);
  });
});
