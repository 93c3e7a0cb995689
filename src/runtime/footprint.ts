// How much memory a run will take, worked out from the program and the feeds' shapes before any
// kernel runs: every IR value the executor materialises (4 bytes a number), plus the trace when
// one is recorded. Symbolic dims come from the feeds (B, T, T_<input>); a decoder's output steps
// M are at most its max_len. An estimate, meant to refuse a run that could only die late (a
// decoder of max_len 100,000 over a large vocabulary, a RepeatVector of a million steps) with
// the figure and the limit, instead of a failed allocation after minutes of work.
import type { Program } from '../ir/program';
import { own } from '../doc/dict';
import type { Tensor } from './tensor';

/** The most bytes a run may need by this estimate: 4 GiB. */
export const MAX_RUN_BYTES = 4 * 2 ** 30;

const GATES: Record<string, number> = { LSTM: 4, GRU: 3, RNN: 1 };

export function runFootprint(program: Program, feeds: Record<string, Tensor>, opts: { trace?: boolean } = {}): number {
  const dims = new Map<string, number>();
  for (const inp of program.inputs) {
    const t = own(feeds, inp.name);
    if (!t) continue;
    inp.shape.forEach((d, i) => {
      if (typeof d === 'string') dims.set(d, Math.max(dims.get(d) ?? 0, t.shape[i] ?? 1));
    });
  }
  let maxLen = 0;
  for (const op of program.ops) if (op.op === 'Decode') maxLen = Math.max(maxLen, Number(op.attrs.max_len) || 0);
  if (!dims.has('M') && maxLen) dims.set('M', maxLen);
  const sizeOf = (shape: readonly (number | string)[]) => shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : (dims.get(d) ?? 1)), 1);

  let values = 0;
  for (const v of Object.values(program.values)) if (!own(program.initializers, v.name)) values += sizeOf(v.shape);
  let trace = 0;
  if (opts.trace) {
    // h (and c) and every gate at every step of every traced layer: about (gates + 2) outputs' worth
    for (const t of program.traced) {
      for (const { opIndex } of t.layers) {
        const op = program.ops[opIndex];
        const y = op && own(program.values, op.outputs[0]);
        if (y) trace += sizeOf(y.shape) * ((GATES[op.op] ?? 4) + 2);
      }
    }
  }
  return (values + trace) * 4;
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 2 : 1)} GiB`;

/** null when the run fits in `limit` bytes, else why not, with both figures. */
export function footprintProblem(bytes: number, limit = MAX_RUN_BYTES): string | null {
  if (bytes <= limit) return null;
  return `this run would need about ${gib(bytes)} of memory for its values, more than the ${gib(limit)} allowed: run fewer rows or shorter sequences (a Decoder's max_len bounds its steps)`;
}
