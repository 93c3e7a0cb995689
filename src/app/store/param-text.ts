// Param values as the params panel edits them: text in, a typed value or the reason it is not
// one out. The node's own schema (compiler/params.ts) then has the last word on ranges.
import type { NodeDef, ParamSpec, Params } from '../../compiler/node-def';
import { checkParams } from '../../compiler/params';

export type ParamParse = { ok: true; value: unknown } | { ok: false; message: string };

const SPACE = '␠';
const TAB = '⇥';

/** A list param as text: one entry per line; a space entry shows as ␠ so it can be seen. */
export function formatList(v: readonly string[]): string {
  return v.map((s) => (s === ' ' ? SPACE : s === '\t' ? TAB : s)).join('\n');
}

/** One entry per line (␠ is a space); a single line with commas is a comma-separated list. */
export function parseList(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length === 1 && lines[0].includes(',') && !/^\s*,\s*$/.test(lines[0])) {
    return lines[0]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  const out: string[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if (line === SPACE || (line.trim() === '' && line.length > 0)) out.push(' ');
    else if (line === TAB) out.push('\t');
    else out.push(line.trim());
  }
  return out;
}

export function formatParam(spec: ParamSpec, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (spec.kind === 'strings') return formatList(v as string[]);
  return String(v);
}

/** Text -> value of the param's kind, or why it is not one. */
export function parseParam(spec: ParamSpec, text: string): ParamParse {
  switch (spec.kind) {
    case 'int': {
      const t = text.trim();
      if (t === '') return spec.nullable ? { ok: true, value: null } : { ok: false, message: 'needs a value' };
      if (/^[+-]?\d+$/.test(t)) return { ok: true, value: Number(t) };
      return { ok: false, message: Number.isFinite(Number(t)) ? 'must be a whole number' : `“${t}” is not a number` };
    }
    case 'float': {
      const t = text.trim();
      if (t === '') return spec.nullable ? { ok: true, value: null } : { ok: false, message: 'needs a value' };
      const v = Number(t);
      return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, message: `“${t}” is not a number` };
    }
    case 'bool':
      return text === 'true' || text === 'false' ? { ok: true, value: text === 'true' } : { ok: false, message: 'must be true or false' };
    case 'enum':
      return spec.options.includes(text) ? { ok: true, value: text } : { ok: false, message: `must be one of ${spec.options.join(', ')}` };
    case 'string':
      return { ok: true, value: text };
    case 'strings':
      return { ok: true, value: parseList(text) };
  }
}

/** Why `value` can't be param `name` of this node (by its schema), or null. */
export function paramProblem(def: NodeDef, params: Params, name: string, value: unknown): string | null {
  const problems = checkParams(def, { ...params, [name]: value }).filter((p) => p.param === name);
  if (!problems.length) return null;
  return problems.map((p) => p.message.replace(new RegExp(`^${name} `), '')).join('; ');
}

/** "1 – 16384", "≥ 0", ... for a number param. */
export function rangeText(spec: ParamSpec): string {
  if (spec.kind !== 'int' && spec.kind !== 'float') return '';
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (spec.min !== undefined && spec.max !== undefined) return `${fmt(spec.min)} – ${fmt(spec.max)}`;
  if (spec.min !== undefined) return `≥ ${fmt(spec.min)}`;
  if (spec.max !== undefined) return `≤ ${fmt(spec.max)}`;
  return '';
}
