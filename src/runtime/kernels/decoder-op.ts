// Glue between the executor (runtime/execute.ts) and the attention and decoder kernels: reads an
// op's inputs by their position in ir/ops.ts, calls the kernel, and after a traced run turns the
// attention weights and decoder steps into Trace records; and the four ops' kernel-table entries
// (ATTENTION_KERNELS): forward, backward (attention-train.ts: attention-backward.ts,
// mha-backward.ts, decoder-backward.ts) and, for Decode, prepare. In training a Decode op with a
// target runs decodeTrain (teacher forcing / scheduled sampling) and keeps its tape for backward.
import type { Op, Program } from '../../ir/program';
import { floatTensor, intTensor, type Tensor } from '../tensor';
import { decodeIds } from '../tokenize';
import type { AttentionTrace, NodeTrace } from '../trace';
import { attentionOp, concatAttentionOp, multiHeadAttentionOp, type ScoreRule } from './attention';
import { beamSearch } from './beam';
import { decode, DECODER_GATE_NAMES, prepareDecoder, type DecodeAttention, type DecodeResult, type PreparedDecoder } from './decoder';
import { attentionOpBackward, DECODE_CELL_WEIGHTS, decodeInputs, decodeOpBackward, decodeTrainOp } from './attention-train';
import { tapeTrace, type DecodeTape } from './decoder-train';
import type { TorchCellKind as CellKind } from './cells';
import { KernelError, type KernelEntry } from './types';
import { preparedChanged, type Floats } from './gemm';

type Get = (i: number) => Tensor | undefined;
const f = (t: Tensor | undefined) => t?.data as Float32Array | undefined;

/** Attention, ConcatAttention, MultiHeadAttention: inputs as laid out in ir/ops.ts. */
export function runAttentionOp(op: Op, get: Get, must: (i: number) => Tensor): Tensor[] {
  switch (op.op) {
    case 'Attention':
      return attentionOp(op.attrs.score as ScoreRule, must(0), must(1), must(2), get(3), get(4), { W: f(get(5)), W_query: f(get(6)), W_key: f(get(7)), v: f(get(8)) });
    case 'ConcatAttention':
      return concatAttentionOp(must(0), get(1), must(2), get(3), get(4), must(5), must(6), must(7), must(8));
    case 'MultiHeadAttention':
      return multiHeadAttentionOp(must(0), must(1), must(2), get(3), get(4), must(5), must(6), must(7), must(8), op.attrs.num_heads as number);
    default:
      throw new Error(`internal: ${op.op} is not an attention op`);
  }
}


/** The Decode op's weights re-laid out (the kernel table's prepare: again after markWeightsChanged). */
export function prepareDecodeOp(op: Op, get: Get, must: (i: number) => Tensor): PreparedDecoder {
  const a = op.attrs;
  const L = a.num_layers as number;
  const cells = Array.from({ length: L }, (_, l) => {
    const w = (k: number) => f(must(DECODE_CELL_WEIGHTS + 4 * l + k))!;
    return { wih: w(0), whh: w(1), bih: w(2), bhh: w(3) };
  });
  const emb = must(9);
  return prepareDecoder(
    {
      cell: a.cell as CellKind, H: a.hidden_size as number, L, attention: a.attention as DecodeAttention,
      style: (a.attention_style as 'luong' | 'bahdanau') ?? 'bahdanau', bos: a.bos as number, eos: a.eos as number, pad: a.pad as number,
      maxLen: a.max_len as number, strategy: a.strategy as 'greedy' | 'beam', beamWidth: (a.beam_width as number) ?? 1, lengthPenalty: (a.length_penalty as number) ?? 0,
      earlyStopping: a.early_stopping === true, concatOrder: a.concat_order === 'h_context' ? 'h_context' : 'context_h',
    },
    {
      embedding: f(emb)!, V: emb.shape[0], outW: f(must(10))!, outB: f(must(11))!,
      attnW: f(get(12)), attnB: f(get(13)), attnWq: f(get(14)), attnWk: f(get(15)), attnV: f(get(16)), combW: f(get(17)), combB: f(get(18)),
      bridgeW: f(get(5)), bridgeB: f(get(6)), cells,
    },
  );
}

