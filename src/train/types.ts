// The trainer's data types, shared with the data layer (which makes Batches) and the app/CLI
// (which read StepResults and Metrics). See docs/training.md.
import type { WeightJSON } from '../doc/schema';
import type { UpdaterStateJSON } from './update';
import type { GradTrace, Trace } from './runtime';

/** feeds by graph input name (as execute() takes them), targets by graph output name: int64 class
 *  ids ([B] or [B,T]) for CrossEntropyLoss/NLLLoss, float32 values (the output's shape) for
 *  MSELoss; the data layer makes them (src/data/batches.ts) */
export type { Batch } from '../data/batches';

export interface StepResult {
  /** Σ loss_weight · loss over the losses (with truncated BPTT: the mean over the batch's chunks) */
  loss: number;
  /** each loss by output name, before loss_weight */
  losses: Record<string, number>;
  /** L2 norm of all gradients before clipping (with BPTT: of the last chunk) */
  gradNorm: number;
  /** after clipping (= gradNorm without clipping) */
  clippedNorm: number;
  /** the learning rate the (last) update used */
  lr: number;
  /** optimiser steps taken so far, this one included */
  step: number;
  /** optimiser steps this batch took (1, or the number of BPTT chunks) */
  updates: number;
  /** with step(batch, { trace: true }): ∂loss/∂h_t (and ∂loss/∂c_t) of the (last) update */
  gradTrace?: GradTrace;
  /** with step(batch, { trace: true }): the forward trace (h, c, gates) of the (last) update */
  trace?: Trace;
}

export interface OutputMetrics {
  /** the loss over every counted position of every batch (mean or sum, as the loss reduces) */
  loss: number;
  /** classification: argmax = target over counted positions */
  accuracy?: number;
  /** regression: root mean squared error */
  rmse?: number;
  /** positions (classes) or elements (values) counted */
  count: number;
}

export interface Metrics {
  /** Σ loss_weight · loss */
  loss: number;
  outputs: Record<string, OutputMetrics>;
  batches: number;
  rows: number;
}

export interface TrainerStateJSON {
  format: 'seqgraph-trainer';
  version: 1;
  /** optimiser steps taken */
  step: number;
  /** epochs ended (endEpoch calls) */
  epoch: number;
  seed: number;
  /** node id -> PyTorch weight name -> tensor, as a graph file stores weights */
  weights: Record<string, Record<string, WeightJSON>>;
  updater: UpdaterStateJSON;
}
