// Export of the IR's recurrent ops (RNN, LSTM, GRU, MGU) to ONNX's RNN/LSTM/GRU.
//
// The IR op is batch-first with PyTorch-layout weights per direction (W_ih [G*H,I],
// W_hh [G*H,H], B_ih, B_hh; the reverse direction as separate inputs). ONNX wants time-major X,
// W [D,G*H,I], R [D,G*H,H], B [D,2*G*H] = [Wb; Rb] in its own gate order. So:
//   X [B,T,I] --Transpose(1,0,2)--> [T,B,I] --ONNX op--> Y [T,D,B,H]
//   --Transpose(2,0,1,3)--> [B,T,D,H] --Reshape(0,0,-1)--> [B,T,D*H]
// Y_h / Y_c are [D,B,H] in both. The IR's lengths (int64 [B]) become ONNX's sequence_lens,
// which must be int32 (a Cast). ONNX zeroes Y past each row's length, as the IR does.
// Weights are re-laid out here into new initializers; the Program keeps PyTorch's layout.
//
// Cells ONNX's ops lack become one of them with rewritten weights, where that is exact:
// - GRU with the paper's update gate (h' = z⊙n + (1−z)⊙h): ONNX's GRU with the z rows of W, R,
//   Wb, Rb negated. With z' = g(−a) = 1 − g(a) for the gate activation g, ONNX's
//   (1−z')⊙n + z'⊙h is the paper's z⊙n + (1−z)⊙h. Exact for sigmoid (σ(−a) = 1 − σ(a)) and for
//   hard_sigmoid with ONNX's alpha 0.2, beta 0.5 (clamp(0.5 − 0.2a) = 1 − clamp(0.5 + 0.2a)).
// - MGU: ONNX's GRU with linear_before_reset = 0 and r = f, z = the negated f: r⊙h = f⊙h goes
//   into the candidate's product and (1−z')⊙n + z'⊙h = f⊙n + (1−f)⊙h, as the MGU says; b_hh's
//   h̃ rows are ONNX's Rbh, added after the product, as the MGU node defines them. The f rows are
//   stored twice (once negated); in exchange the model runs on every runtime's GRU kernel and keeps
//   sequence_lens and both directions as they are. tests/unit/onnx-cells.test.ts checks each
//   variant in onnxruntime against the runtime.
// - LSTM peepholes: ONNX's P [D, 3H], reordered from the node's i, f, o to ONNX's i, o, f.
// ONNX's other activations with their alpha/beta, clip and input_forget are ONNX's own attributes
// (runtime/kernels/activations.ts has the same semantics), written as they are.
import { OPS } from '../ir/ops';
import type { Op, Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import { ExportError, type GraphBuilder } from './export-builder';
import { attr, DataType, floatTensorProto, type AttributeProto } from './proto';
import { ACT_PARAMS, actFn, generalOf, ONNX_NAME } from '../runtime/kernels/activations';

type Cell = 'RNN' | 'LSTM' | 'GRU' | 'MGU';
type OnnxCell = 'RNN' | 'LSTM' | 'GRU';

/** gate blocks: ONNX block k = PyTorch block ORDER[k] (an MGU's weights are first written as a GRU's) */
const ORDER: Record<OnnxCell, number[]> = {
  RNN: [0],
  LSTM: [0, 3, 1, 2], // PyTorch i,f,g,o -> ONNX i,o,f,c
  GRU: [1, 0, 2], // PyTorch r,z,n -> ONNX z,r,h
};
/** gate blocks in the IR's weights */
const IR_GATES: Record<Cell, number> = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 };
/** peepholes: ONNX's P block k = the node's block (i, f, o) PEEP_ORDER[k] */
const PEEP_ORDER = [0, 2, 1];

export interface EmitContext {
  b: GraphBuilder;
  program: Program;
  /** IR value name -> ONNX name ('' stays '') */
  v: (name: string) => string;
  /** an error naming the op and its node */
  error: (op: Op, why: string) => ExportError;
  /** export options the emitters read (export.ts ExportOptions) */
  options?: { decodeStrategy?: 'greedy' };
  /** transposed copies of weight initializers made so far (IR name -> ONNX name), so each is stored once */
  transposed?: Map<string, string>;
}

