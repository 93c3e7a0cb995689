// Export of the IR's attention ops (Attention, ConcatAttention, MultiHeadAttention) to ONNX
// MatMul/Softmax subgraphs, and the pieces of them the decoder's Loop body reuses
// (export-decoder.ts attends once per step with the same score rules).
//
// The maths is runtime/kernels/attention.ts's; how it is laid out here, and why:
// - Everything is rank 3 ([B,T,·]; a Vector query is Unsqueezed to T = 1 and its outputs
//   Squeezed back), so one code path serves a Vector query, a Sequence query and a decoder step.
// - Key-side work is done once per call, as the kernel's prepareKeys does: the keys transposed for
//   dot/scaled_dot ([B,Dk,S]), W·kᵀ for general ([B,Dq,S]), W_key·k for additive ([B,S,A]).
// - Padded keys: mask = Less(Range(S), lengths) [B,S]; scores = Where(mask, scores, -inf),
//   Softmax, then Where(mask, weights, 0) again: a row with no valid key would be all NaN after
//   the Softmax, and the runtime gives it zero weights (and so a zero context).
// - Padded query steps (query_lengths): their weights, context (and combined / output) are 0.
// - Weights read as Xᵀ are stored transposed as new initializers (the Program keeps PyTorch's
//   layout); a weight computed at run time gets a Transpose node instead.
import type { Op } from '../ir/program';
import type { GraphBuilder } from './export-builder';
import type { EmitContext } from './export-recurrent';
import { attr, DataType, floatTensorProto } from './proto';

export type Rule = 'dot' | 'scaled_dot' | 'general' | 'additive';
export const RULES: readonly string[] = ['dot', 'scaled_dot', 'general', 'additive'];

/** Wᵀ of a 2-D weight: a transposed initializer when W is one (made once per weight), else a Transpose node */
export function transposedWeight(ctx: EmitContext, name: string): string {
  const { b, program, v } = ctx;
  const W = program.initializers[name];
  if (!W || W.dtype !== 'float32' || W.shape.length !== 2) return b.op('Transpose', [v(name)], [attr.ints('perm', [1, 0])]);
  const cache = (ctx.transposed ??= new Map<string, string>());
  const hit = cache.get(name);
  if (hit) return hit;
  const [n, k] = W.shape;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[j * n + i] = W.data[i * k + j];
  const t = b.addInitializer(floatTensorProto(b.fresh(`${name}_T`), [k, n], out));
  cache.set(name, t);
  return t;
}

/** Softmax over the last axis of the positions `mask` allows (bool, broadcast); masked positions get exactly 0 */
export function maskedSoftmax(b: GraphBuilder, scores: string, mask: string, out?: string): string {
  if (mask === '') return b.op('Softmax', [scores], [attr.int('axis', -1)], out);
  const negInf = b.constFloat([-Infinity], [], 'neg_inf');
  const w = b.op('Softmax', [b.op('Where', [mask, scores, negInf])], [attr.int('axis', -1)]);
  return b.op('Where', [mask, w, b.constFloat([0], [], 'zero')], [], out);
}

/** Where(mask, x, 0): zero what the mask does not allow (padded query steps) */
export function zeroWhereNot(b: GraphBuilder, mask: string, x: string, out?: string): string {
  if (mask === '') return out === undefined ? x : b.op('Identity', [x], [], out);
  return b.op('Where', [mask, x, b.constFloat([0], [], 'zero')], [], out);
}

/** bool [B,n]: position s < lengths[b], for n positions given as an int64 scalar value */
export function positionsMask(b: GraphBuilder, n: string, lengths: string): string {
  const steps = b.op('Range', [b.constInt64([0], [], 'zero'), n, b.constInt64([1], [], 'one')]);
  return b.op('Less', [steps, b.unsqueeze(lengths, [1])]);
}

