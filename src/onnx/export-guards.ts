// Guards that make the exported model refuse what the runtime refuses, so that for every feed the
// two agree or both refuse — never a third answer (an ONNX model computes *something* for any
// tensor of the right type: a negative token id wraps around in Gather, padding in the middle of
// a row is silently counted, a row of only padding reads step −1, and NaN flows through).
//
// The runtime checks feeds in execute.ts (checkFeeds, tokenize.ts paddingProblem) and every float
// result for NaN/Inf. Here each condition becomes a bool scalar `ok`, and a Gather of a one-element
// constant at index (ok ? 0 : 1) fails in onnxruntime when ok is false ("indices element out of
// data bounds"). The failing node's name is the message, so onnxruntime's error says what was
// refused and where, e.g. Name:'seqgraph refuses input "word": padding only at the end of a row'.
// The Gather's result (0) is folded into the input (or output) — added to ids, x·(1 − 0) for
// floats, which keeps every bit — so the check sits on the data path and no optimiser can drop it.
//
// What stays out of reach: a float overflow inside the graph that a later op saturates away
// (tanh(Inf) = 1) is refused by the runtime, while the model, which only checks its inputs and
// outputs, answers. Such a run needs inputs or weights near 1e38.
import type { GraphInput, GraphOutput } from '../ir/program';
import type { GraphBuilder } from './export-builder';
import { attr, DataType } from './proto';

const GUARD = 'seqgraph refuses';

/** ok ? 0 : error, as an int64 scalar; the node's name is the message onnxruntime shows */
function assertion(b: GraphBuilder, ok: string, message: string): string {
  const index = b.cast(b.op('Not', [ok]), DataType.INT64); // 0 when ok
  const zero = b.op('Gather', [b.constInt64([0], [1], 'guard_zero'), index], [attr.int('axis', 0)]);
  b.nodes[b.nodes.length - 1].name = b.fresh(`${GUARD} ${message}`);
  return zero;
}

/** bool scalar: no element of the bool tensor `bad` (of rank `rank`) is true */
function none(b: GraphBuilder, bad: string, rank: number): string {
  const count = b.reduce('ReduceSum', b.cast(bad, DataType.INT64), Array.from({ length: rank }, (_, i) => i), false);
  return b.op('Equal', [count, b.constInt64([0], [], 'zero')]);
}

/** the int64 [1] size of the batch axis of x */
const batchOf = (b: GraphBuilder, x: string, axis: number) => b.dim(x, axis);

/**
 * Guards every graph input; returns, per input name, the value the graph should read instead
 * (the input plus the guards' zeros). The first input with a batch axis sets B for the others.
 */
export function guardInputs(b: GraphBuilder, inputs: GraphInput[]): Map<string, string> {
  const out = new Map<string, string>();
  let batch: { name: string; dim: string } | undefined;
  for (const inp of inputs) {
    const x = inp.name;
    const rank = inp.shape.length;
    const checks: string[] = [];
    const check = (ok: string, what: string) => checks.push(assertion(b, ok, `input "${x}": ${what}`));
    check(b.op('Greater', [b.op('Size', [x]), b.constInt64([0], [], 'zero')]), 'every axis must be at least 1 long');
    const bAxis = inp.shape.indexOf('B');
    if (bAxis >= 0) {
      const dim = batchOf(b, x, bAxis);
      if (batch) check(b.squeeze(b.op('Equal', [dim, batch.dim]), [0]), `its batch size must equal that of input "${batch.name}"`);
      else batch = { name: x, dim };
    }
    if (inp.info.kind === 'tokens') {
      const V = inp.info.vocab.length;
      const inRange = b.op('And', [b.op('GreaterOrEqual', [x, b.constInt64([0], [], 'zero')]), b.op('Less', [x, b.constInt64([V], [], 'vocab_size')])]);
      check(none(b, b.op('Not', [inRange]), rank), `token ids must be in 0..${V - 1} (the vocabulary has ${V} symbols)`);
      const pad = inp.info.pad;
      if (pad !== undefined) {
        const real = b.op('Not', [b.op('Equal', [x, b.constInt64([pad], [], 'pad')])]); // [B,T]
        const len = b.reduce('ReduceSum', b.cast(real, DataType.INT64), [1], false); // [B]
        const prefix = b.stepMask(x, len); // what `real` is when padding sits only at the end
        check(none(b, b.op('Xor', [real, prefix]), 2), `padding (id ${pad}) must be only at the end of a row`);
        check(none(b, b.op('Equal', [len, b.constInt64([0], [], 'zero')]), 1), `a row must not be all padding (id ${pad})`);
      }
    } else if (inp.dtype === 'float32') {
      check(none(b, b.op('Or', [b.op('IsNaN', [x]), b.op('IsInf', [x])]), rank), 'NaN and Inf values are not allowed');
    }
    let zeros = checks[0];
    for (const c of checks.slice(1)) zeros = b.op('Add', [zeros, c]);
    out.set(inp.name, inp.dtype === 'float32' ? timesOne(b, x, zeros) : b.op('Add', [x, zeros]));
  }
  return out;
}

/** x · (1 − zero): the same bits as x (−0 stays −0, which x + 0 would not keep), after the checks ran */
function timesOne(b: GraphBuilder, x: string, zero: string, out?: string): string {
  const one = b.op('Sub', [b.constFloat([1], [], 'one'), b.cast(zero, DataType.FLOAT)]);
  return b.op('Mul', [x, one], [], out);
}

/** Guards a float output: `value` (what the graph computed) -> `name` (the graph output), refused when not finite. */
export function guardOutput(b: GraphBuilder, output: GraphOutput, value: string): void {
  const rank = output.shape.length;
  const ok = none(b, b.op('Or', [b.op('IsNaN', [value]), b.op('IsInf', [value])]), rank);
  timesOne(b, value, assertion(b, ok, `output "${output.name}": it holds NaN or Inf (the runtime refuses the non-finite result that made it)`), output.name);
}
