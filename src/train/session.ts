// The training session: prepared data → trainer → epochs, with the task's metric at the end of
// every epoch, checkpoints that resume exactly, and evaluation reports. The CLI (`seqgraph train`)
// and the editor's training worker both drive this one loop, one next() at a time, so a worker
// can pause between steps and the CLI can stop on Ctrl-C. No DOM: Node and a Web Worker alike.
// Contract: /work/wt/briefs/session-contract.md; documented in docs/training.md ("Sessions").
//
// Exact resume: an epoch's batch order depends only on (seed, epoch) (src/data/batches.ts), the
// trainer's dropout masks only on (seed, optimiser step), so a checkpoint needs the trainer's
// state (weights, optimiser, step), the epoch, the batch index within it and the running sums of
// the epoch's training loss — nothing else carries randomness.
import type { Program } from '../ir/program';
import type { TrainingSettings } from '../doc/training';
import { epochBatches, makeBatch, type DataBatch } from '../data/batches';
import type { Example, PreparedData } from '../data/prepare';
import type { SplitName } from '../data/split';
import { createTrainer, type Trainer } from './trainer';
import type { TrainerStateJSON } from './types';
import { TrainError } from './plan';
import { taskOf, measure, type Task, type Metrics, type EvaluationReport } from './session-metrics';

export type { Metrics, EvaluationReport, Task } from './session-metrics';

export interface SessionInit {
  /** the compiled graph (weights inside; training changes them in place) */
  program: Program;
  /** the graph file's training section, defaults filled in */
  settings: TrainingSettings;
  /** src/data's prepared data set (train / validation / test splits) */
  data: PreparedData;
  /** continue exactly: same next batch, same optimiser state, same dropout masks */
  resume?: SessionCheckpoint;
  /** the same graph without the Decoders' target inputs, so PER/WER are measured on free greedy
   *  decoding (as the model is used); weights are copied into it by node id + weight name.
   *  Without it a Decoder is evaluated fed its own choices for the target's length. */
  inference?: Program;
  /** rows of the validation split scored at the end of each epoch (default: all); of the
   *  training split (default 2,000: a sample, so the epoch's evaluation stays cheap) */
  epochEval?: { validation?: number; train?: number };
}

export interface StepReport {
  kind: 'step';
  /** 0-based epoch and step within it */
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** optimiser steps taken over the whole run so far */
  totalSteps: number;
  loss: number;
  gradNorm: number;
  clippedNorm: number;
  lr: number;
  stepsPerSecond: number;
  /** to the end of training at the current speed (steps only; evaluations not counted) */
  etaSeconds: number;
}

export interface EpochReport {
  kind: 'epoch';
  epoch: number;
  /** loss: the mean of the epoch's step losses; metric: on a sample of the training split */
  train: Metrics;
  validation: Metrics;
  /** best validation metric so far */
  best: boolean;
}

export type SessionEvent = StepReport | EpochReport | { kind: 'done' };

export interface SessionCheckpoint {
  format: 'seqgraph-session';
  version: 1;
  trainer: TrainerStateJSON;
  /** epochs finished (the epoch in progress, 0-based) */
  epoch: number;
  /** batches of that epoch already stepped */
  batch: number;
  /** running sums of the epoch's training loss */
  lossSum: number;
  lossCount: number;
  /** the best validation metric seen, and the epoch it was seen */
  best: { value: number; epoch: number } | null;
  history: EpochReport[];
}

export interface TrainingSession {
  readonly trainer: Trainer;
  readonly task: Task;
  readonly epochs: number;
  /** the epoch reports so far */
  readonly history: readonly EpochReport[];
  next(): SessionEvent;
  checkpoint(): SessionCheckpoint;
  evaluate(split: SplitName, opts?: { examples?: number; rows?: number }): EvaluationReport;
}

export class SessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionError';
  }
}

/** A deterministic sample of at most n examples (evenly spaced, so it is the same every epoch). */
function sample(ex: readonly Example[], n: number | undefined): Example[] {
  if (n === undefined || ex.length <= n) return ex.slice();
  const out: Example[] = [];
  for (let i = 0; i < n; i++) out.push(ex[Math.floor((i * ex.length) / n)]);
  return out;
}

