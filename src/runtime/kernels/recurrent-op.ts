// The RNN / LSTM / GRU / MGU ops as kernel-table entries: reading the op's inputs by their
// position in ir/ops.ts, preparing (and after a weight update re-preparing, in place) the
// re-laid-out weights, running the time loop, and BPTT.
//
// Inputs: X, W_ih, W_hh, B_ih, B_hh, W_ih_reverse?, W_hh_reverse?, B_ih_reverse?, B_hh_reverse?,
// initial_h?, initial_c? (LSTM), lengths?, P?, P_reverse? (LSTM peepholes). Outputs: Y [B,T,D·H],
// Y_h [D,B,H], Y_c (LSTM).
import type { Op } from '../../ir/program';
import { fdata, floatOf, type FArr, type Tensor } from '../tensor';
import { GATE_COUNT, type CellKind } from './cells';
import { generalOf } from './activations';
import { prepareLayer, refreshLayer, runLayerTS, sortedRows, type DirectionWeights, type LayerResult, type LayerSpec, type PreparedLayer } from './recurrent';
import { bpttLayer, type BpttResult } from './recurrent-backward';
import { prepareSimdLayer, runLayerSimd } from './wasm/recurrent-simd';
import { bpttSimd, simdBackwardSupports } from './wasm/recurrent-simd-backward';
import { isLive, traceFromArena, type SimdSaved } from './wasm/saved';
import { simdRuntime } from './wasm/runtime';
import { KernelError, type ForwardCtx, type InputGrads, type Inputs, type KernelEntry } from './types';

/** input positions of the optional state, lengths and peepholes (they move by one for an LSTM's initial_c; -1: the op has none) */
export function recurrentSlots(op: Op): { h0: number; c0: number; lengths: number; p: number; pReverse: number } {
  const lstm = op.op === 'LSTM';
  return { h0: 9, c0: lstm ? 10 : -1, lengths: lstm ? 11 : 10, p: lstm ? 12 : -1, pReverse: lstm ? 13 : -1 };
}

export function specOf(op: Op, I: number): LayerSpec {
  const ug = op.attrs.update_gate;
  if (ug !== undefined && ug !== 'pytorch' && ug !== 'paper') throw new Error(`${op.op}: update_gate must be 'pytorch' or 'paper', got ${String(ug)}`);
  const slots = recurrentSlots(op);
  const general = generalOf(op.op, op.attrs, `${op.op} '${op.node}'`);
  return {
    cell: op.op as CellKind,
    inputSize: I,
    hiddenSize: op.attrs.hidden_size as number,
    bidirectional: op.attrs.direction === 'bidirectional',
    reverse: op.attrs.direction === 'reverse',
    activation: (op.attrs.activation as 'tanh' | 'relu') ?? 'tanh',
    recurrentActivation: (op.attrs.recurrent_activation as 'sigmoid' | 'hard_sigmoid') ?? 'sigmoid',
    linearBeforeReset: (op.attrs.linear_before_reset as boolean | undefined) ?? true,
    ...(op.op === 'GRU' ? { updateGate: (ug as 'pytorch' | 'paper' | undefined) ?? 'pytorch' } : {}),
    // as ONNX's LSTM: peepholes are on when P is given
    ...(slots.p >= 0 && (op.inputs[slots.p] ?? '') !== '' ? { peephole: true } : {}),
    // ONNX's other activations, clip, input_forget: the general loops (recurrent-general.ts)
    ...(general ? { general } : {}),
  };
}

function weightsOf(op: Op, weight: (i: number) => Tensor | undefined, spec: LayerSpec): { fwd: DirectionWeights<FArr>; bwd?: DirectionWeights<FArr> } {
  const GH = GATE_COUNT[spec.cell] * spec.hiddenSize;
  const slots = recurrentSlots(op);
  const w = (i: number) => (weight(i) ? fdata(weight(i)!) : undefined) as FArr;
  const bias = (i: number) => w(i) ?? new Float32Array(GH);
  const dir = (o: number, p: number): DirectionWeights<FArr> => ({
    w_ih: w(1 + o), w_hh: w(2 + o), b_ih: bias(3 + o), b_hh: bias(4 + o),
    ...(spec.peephole ? { p: w(p) } : {}),
  });
  return { fwd: dir(0, slots.p), bwd: spec.bidirectional ? dir(4, slots.pReverse) : undefined };
}

function prepare(op: Op, weight: (i: number) => Tensor | undefined, prev: unknown): PreparedLayer<FArr> {
  const W_ih = weight(1);
  if (!W_ih) throw new Error(`${op.op}: W_ih must be a weight (an initializer)`);
  const spec = specOf(op, W_ih.shape[1]);
  const { fwd, bwd } = weightsOf(op, weight, spec);
  if (prev) {
    refreshLayer(prev as PreparedLayer<FArr>, fwd, bwd);
    return prev as PreparedLayer<FArr>;
  }
  return prepareLayer(spec, fwd, bwd);
}