/** The Decode op, on its prepared weights (prepareDecodeOp; made again when they are not given). */
export function runDecodeOp(op: Op, P: PreparedDecoder | undefined, get: Get, must: (i: number) => Tensor, trace: boolean): { outs: Tensor[]; result: DecodeResult } {
  P ??= prepareDecodeOp(op, get, must);
  const io = decodeInputs(Array.from({ length: 9 }, (_, i) => get(i)));
  const B = io.B;
  const r = io.target || P.spec.strategy !== 'beam' ? decode(P, io, { trace }) : beamSearch(P, io, { trace });
  const outs = [
    intTensor([B, r.M], r.tokens),
    floatTensor([B, r.M, r.V], r.logprobs),
    floatTensor([B, r.M, r.Sw], r.attention),
    intTensor([B], r.lengths),
    floatTensor([B, 1], r.score),
  ];
  return { outs, result: r };
}

/** The symbols of the token input whose lengths (a SeqLengths op's output) are `lengths`, per row. */
function tokensOf(program: Program, feeds: Record<string, Tensor>, lengths: string, len: ArrayLike<number>): string[][] | undefined {
  const src = lengths ? program.ops.find((o) => o.op === 'SeqLengths' && o.outputs[0] === lengths) : undefined;
  const inp = src && program.inputs.find((i) => i.value === src.inputs[0]);
  if (!inp || inp.info.kind !== 'tokens') return undefined;
  const ids = feeds[inp.name];
  const T = ids.shape[1];
  const vocab = inp.info.vocab;
  return Array.from({ length: ids.shape[0] }, (_, b) => decodeIds(ids.data.subarray(b * T, b * T + len[b]), vocab));
}

/** The vocabulary a Decode op's tokens are read by: the labels of a graph output fed by them. */
function decoderVocab(program: Program, op: Op): string[] | undefined {
  const fed = new Set(op.outputs.slice(0, 2));
  for (const o of program.outputs) {
    const via = program.ops.find((x) => x.op === 'Identity' && x.outputs[0] === o.value);
    if (o.labels && (fed.has(o.value) || (via && fed.has(via.inputs[0])))) return o.labels;
  }
  return undefined;
}

const lengthsOf = (env: Map<string, Tensor>, name: string, B: number, n: number) => (name && env.get(name) ? Array.from(env.get(name)!.data) : new Array<number>(B).fill(n));

/** Trace records of every attention op and every Decode op of a traced run. */
export function attentionTraces(program: Program, feeds: Record<string, Tensor>, env: Map<string, Tensor>, decodes: Map<number, DecodeResult>): { nodes: NodeTrace[]; attention: AttentionTrace[] } {
  const nodes: NodeTrace[] = [];
  const attention: AttentionTrace[] = [];
  program.ops.forEach((op, k) => {
    const name = program.nodeNames[op.node] ?? op.node;
    if (op.op === 'Attention' || op.op === 'ConcatAttention' || op.op === 'MultiHeadAttention') {
      const w = env.get(op.outputs[1]);
      if (!w) return;
      const mha = op.op === 'MultiHeadAttention';
      const B = w.shape[0];
      const heads = mha ? w.shape[1] : 1;
      const Q = w.shape.length === 2 ? 1 : w.shape[w.shape.length - 2];
      const S = w.shape[w.shape.length - 1];
      const keyLengths = lengthsOf(env, op.inputs[3], B, S);
      const queryLengths = lengthsOf(env, op.inputs[4], B, Q);
      attention.push({
        node: op.node, name, type: 'Attention', score: mha ? 'multi_head' : op.op === 'ConcatAttention' ? 'concat' : (op.attrs.score as string),
        batch: B, heads, queries: Q, keys: S, weights: w.data as Float32Array, query_lengths: queryLengths, key_lengths: keyLengths,
        query_tokens: tokensOf(program, feeds, op.inputs[4], queryLengths), key_tokens: tokensOf(program, feeds, op.inputs[3], keyLengths),
      });
      return;
    }
    if (op.op !== 'Decode') return;
    const r = decodes.get(k);
    if (!r?.trace) return;
    const vocab = decoderVocab(program, op);
    const lengths = Array.from(r.lengths);
    const tokens = Array.from({ length: r.B }, (_, b) => Array.from(r.tokens.subarray(b * r.M, b * r.M + lengths[b]), (id) => vocab?.[id] ?? `#${id}`));
    nodes.push({
      node: op.node, name, type: 'Decoder', batch: r.B, steps: r.M, hidden_size: op.attrs.hidden_size as number, lengths, tokens,
      layers: r.trace.layers.map((x, l) => ({ layer: l, direction: 'forward' as const, h: x.h, c: x.c, gates: x.gates })),
    });
    if (r.Sw > 0) {
      const S = env.get(op.inputs[0])?.shape[1] ?? r.Sw;
      const keyLengths = op.inputs[1] ? lengthsOf(env, op.inputs[1], r.B, S) : new Array<number>(r.B).fill(r.Sw);
      attention.push({
        node: op.node, name, type: 'Decoder', score: op.attrs.attention as string, batch: r.B, heads: 1, queries: r.M, keys: r.Sw,
        weights: r.attention, query_lengths: lengths, key_lengths: keyLengths, query_tokens: tokens, key_tokens: tokensOf(program, feeds, op.inputs[1], keyLengths),
      });
    }
  });
  return { nodes, attention };
}

