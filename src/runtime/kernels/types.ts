// What a kernel is: one entry per IR op, with the same three functions for every op.
//
//   prepare   derive per-program state from the op's weights (transposes, packing); called once,
//             and again, with the previous state to refill in place, after markWeightsChanged
//   forward   the op's outputs from its inputs; in training it also returns what backward needs
//   backward  the gradients of the op's inputs from those of its outputs
//
// Why one shape for all: the executor (execute.ts, train.ts) is then one short loop over a table
// that the type checker proves exhaustive (Record<OpName, KernelEntry>, kernels/table.ts), and a
// backend (backend.ts: the TS reference, WebAssembly SIMD, later WebGPU) replaces any of the three
// functions of any op without the executor knowing. Backward lives in the same entry as forward,
// so a forward change and its backward are read and reviewed together (as micrograd keeps them).
import type { Rng } from '../../compiler/rng';
import type { Op } from '../../ir/program';
import type { FArr, Tensor } from '../tensor';
import type { Workspace } from './recurrent';

/** The op's inputs in the order of ir/ops.ts; undefined for an absent optional one. */
export type Inputs = (Tensor | undefined)[];

export interface ForwardCtx {
  op: Op;
  /** the op's index in program.ops */
  k: number;
  /** what prepare() made for this op (undefined when the op has no prepare) */
  prepared: unknown;
  /** forwardTrain: return in `saved` what backward needs */
  train: boolean;
  /** record the forward trace (returned in `traced`) */
  trace: boolean;
  /** forwardTrain with dropout on: Dropout ops drop */
  dropout: boolean;
  /** a generator seeded by the run's seed and this op's index (same seed, same masks) */
  rng(): Rng;
  /** Decode with a target in training: P(feed the target) per step */
  teacherForcingRatio: number;
  /** truncated BPTT: the state a recurrent op starts from, overriding its initial_h/initial_c inputs */
  initialState?: { h: FArr; c?: FArr };
  /** scratch reused across ops and runs of this program (float64 in the gradient check) */
  ws: Workspace;
}

export interface ForwardResult {
  /** one per op output (undefined only for outputs nobody can read) */
  outs: (Tensor | undefined)[];
  /** forwardTrain only: whatever this op's backward reads back */
  saved?: unknown;
  /** trace on: what buildTrace reads (a recurrent LayerResult, a DecodeResult) */
  traced?: unknown;
}

/** One recorded op of a training forward pass. */
export interface TapeEntry {
  op: Op;
  k: number;
  ins: Inputs;
  outs: (Tensor | undefined)[];
  saved: unknown;
  prepared: unknown;
  /** truncated BPTT: the forward started from an overriding state (its inputs get no gradient) */
  overrodeState: boolean;
}

export interface BackwardCtx {
  entry: TapeEntry;
  /** per input: whether its gradient is wanted (a weight, or on the way to one or to a graph input) */
  need: boolean[];
  ws: Workspace;
  /** gradient trace on, for recurrent ops: arrays to fill with ∂loss/∂h_t (∂loss/∂c_t), per direction [B, T, H] */
  gradTrace: ((B: number, T: number, H: number, D: number, withC: boolean) => { dh: FArr; dc?: FArr }[]) | null;
}

/** Gradients of the op's inputs, by input position (undefined: none, or not needed). Fresh arrays, or an incoming gradient passed through unchanged. */
export type InputGrads = (FArr | undefined)[];

export interface KernelEntry {
  prepare?(op: Op, weight: (i: number) => Tensor | undefined, prev: unknown): unknown;
  forward(cx: ForwardCtx, ins: Inputs): ForwardResult;
  /** dOuts: one per op output, undefined where nothing flows back */
  backward(cx: BackwardCtx, dOuts: (FArr | undefined)[]): InputGrads;
}

/** An op whose inputs, by construction, never carry a gradient (integer results, or no float inputs). */
export const noGradient = (): InputGrads => [];

export class KernelError extends Error {}
