// Checks every op of a Program against its spec in ops.ts: known op, input and output counts,
// required attributes present and of the right kind, every input defined before use. Run after
// lowering (and after any future pass); a failure names the op, its node and its inputs.
import { OPS, type OpSpec } from './ops';
import type { Program } from './program';

export function verifyProgram(p: Program): string[] {
  const problems: string[] = [];
  const defined = new Set<string>([...p.inputs.map((i) => i.value), ...Object.keys(p.initializers)]);
  p.ops.forEach((op, k) => {
    const spec = (OPS as Record<string, OpSpec>)[op.op];
    const where = `op #${k} ${op.op} (node ${op.node}; inputs ${op.inputs.map((i) => i || '∅').join(', ')})`;
    if (!spec) {
      problems.push(`${where}: unknown op`);
      return;
    }
    const variadic = spec.inputs.some((i) => i.endsWith('*'));
    const required = spec.inputs.filter((i) => !i.endsWith('?')).length;
    if (op.inputs.length < required || (!variadic && op.inputs.length > spec.inputs.length)) {
      problems.push(`${where}: takes ${required}..${spec.inputs.length} inputs (${spec.inputs.join(', ')}), got ${op.inputs.length}`);
    }
    op.inputs.forEach((name, i) => {
      const optional = (spec.inputs[i] ?? '').endsWith('?');
      if (!name) {
        if (!optional) problems.push(`${where}: input ${spec.inputs[i]} is required`);
      } else if (!defined.has(name)) problems.push(`${where}: input "${name}" is used before it is defined`);
      else if (!p.values[name]) problems.push(`${where}: input "${name}" has no type`);
    });
    if (op.outputs.length !== spec.outputs.length) problems.push(`${where}: makes ${spec.outputs.length} outputs, got ${op.outputs.length}`);
    for (const [name, a] of Object.entries(spec.attrs)) {
      const v = op.attrs[name];
      if (v === undefined) {
        if (a.required) problems.push(`${where}: attribute ${name} is required`);
        continue;
      }
      const ok =
        a.kind === 'int' ? Number.isInteger(v) : a.kind === 'float' ? typeof v === 'number' : a.kind === 'string' ? typeof v === 'string' : a.kind === 'bool' ? typeof v === 'boolean' : Array.isArray(v);
      if (!ok) problems.push(`${where}: attribute ${name} must be ${a.kind}, got ${JSON.stringify(v)}`);
    }
    for (const name of Object.keys(op.attrs)) if (!(name in spec.attrs)) problems.push(`${where}: unknown attribute ${name}`);
    for (const o of op.outputs) {
      if (defined.has(o)) problems.push(`${where}: output "${o}" is defined twice`);
      defined.add(o);
    }
  });
  for (const o of p.outputs) if (!defined.has(o.value)) problems.push(`graph output ${o.name} is never computed`);
  return problems;
}
