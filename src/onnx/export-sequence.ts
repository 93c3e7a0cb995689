// Export of the IR's sequence ops, which ONNX lacks as single ops, to short ONNX subgraphs.
// B and T stay dynamic: anything that depends on them is computed from shapes at run time.
import type { Op } from '../ir/program';
import type { EmitContext } from './export-recurrent';
import { attr, DataType } from './proto';

function rankOf(ctx: EmitContext, op: Op, value: string, dflt: number): number {
  return ctx.program.values[value]?.shape.length ?? dflt;
}

/** SeqLengths(tokens [B,T], pad) -> ReduceSum(Cast(Not(Equal(tokens, pad)), int64), axis 1) [B] */
export function emitSeqLengths(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const pad = op.attrs.pad;
  if (typeof pad !== 'number' || !Number.isInteger(pad)) throw ctx.error(op, `attribute pad must be an integer, got ${String(pad)}`);
  const eq = b.op('Equal', [v(op.inputs[0]), b.constInt64([pad], [], 'pad')]);
  const real = b.cast(b.op('Not', [eq]), DataType.INT64);
  b.reduce('ReduceSum', real, [1], false, v(op.outputs[0]));
}

/**
 * LastStep(X [B,T,...], lengths?) -> [B,...]: with lengths X[b, len_b - 1] by GatherND with
 * batch_dims 1 on indices [B,1]; without, Gather index -1 on axis 1.
 */
export function emitLastStep(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const x = v(op.inputs[0]);
  const lengths = op.inputs[1] ?? '';
  const out = v(op.outputs[0]);
  if (lengths === '') {
    b.op('Gather', [x, b.constInt64([-1], [], 'last')], [attr.int('axis', 1)], out);
    return;
  }
  const last = b.op('Sub', [v(lengths), b.constInt64([1], [], 'one')]); // [B]
  b.op('GatherND', [x, b.unsqueeze(last, [1])], [attr.int('batch_dims', 1)], out);
}

/**
 * SeqPool(X [B,T,D], lengths?) mean | max over the valid steps -> [B,D].
 * mean: sum(X * mask) / len; max: ReduceMax(Where(mask, X, -inf)). Without lengths, over all T.
 */
export function emitSeqPool(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const mode = op.attrs.mode;
  if (mode !== 'mean' && mode !== 'max') throw ctx.error(op, `mode must be mean or max, got ${String(mode)}`);
  const x = v(op.inputs[0]);
  const lengths = op.inputs[1] ?? '';
  const out = v(op.outputs[0]);
  if (lengths === '') {
    b.reduce(mode === 'mean' ? 'ReduceMean' : 'ReduceMax', x, [1], false, out);
    return;
  }
  const rank = rankOf(ctx, op, op.inputs[0], 3);
  const len = v(lengths);
  if (mode === 'mean') {
    const sum = b.reduce('ReduceSum', b.op('Mul', [x, b.stepMaskFloat(x, len, rank)]), [1], false);
    let count = b.cast(len, DataType.FLOAT); // [B]
    if (rank > 2) count = b.unsqueeze(count, Array.from({ length: rank - 2 }, (_, i) => i + 1)); // [B,1,...]
    b.op('Div', [sum, count], [], out);
  } else {
    let mask = b.stepMask(x, len); // bool [B,T]
    if (rank > 2) mask = b.unsqueeze(mask, Array.from({ length: rank - 2 }, (_, i) => i + 2));
    const masked = b.op('Where', [mask, x, b.constFloat([-Infinity], [], 'neg_inf')]);
    b.reduce('ReduceMax', masked, [1], false, out);
  }
}

/** RepeatVector(V [B,D], n) -> Expand(Unsqueeze(V, 1), [1,n,1]) [B,n,D] */
export function emitRepeatVector(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const n = op.attrs.n;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw ctx.error(op, `attribute n must be a positive integer, got ${String(n)}`);
  const rank = rankOf(ctx, op, op.inputs[0], 2);
  const shape = Array(rank + 1).fill(1);
  shape[1] = n;
  b.op('Expand', [b.unsqueeze(v(op.inputs[0]), [1]), b.constInt64(shape, [rank + 1], 'repeat')], [], v(op.outputs[0]));
}

