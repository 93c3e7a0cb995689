// Where each loss of the training section attaches in a compiled Program, and how a batch's
// target for it must look. A loss reads an Output; the value it differentiates is found by
// walking back through the ops the Output added (Identity to take the Output's name, MaskSteps
// to zero padded steps): cross-entropy on a Softmax's probabilities is taken on the Softmax's
// input logits, as PyTorch users write it, and the runtime's backward is seeded there.
import type { Op, Program, GraphOutput } from '../ir/program';
import type { LossSettings } from '../doc/training';
import type { Tensor } from '../runtime/tensor';
import { positionOf, shapeStr } from '../runtime/tensor';
import { countCorrect, crossEntropy, mseLoss, nllLoss, TargetError, type LossValue } from './losses';

export interface LossPlan {
  spec: LossSettings;
  output: GraphOutput;
  /** the IR value the loss reads and the backward is seeded at */
  value: string;
  /** what that value holds */
  reads: 'logits' | 'logprobs' | 'values';
  /** IR value of the per-row lengths when the output is a padded sequence (steps past it do not count) */
  lengths?: string;
  /** the output has a time axis: targets [B,T] (classes) or [B,T,F] (values) */
  perStep: boolean;
}

/** a problem with the training setup or a batch; the trainer adds the step */
export class TrainError extends Error {
  constructor(message: string, readonly where: { output?: string; node?: string; position?: string } = {}) {
    super(message);
    this.name = 'TrainError';
  }
}

export function planLosses(program: Program, losses: readonly LossSettings[]): LossPlan[] {
  const producer = new Map<string, Op>();
  for (const op of program.ops) for (const o of op.outputs) producer.set(o, op);
  return losses.map((spec) => {
    const output = program.outputs.find((o) => o.name === spec.output);
    if (!output) throw new TrainError(`the loss reads output "${spec.output}", which the graph does not have (outputs: ${program.outputs.map((o) => o.name).join(', ')})`, { output: spec.output });
    const label = `${spec.loss} on "${spec.output}"`;
    if (output.dtype !== 'float32' || output.kind === 'tokens') throw new TrainError(`${label}: the output gives token ids, which have no gradient`, { output: spec.output, node: output.node });
    let value = output.value;
    let lengths: string | undefined;
    for (;;) {
      const op = producer.get(value);
      if (op?.op === 'Identity') value = op.inputs[0];
      else if (op?.op === 'MaskSteps') {
        lengths = op.inputs[1];
        value = op.inputs[0];
      } else break;
    }
    let reads: LossPlan['reads'] = 'values';
    if (spec.loss === 'CrossEntropyLoss' && output.kind === 'probs') {
      const sm = producer.get(value);
      if (sm?.op !== 'Softmax') throw new TrainError(`${label}: the probabilities do not come from a Softmax (they come from ${sm?.op ?? 'an input'}), so there are no logits to take cross-entropy on`, { output: spec.output, node: output.node });
      value = sm.inputs[0];
      reads = 'logits';
    } else if (spec.loss === 'CrossEntropyLoss') reads = 'logits'; // log-probabilities are logits too: log_softmax(logp) = logp
    else if (spec.loss === 'NLLLoss') {
      if (output.kind !== 'logprobs') throw new TrainError(`${label}: NLLLoss takes log-probabilities; the output gives ${output.kind === 'probs' ? 'probabilities' : 'raw scores'} (use CrossEntropyLoss)`, { output: spec.output, node: output.node });
      reads = 'logprobs';
    }
    const perStep = output.shape.length === 3;
    return { spec, output, value, reads, lengths, perStep };
  });
}

export interface LossResult extends LossValue {
  /** correct / total counted positions (classification) */
  correct?: number;
  total?: number;
  /** Σ squared error and counted elements (regression), for RMSE */
  sse?: number;
}

/** One loss on the forward pass's value; checks the target against the output first. */
export function computeLoss(plan: LossPlan, x: Tensor, target: Tensor | undefined, lengths: Tensor | undefined): LossResult {
  const name = plan.spec.output;
  const where = { output: name, node: plan.output.node };
  if (!target) throw new TrainError(`the batch has no target for output "${name}" (batch.targets["${name}"]; training.data.targets says which column holds it)`, where);
  const shape = x.shape;
  const classes = plan.spec.loss !== 'MSELoss';
  const want = classes ? shape.slice(0, -1) : shape;
  if (target.shape.length !== want.length || target.shape.some((d, i) => d !== want[i])) {
    const kind = classes ? `class ids ${plan.perStep ? 'per step' : 'per row'}` : 'values of the same shape';
    throw new TrainError(`target for output "${name}" has shape ${shapeStr(target.shape)}, but the output is ${shapeStr(shape)}, so the target must be ${shapeStr(want)} (${kind})`, where);
  }
  if (classes && target.dtype !== 'int64') throw new TrainError(`target for output "${name}" must be int64 class ids for ${plan.spec.loss}, got ${target.dtype}`, where);
  if (!classes && target.dtype !== 'float32') throw new TrainError(`target for output "${name}" must be float32 values for MSELoss, got ${target.dtype}`, where);
  let valid: Uint8Array | undefined;
  if (lengths && plan.perStep) {
    const [B, T] = shape;
    valid = new Uint8Array(B * T);
    for (let b = 0; b < B; b++) for (let t = 0; t < Math.min(T, lengths.data[b]); t++) valid[b * T + t] = 1;
  }
  const F = shape[shape.length - 1];
  const data = x.data as Float32Array;
  try {
    if (plan.spec.loss === 'MSELoss') {
      const r = mseLoss(data, target.data as Float32Array, F, plan.spec.reduction, valid);
      const sse = plan.spec.reduction === 'mean' ? r.loss * r.count : r.loss;
      return { ...r, sse };
    }
    const s = plan.spec;
    const ids = target.data as Int32Array;
    const r = s.loss === 'NLLLoss'
      ? nllLoss(data, F, ids, { ignoreIndex: s.ignore_index, reduction: s.reduction }, valid)
      : crossEntropy(data, F, ids, { ignoreIndex: s.ignore_index, labelSmoothing: s.label_smoothing, reduction: s.reduction }, valid);
    return { ...r, ...countCorrect(data, F, ids, s.ignore_index, valid) };
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    const position = e.position < 0 ? undefined : positionOf(target.shape, e.position);
    throw new TrainError(`target for output "${name}"${position ? ` at ${position}` : ''}: ${e.message}`, { ...where, position });
  }
}