export function emitRecurrent(ctx: EmitContext, op: Op): void {
  const { b, program, v, error } = ctx;
  const cell = op.op as Cell;
  const onnxCell: OnnxCell = cell === 'MGU' ? 'GRU' : cell;
  const G = IR_GATES[cell];
  const spec = OPS[cell].inputs.map((n) => n.replace(/\?$/, ''));
  const input = (name: string): string => op.inputs[spec.indexOf(name)] ?? '';

  const H = op.attrs.hidden_size;
  if (typeof H !== 'number' || !Number.isInteger(H) || H <= 0) throw error(op, `hidden_size must be a positive integer, got ${String(H)}`);
  const updateGate = op.attrs.update_gate ?? 'pytorch';
  if (updateGate !== 'pytorch' && updateGate !== 'paper') throw error(op, `update_gate must be pytorch or paper, got ${String(updateGate)}`);
  const direction = op.attrs.direction;
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') throw error(op, `direction must be forward, reverse or bidirectional, got ${String(direction)}`);
  const D = direction === 'bidirectional' ? 2 : 1;

  // --- weights, re-laid out
  const weight = (name: string, optional: boolean): Tensor | undefined => {
    const value = input(name);
    if (value === '') {
      if (optional) return undefined;
      throw error(op, `input ${name} is missing`);
    }
    const t = program.initializers[value];
    if (!t) throw error(op, `input ${name} ('${value}') must be an initializer (weights computed at run time are not exported)`);
    if (t.dtype !== 'float32') throw error(op, `input ${name} ('${value}') must be float32`);
    return t;
  };
  const sfx = (d: number) => (d === 0 ? '' : '_reverse');
  const Wparts: Tensor[] = [];
  const Rparts: Tensor[] = [];
  const Bparts: (Tensor | undefined)[] = [];
  let I = -1;
  for (let d = 0; d < D; d++) {
    const wih = weight(`W_ih${sfx(d)}`, false)!;
    const whh = weight(`W_hh${sfx(d)}`, false)!;
    if (wih.shape.length !== 2 || wih.shape[0] !== G * H) throw error(op, `W_ih${sfx(d)} has shape [${wih.shape}], expected [${G * H}, I]`);
    if (whh.shape.length !== 2 || whh.shape[0] !== G * H || whh.shape[1] !== H) throw error(op, `W_hh${sfx(d)} has shape [${whh.shape}], expected [${G * H}, ${H}]`);
    if (I >= 0 && wih.shape[1] !== I) throw error(op, `W_ih_reverse has ${wih.shape[1]} columns, W_ih ${I}`);
    I = wih.shape[1];
    Wparts.push(wih);
    Rparts.push(whh);
    for (const nm of [`B_ih${sfx(d)}`, `B_hh${sfx(d)}`]) {
      const t = weight(nm, true);
      if (t && (t.data.length !== G * H)) throw error(op, `${nm} has ${t.data.length} values, expected ${G * H}`);
      Bparts.push(t);
    }
  }
  // in ONNX's own cell: the MGU as a GRU, the paper's z negated (see the top of this file)
  const asOnnx = (t: Tensor): Tensor => (cell === 'MGU' ? mguAsGru(t, H) : cell === 'GRU' && updateGate === 'paper' ? negateBlock(t, 1, 3) : t);
  const OG = ORDER[onnxCell].length;
  const base = `${op.node}/${cell}`;
  const W = b.addInitializer(floatTensorProto(b.fresh(`${base}_W`), [D, OG * H, I], stackReordered(Wparts.map(asOnnx), ORDER[onnxCell], H)));
  const R = b.addInitializer(floatTensorProto(b.fresh(`${base}_R`), [D, OG * H, H], stackReordered(Rparts.map(asOnnx), ORDER[onnxCell], H)));
  let B = '';
  if (Bparts.some((t) => t !== undefined)) {
    const zeros: Tensor = { dtype: 'float32', shape: [G * H], data: new Float32Array(G * H) };
    const parts = Bparts.map((t) => asOnnx(t ?? zeros)); // per direction: b_ih, b_hh
    B = b.addInitializer(floatTensorProto(b.fresh(`${base}_B`), [D, 2 * OG * H], stackReordered(parts, ORDER[onnxCell], H)));
  }
  // LSTM peepholes: P [D, 3H] in ONNX's i, o, f
  let P = '';
  const pIn = cell === 'LSTM' ? [input('P'), input('P_reverse')] : ['', ''];
  if (pIn[0] !== '') {
    const parts: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const t = weight(d === 0 ? 'P' : 'P_reverse', false)!;
      if (t.data.length !== 3 * H) throw error(op, `${d === 0 ? 'P' : 'P_reverse'} has ${t.data.length} values, expected ${3 * H} (i, f, o)`);
      parts.push(t);
    }
    P = b.addInitializer(floatTensorProto(b.fresh(`${base}_P`), [D, 3 * H], stackReordered(parts, PEEP_ORDER, H)));
  } else if (pIn[1] !== '') throw error(op, 'P_reverse is given without P');

  // --- attributes: activations per direction (f, g, h order), the alpha/beta of those that take
  // them, in that order, always written out (onnxruntime's defaults for some differ from the ops');
  // clip and input_forget where set
  const gen = generalOf(cell, op.attrs, `${cell} '${op.node}'`);
  if (gen && cell === 'GRU' && updateGate === 'paper' && !(gen.f.name === 'sigmoid' || (gen.f.name === 'hard_sigmoid' && gen.f.beta === 0.5))) {
    throw error(op, `update_gate 'paper' exports as ONNX's GRU with z negated, which needs g(−a) = 1 − g(a): recurrent_activation sigmoid, or hard_sigmoid with beta 0.5, not ${gen.f.name}`);
  }
  const fn = (role: string, dflt: string) => actFn(String(op.attrs[role] ?? dflt), num(op.attrs[`${role}_alpha`]), num(op.attrs[`${role}_beta`]), `${cell} '${op.node}' ${role}`);
  const act = fn('activation', 'tanh');
  const rec = fn('recurrent_activation', 'sigmoid');
  const out = op.attrs.output_activation !== undefined ? fn('output_activation', 'tanh') : act;
  const perDir = onnxCell === 'LSTM' ? [rec, act, out] : onnxCell === 'GRU' ? [rec, act] : [act];
  const activations = Array.from({ length: D }, () => perDir).flat();
  const attrs: AttributeProto[] = [attr.int('hidden_size', H), attr.string('direction', direction), attr.strings('activations', activations.map((a) => ONNX_NAME[a.name]))];
  const alphas = activations.filter((a) => ACT_PARAMS[a.name].alpha !== undefined).map((a) => a.alpha);
  const betas = activations.filter((a) => ACT_PARAMS[a.name].beta !== undefined).map((a) => a.beta);
  if (alphas.length > 0) attrs.push(attr.floats('activation_alpha', alphas));
  if (betas.length > 0) attrs.push(attr.floats('activation_beta', betas));
  if (gen && gen.clip !== Infinity) attrs.push(attr.float('clip', gen.clip));
  if (gen?.inputForget) attrs.push(attr.int('input_forget', 1));
  if (cell === 'GRU') {
    const lbr = op.attrs.linear_before_reset;
    if (lbr !== undefined && typeof lbr !== 'boolean' && lbr !== 0 && lbr !== 1) throw error(op, `linear_before_reset must be a bool, got ${String(lbr)}`);
    // PyTorch's GRU (and the compiler's default) is linear_before_reset = true
    attrs.push(attr.int('linear_before_reset', lbr === undefined || lbr === true || lbr === 1 ? 1 : 0));
  }
  if (cell === 'MGU') attrs.push(attr.int('linear_before_reset', 0)); // f multiplies h before W_hh̃

  // --- inputs
  const x = input('X');
  if (x === '') throw error(op, 'input X is missing');
  const xT = b.op('Transpose', [v(x)], [attr.ints('perm', [1, 0, 2])]);
  const lengths = input('lengths');
  const seqLens = lengths === '' ? '' : b.cast(v(lengths), DataType.INT32);
  const onnxInputs = [xT, W, R, B, seqLens, v(input('initial_h'))];
  if (cell === 'LSTM') onnxInputs.push(v(input('initial_c')), P);

  // --- outputs
  const [y, yh, yc] = op.outputs;
  const yOut = y ? b.fresh(`${base}_Y_tbdh`) : '';
  const onnxOutputs = [yOut, yh ? v(yh) : ''];
  if (cell === 'LSTM') onnxOutputs.push(yc ? v(yc) : '');
  while (onnxOutputs.length > 1 && onnxOutputs[onnxOutputs.length - 1] === '') onnxOutputs.pop();
  b.add(onnxCell, onnxInputs, onnxOutputs, attrs);
  if (y) {
    const bt = b.op('Transpose', [yOut], [attr.ints('perm', [2, 0, 1, 3])]); // [B,T,D,H]
    b.op('Reshape', [bt, b.constInt64([0, 0, -1], [3], 'shape')], [], v(y)); // [B,T,D*H]
  }
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);