/**
 * What forward saves for backward (and the trace shows): every step's gates, c and h, as JS
 * arrays (r.trace: the TS loop, or a traced run), or left in wasm memory by the SIMD loop (simd).
 */
interface Saved { r: LayerResult<FArr>; h0?: FArr; c0?: FArr; lengths?: Int32Array; simd?: SimdSaved }

type Loop = (layer: PreparedLayer<FArr>, x: FArr, B: number, T: number, o: { h0?: FArr; c0?: FArr; lengths?: Int32Array; trace: boolean; cx: ForwardCtx }) => LayerResult<FArr> & { simdSaved?: SimdSaved };

// training needs every step's gates, c and h: the TS loop records them as its trace does
const tsLoop: Loop = (layer, x, B, T, o) => runLayerTS(layer, x, B, T, { h0: o.h0, c0: o.c0, lengths: o.lengths, trace: o.trace || o.cx.train, workspace: o.cx.ws });

/** the SIMD time loop where it can run (float32, wasm memory available), else the TS one */
const simdLoop: Loop = (layer, x, B, T, o) => {
  // the SIMD kernels have only the PyTorch cells' activations: a general layer takes the TS loop
  if (x instanceof Float32Array && layer.wihT instanceof Float32Array && !layer.spec.general) {
    const { perm, len, ragged } = sortedRows(o.cx.ws, B, T, o.lengths);
    // training: activations stay in wasm for the SIMD backward where it has kernels for the
    // variant; otherwise (MGU, update_gate 'paper', peepholes) they come out as the JS trace the
    // TS reference backward reads, as tsLoop records it
    const simdBack = simdBackwardSupports(layer.spec);
    const r = runLayerSimd({
      layer: layer as PreparedLayer, x, B, T, perm, len, ragged, h0: o.h0 as Float32Array | undefined, c0: o.c0 as Float32Array | undefined,
      trace: o.trace || (o.cx.train && !simdBack), save: o.cx.train && simdBack,
    });
    if (r !== null) return r;
  }
  return tsLoop(layer, x, B, T, o);
};

function forwardWith(loop: Loop) {
  return (cx: ForwardCtx, ins: Inputs) => {
    const op = cx.op, slots = recurrentSlots(op);
    const x = ins[0]!;
    const [B, T] = x.shape;
    const lstm = op.op === 'LSTM';
    const h0 = cx.initialState ? cx.initialState.h : ins[slots.h0] ? fdata(ins[slots.h0]!) : undefined;
    const c0 = cx.initialState ? cx.initialState.c : lstm && ins[slots.c0] ? fdata(ins[slots.c0]!) : undefined;
    const lengths = ins[slots.lengths]?.data as Int32Array | undefined;
    const r = loop(cx.prepared as PreparedLayer<FArr>, fdata(x), B, T, { h0, c0, lengths, trace: cx.trace, cx });
    const D = op.attrs.direction === 'bidirectional' ? 2 : 1;
    const H = op.attrs.hidden_size as number;
    const outs = [floatOf([B, T, D * H], r.y), floatOf([D, B, H], r.hN), ...(lstm ? [floatOf([D, B, H], r.cN!)] : [])];
    const saved: Saved | undefined = cx.train ? { r, h0, c0, lengths, simd: r.simdSaved } : undefined;
    delete r.simdSaved;
    return { outs, saved, traced: cx.trace ? r : undefined };
  };
}

type BackwardCx = Parameters<KernelEntry['backward']>[0];

interface BackArgs {
  spec: LayerSpec; B: number; T: number; I: number; H: number; sv: Saved;
  x: FArr; dirs: { w_ih: FArr; w_hh: FArr; b_hh: FArr }[]; dY?: FArr; dhN?: FArr; dcN?: FArr;
  needX: boolean; needH0: boolean; needC0: boolean; gradTrace?: { dh: FArr; dc?: FArr }[];
}