export function createSession(init: SessionInit): TrainingSession {
  const { program, settings, data } = init;
  if (!data.splits.train.length) throw new SessionError('the training split is empty: there is nothing to train on');
  const trainer = createTrainer(program, settings);
  const task = taskOf(program, settings, data);
  const batchSize = settings.batch_size;
  let epoch = 0;
  let batchIdx = 0;
  let lossSum = 0;
  let lossCount = 0;
  let best: SessionCheckpoint['best'] = null;
  const history: EpochReport[] = [];
  if (init.resume) {
    const r = init.resume;
    if (r?.format !== 'seqgraph-session' || r.version !== 1) throw new SessionError('not a seqgraph training checkpoint (format "seqgraph-session", version 1)');
    if (r.trainer.seed !== settings.seed) throw new SessionError(`the checkpoint was trained with seed ${r.trainer.seed}, the settings say ${settings.seed}: resuming would not continue the same run`);
    trainer.restore(r.trainer);
    ({ epoch, batch: batchIdx, lossSum, lossCount, best } = r);
    history.push(...r.history);
  }
  let batches: DataBatch[] | null = null;
  const epochBatchesOf = (e: number) => epochBatches(data, 'train', { batchSize, shuffle: true, seed: settings.seed, epoch: e });
  // speed over the steps of this process (a resumed run starts its clock afresh)
  const t0 = Date.now();
  let stepsHere = 0;

  function evalOn(examples: Example[], withExamples = 0): EvaluationReport {
    const order = examples.length ? epochBatchesFor(examples) : [];
    return measure({ program, inference: init.inference, trainer, task, data, batches: order, examples: withExamples });
  }
  function epochBatchesFor(examples: Example[]): DataBatch[] {
    // fixed order, grouped by length (little padding), never shuffled
    const sorted = examples.map((e, i) => [e, i] as const).sort((a, b) => a[0].length - b[0].length || a[1] - b[1]);
    const out: DataBatch[] = [];
    const B = Math.max(batchSize, 64);
    const exact = Object.values(data.inputs).some((i) => i.kind === 'tokens' && !(typeof i.info.pad === 'number' && i.info.pad >= 0));
    for (let s = 0; s < sorted.length; ) {
      let e = Math.min(sorted.length, s + B);
      if (exact) while (e > s + 1 && sorted[e - 1][0].length !== sorted[s][0].length) e--;
      out.push(makeBatch(data, sorted.slice(s, e).map((x) => x[0])));
      s = e;
    }
    return out;
  }

  function next(): SessionEvent {
    if (epoch >= settings.epochs) return { kind: 'done' };
    batches ??= epochBatchesOf(epoch);
    if (batchIdx < batches.length) {
      const r = trainer.step(batches[batchIdx]);
      batchIdx++;
      stepsHere++;
      lossSum += r.loss;
      lossCount++;
      const sps = stepsHere / Math.max(1e-3, (Date.now() - t0) / 1000);
      const left = (settings.epochs - epoch) * batches.length - batchIdx;
      return {
        kind: 'step',
        epoch,
        step: batchIdx,
        stepsPerEpoch: batches.length,
        totalSteps: trainer.stepCount,
        loss: r.loss,
        gradNorm: r.gradNorm,
        clippedNorm: r.clippedNorm,
        lr: r.lr,
        stepsPerSecond: sps,
        etaSeconds: left / sps,
      };
    }
    // the end of the epoch: schedule step, evaluation, bookkeeping
    trainer.endEpoch();
    const trainEval = evalOn(sample(data.splits.train, init.epochEval?.train ?? 2000)).metrics;
    const train: Metrics = { ...trainEval, loss: lossCount ? lossSum / lossCount : trainEval.loss };
    const validation = data.splits.validation.length ? evalOn(sample(data.splits.validation, init.epochEval?.validation)).metrics : trainEval;
    const v = validation.metric.value;
    const isBest = best === null || (validation.metric.higherIsBetter ? v > best.value : v < best.value);
    if (isBest) best = { value: v, epoch };
    const rep: EpochReport = { kind: 'epoch', epoch, train, validation, best: isBest };
    history.push(rep);
    epoch++;
    batchIdx = 0;
    lossSum = 0;
    lossCount = 0;
    batches = null;
    return rep;
  }

  return {
    trainer,
    task,
    get epochs() {
      return settings.epochs;
    },
    history,
    next,
    checkpoint: () => ({
      format: 'seqgraph-session',
      version: 1,
      trainer: trainer.state(),
      epoch,
      batch: batchIdx,
      lossSum,
      lossCount,
      best: best ? { ...best } : null,
      history: history.map((h) => structuredClone(h)),
    }),
    evaluate(split, opts = {}) {
      const ex = data.splits[split];
      if (!ex.length) throw new SessionError(`the ${split} split is empty`);
      return evalOn(sample(ex, opts.rows), opts.examples ?? 20);
    },
  };
}

export { TrainError };