/** MaskSteps(X [B,T,D], lengths) -> X * mask [B,T,1] */
export function emitMaskSteps(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const lengths = op.inputs[1] ?? '';
  if (lengths === '') throw ctx.error(op, 'input lengths is missing');
  const x = v(op.inputs[0]);
  b.op('Mul', [x, b.stepMaskFloat(x, v(lengths), rankOf(ctx, op, op.inputs[0], 3))], [], v(op.outputs[0]));
}

/** MergeDirections(X [...,2H]) sum | mul | ave of the two halves of the last axis -> [...,H] */
export function emitMergeDirections(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const mode = op.attrs.mode;
  if (mode !== 'sum' && mode !== 'mul' && mode !== 'ave') throw ctx.error(op, `mode must be sum, mul or ave, got ${String(mode)}`);
  const [fwd, rev] = b.splitEqual(v(op.inputs[0]), -1, 2);
  const out = v(op.outputs[0]);
  if (mode === 'mul') b.op('Mul', [fwd, rev], [], out);
  else if (mode === 'sum') b.op('Add', [fwd, rev], [], out);
  else b.op('Mul', [b.op('Add', [fwd, rev]), b.constFloat([0.5], [], 'half')], [], out);
}

/** StateToVector(S [D,B,H]) -> Reshape(Transpose(S, [1,0,2]), [0,-1]) [B,D*H] */
export function emitStateToVector(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const t = b.op('Transpose', [v(op.inputs[0])], [attr.ints('perm', [1, 0, 2])]);
  b.op('Reshape', [t, b.constInt64([0, -1], [2], 'shape')], [], v(op.outputs[0]));
}

const SCAN_OP: Record<string, string> = { sum: 'Add', prod: 'Mul', max: 'Max', min: 'Min' };
const SCAN_IDENTITY: Record<string, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/**
 * Cumulative(X [B,T,D], initial?, lengths?) -> an ONNX Scan over axis 1 whose body is one
 * elementwise op (state op x_t), the state also being the step's scan output. Padded steps are
 * replaced by the op's identity first, so the final state is the one after each row's last real
 * step (Scan has no per-row lengths); the runtime carries that value over the padded steps too.
 */
export function emitCumulative(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const mode = op.attrs.op;
  if (typeof mode !== 'string' || !(mode in SCAN_OP)) throw ctx.error(op, `op must be sum, prod, max or min, got ${String(mode)}`);
  const [xIn, initial = '', lengths = ''] = op.inputs;
  let x = v(xIn);
  const ident = () => b.constFloat([SCAN_IDENTITY[mode]], [], 'identity');
  if (lengths !== '') x = b.op('Where', [b.unsqueeze(b.stepMask(x, v(lengths)), [2]), x, ident()]);
  const init = initial !== '' ? v(initial) : b.fill(b.op('Concat', [b.dim(x, 0), b.dim(x, 2)], [attr.int('axis', 0)]), DataType.FLOAT, SCAN_IDENTITY[mode]);
  const sub = b.sub();
  const sIn = sub.fresh(`${op.node}/scan_state`), xT = sub.fresh(`${op.node}/scan_x`);
  const sOut = sub.op(SCAN_OP[mode], [sIn, xT]);
  const yOut = sub.op('Identity', [sOut]);
  const vi = (name: string) => ({ name, type: { tensor_type: { elem_type: DataType.FLOAT } } });
  const body = { name: b.fresh(`${op.node}/scan_body`), node: sub.nodes, input: [vi(sIn), vi(xT)], output: [vi(sOut), vi(yOut)] };
  const [yName, lastName] = [op.outputs[0] ? v(op.outputs[0]) : b.fresh(`${op.node}/scan_y`), op.outputs[1] ? v(op.outputs[1]) : b.fresh(`${op.node}/scan_last`)];
  b.add('Scan', [init, x], [lastName, yName], [attr.graph('body', body), attr.int('num_scan_inputs', 1), attr.ints('scan_input_axes', [1]), attr.ints('scan_output_axes', [1])]);
}
