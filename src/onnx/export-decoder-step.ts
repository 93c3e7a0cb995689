// The Decode op's Loop body: one decoder step for all B rows, in the order of
// runtime/kernels/decoder.ts step(), then the pick of the next token and the bookkeeping of
// finished rows (decode() there). export-decoder.ts builds what the body reads before the Loop.
//
//   x      = embedding[prev]                                                  Gather
//   concat:  weights = softmax(attn_W·[x; h_top] + attn_b) over Smax, context = weights[:S]·memory,
//            x = relu(combine_W·[x; context] + combine_b)
//   bahdanau: context = attend(h_top, memory); x = [x; context]
//   per layer: PyTorch's cell (Gemm with transB = 1 reads the weights in PyTorch's layout)
//   luong:   context = attend(h_top_new); feat = tanh(combine_W·[context; h_top] + combine_b)
//            (or ·[h_top; context] with concat_order h_context)
//   bahdanau: feat = [h_top; context];  none / concat: feat = h_top
//   logp   = LogSoftmax(out_W·feat + out_b)
//   y      = the target's column t (forced), or ArgMax(logp with <pad> and <s> at -inf): the
//            first maximum, i.e. the lowest id on ties, never <pad> nor <s> (as the runtime picks)
//   rows already done emit the fill id (pad, else eos), zero log-probabilities and zero attention, and keep their
//   length and score; done |= (y = </s>) (forced: t + 1 >= the row's target length).
import type { Op } from '../ir/program';
import type { GraphBuilder } from './export-builder';
import { maskedSoftmax, ruleScores, type RuleKeys } from './export-attention';
import type { EmitContext } from './export-recurrent';
import { attr, DataType, type GraphProto, type ValueInfoProto } from './proto';
import { bannedIds, fillId } from '../ir/decode-ids';

/** index of the first per-layer cell weight among the Decode op's inputs (ir/ops.ts) */
export const CELL_WEIGHTS = 19;

/** a subgraph input or output: its element type, and its shape only where given (the Loop knows the rest at run time) */
function bodyValue(name: string, elemType: number, dims?: number[]): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, ...(dims ? { shape: { dim: dims.map((d) => ({ dim_value: d })) } } : {}) } } };
}

export interface DecodePlan {
  cell: 'RNN' | 'LSTM' | 'GRU';
  H: number;
  L: number;
  V: number;
  E: number;
  attention: string;
  /** a score rule (dot, scaled_dot, general, additive), and where it attends */
  rules: boolean;
  bahdanau: boolean;
  luong: boolean;
  /** concat: the positions the attn Linear scores */
  Smax: number;
  forced: boolean;
  state: 'none' | 'pass' | 'bridge' | 'vector';
  bos: number;
  eos: number;
  pad: number;
  maxLen: number;
  /** luong: the output layer reads [h; context] rather than [context; h] */
  hFirst: boolean;
}

/** outer values the body reads, made before the Loop ('' when absent) */
export interface BodyInputs {
  memory: string;
  keys: RuleKeys | null;
  /** bool [B,1,S] for the score rules; bool [B,Smax] for concat */
  keyMask: string;
  concatMask: string;
  /** concat: the memory's steps S as int64 [1] */
  memSteps: string;
  /** forced: the target with one <pad> column more [B,T+1], and the target lengths ([B], or T as a scalar) */
  targetP: string;
  tlen: string;
}