/** Keys prepared once for a score rule (the ONNX side of the kernel's prepareKeys). */
export interface RuleKeys {
  rule: Rule;
  /** dot, scaled_dot, general: [B,kd,S] to MatMul a query [B,T,kd] with */
  kT?: string;
  /** additive: W_key·k [B,S,A], W_queryᵀ [Dq,A] and v [A] */
  kp?: string;
  wqT?: string;
  v?: string;
  /** scaled_dot: 1/√Dk as a float scalar value */
  scale?: string;
}

/** Which weights a rule reads (IR value names, '' when absent). */
export interface RuleWeightNames {
  W: string;
  W_query: string;
  W_key: string;
  v: string;
}

export function prepareRuleKeys(ctx: EmitContext, op: Op, rule: string, keys: string, w: RuleWeightNames): RuleKeys {
  const { b, v, program, error } = ctx;
  const need = (name: keyof RuleWeightNames) => {
    if (w[name] === '') throw error(op, `score ${rule} needs weight ${name}`);
    return w[name];
  };
  const k = v(keys);
  switch (rule) {
    case 'dot':
      return { rule, kT: b.op('Transpose', [k], [attr.ints('perm', [0, 2, 1])]) };
    case 'scaled_dot': {
      const Dk = program.values[keys]?.shape[2];
      // 1/√Dk: a constant when the key size is fixed (always, for graphs the compiler makes)
      const scale =
        typeof Dk === 'number'
          ? b.constFloat([1 / Math.sqrt(Dk)], [], 'scale')
          : b.op('Reciprocal', [b.op('Sqrt', [b.cast(b.op('Gather', [b.op('Shape', [k]), b.constInt64([2], [], 'axis')], [attr.int('axis', 0)]), DataType.FLOAT)])]);
      return { rule, kT: b.op('Transpose', [k], [attr.ints('perm', [0, 2, 1])]), scale };
    }
    case 'general':
      // qᵀ·W·k = q · (W·k): W [Dq,Dk] · kᵀ [B,Dk,S] -> [B,Dq,S]
      return { rule, kT: b.op('MatMul', [v(need('W')), b.op('Transpose', [k], [attr.ints('perm', [0, 2, 1])])]) };
    case 'additive':
      return { rule, kp: b.op('MatMul', [k, transposedWeight(ctx, need('W_key'))]), wqT: transposedWeight(ctx, need('W_query')), v: v(need('v')) };
    default:
      throw error(op, `unknown score rule '${rule}' (dot, scaled_dot, general, additive)`);
  }
}

/** scores [B,T,S] of queries q3 [B,T,Dq] against prepared keys; `bb` may be a subgraph's builder */
export function ruleScores(bb: GraphBuilder, K: RuleKeys, q3: string): string {
  if (K.rule === 'additive') {
    const qp = bb.op('MatMul', [q3, K.wqT!]); // [B,T,A]
    const sum = bb.op('Add', [bb.unsqueeze(qp, [2]), bb.unsqueeze(K.kp!, [1])]); // [B,T,S,A]
    return bb.op('MatMul', [bb.op('Tanh', [sum]), K.v!]); // [B,T,S]
  }
  const s = bb.op('MatMul', [q3, K.kT!]);
  return K.scale ? bb.op('Mul', [s, K.scale]) : s;
}

/** rank of an IR value (2 for a Vector query, 3 for a Sequence) */
function rankOf(ctx: EmitContext, op: Op, value: string): number {
  const r = ctx.program.values[value]?.shape.length;
  if (r !== 2 && r !== 3) throw ctx.error(op, `the query must be [B,D] or [B,T,D], got rank ${String(r)}`);
  return r;
}

/** the query as [B,T,D], the key mask as [B,1,S] and the query mask as [B,T,1] ('' when absent) */
function frame(ctx: EmitContext, op: Op, query: string, keys: string, lengths: string, qLengths: string) {
  const { b, v } = ctx;
  const vec = rankOf(ctx, op, query) === 2;
  const q3 = vec ? b.unsqueeze(v(query), [1]) : v(query);
  const kMask = lengths === '' ? '' : b.unsqueeze(b.stepMask(v(keys), v(lengths)), [1]);
  const qMask = vec || qLengths === '' ? '' : b.unsqueeze(b.stepMask(q3, v(qLengths)), [2]);
  return { vec, q3, kMask, qMask };
}