// ---- kernel-table entries

const getter = (ins: (Tensor | undefined)[]) => (i: number) => ins[i];
const musts = (ins: (Tensor | undefined)[]) => (i: number) => {
  const t = ins[i];
  if (!t) throw new KernelError(`input ${i} is missing`);
  return t;
};

const attentionEntry: KernelEntry = {
  forward: (cx, ins) => ({ outs: runAttentionOp(cx.op, getter(ins), musts(ins)) }),
  backward: (cx, dOuts) => attentionOpBackward(cx.entry.op, cx.entry.ins, cx.entry.outs, dOuts),
};

/**
 * After a weight update: the new transposed matrices copied over the old ones (same arrays, so
 * their wasm packing is refreshed in place rather than made anew and the gemm keeps its path).
 */
function refreshInto(prev: PreparedDecoder, next: PreparedDecoder): PreparedDecoder {
  const keep = (a: Floats | null, b: Floats | null): Floats | null => {
    if (a === null || b === null || a.length !== b.length) return b;
    a.set(b);
    preparedChanged(a);
    return a;
  };
  next.outT = keep(prev.outT, next.outT)!;
  next.attnT = keep(prev.attnT, next.attnT);
  next.combT = keep(prev.combT, next.combT);
  next.bridgeT = keep(prev.bridgeT, next.bridgeT);
  next.layers.forEach((l, i) => {
    const o = prev.layers[i];
    if (!o) return;
    l.wihT = keep(o.wihT, l.wihT)!;
    l.whhT = keep(o.whhT, l.whhT)!;
  });
  return Object.assign(prev, next);
}

/** A training forward's outputs and tape as the DecodeResult a traced run records. */
function tracedOf(outs: Tensor[], tape: DecodeTape): DecodeResult {
  const [tokens, logprobs, attention, lengths, score] = outs;
  const [B, M, V] = logprobs.shape;
  return {
    B, M, V, Sw: attention.shape[2], tokens: tokens.data as Int32Array, logprobs: logprobs.data as Float32Array, attention: attention.data as Float32Array,
    lengths: lengths.data as Int32Array, score: score.data as Float32Array, trace: tapeTrace(tape, DECODER_GATE_NAMES[tape.P.spec.cell]),
  };
}

export const ATTENTION_KERNELS = {
  Attention: attentionEntry,
  ConcatAttention: attentionEntry,
  MultiHeadAttention: attentionEntry,
  Decode: {
    prepare(op, weight, prev) {
      const next = prepareDecodeOp(op, weight, (i) => weight(i)!);
      return prev ? refreshInto(prev as PreparedDecoder, next) : next;
    },
    forward(cx, ins) {
      const P = (cx.prepared as PreparedDecoder | undefined) ?? prepareDecodeOp(cx.op, getter(ins), musts(ins));
      if (cx.train && ins[7]) {
        // teacher forcing (scheduled sampling below ratio 1), recording the tape backward reads
        const rng = cx.rng();
        const { outs, tape } = decodeTrainOp(cx.op, P, ins, cx.teacherForcingRatio, () => rng.next());
        const traced = cx.trace ? tracedOf(outs, tape) : undefined;
        return { outs, saved: tape, traced };
      }
      const { outs, result } = runDecodeOp(cx.op, P, getter(ins), musts(ins), cx.trace);
      return { outs, traced: cx.trace ? result : undefined };
    },
    backward(cx, dOuts) {
      const tape = cx.entry.saved as DecodeTape | undefined;
      if (!tape) throw new KernelError('the decoder decodes freely here (no target): its chosen tokens have no gradient; give it a target to train it (teacher forcing)');
      const L = cx.entry.op.attrs.num_layers as number;
      const { grads, trace } = decodeOpBackward(tape, cx.entry.ins, dOuts, cx.gradTrace !== null);
      if (trace && cx.gradTrace) {
        // one record per layer (as a recurrent op records one per direction)
        const H = tape.P.spec.H;
        const dst = cx.gradTrace(tape.B, tape.M, H, L, tape.P.spec.cell === 'LSTM');
        trace.layers.forEach((x, l) => {
          dst[l].dh.set(x.dh);
          if (x.dc && dst[l].dc) dst[l].dc!.set(x.dc);
        });
      }
      return grads;
    },
  } satisfies KernelEntry,
};
