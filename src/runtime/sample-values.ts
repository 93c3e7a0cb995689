// A float sample (nested number lists in a graph file's `samples`) -> a tensor, checked the way a
// person would check it by eye: the nesting depth, every row as long as the first (naming the
// row that is not), the feature count, and no empty axis. tokenize.ts's sampleToTensor uses it
// for float inputs, so the CLI, the editor and `validate` read samples the same way.
import type { GraphInput } from '../ir/program';
import { floatTensor, type Tensor } from './tensor';

function depth(v: unknown): number {
  let d = 0;
  while (Array.isArray(v)) {
    d++;
    v = v[0];
  }
  return d;
}

const AXIS_NAMES: Record<number, string[]> = { 2: ['row', 'feature'], 3: ['row', 'step', 'feature'] };

/**
 * The dims of a rectangular nested list of numbers `levels` deep, or why it is not one
 * ("row 1 has 3 steps but row 0 has 4"). Positions are written as [row, step].
 */
function rectangular(v: unknown, levels: number, names: string[]): number[] | string {
  const dims: number[] = [];
  let probe: unknown = v;
  for (let l = 0; l < levels; l++) {
    const a = probe as unknown[];
    dims.push(a.length);
    probe = a[0];
  }
  const walk = (x: unknown, l: number, at: number[]): string | null => {
    if (l === levels) return typeof x === 'number' ? null : `[${at.join(', ')}] is ${Array.isArray(x) ? 'a list' : JSON.stringify(x)}, not a number`;
    if (!Array.isArray(x)) return `[${at.join(', ')}] is ${JSON.stringify(x)}, not a list of ${names[l]}s`;
    if (x.length !== dims[l]) {
      const what = l === 0 ? 'the sample' : `${names[l - 1]} [${at.join(', ')}]`;
      const first = l === 0 ? '' : ` but ${names[l - 1]} [${at.map(() => 0).join(', ')}] has ${dims[l]}`;
      return `${what} has ${x.length} ${names[l]}${x.length === 1 ? '' : 's'}${first || ''}`;
    }
    for (let i = 0; i < x.length; i++) {
      const r = walk(x[i], l + 1, [...at, i]);
      if (r) return r;
    }
    return null;
  };
  const why = walk(v, 0, []);
  return why ?? dims;
}

/** One float sample value for one graph input -> a tensor, or a message saying why it doesn't fit. */
export function floatSampleToTensor(input: GraphInput, value: unknown): Tensor | string {
  const info = input.info;
  if (info.kind !== 'float') return `input "${input.name}" takes text`;
  const name = `input "${input.name}"`;
  if (typeof value === 'string' || (Array.isArray(value) && value.some((v) => typeof v === 'string'))) return `${name} takes numbers, got text`;
  if (!Array.isArray(value)) return `${name} takes nested lists of numbers`;
  const rank = input.shape.length; // 3: a sequence [B,T,F] (or a state [L,B,F]); 2: a vector [B,F]
  const d = depth(value);
  const forms = rank === 3 ? '[T][F] (one row) or [B][T][F]' : '[F] (one row) or [B][F]';
  if (d !== rank && d !== rank - 1) return `${name} takes ${forms} numbers, got ${d}-level nested lists`;
  const batched = d === rank ? value : [value];
  const names = AXIS_NAMES[rank] ?? [];
  const dims = rectangular(batched, rank, names);
  if (typeof dims === 'string') return `${name}: ${dims} (every ${names.slice(0, -1).join(' and every ')} needs the same length)`;
  const empty = dims.findIndex((n) => n === 0);
  if (empty >= 0) return `${name}: the sample has no ${names[empty]}s (an axis of length 0); give at least one`;
  if (dims[rank - 1] !== info.features) return `${name} has ${info.features} feature${info.features === 1 ? '' : 's'} per ${rank === 3 ? 'step' : 'row'}; the sample has ${dims[rank - 1]}`;
  const flat = (batched as unknown[]).flat(rank - 1) as number[];
  return floatTensor(dims, flat);
}
