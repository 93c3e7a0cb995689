// Export of the IR's Decode op (greedy or forced decoding) as one ONNX Loop.
//
// The step maths is runtime/kernels/decoder.ts's step(), written out as ONNX nodes in the Loop
// body (export-decoder-step.ts). Around it:
//   before the Loop: the batch size B from an input's shape; each layer's h0 (and c0): given,
//     bridged (tanh(bridge_W·x + bridge_b) split per layer), the init vector itself, or zeros;
//     the memory's keys prepared once for the score rule and its padding mask (kernels/attention.ts
//     prepareKeys); prev = <s>, done = false (forced: rows with an empty target are done at once),
//     lengths = 0, score = 0.
//   the Loop carries prev [B], done [B], lengths [B], score [B,1], h_l and c_l [B,H] per layer,
//     and scans out per step the token [B], the log-probabilities [B,V] and the attention [B,Sw].
//     A row that is done gets the fill id (pad, else eos), zero log-probabilities and zero attention, as the runtime pads
//     finished rows. The Loop stops when every row is done (cond) or after max_len steps (forced:
//     the target's T steps).
//   after the Loop: the scans [M,B,·] transposed to [B,M,·]. The Loop stops at the step where the
//     last row finishes, so M is already the longest row's length: the runtime's trimmed M. It
//     always runs at least once (its first cond is true and the trip count is at least 1), so M
//     is at least 1 as in the runtime, and ort never has to type an empty scan.
// Beam search has no ONNX form here: a beam decoder is refused unless the export is asked for the
// greedy decoder instead (ExportOptions.decodeStrategy), and the metadata says which was written.
import type { Op, Program } from '../ir/program';
import { ExportError } from './export-builder';
import { positionsMask, prepareRuleKeys, RULES, type RuleKeys } from './export-attention';
import { CELL_WEIGHTS, emitDecodeBody, type DecodePlan } from './export-decoder-step';
import type { EmitContext } from './export-recurrent';
import { attr, DataType } from './proto';
import { fillId } from '../ir/decode-ids';
const GATES: Record<string, number> = { RNN: 1, LSTM: 4, GRU: 3 };

/** metadata keys, per decoder node name */
export const metaDecoderStrategy = (node: string) => `seqgraph.decoder.${node}.strategy`;
export const metaDecoderRequested = (node: string) => `seqgraph.decoder.${node}.requested_strategy`;

export function beamRefusal(name: string, width: number): string {
  return `decoder "${name}" uses beam search (beam_width ${width}), which ONNX export does not support yet; set strategy to greedy, or export with the greedy option`;
}

/** what a Decode op becomes in ONNX: 'forced' with a target, else 'greedy' (beam only with the override) */
function held(op: Op): 'forced' | 'greedy' {
  return (op.inputs[7] ?? '') !== '' ? 'forced' : 'greedy';
}

/**
 * Per decoder: `seqgraph.decoder.<name>.strategy` = what the model holds (greedy, or forced when
 * it is fed a target), and `...requested_strategy` = the graph's strategy when the export
 * replaced it (beam exported as greedy).
 */
export function decoderMetadata(program: Program): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const op of program.ops) {
    if (op.op !== 'Decode') continue;
    const name = program.nodeNames[op.node] ?? op.node;
    const h = held(op);
    meta[metaDecoderStrategy(name)] = h;
    const requested = String(op.attrs.strategy ?? 'greedy');
    if (h === 'greedy' && requested !== 'greedy') meta[metaDecoderRequested(name)] = requested;
  }
  return meta;
}

function int(ctx: EmitContext, op: Op, key: string, min: number): number {
  const a = op.attrs[key];
  if (typeof a !== 'number' || !Number.isInteger(a) || a < min) throw ctx.error(op, `attribute ${key} must be an integer >= ${min}, got ${String(a)}`);
  return a;
}