/** write a [B,T,·] result to an IR output: Squeeze(1) for a Vector query; '' outputs are skipped */
function put(ctx: EmitContext, vec: boolean, x: string, output: string | undefined): void {
  if (!output) return;
  if (vec) ctx.b.squeeze(x, [1], ctx.v(output));
  else ctx.b.op('Identity', [x], [], ctx.v(output));
}

/** Attention(query, keys, values, lengths?, query_lengths?, W?, W_query?, W_key?, v?) -> context, weights */
export function emitAttention(ctx: EmitContext, op: Op): void {
  const { b, v } = ctx;
  const [query, keys, values, lengths = '', qLengths = '', W = '', W_query = '', W_key = '', vv = ''] = op.inputs;
  const rule = op.attrs.score;
  if (typeof rule !== 'string' || !RULES.includes(rule)) throw ctx.error(op, `score must be one of ${RULES.join(', ')}, got ${String(rule)}`);
  const { vec, q3, kMask, qMask } = frame(ctx, op, query, keys, lengths, qLengths);
  const K = prepareRuleKeys(ctx, op, rule, keys, { W, W_query, W_key, v: vv });
  const weights = zeroWhereNot(b, qMask, maskedSoftmax(b, ruleScores(b, K, q3), kMask));
  // padded query steps have zero weights, so their context is already 0
  const context = b.op('MatMul', [weights, v(values)]);
  put(ctx, vec, context, op.outputs[0]);
  put(ctx, vec, weights, op.outputs[1]);
}

/**
 * ConcatAttention(query, hidden?, values, lengths?, query_lengths?, attn_W, attn_b, combine_W,
 * combine_b): weights = softmax(attn_W·[query; hidden] + attn_b) over Smax positions (masked at
 * or past lengths when given; the tutorial masks nothing), context = weights[:, :, :S] · values
 * (positions past S read zero rows), combined = combine_W·[query; context] + combine_b.
 */
export function emitConcatAttention(ctx: EmitContext, op: Op): void {
  const { b, v, program } = ctx;
  const [query, hidden = '', values, lengths = '', qLengths = '', attnW, attnB, combW, combB] = op.inputs;
  const Smax = program.initializers[attnB]?.shape[0] ?? program.values[attnB]?.shape[0];
  if (typeof Smax !== 'number') throw ctx.error(op, 'attn_b must have a fixed size (the max_length positions it scores)');
  const { vec, q3, qMask } = frame(ctx, op, query, values, '', qLengths);
  const h3 = hidden === '' ? '' : vec ? b.unsqueeze(v(hidden), [1]) : v(hidden);
  const qh = h3 === '' ? q3 : b.op('Concat', [q3, h3], [attr.int('axis', -1)]);
  const logits = b.op('Add', [b.op('MatMul', [qh, transposedWeight(ctx, attnW)]), v(attnB)]); // [B,T,Smax]
  const kMask = lengths === '' ? '' : b.unsqueeze(positionsMask(b, b.constInt64([Smax], [], 'smax'), v(lengths)), [1]);
  const weights = zeroWhereNot(b, qMask, maskedSoftmax(b, logits, kMask));
  const S = b.dim(v(values), 1);
  const first = b.op('Slice', [weights, b.constInt64([0], [1], 'zero'), S, b.constInt64([2], [1], 'axis')]); // [B,T,S]
  const context = b.op('MatMul', [first, v(values)]);
  const qc = b.op('Concat', [q3, context], [attr.int('axis', -1)]);
  const combined = zeroWhereNot(b, qMask, b.op('Add', [b.op('MatMul', [qc, transposedWeight(ctx, combW)]), v(combB)]));
  put(ctx, vec, context, op.outputs[0]);
  put(ctx, vec, weights, op.outputs[1]);
  put(ctx, vec, combined, op.outputs[2]);
}

