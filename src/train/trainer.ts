// createTrainer(program, settings): the training loop's step, evaluation, weights and state.
// A step is forward (runtime.forwardTrain) → losses (src/train/plan.ts) → backward seeded at
// each loss's value → clip → optimiser → schedule, once per batch or once per BPTT chunk.
// A step is a transaction: if any loss, gradient or updated weight is NaN or Inf, or a target is
// out of range or mis-shaped, it throws a TrainError naming the output or node, the step and the
// position, and leaves the weights, the optimiser and the schedule exactly as they were.
// No DOM: runs in Node and in a Web Worker.
import type { Program } from '../ir/program';
import type { TrainingSettings } from '../doc/training';
import type { WeightJSON } from '../doc/schema';
import { encodeWeight, decodeWeightData } from '../doc/weights';
import { positionOf } from '../runtime/tensor';
import { forwardTrain, backward, markWeightsChanged, type RecurrentState, type GradTrace, type Trace } from './runtime';
import { planLosses, computeLoss, TrainError, type LossPlan } from './plan';
import { chunkBatch, timedInputs } from './bptt';
import { Updater } from './update';
import type { Param } from './optimizers';
import type { Batch, Metrics, OutputMetrics, StepResult, TrainerStateJSON } from './types';
import { dict, own } from '../doc/dict';

export interface Trainer {
  readonly program: Program;
  readonly settings: TrainingSettings;
  /** optimiser steps taken */
  readonly stepCount: number;
  /** the learning rate the next step will use */
  readonly lr: number;
  step(batch: Batch, opts?: StepOptions): StepResult;
  /** losses and accuracy / RMSE over batches, without dropout and without changing anything */
  evaluate(batches: Iterable<Batch>): Metrics;
  /** the end of an epoch (a schedule with interval "epoch" steps here) */
  endEpoch(): void;
  /** node id -> PyTorch weight name -> tensor, as GraphDoc.weights stores them */
  weights(): Record<string, Record<string, WeightJSON>>;
  state(): TrainerStateJSON;
  restore(state: TrainerStateJSON): void;
}

export interface StepOptions {
  /** record the forward trace (h, c, gates per step) and the gradient trace (∂loss/∂h_t per
   *  recurrent node, layer, direction, step) of the (last) update in the result */
  trace?: boolean;
  /** sees every update's gradients after clipping, before the optimiser (IR weight name -> values; program.weightRefs names them) */
  onGradients?: (grads: ReadonlyMap<string, Float32Array>) => void;
}

