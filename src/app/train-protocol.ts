// Messages between the editor and the training worker (train-worker.ts). Plain data only: the
// worker has the data layer and the training session (src/train/session.ts); the editor keeps
// the document, the charts and the checkpoints. No DOM here, so a Node test can drive the job.
import type { GraphDoc, SampleValue } from '../doc/schema';
import type { GradTrace } from '../runtime/grad-trace';
import type { DataSpec, DataSpecInput } from '../data/spec';
import type { DropReport } from '../data/table';
import type { PreviewRow } from '../data/preview';
import type { GraphChange } from '../data/graph-changes';
import type { TrainingSettingsInput } from '../doc/training';

/** Where the examples come from: a built-in set, or the text of a file the person picked. */
export type TrainSource = { builtin: string } | { file: string; text: string };

export interface PrepareRequest {
  type: 'prepare';
  doc: GraphDoc;
  source: TrainSource;
  /** the mapping to use; absent: suggested from the graph and the data (suggestSpec) */
  spec?: DataSpecInput;
}

export interface StartRequest {
  type: 'start';
  doc: GraphDoc;
  source: TrainSource;
  /** the full training section, data mapping included */
  training: TrainingSettingsInput;
  /** continue a session saved earlier (a checkpoint from IndexedDB) */
  resume?: unknown;
  /** how often (in steps) the worker sends a checkpoint to keep */
  checkpointEvery?: number;
}

/** ∂loss/∂h_t of one input (the inspector's gradient view); `targets`: class label per output */
export interface GradientRequest {
  type: 'gradients';
  id: number;
  doc: GraphDoc;
  inputs: Record<string, SampleValue>;
  targets?: Record<string, string>;
}

export type TrainRequest =
  | PrepareRequest
  | GradientRequest
  | StartRequest
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export interface Prepared {
  type: 'prepared';
  spec: DataSpec;
  columns: string[];
  tableName: string;
  notes: string[];
  preview: PreviewRow[];
  report: DropReport;
  splits: { train: number; validation: number; test: number };
  /** vocabularies / labels the graph must adopt to train on this data */
  changes: GraphChange[];
}

export interface StepMsg {
  type: 'step';
  /** 0-based epoch, and of how many */
  epoch: number;
  epochs: number;
  /** steps of this epoch done (1-based), of stepsPerEpoch */
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** optimiser steps over the whole run so far, and planned in all */
  step: number;
  totalSteps: number;
  loss: number;
  gradNorm: number;
  clippedNorm: number;
  lr: number;
  stepsPerSecond: number;
  etaSeconds: number;
}

export interface MetricsMsg {
  loss: number;
  metric: { name: string; value: number; higherIsBetter: boolean };
}

export interface EpochMsg {
  type: 'epoch';
  epoch: number;
  step: number;
  train: MetricsMsg;
  validation: MetricsMsg;
  best: boolean;
}

export interface ExampleRow {
  index: number;
  input: string;
  target: string;
  prediction: string;
  correct: boolean;
  loss: number;
  /** the example's graph inputs as the Run tab takes them (text per token input) */
  inputs?: Record<string, string>;
}

export interface Evaluation {
  metrics: MetricsMsg;
  confusion?: { labels: string[]; counts: number[][] };
  examples: ExampleRow[];
  /** examples scored */
  rows?: number;
}

export interface CheckpointMsg {
  type: 'checkpoint';
  /** 'best' by validation metric, or the 'last' one */
  which: 'best' | 'last';
  step: number;
  epoch: number;
  /** the session's checkpoint (plain data, structured-clonable) */
  state: unknown;
  /** node id -> weight name -> tensor, as a graph file stores weights */
  weights: GraphDoc['weights'];
}

export interface DoneMsg {
  type: 'done';
  /** stopped by the person before the last epoch */
  stopped: boolean;
  step: number;
  weights: GraphDoc['weights'];
  test?: Evaluation;
}

export type TrainResponse =
  | Prepared
  | { type: 'gradients'; id: number; gradTrace: GradTrace; loss: number; targets: string[] }
  | { type: 'gradients-error'; id: number; message: string }
  | StepMsg
  | EpochMsg
  | CheckpointMsg
  | DoneMsg
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | { type: 'status'; message: string }
  | { type: 'error'; stage: 'data' | 'compile' | 'train'; message: string; where?: Record<string, unknown> };