/**
 * MultiHeadAttention as nn.MultiheadAttention(batch_first): Q, K, V from the three row blocks of
 * in_proj; per head (Reshape [B,·,h,d] + Transpose) softmax(Q·Kᵀ/√d) over the valid keys; the
 * heads' contexts side by side through out_proj. Weights per head [B,h,T,S].
 */
export function emitMultiHeadAttention(ctx: EmitContext, op: Op): void {
  const { b, v, program, error } = ctx;
  const [query, key, value, lengths = '', qLengths = '', inW, inB, outW, outB] = op.inputs;
  const heads = op.attrs.num_heads;
  if (typeof heads !== 'number' || !Number.isInteger(heads) || heads < 1) throw error(op, `num_heads must be a positive integer, got ${String(heads)}`);
  const E = program.values[query]?.shape[2];
  if (typeof E !== 'number' || E % heads !== 0) throw error(op, `the query size (${String(E)}) must be fixed and divisible by num_heads ${heads}`);
  if (program.values[query]?.shape.length !== 3) throw error(op, 'the query must be a sequence [B,T,E]');
  const d = E / heads;
  // the row block `part` of in_proj: as a transposed initializer [E,E] and a bias [E]
  const W = program.initializers[inW], Bi = program.initializers[inB];
  const proj = (x: string, part: number) => {
    let wT: string, bias: string;
    if (W && Bi && W.shape[0] === 3 * E) {
      const blk = new Float32Array(E * E);
      for (let i = 0; i < E; i++) for (let j = 0; j < E; j++) blk[j * E + i] = W.data[(part * E + i) * E + j];
      wT = b.addInitializer(floatTensorProto(b.fresh(`${inW}_${'qkv'[part]}_T`), [E, E], blk));
      bias = b.constFloat(Array.from(Bi.data.subarray(part * E, (part + 1) * E)), [E], `${inB}_${'qkv'[part]}`);
    } else {
      const rows = (t: string) => b.op('Slice', [v(t), b.constInt64([part * E], [1], 'start'), b.constInt64([(part + 1) * E], [1], 'end'), b.constInt64([0], [1], 'axis')]);
      wT = b.op('Transpose', [rows(inW)], [attr.ints('perm', [1, 0])]);
      bias = rows(inB);
    }
    return b.op('Add', [b.op('MatMul', [v(x), wT]), bias]); // [B,·,E]
  };
  const split = (x: string, perm: number[]) => b.op('Transpose', [b.op('Reshape', [x, b.constInt64([0, 0, heads, d], [4], 'heads')])], [attr.ints('perm', perm)]);
  const Qh = split(proj(query, 0), [0, 2, 1, 3]); // [B,h,T,d]
  const Kh = split(proj(key, 1), [0, 2, 3, 1]); // [B,h,d,S]
  const Vh = split(proj(value, 2), [0, 2, 1, 3]); // [B,h,S,d]
  const scores = b.op('Mul', [b.op('MatMul', [Qh, Kh]), b.constFloat([1 / Math.sqrt(d)], [], 'scale')]); // [B,h,T,S]
  const kMask = lengths === '' ? '' : b.unsqueeze(b.stepMask(v(key), v(lengths)), [1, 2]); // [B,1,1,S]
  const qMask = qLengths === '' ? '' : b.stepMask(v(query), v(qLengths)); // [B,T]
  const weights = zeroWhereNot(b, qMask === '' ? '' : b.unsqueeze(qMask, [1, 3]), maskedSoftmax(b, scores, kMask), op.outputs[1] ? v(op.outputs[1]) : undefined);
  const heads3 = b.op('Reshape', [b.op('Transpose', [b.op('MatMul', [weights, Vh])], [attr.ints('perm', [0, 2, 1, 3])]), b.constInt64([0, 0, E], [3], 'shape')]);
  const y = b.op('Add', [b.op('MatMul', [heads3, transposedWeight(ctx, outW)]), v(outB)]);
  if (op.outputs[0]) zeroWhereNot(b, qMask === '' ? '' : b.unsqueeze(qMask, [2]), y, v(op.outputs[0]));
}