/** shape of an IR value or initializer, with every dim a fixed number, or an error naming the input */
function fixedShape(ctx: EmitContext, op: Op, index: number, what: string, rank: number): number[] {
  const name = op.inputs[index] ?? '';
  if (name === '') throw ctx.error(op, `input ${what} is missing`);
  const s = ctx.program.initializers[name]?.shape ?? ctx.program.values[name]?.shape;
  if (!s || s.length !== rank || s.some((d) => typeof d !== 'number')) throw ctx.error(op, `input ${what} must have a fixed shape of rank ${rank}, got [${s?.join(', ') ?? '?'}]`);
  return s as number[];
}

/** Reads and checks the op's attributes and weight shapes, as prepareDecoder does at run time. */
function plan(ctx: EmitContext, op: Op): DecodePlan {
  const has = (i: number) => (op.inputs[i] ?? '') !== '';
  const cell = op.attrs.cell;
  if (typeof cell !== 'string' || !(cell in GATES)) throw ctx.error(op, `cell must be RNN, LSTM or GRU, got ${String(cell)}`);
  const attention = op.attrs.attention;
  if (typeof attention !== 'string' || !(attention === 'none' || attention === 'concat' || RULES.includes(attention))) {
    throw ctx.error(op, `attention must be none, dot, scaled_dot, general, additive or concat, got ${String(attention)}`);
  }
  const style = op.attrs.attention_style ?? 'bahdanau';
  if (style !== 'luong' && style !== 'bahdanau') throw ctx.error(op, `attention_style must be luong or bahdanau, got ${String(style)}`);
  const H = int(ctx, op, 'hidden_size', 1), L = int(ctx, op, 'num_layers', 1);
  const G = GATES[cell];
  const [V, E] = fixedShape(ctx, op, 9, 'embedding', 2);
  const [Vo, Fo] = fixedShape(ctx, op, 10, 'out_W', 2);
  if (Vo !== V) throw ctx.error(op, `out_W scores ${Vo} symbols but the embedding has ${V}`);
  if (op.inputs.length < CELL_WEIGHTS + 4 * L) throw ctx.error(op, `${L} layers need ${4 * L} cell weights, got ${op.inputs.length - CELL_WEIGHTS}`);
  const I0 = fixedShape(ctx, op, CELL_WEIGHTS, 'W_ih_l0', 2)[1];
  for (let l = 0; l < L; l++) {
    const [r, c] = fixedShape(ctx, op, CELL_WEIGHTS + 4 * l, `W_ih_l${l}`, 2);
    const [r2, c2] = fixedShape(ctx, op, CELL_WEIGHTS + 4 * l + 1, `W_hh_l${l}`, 2);
    if (r !== G * H || r2 !== G * H || c2 !== H || (l > 0 && c !== H)) throw ctx.error(op, `layer ${l}'s cell weights are [${r},${c}] and [${r2},${c2}], expected [${G * H},${l === 0 ? 'I' : H}] and [${G * H},${H}]`);
  }
  const rules = RULES.includes(attention);
  const bahdanau = rules && style === 'bahdanau';
  const luong = rules && style === 'luong';
  const combCols = has(17) ? fixedShape(ctx, op, 17, 'combine_W', 2)[1] : 0;
  // the memory size follows from where the context goes (as prepareDecoder works it out)
  const Dm = attention === 'none' ? 0 : attention === 'concat' ? combCols - E : bahdanau ? I0 - E : combCols - H;
  if (bahdanau ? Fo !== H + Dm : Fo !== H) throw ctx.error(op, `out_W reads ${Fo} features, expected ${bahdanau ? `[h; context] = ${H + Dm}` : `hidden_size ${H}`}`);
  if (attention === 'concat' ? I0 !== H : bahdanau ? I0 <= E : I0 !== E) throw ctx.error(op, `W_ih_l0 reads ${I0} inputs, which does not fit embedding size ${E} with attention ${attention} (${style})`);
  if (luong && !(has(17) && has(18))) throw ctx.error(op, 'a Luong decoder needs combine_W and combine_b');
  if (attention !== 'none') {
    if (!has(0)) throw ctx.error(op, `attention ${attention} needs a memory (the encoder's output sequence)`);
    const Dmem = ctx.program.values[op.inputs[0]]?.shape[2];
    if (typeof Dmem === 'number' && Dmem !== Dm) throw ctx.error(op, `the memory has ${Dmem} features but the attention weights were made for ${Dm}`);
  }
  let Smax = 0;
  if (attention === 'concat') {
    if (![12, 13, 17, 18].every(has)) throw ctx.error(op, 'concat attention needs attn_W, attn_b, combine_W and combine_b');
    Smax = fixedShape(ctx, op, 13, 'attn_b', 1)[0];
  }
  const forced = has(7);
  let state: DecodePlan['state'] = 'none';
  if (has(2)) state = 'pass';
  else if (has(4) && has(5)) state = 'bridge';
  else if (has(4)) {
    state = 'vector';
    const Din = ctx.program.values[op.inputs[4]]?.shape[1];
    if (typeof Din === 'number' && Din !== H) throw ctx.error(op, `the initial vector has ${Din} values but hidden_size is ${H} and there is no bridge`);
  }
  // bos is always a symbol; eos and pad may be −1 (none)
  const [bos, eos, pad] = ['bos', 'eos', 'pad'].map((k) => {
    const id = int(ctx, op, k, k === 'bos' ? 0 : -1);
    if (id >= V) throw ctx.error(op, `${k} id ${id} is outside the vocabulary of ${V} symbols`);
    return id;
  });
  const order = op.attrs.concat_order ?? 'context_h';
  if (order !== 'context_h' && order !== 'h_context') throw ctx.error(op, `concat_order must be context_h or h_context, got ${String(order)}`);
  return {
    cell: cell as DecodePlan['cell'], H, L, V, E, attention, rules, bahdanau, luong, Smax, forced, state, bos, eos, pad, maxLen: int(ctx, op, 'max_len', 1),
    hFirst: order === 'h_context',
  };
}

