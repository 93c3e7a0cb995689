// Strictness that holds for the whole file, whatever sections the schema gains later:
//   - "__proto__" is refused as a key anywhere: JSON.parse keeps it as an ordinary key, but any
//     JavaScript that copies the object (zod included) turns it into a prototype change, so its
//     value would vanish without a word (a node's weights, a sample, a param).
//   - a key the schema does not know is an error, not silently dropped: "parmas" on a node would
//     otherwise give the node default params and `validate` would say ok.
// Unknown keys are found by comparing the file with what the schema made of it: every key the
// schema dropped is one it does not know. A section added to schema.ts later is covered without
// doing anything (a section that wants to keep unknown keys uses .passthrough(), and a rename of
// an old key belongs in migrate.ts, where it happens before this check).
import { formatPath, type Diagnostic } from './diagnostics';

export const FORBIDDEN_KEY = '__proto__';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A path as a chain of steps back to the root: cheap to extend, spelled out only when reported. */
interface Step {
  key: PropertyKey;
  up: Step | null;
}
function pathOf(s: Step | null, last?: PropertyKey): string {
  const keys: PropertyKey[] = last === undefined ? [] : [last];
  for (let x = s; x; x = x.up) keys.push(x.key);
  return formatPath(keys.reverse());
}

/** Walks every object and array below `root` without recursion (a file may nest deeply). */
function walk(root: unknown, visit: (o: Obj, at: Step | null) => void): void {
  const stack: { v: unknown; at: Step | null }[] = [{ v: root, at: null }];
  while (stack.length) {
    const { v, at } = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) if (typeof v[i] === 'object' && v[i] !== null) stack.push({ v: v[i], at: { key: i, up: at } });
    } else if (isObject(v)) {
      visit(v, at);
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const x = v[keys[i]];
        if (typeof x === 'object' && x !== null) stack.push({ v: x, at: { key: keys[i], up: at } });
      }
    }
  }
}

/** Every "__proto__" key in the parsed JSON, with its path. */
export function forbiddenKeys(raw: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  walk(raw, (o, at) => {
    if (Object.hasOwn(o, FORBIDDEN_KEY)) {
      out.push({
        severity: 'error',
        path: pathOf(at, FORBIDDEN_KEY),
        message: `"${FORBIDDEN_KEY}" is not allowed as a key (nor as a node id or name used as one): JavaScript reads it as an object's prototype, so its value would be lost; rename it`,
      });
    }
  });
  return out;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

/** The message for a key the format does not know at this place; `known` are the keys it does. */
export function unknownKeyMessage(key: string, known: string[]): string {
  const near = known.filter((k) => k !== key && editDistance(k, key) <= Math.max(1, Math.floor(key.length / 3)));
  const hint = near.length ? `did you mean "${near[0]}"? ` : '';
  return `unknown key "${key}": ${hint}the graph format has no such field here (a typo, or a file from a newer seqgraph: update seqgraph to open it); it was not read`;
}

/**
 * Keys of `raw` that the schema dropped from `parsed` (the same document after parsing), with
 * their paths. Only objects whose parsed form is an object too are compared, element by element
 * in arrays of the same length, so a transform that changes a value's kind is left alone.
 */
export function unknownKeys(raw: unknown, parsed: unknown): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: { r: unknown; p: unknown; at: Step | null }[] = [{ r: raw, p: parsed, at: null }];
  while (stack.length) {
    const { r, p, at } = stack.pop()!;
    if (Array.isArray(r)) {
      if (!Array.isArray(p) || p.length !== r.length) continue;
      for (let i = r.length - 1; i >= 0; i--) if (typeof r[i] === 'object' && r[i] !== null) stack.push({ r: r[i], p: p[i], at: { key: i, up: at } });
      continue;
    }
    if (!isObject(r) || !isObject(p)) continue;
    const keys = Object.keys(r);
    for (const k of keys) {
      // FORBIDDEN_KEY is reported by forbiddenKeys
      if (k !== FORBIDDEN_KEY && !Object.hasOwn(p, k)) out.push({ severity: 'error', path: pathOf(at, k), message: unknownKeyMessage(k, Object.keys(p)) });
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      if (k !== FORBIDDEN_KEY && Object.hasOwn(p, k) && typeof r[k] === 'object' && r[k] !== null) stack.push({ r: r[k], p: p[k], at: { key: k, up: at } });
    }
  }
  return out;
}
