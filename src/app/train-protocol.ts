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
import type { StoredSource } from './store/checkpoint-db';

/** Where the examples come from: a built-in set, or the text of a file the person picked. */
export type TrainSource = { builtin: string } | { file: string; text: string };

export interface PrepareRequest {
  type: 'prepare';
  doc: GraphDoc;
  source: TrainSource;
  /** the mapping to use; absent: suggested from the graph and the data (suggestSpec) */
  spec?: DataSpecInput;
  /** echoed in the answer: a built-in set loads asynchronously, so answers can overtake each other */
  seq?: number;
}

export interface StartRequest {
  type: 'start';
  doc: GraphDoc;
  source: TrainSource;
  /** the full training section, data mapping included */
  training: TrainingSettingsInput;
  /** continue a session saved earlier (a checkpoint from IndexedDB) */
  resume?: unknown;
  /** how often (in steps) the worker keeps a checkpoint */
  checkpointEvery?: number;
  /** keep checkpoints (and a file of the person's own) in IndexedDB under this graph's name */
  keep?: KeepRequest;
}

/** what the worker needs to write a checkpoint the page can continue from after a reload */
export interface KeepRequest {
  /** the graph's name: checkpoints are kept per graph */
  graph: string;
  /** the document trained (stored with each checkpoint) */
  doc: GraphDoc;
  sourceLabel: string;
  /** a file larger than this (UTF-8 bytes) is not copied into IndexedDB (default 50 MB) */
  maxFileBytes?: number;
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
  | { type: 'stop' }
  /** the user is panning, zooming or dragging on the page: leave it most of a core for a moment */
  | { type: 'interacting' };

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
  /** the request's seq */
  seq?: number;
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

/** A checkpoint was written to IndexedDB by the worker (or could not be: `error`). */
export interface CheckpointMsg {
  type: 'checkpoint';
  /** 'best' by validation metric, or the 'last' one */
  which: 'best' | 'last';
  step: number;
  epoch: number;
  /** the data as the checkpoint names it (a file: its hash, and whether its text is kept) */
  source?: StoredSource;
  /** why it was not kept (IndexedDB unavailable, storage full) */
  error?: string;
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
  | { type: 'error'; stage: 'data' | 'compile' | 'train'; message: string; where?: Record<string, unknown>; /** a prepare request's seq */ seq?: number };