/** a per-step seed for dropout masks and scheduled sampling: same seed and step, same masks */
function stepSeed(seed: number, step: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ step, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

export function createTrainer(program: Program, settings: TrainingSettings): Trainer {
  const plans = planLosses(program, settings.losses);
  const refs = program.weightRefs;
  const params: Param[] = Object.keys(refs).map((name) => ({ name, data: program.initializers[name].data as Float32Array }));
  const sizes = new Map(params.map((p) => [p.name, p.data.length]));
  const backup = params.map((p) => new Float32Array(p.data.length));
  const updater = new Updater(settings);
  let stepCount = 0;
  let epoch = 0;
  const weightLabel = (name: string) => `${program.nodeNames[refs[name].node] ?? refs[name].node}.${refs[name].name}`;
  const shapeOf = (name: string) => program.initializers[name].shape;

  /** forward + losses on one chunk; the seeds for backward when `train` */
  function forwardLosses(b: Batch, seed: number, train: boolean, carried: Map<number, RecurrentState> | undefined, trace = false) {
    const fw = forwardTrain(program, b.feeds, {
      seed,
      dropout: train,
      teacherForcingRatio: train ? settings.teacher_forcing_ratio : 1,
      initialStates: carried,
      trace,
    });
    const seeds = new Map<string, Float32Array>();
    const results = plans.map((p) => {
      const x = fw.values.get(p.value);
      if (!x) throw new Error(`internal: the forward pass did not keep value "${p.value}" of output "${p.spec.output}"`);
      const r = computeLoss(p, x, own(b.targets, p.spec.output), p.lengths ? fw.values.get(p.lengths) : undefined);
      if (!Number.isFinite(r.loss)) throw new TrainError(`${p.spec.loss} on output "${p.spec.output}" is ${r.loss}`, { output: p.spec.output, node: p.output.node });
      const w = p.spec.loss_weight;
      const prev = seeds.get(p.value);
      if (prev) for (let i = 0; i < prev.length; i++) prev[i] += w * r.grad[i];
      else seeds.set(p.value, w === 1 ? r.grad : r.grad.map((g) => g * w));
      return r;
    });
    return { fw, seeds, results };
  }

  function checkFinite(grads: Map<string, Float32Array>, what: 'gradient' | 'updated weight'): void {
    for (const p of params) {
      const a = what === 'gradient' ? grads.get(p.name) : p.data;
      if (!a) continue;
      const i = firstNonFinite(a);
      if (i >= 0) {
        const why = what === 'gradient' ? 'the gradients exploded or a loss was not finite' : 'the update overflowed: lower lr, or clip gradients';
        throw new TrainError(`${what} of ${weightLabel(p.name)} is ${a[i]} at ${positionOf(shapeOf(p.name), i)} (${why})`, { node: refs[p.name].node, position: positionOf(shapeOf(p.name), i) });
      }
    }
  }

  function checkTargetsForBptt(b: Batch): void {
    const timed = timedInputs(program);
    const T = timed.length ? own(b.feeds, timed[0])?.shape[1] : undefined;
    if (!settings.bptt_steps || T === undefined) return;
    for (const p of plans) {
      const t = own(b.targets, p.spec.output);
      if (p.perStep && t && t.shape[1] !== T) throw new TrainError(`target for output "${p.spec.output}" has ${t.shape[1]} steps, but the input has ${T} (shape [${t.shape.join(', ')}])`, { output: p.spec.output, node: p.output.node });
    }
  }

  function step(batch: Batch, opts: StepOptions = {}): StepResult {
    const first = stepCount + 1;
    params.forEach((p, i) => backup[i].set(p.data));
    updater.checkpoint();
    let carried: Map<number, RecurrentState> | undefined;
    let total = 0;
    const per = dict<number>(); // by output name
    let last = { gradNorm: 0, clippedNorm: 0, lr: updater.lr };
    let chunkLabel = '';
    let gradTrace: GradTrace | undefined;
    let trace: Trace | undefined;
    try {
      checkTargetsForBptt(batch);
      const chunks = chunkBatch(program, plans, batch, settings.bptt_steps);
      chunks.forEach((c, k) => {
        chunkLabel = chunks.length > 1 ? ` (BPTT chunk ${k + 1} of ${chunks.length}, time steps ${c.t0}..${c.t1 - 1})` : '';
        const { fw, seeds, results } = forwardLosses(c.batch, stepSeed(settings.seed, stepCount), true, carried, opts.trace);
        const bw = backward(fw.tape, seeds, { trace: opts.trace, inputGrads: false });
        const grads = bw.grads;
        checkFinite(grads, 'gradient');
        last = updater.apply(params, grads, opts.onGradients);
        if (bw.gradTrace) gradTrace = bw.gradTrace;
        if (fw.trace) trace = fw.trace;
        checkFinite(grads, 'updated weight');
        markWeightsChanged(program, params.map((p) => p.name));
        carried = fw.finalStates;
        stepCount++;
        results.forEach((r, i) => {
          const name = plans[i].spec.output;
          per[name] = (per[name] ?? 0) + r.loss / chunks.length;
          total += (plans[i].spec.loss_weight * r.loss) / chunks.length;
        });
      });
      return { loss: total, losses: per, ...last, step: stepCount, updates: chunks.length, ...(gradTrace ? { gradTrace } : {}), ...(trace ? { trace } : {}) };
    } catch (e) {
      params.forEach((p, i) => p.data.set(backup[i]));
      updater.rollback();
      markWeightsChanged(program, params.map((p) => p.name));
      const failed = stepCount + 1;
      stepCount = first - 1;
      const msg = (e as Error).message;
      const where = e instanceof TrainError ? e.where : {};
      throw new TrainError(`step ${failed}${chunkLabel}: ${msg} — the weights and the optimiser are as they were before this step`, where);
    }
  }

  function evaluate(batches: Iterable<Batch>): Metrics {
    const acc = plans.map(() => ({ sum: 0, count: 0, correct: 0, total: 0, sse: 0, n: 0 }));
    let nb = 0;
    let rows = 0;
    for (const batch of batches) {
      nb++;
      rows += batch.size;
      let carried: Map<number, RecurrentState> | undefined;
      try {
        checkTargetsForBptt(batch);
        for (const c of chunkBatch(program, plans, batch, settings.bptt_steps)) {
          const { fw, results } = forwardLosses(c.batch, 0, false, carried);
          carried = fw.finalStates;
          results.forEach((r, i) => {
            const a = acc[i];
            a.sum += plans[i].spec.reduction === 'mean' ? r.loss * r.count : r.loss;
            a.count += r.count;
            a.correct += r.correct ?? 0;
            a.total += r.total ?? 0;
            a.sse += r.sse ?? 0;
          });
        }
      } catch (e) {
        const where = e instanceof TrainError ? e.where : {};
        throw new TrainError(`evaluate, batch ${nb}: ${(e as Error).message}`, where);
      }
    }
    const outputs = dict<OutputMetrics>(); // by output name
    let loss = 0;
    plans.forEach((p, i) => {
      const a = acc[i];
      const l = p.spec.reduction === 'mean' ? a.sum / a.count : a.sum;
      const m: OutputMetrics = { loss: l, count: a.count };
      if (p.spec.loss === 'MSELoss') m.rmse = Math.sqrt(a.sse / a.count);
      else m.accuracy = a.total ? a.correct / a.total : 0;
      outputs[p.spec.output] = m;
      loss += p.spec.loss_weight * l;
    });
    return { loss, outputs, batches: nb, rows };
  }

  function weights(): Record<string, Record<string, WeightJSON>> {
    const out: Record<string, Record<string, WeightJSON>> = {};
    for (const p of params) {
      const { node, name } = refs[p.name];
      (out[node] ??= {})[name] = encodeWeight(shapeOf(p.name), p.data);
    }
    return out;
  }

  function restore(s: TrainerStateJSON): void {
    if (s?.format !== 'seqgraph-trainer' || s.version !== 1) throw new TrainError('not a seqgraph trainer state (format "seqgraph-trainer", version 1)');
    // check everything before changing anything
    const values = params.map((p) => {
      const { node, name } = refs[p.name];
      const w = s.weights[node]?.[name];
      if (!w) throw new TrainError(`trainer state lacks the weight ${weightLabel(p.name)}`, { node });
      const shape = shapeOf(p.name);
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) throw new TrainError(`trainer state has ${weightLabel(p.name)} as [${w.shape.join(', ')}], the model needs [${shape.join(', ')}]`, { node });
      const d = decodeWeightData(w);
      if (typeof d === 'string') throw new TrainError(`trainer state ${weightLabel(p.name)}: ${d}`, { node });
      return d;
    });
    const probe = new Updater(settings);
    probe.restore(s.updater, sizes);
    params.forEach((p, i) => p.data.set(values[i]));
    markWeightsChanged(program, params.map((p) => p.name));
    updater.restore(s.updater, sizes);
    stepCount = s.step;
    epoch = s.epoch;
  }

  return {
    program,
    settings,
    get stepCount() {
      return stepCount;
    },
    get lr() {
      return updater.lr;
    },
    step,
    evaluate,
    endEpoch() {
      epoch++;
      updater.endEpoch();
    },
    weights,
    state: () => ({ format: 'seqgraph-trainer', version: 1, step: stepCount, epoch, seed: settings.seed, weights: weights(), updater: updater.state() }),
    restore,
  };
}

export type { LossPlan };