export function emitDecodeBody(ctx: EmitContext, op: Op, P: DecodePlan, o: BodyInputs): GraphProto {
  const sb = ctx.b.sub();
  const w = (i: number) => ctx.v(op.inputs[i] ?? '');
  const { H, L, cell } = P;
  const name = (what: string) => sb.fresh(`${op.node}/body_${what}`);
  const gemm = (x: string, W: string, bias: string) => sb.op('Gemm', [x, W, bias], [attr.int('transB', 1)]);
  const cat = (xs: string[]) => sb.op('Concat', xs, [attr.int('axis', 1)]);

  // --- inputs: iteration, cond, then the carried values
  const t = name('t'), condIn = name('cond');
  const prev = name('prev'), done = name('done'), len = name('lengths'), score = name('score');
  const hIn = Array.from({ length: L }, (_, l) => name(`h${l}`));
  const cIn = cell === 'LSTM' ? Array.from({ length: L }, (_, l) => name(`c${l}`)) : [];
  const F = DataType.FLOAT, I64 = DataType.INT64, BOOL = DataType.BOOL;
  const inputs = [bodyValue(t, I64, []), bodyValue(condIn, BOOL, []), bodyValue(prev, I64), bodyValue(done, BOOL), bodyValue(len, I64), bodyValue(score, F), ...hIn.map((h) => bodyValue(h, F)), ...cIn.map((c) => bodyValue(c, F))];

  // --- attention over the memory with a score rule, for a query q [B,H] -> weights [B,S], context [B,Dm]
  const attend = (q: string): [string, string] => {
    const w3 = maskedSoftmax(sb, ruleScores(sb, o.keys!, sb.unsqueeze(q, [1])), o.keyMask); // [B,1,S]
    const c3 = sb.op('MatMul', [w3, o.memory]); // [B,1,Dm]
    return [sb.squeeze(w3, [1]), sb.squeeze(c3, [1])];
  };

  // --- the step
  const emb = sb.op('Gather', [w(9), prev], [attr.int('axis', 0)]); // [B,E]
  let x0 = emb, weights = '', context = '';
  const topPrev = hIn[L - 1];
  if (P.attention === 'concat') {
    weights = maskedSoftmax(sb, gemm(cat([emb, topPrev]), w(12), w(13)), o.concatMask); // [B,Smax]
    const first = sb.op('Slice', [weights, sb.constInt64([0], [1], 'zero'), o.memSteps, sb.constInt64([1], [1], 'axis')]); // [B,S]
    context = sb.squeeze(sb.op('MatMul', [sb.unsqueeze(first, [1]), o.memory]), [1]); // [B,Dm]
    x0 = sb.op('Relu', [gemm(cat([emb, context]), w(17), w(18))]);
  } else if (P.bahdanau) {
    [weights, context] = attend(topPrev);
    x0 = cat([emb, context]);
  }
  const hOut: string[] = [], cOut: string[] = [];
  for (let l = 0; l < L; l++) {
    const k = CELL_WEIGHTS + 4 * l;
    const xp = gemm(l === 0 ? x0 : hOut[l - 1], w(k), w(k + 2)); // [B,G·H]
    const hh = gemm(hIn[l], w(k + 1), w(k + 3));
    const [h, c] = cellStep(sb, cell, xp, hh, hIn[l], cIn[l]);
    hOut.push(h);
    if (c) cOut.push(c);
  }
  const top = hOut[L - 1];
  let feat = top;
  if (P.luong) {
    [weights, context] = attend(top);
    feat = sb.op('Tanh', [gemm(cat(P.hFirst ? [top, context] : [context, top]), w(17), w(18))]);
  } else if (P.bahdanau) feat = cat([top, context]);
  const logp = sb.op('LogSoftmax', [gemm(feat, w(10), w(11))], [attr.int('axis', 1)]); // [B,V]

  // --- the next token, and the rows that are done
  let y: string;
  if (P.forced) y = sb.op('Gather', [o.targetP, t], [attr.int('axis', 1)]);
  else {
    // never <pad> nor <s> (bannedIds, as the runtime picks)
    const banned = bannedIds(P, P.V);
    const mask = Array.from(banned, (x) => (x ? -Infinity : 0));
    y = sb.op('ArgMax', [sb.op('Add', [logp, sb.constFloat(mask, [P.V], 'no_pad')])], [attr.int('axis', 1), attr.int('keepdims', 0), attr.int('select_last_index', 0)]);
  }
  const active = sb.op('Not', [done]); // [B]
  const active2 = sb.unsqueeze(active, [1]); // [B,1]
  const zero = sb.constFloat([0], [], 'zero');
  const tokOut = name('token'), logpOut = name('logp'), attnOut = P.attention !== 'none' ? name('attention') : '';
  sb.op('Where', [active, y, sb.constInt64([fillId(P)], [], 'pad')], [], tokOut);
  sb.op('Where', [active2, logp, zero], [], logpOut);
  if (attnOut) sb.op('Where', [active2, weights, zero], [], attnOut);
  const picked = sb.op('GatherElements', [logp, sb.unsqueeze(y, [1])], [attr.int('axis', 1)]); // [B,1]
  const scoreOut = sb.op('Add', [score, sb.op('Where', [active2, picked, zero])]);
  const lenOut = sb.op('Add', [len, sb.cast(active, I64)]);
  const prevOut = sb.op('Where', [active, y, prev]);
  const one = sb.constInt64([1], [], 'one');
  const finished = P.forced ? sb.op('GreaterOrEqual', [sb.op('Add', [t, one]), o.tlen]) : sb.op('Equal', [y, sb.constInt64([P.eos], [], 'eos')]);
  const doneOut = sb.op('Or', [done, finished]);
  // forced decoding runs all of the target's T steps (its output is [B, T, ·], as the runtime's and
  // the inferred shape); greedy stops once every row is done
  const condOut = P.forced ? sb.op('Identity', [sb.constBool(true, 'always')]) : sb.op('Greater', [sb.reduce('ReduceSum', sb.cast(sb.op('Not', [doneOut]), I64), [0], false), sb.constInt64([0], [], 'zero')]);

  const outs = [bodyValue(condOut, BOOL, []), bodyValue(prevOut, I64), bodyValue(doneOut, BOOL), bodyValue(lenOut, I64), bodyValue(scoreOut, F), ...hOut.map((h) => bodyValue(h, F)), ...cOut.map((c) => bodyValue(c, F))];
  outs.push(bodyValue(tokOut, I64), bodyValue(logpOut, F));
  if (attnOut) outs.push(bodyValue(attnOut, F));
  return { name: `${op.node}_decode_step`, node: sb.nodes, input: inputs, output: outs };
}

