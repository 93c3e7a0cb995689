// Graph documents for tests, written compactly: nodes as [id, type, params], edges as
// 'node.port' pairs. Node names are their ids.
import { checkGraph } from '../../src/doc/load';
import { compile, type CompileResult } from '../../src/compiler/compile';
import type { Program } from '../../src/ir/program';

export type NodeSpec = [id: string, type: string, params?: Record<string, unknown>];

export function graphDoc(nodes: NodeSpec[], edges: [string, string][], extra: Record<string, unknown> = {}) {
  return {
    format: 'seqgraph', version: 2, name: 'test', seed: 3,
    nodes: nodes.map(([id, type, params]) => ({ id, type, name: id, position: { x: 0, y: 0 }, params: params ?? {} })),
    edges: edges.map(([s, t], i) => {
      const [sn, sp] = s.split('.');
      const [tn, tp] = t.split('.');
      return { id: `e${i}`, source: { node: sn, port: sp }, target: { node: tn, port: tp } };
    }),
    ...extra,
  };
}

/** the compile result of a raw document (schema-checked first); throws on schema problems */
export function compileRaw(raw: unknown): CompileResult {
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return compile(r.doc);
}

/** the program of a raw document; throws with every error when it does not compile */
export function programOf(raw: unknown): Program {
  const c = compileRaw(raw);
  if (!c.program) throw new Error(c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('\n'));
  return c.program;
}

/** the error messages compiling a raw document gives */
export function compileErrors(raw: unknown): string[] {
  return compileRaw(raw).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
}