/** read a recurrent op's backward inputs, run `bptt` (null: it could not run), and place its results by input position */
function withArgs(cx: BackwardCx, dOuts: (FArr | undefined)[], bptt: (a: BackArgs) => BpttResult | null): InputGrads | null {
  const { entry, need } = cx;
  const op = entry.op, slots = recurrentSlots(op);
  const x = entry.ins[0]!;
  const [B, T, I] = x.shape;
  const D = op.attrs.direction === 'bidirectional' ? 2 : 1;
  const H = op.attrs.hidden_size as number;
  const spec = specOf(op, I);
  const w = (i: number) => fdata(entry.ins[i]!);
  const GH = GATE_COUNT[spec.cell] * H;
  const pSlot = (d: number) => (d === 0 ? slots.p : slots.pReverse);
  const dirs = Array.from({ length: D }, (_, d) => ({
    w_ih: w(1 + 4 * d), w_hh: w(2 + 4 * d), b_hh: entry.ins[4 + 4 * d] ? w(4 + 4 * d) : new Float32Array(GH),
    ...(spec.peephole ? { p: w(pSlot(d)) } : {}),
  }));
  const stateIn = !entry.overrodeState;
  const res = bptt({
    spec, B, T, I, H, sv: entry.saved as Saved, x: fdata(x), dirs, dY: dOuts[0], dhN: dOuts[1], dcN: dOuts[2],
    needX: need[0], needH0: stateIn && need[slots.h0], needC0: stateIn && slots.c0 >= 0 && need[slots.c0],
    gradTrace: cx.gradTrace ? cx.gradTrace(B, T, H, D, spec.cell === 'LSTM') : undefined,
  });
  if (res === null) return null;
  const grads: InputGrads = [];
  grads[0] = res.dx;
  res.dirs.forEach((g, d) => {
    grads[1 + 4 * d] = g.dw_ih;
    grads[2 + 4 * d] = g.dw_hh;
    grads[3 + 4 * d] = g.db_ih;
    grads[4 + 4 * d] = g.db_hh;
    if (g.dp) grads[pSlot(d)] = g.dp;
  });
  if (res.dh0) grads[slots.h0] = res.dh0;
  if (res.dc0) grads[slots.c0] = res.dc0;
  return grads;
}

/** BPTT on the TS reference kernels, from activations saved as JS arrays */
function backward(cx: BackwardCx, dOuts: (FArr | undefined)[]): InputGrads {
  return withArgs(cx, dOuts, (a) => bpttLayer({
    spec: a.spec, B: a.B, T: a.T, I: a.I, H: a.H, x: a.x, dirs: a.dirs, h0: a.sv.h0, c0: a.sv.c0, lengths: a.sv.lengths, saved: a.sv.r.trace!,
    dY: a.dY, dhN: a.dhN, dcN: a.dcN, needX: a.needX, needH0: a.needH0, needC0: a.needC0, ws: cx.ws, gradTrace: a.gradTrace,
  }))!;
}

/**
 * BPTT on the SIMD kernels where the forward left its activations in wasm memory (saved.ts);
 * activations saved as JS arrays (a TS forward, a traced one) take the TS reference.
 */
function backwardSimd(cx: BackwardCx, dOuts: (FArr | undefined)[]): InputGrads {
  const sv = cx.entry.saved as Saved;
  const s = sv.simd;
  if (s === undefined || !isLive(s)) {
    if (sv.r.trace) return backward(cx, dOuts);
    throw new KernelError('the activations this training forward saved were released: a later forwardTrain of the same program reused their memory after this tape\'s backward had run. Run backward once per forwardTrain (PyTorch frees a graph after backward too), or run forwardTrain again');
  }
  const layer = cx.entry.prepared as PreparedLayer;
  const res = withArgs(cx, dOuts, (a) => bpttSimd({ layer, saved: s, x: a.x as Float32Array, dirs: a.dirs, dY: a.dY, dhN: a.dhN, dcN: a.dcN, needX: a.needX, needH0: a.needH0, needC0: a.needC0, gradTrace: a.gradTrace }));
  if (res !== null) return res;
  // the SIMD kernels could not run (wasm memory cannot grow): the TS reference on copied-out activations
  const rt = simdRuntime();
  if (!sv.r.trace && rt) sv.r.trace = traceFromArena(rt.f32(), layer, Math.ceil(layer.H / 8) * 8, s);
  s.consumed = true;
  return backward(cx, dOuts);
}

/** the TS reference entries */
export const RECURRENT_KERNEL: KernelEntry = { prepare, forward: forwardWith(tsLoop), backward };

/** the SIMD backend's entries: weights packed for the wasm kernels at prepare time, the wasm time loop */
export const RECURRENT_KERNEL_SIMD: Partial<KernelEntry> = {
  prepare(op, weight, prev) {
    const layer = prepare(op, weight, prev);
    // a general layer (ONNX's other activations, clip, input_forget) never runs the SIMD loop: nothing to pack
    if (layer.wihT instanceof Float32Array && !layer.spec.general) prepareSimdLayer(layer as PreparedLayer);
    return layer;
  },
  forward: forwardWith(simdLoop),
  backward: backwardSimd,
};

export type { Saved as RecurrentSaved };