/**
 * One cell step from the input and hidden products xp = W_ih·x + b_ih, hh = W_hh·h + b_hh
 * (PyTorch's gate order). Returns the new h (and c for an LSTM).
 */
export function cellStep(sb: GraphBuilder, cell: DecodePlan['cell'], xp: string, hh: string, h: string, c: string | undefined): [string, string?] {
  if (cell === 'RNN') return [sb.op('Tanh', [sb.op('Add', [xp, hh])])];
  if (cell === 'LSTM') {
    const [i, f, g, o] = sb.splitEqual(sb.op('Add', [xp, hh]), 1, 4);
    const cNew = sb.op('Add', [sb.op('Mul', [sb.op('Sigmoid', [f]), c!]), sb.op('Mul', [sb.op('Sigmoid', [i]), sb.op('Tanh', [g])])]);
    return [sb.op('Mul', [sb.op('Sigmoid', [o]), sb.op('Tanh', [cNew])]), cNew];
  }
  // GRU, linear_before_reset (PyTorch): n = tanh(x_n + r·(W_hn h + b_hn)); h' = n + z·(h − n)
  const [xr, xz, xn] = sb.splitEqual(xp, 1, 3);
  const [hr, hz, hn] = sb.splitEqual(hh, 1, 3);
  const r = sb.op('Sigmoid', [sb.op('Add', [xr, hr])]);
  const z = sb.op('Sigmoid', [sb.op('Add', [xz, hz])]);
  const n = sb.op('Tanh', [sb.op('Add', [xn, sb.op('Mul', [r, hn])])]);
  return [sb.op('Add', [n, sb.op('Mul', [z, sb.op('Sub', [h, n])])])];
}