/** rows [f; n] of an MGU weight (2 blocks of H rows) as a GRU's [r; z; n] = [f; −f; n] */
function mguAsGru(t: Tensor, H: number): Tensor {
  const blk = t.data.length / 2;
  if (!Number.isInteger(blk) || blk % H !== 0) throw new ExportError(`MGU weight of ${t.data.length} values does not split into 2 gate blocks of ${H} rows`);
  const out = new Float32Array(3 * blk);
  out.set(t.data.subarray(0, blk), 0);
  for (let i = 0; i < blk; i++) out[blk + i] = -t.data[i];
  out.set(t.data.subarray(blk), 2 * blk);
  return { dtype: 'float32', shape: [3 * (t.shape[0] / 2), ...t.shape.slice(1)], data: out };
}

/** a copy of t with gate block k of G negated */
function negateBlock(t: Tensor, k: number, G: number): Tensor {
  const blk = t.data.length / G;
  const out = Float32Array.from(t.data);
  for (let i = k * blk; i < (k + 1) * blk; i++) out[i] = -out[i];
  return { ...t, data: out };
}

/**
 * Concatenate tensors whose rows are G blocks of H rows each, with the blocks of each tensor
 * reordered so block k of the result is block order[k] of the source.
 */
function stackReordered(parts: Tensor[], order: number[], H: number): Float32Array {
  const total = parts.reduce((a, t) => a + t.data.length, 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const t of parts) {
    const blockLen = (t.data.length / order.length) | 0;
    if (blockLen * order.length !== t.data.length || blockLen % H !== 0) throw new ExportError(`recurrent weight of ${t.data.length} values does not split into ${order.length} gate blocks of ${H} rows`);
    for (const src of order) {
      out.set(t.data.subarray(src * blockLen, (src + 1) * blockLen), at);
      at += blockLen;
    }
  }
  return out;
}
