// What a person types in the run panel, as the values the runtime takes: text for token inputs
// (one text per line makes a batch), numbers for float inputs (one step or row per line, values
// separated by commas or spaces, or JSON lists). And the reverse, to show a graph's samples.
import type { GraphDoc, SampleValue } from '../../doc/schema';
import { nodeParams } from './doc-ops';
import { count } from '../plural';

export interface RunInputField {
  /** the model input's name (the Input node's name, or <name>_c for an LSTM state's c) */
  name: string;
  nodeId: string;
  kind: 'tokens' | 'sequence' | 'vector' | 'state';
  features: number;
  /** short description of what to type */
  hint: string;
}

/**
 * The nodes that run: those that lead to an Output (to a connected one, when any is), as the
 * compiler decides. A stray Input is no model input, so the run panel does not ask for it.
 */
export function nodesThatRun(doc: GraphDoc): Set<string> {
  const outputs = doc.nodes.filter((n) => n.type === 'Output');
  const fed = outputs.filter((n) => doc.edges.some((e) => e.target.node === n.id));
  const prev = new Map<string, string[]>();
  for (const e of doc.edges) prev.set(e.target.node, [...(prev.get(e.target.node) ?? []), e.source.node]);
  const seen = new Set<string>();
  const stack = (fed.length ? fed : outputs).map((n) => n.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(prev.get(id) ?? []));
  }
  return seen;
}

/** The inputs the run panel asks for, one per model input. */
export function runInputFields(doc: GraphDoc): RunInputField[] {
  const out: RunInputField[] = [];
  // until an Output is connected nothing runs: then every Input keeps its field
  const fed = doc.edges.some((e) => doc.nodes.some((n) => n.id === e.target.node && n.type === 'Output'));
  const runs = fed ? nodesThatRun(doc) : null;
  for (const n of doc.nodes) {
    if (n.type !== 'Input' || (runs && !runs.has(n.id))) continue;
    const p = nodeParams(n) as { kind: RunInputField['kind']; features: number; layers: number; cell: boolean; tokenizer: string };
    const base = { nodeId: n.id, kind: p.kind, features: p.features };
    if (p.kind === 'tokens') out.push({ ...base, name: n.name, hint: `text, split into ${p.tokenizer === 'words' ? 'words' : 'characters'}; one text per line makes a batch` });
    else if (p.kind === 'sequence') out.push({ ...base, name: n.name, hint: `one step per line, ${count(p.features, 'number')} each (or JSON [T][F] / [B][T][F])` });
    else if (p.kind === 'vector') out.push({ ...base, name: n.name, hint: `${p.features} numbers; one row per line makes a batch` });
    else {
      const hint = `JSON [${p.layers}][B][${p.features}] (layers × batch × features)`;
      out.push({ ...base, name: n.name, hint });
      if (p.cell) out.push({ ...base, name: `${n.name}_c`, hint: `the cell state c: ${hint}` });
    }
  }
  return out;
}

/** A sample's value as the text the run panel shows. */
export function sampleValueToText(v: SampleValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v.every((x) => typeof x === 'string')) return (v as string[]).join('\n');
  if (v.every((x) => typeof x === 'number')) return (v as number[]).join(', ');
  if ((v as unknown[]).every((row) => Array.isArray(row) && row.every((x) => typeof x === 'number'))) return (v as number[][]).map((r) => r.join(', ')).join('\n');
  return JSON.stringify(v);
}

export type Parsed = { ok: true; value: SampleValue } | { ok: false; message: string };

function parseNumberLine(line: string, lineNo: number): number[] | string {
  const parts = line.split(/[\s,;]+/).filter(Boolean);
  const nums = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(nums[i]));
  if (bad >= 0) return `line ${lineNo}: "${parts[bad]}" is not a number`;
  return nums;
}

/** The text typed for one input, as the value the runtime reads. */
export function parseRunInput(field: RunInputField, text: string): Parsed {
  if (field.kind === 'tokens') {
    const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
    if (!lines.length) return { ok: false, message: `type some text for "${field.name}"` };
    return { ok: true, value: lines.length === 1 ? lines[0] : lines };
  }
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, message: `type some numbers for "${field.name}"` };
  if (trimmed.startsWith('[')) {
    try {
      const v = JSON.parse(trimmed) as unknown;
      if (!Array.isArray(v)) return { ok: false, message: `"${field.name}": expected a JSON list` };
      return { ok: true, value: v as SampleValue };
    } catch (e) {
      return { ok: false, message: `"${field.name}": not valid JSON (${(e as Error).message})` };
    }
  }
  if (field.kind === 'state') return { ok: false, message: `"${field.name}" takes a JSON list [layers][B][features]` };
  const rows: number[][] = [];
  const lines = trimmed.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const r = parseNumberLine(lines[i], i + 1);
    if (typeof r === 'string') return { ok: false, message: `"${field.name}" ${r}` };
    rows.push(r);
  }
  if (field.kind === 'vector') return { ok: true, value: rows.length === 1 ? rows[0] : rows };
  // a sequence: one step per line; with one feature a single line of numbers is the steps
  if (field.features === 1 && rows.length === 1 && rows[0].length > 1) return { ok: true, value: rows[0].map((x) => [x]) };
  return { ok: true, value: rows };
}