export function emitDecode(ctx: EmitContext, op: Op): void {
  const { b, v, program } = ctx;
  const name = program.nodeNames[op.node] ?? op.node;
  const P = plan(ctx, op);
  if (op.attrs.strategy === 'beam' && !P.forced && ctx.options?.decodeStrategy !== 'greedy') {
    throw new ExportError(beamRefusal(name, typeof op.attrs.beam_width === 'number' ? op.attrs.beam_width : 1));
  }
  const input = (i: number) => v(op.inputs[i] ?? '');
  const { H, L } = P;

  // --- the batch size, from whichever input has it
  const from: [number, number][] = [[0, 0], [7, 0], [2, 1], [4, 0]];
  const src = from.find(([i]) => input(i) !== '');
  if (!src) throw ctx.error(op, 'the decoder needs a memory, a state or a target to know the batch size');
  const Bdim = b.dim(input(src[0]), src[1]); // int64 [1]
  const BH = b.op('Concat', [Bdim, b.constInt64([H], [1], 'H')], [attr.int('axis', 0)]);
  let zeros = '';
  const zerosBH = () => (zeros ||= b.fill(BH, DataType.FLOAT, 0));

  // --- initial state per layer
  const layer = (x: string, l: number) => b.op('Gather', [x, b.constInt64([l], [], 'layer')], [attr.int('axis', 0)]);
  let bridged = '';
  if (P.state === 'bridge') bridged = b.op('Tanh', [b.op('Gemm', [input(4), input(5), input(6)], [attr.int('transB', 1)])]); // [B, L·H]
  const h0 = Array.from({ length: L }, (_, l) => {
    if (P.state === 'pass') return layer(input(2), l);
    if (P.state === 'bridge') return b.op('Slice', [bridged, b.constInt64([l * H], [1], 'start'), b.constInt64([(l + 1) * H], [1], 'end'), b.constInt64([1], [1], 'axis')]);
    if (P.state === 'vector') return input(4);
    return zerosBH();
  });
  const c0 = P.cell === 'LSTM' ? Array.from({ length: L }, (_, l) => (input(3) !== '' ? layer(input(3), l) : zerosBH())) : [];

  // --- the memory, prepared once
  let keys: RuleKeys | null = null;
  let keyMask = '', concatMask = '', memSteps = '';
  if (P.rules) {
    const [W, Wq, Wk, vv] = [12, 14, 15, 16].map((i) => op.inputs[i] ?? '');
    keys = prepareRuleKeys(ctx, op, P.attention, op.inputs[0], { W, W_query: Wq, W_key: Wk, v: vv });
    if (input(1) !== '') keyMask = b.unsqueeze(b.stepMask(input(0), input(1)), [1]); // [B,1,S]
  } else if (P.attention === 'concat') {
    // the tutorial masks nothing; with memory lengths, positions at or past them get weight 0
    if (input(1) !== '') concatMask = positionsMask(b, b.constInt64([P.Smax], [], 'smax'), input(1)); // [B,Smax]
    memSteps = b.dim(input(0), 1);
  }

  // --- trip count, first done flags, forced targets
  const falseB = b.fill(Bdim, DataType.BOOL, 0);
  let trip: string, done0: string, targetP = '', tlen = '';
  if (P.forced) {
    const T = b.op('Gather', [b.op('Shape', [input(7)]), b.constInt64([1], [], 'axis')], [attr.int('axis', 0)]);
    trip = b.op('Max', [T, b.constInt64([1], [], 'one')]);
    // one <pad> column more, so step 0 can read a column even when T = 0 (every row then done)
    targetP = b.op('Pad', [input(7), b.constInt64([0, 0, 0, 1], [4], 'pads'), b.constInt64([fillId(P)], [], 'pad')]);
    tlen = input(8) !== '' ? input(8) : T;
    done0 = b.op('Or', [falseB, b.op('Equal', [tlen, b.constInt64([0], [], 'zero')])]);
  } else {
    trip = b.constInt64([P.maxLen], [], 'max_len');
    done0 = falseB;
  }
  const prev0 = b.fill(Bdim, DataType.INT64, P.bos);
  const len0 = b.fill(Bdim, DataType.INT64, 0);
  const score0 = b.fill(b.op('Concat', [Bdim, b.constInt64([1], [1], 'one')], [attr.int('axis', 0)]), DataType.FLOAT, 0);

  // --- the Loop
  const body = emitDecodeBody(ctx, op, P, { keys, keyMask, concatMask, memSteps, targetP, tlen, memory: input(0) });
  const carried = [prev0, done0, len0, score0, ...h0, ...c0];
  const fresh = (what: string) => b.fresh(`${op.node}/${what}`);
  const outName = (i: number, what: string) => (op.outputs[i] ? v(op.outputs[i]) : fresh(what));
  const finals = [fresh('prev'), fresh('done'), outName(3, 'lengths'), outName(4, 'score'), ...h0.map(() => fresh('h')), ...c0.map(() => fresh('c'))];
  const scans = [fresh('tokens_tb'), fresh('logprobs_tbv'), ...(P.attention !== 'none' ? [fresh('attention_tbs')] : [])];
  b.add('Loop', [trip, b.constBool(true, 'cond'), ...carried], [...finals, ...scans], [attr.graph('body', body)]);

  // --- [M,B,·] -> [B,M,·]
  b.op('Transpose', [scans[0]], [attr.ints('perm', [1, 0])], outName(0, 'tokens'));
  const logprobs = b.op('Transpose', [scans[1]], [attr.ints('perm', [1, 0, 2])], outName(1, 'logprobs'));
  if (op.outputs[2]) {
    if (scans[2]) b.op('Transpose', [scans[2]], [attr.ints('perm', [1, 0, 2])], v(op.outputs[2]));
    // no attention: [B,M,0], as the runtime gives
    else b.op('Slice', [logprobs, b.constInt64([0], [1], 'zero'), b.constInt64([0], [1], 'zero'), b.constInt64([2], [1], 'axis')], [], v(op.outputs[2]));
  }
}
