// Training glue for the attention ops and the Decode op: reads an op's inputs by their position in
// ir/ops.ts, calls the backward kernels (attention-backward.ts, mha-backward.ts,
// decoder-backward.ts) and returns the gradients by input position, as the kernel table's
// backward slots do. Gradients come back in the precision of the input they belong to
// (Float32Array in training, Float64Array in the float64 finite-difference check).
import type { Op } from '../../ir/program';
import { intTensor, type Tensor } from '../tensor';
import { attentionDims, concatDims, mhaDims, type ScoreRule } from './attention';
import { attentionBackward, concatAttentionBackward } from './attention-backward';
import { mhaBackward } from './mha-backward';
import type { DecodeInputs, PreparedDecoder } from './decoder';
import { decodeTrain, type DecodeTape } from './decoder-train';
import { decodeBackward, type DecodeGradTrace } from './decoder-backward';
import type { Floats } from './gemm';

export type Grad = Float32Array | Float64Array;
type Ins = (Tensor | undefined)[];

const fl = (t: Tensor | undefined) => t?.data as Floats | undefined;
const must = (ins: Ins, i: number, op: Op): Tensor => {
  const t = ins[i];
  if (!t) throw new Error(`${op.op}: input ${i} is missing`);
  return t;
};
/** a gradient in the precision of the input it belongs to (undefined when there is no input) */
function like(t: Tensor | undefined, g: Float64Array | null | undefined): Grad | undefined {
  if (!t || !g) return undefined;
  return t.data instanceof Float64Array ? g : Float32Array.from(g);
}

/** Gradients of an Attention, ConcatAttention or MultiHeadAttention op's inputs, by input position. */
export function attentionOpBackward(op: Op, ins: Ins, outs: (Tensor | undefined)[], dOuts: (Grad | undefined)[]): (Grad | undefined)[] {
  const m = (i: number) => must(ins, i, op);
  switch (op.op) {
    case 'Attention': {
      const rule = op.attrs.score as ScoreRule;
      const { d, len, qlen } = attentionDims(m(0), m(1), m(2), ins[3], ins[4]);
      const w = { W: fl(ins[5]), W_query: fl(ins[6]), W_key: fl(ins[7]), v: fl(ins[8]) };
      const g = attentionBackward(rule, fl(m(0))!, fl(m(1))!, fl(m(2))!, d, len, qlen, w, fl(outs[1])!, dOuts[0] ?? null, dOuts[1] ?? null);
      return [like(ins[0], g.query), like(ins[1], g.keys), like(ins[2], g.values), undefined, undefined, like(ins[5], g.W), like(ins[6], g.W_query), like(ins[7], g.W_key), like(ins[8], g.v)];
    }
    case 'ConcatAttention': {
      const { d, len, qlen } = concatDims(m(0), ins[1], m(2), ins[3], ins[4], m(5), m(7));
      const g = concatAttentionBackward(fl(m(0))!, fl(ins[1]) ?? null, fl(m(2))!, d, len, qlen, fl(m(5))!, fl(m(7))!, fl(outs[0])!, fl(outs[1])!, dOuts[0] ?? null, dOuts[1] ?? null, dOuts[2] ?? null);
      return [like(ins[0], g.query), like(ins[1], g.hidden), like(ins[2], g.values), undefined, undefined, like(ins[5], g.attnW), like(ins[6], g.attnB), like(ins[7], g.combW), like(ins[8], g.combB)];
    }
    case 'MultiHeadAttention': {
      const { d, len, qlen } = mhaDims(m(0), m(1), m(2), ins[3], ins[4], op.attrs.num_heads as number);
      const g = mhaBackward(fl(m(0))!, fl(m(1))!, fl(m(2))!, d, len, qlen, fl(m(5))!, fl(m(6))!, fl(m(7))!, fl(outs[1])!, dOuts[0] ?? null, dOuts[1] ?? null);
      return [like(ins[0], g.query), like(ins[1], g.key), like(ins[2], g.value), undefined, undefined, like(ins[5], g.inW), like(ins[6], g.inB), like(ins[7], g.outW), like(ins[8], g.outB)];
    }
    default:
      throw new Error(`internal: ${op.op} is not an attention op`);
  }
}

/** Index of the first per-layer cell weight among the Decode op's inputs (ir/ops.ts). */
export const DECODE_CELL_WEIGHTS = 19;

/** What the Decode op reads besides its weights, from its inputs by position. */
export function decodeInputs(ins: Ins): DecodeInputs {
  const memory = ins[0], target = ins[7], h0 = ins[2], init = ins[4];
  const B = memory?.shape[0] ?? target?.shape[0] ?? h0?.shape[1] ?? init?.shape[0];
  if (B === undefined) throw new Error('the decoder needs a memory, a state or a target to know the batch size');
  return {
    B,
    memory: fl(memory), S: memory?.shape[1] ?? 0, Dm: memory?.shape[2] ?? 0, memLengths: ins[1]?.data,
    h0: fl(h0), c0: fl(ins[3]), initVec: fl(init), Din: init?.shape[1] ?? 0,
    target: target?.data, T: target?.shape[1] ?? 0, targetLengths: ins[8]?.data,
  };
}

/**
 * The Decode op in training: forced along its target with teacher forcing (ratio; `random` draws
 * for scheduled sampling), the op's five outputs, and the tape its backward reads.
 */
export function decodeTrainOp(op: Op, P: PreparedDecoder, ins: Ins, ratio: number, random: () => number): { outs: Tensor[]; tape: DecodeTape } {
  if (!ins[7]) throw new Error(`decoder "${op.node}" has no target: training a decoder needs its target input (teacher forcing)`);
  const { result: r, tape } = decodeTrain(P, decodeInputs(ins), { ratio, random });
  const f = (shape: number[], data: Floats): Tensor => ({ dtype: 'float32', shape, data: data as Float32Array });
  const outs = [intTensor([r.B, r.M], r.tokens), f([r.B, r.M, r.V], r.logprobs), f([r.B, r.M, r.Sw], r.attention), intTensor([r.B], r.lengths), f([r.B, 1], r.score)];
  return { outs, tape };
}

/** Gradients of the Decode op's inputs by position, from those of its outputs (logprobs, attention, score). */
export function decodeOpBackward(tape: DecodeTape, ins: Ins, dOuts: (Grad | undefined)[], trace = false): { grads: (Grad | undefined)[]; trace?: DecodeGradTrace } {
  const { grads: g, trace: tr } = decodeBackward(tape, { logprobs: dOuts[1], attention: dOuts[2], score: dOuts[4] }, { trace });
  const out: (Grad | undefined)[] = new Array(ins.length).fill(undefined);
  const put = (i: number, x: Float64Array | undefined) => (out[i] = like(ins[i], x));
  put(0, g.memory);
  put(2, g.h0);
  put(3, g.c0);
  put(4, g.initVec);
  put(5, g.bridgeW);
  put(6, g.bridgeB);
  put(9, g.embedding);
  put(10, g.outW);
  put(11, g.outB);
  put(12, g.attnW);
  put(13, g.attnB);
  put(14, g.attnWq);
  put(15, g.attnWk);
  put(16, g.attnV);
  put(17, g.combW);
  put(18, g.combB);
  g.cells.forEach((c, l) => [c.wih, c.whh, c.bih, c.bhh].forEach((x, k) => put(DECODE_CELL_WEIGHTS + 4 * l + k, x)));
  return { grads: out, ...(tr ? { trace: tr } : {}) };
}
