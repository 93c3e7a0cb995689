// Param schemas: each node's ParamSpec table becomes a zod schema, so a file's params are
// checked by the same library (and with the same kind of messages) as the rest of the file.
import { z } from 'zod';
import type { NodeDef, ParamSpec, Params } from './node-def';

function paramSchema(spec: ParamSpec): z.ZodType {
  switch (spec.kind) {
    case 'int': {
      let s = z.number({ error: 'must be a whole number' }).int('must be a whole number');
      if (spec.min !== undefined) s = s.min(spec.min, `must be at least ${spec.min}`);
      if (spec.max !== undefined) s = s.max(spec.max, `must be at most ${spec.max}`);
      return spec.nullable ? s.nullable() : s;
    }
    case 'float': {
      let s = z.number({ error: 'must be a number' }).finite();
      if (spec.min !== undefined) s = s.min(spec.min, `must be at least ${spec.min}`);
      if (spec.max !== undefined) s = s.max(spec.max, `must be at most ${spec.max}`);
      return spec.nullable ? s.nullable() : s;
    }
    case 'bool':
      return z.boolean({ error: 'must be true or false' });
    case 'enum':
      return z.enum(spec.options as [string, ...string[]], { error: `must be one of ${spec.options.join(', ')}` });
    case 'string':
      return z.string({ error: 'must be a string' });
    case 'strings':
      return z.array(z.string(), { error: 'must be a list of strings' }).min(spec.minItems ?? 0, `needs at least ${spec.minItems} entries`);
  }
}

const cache = new WeakMap<NodeDef, z.ZodType>();

export function paramsSchemaOf(def: NodeDef): z.ZodType {
  let s = cache.get(def);
  if (!s) {
    const shape: Record<string, z.ZodType> = {};
    for (const [name, spec] of Object.entries(def.params) as [string, ParamSpec][]) {
      const base = paramSchema(spec);
      shape[name] = spec.required ? base : base.optional();
    }
    s = z.object(shape).strict();
    cache.set(def, s);
  }
  return s;
}

export interface ParamProblem {
  param: string;
  message: string;
  path: PropertyKey[];
}

/** Checks params against the node's schema; returns the problems (param names and reasons). */
export function checkParams(def: NodeDef, params: unknown): ParamProblem[] {
  const r = paramsSchemaOf(def).safeParse(params);
  if (r.success) return [];
  return r.error.issues.flatMap((iss) => {
    if (iss.code === 'unrecognized_keys') {
      return iss.keys.map((k) => ({ param: k, message: `${def.type} has no param "${k}" (it has: ${Object.keys(def.params).join(', ')})`, path: [k] }));
    }
    const param = String(iss.path[0] ?? '');
    const msg = iss.code === 'invalid_type' && iss.input === undefined ? `is required` : iss.message;
    return [{ param, message: `${param} ${msg}`, path: iss.path }];
  });
}

/** The node's params with defaults filled in for those the document leaves out. */
export function withDefaults(def: NodeDef, params: Params): Params {
  const out: Params = {};
  for (const [name, spec] of Object.entries(def.params) as [string, ParamSpec][]) {
    const v = params[name];
    out[name] = v === undefined ? (Array.isArray(spec.default) ? [...spec.default] : spec.default) : v;
  }
  return out;
}
