// ∂loss/∂h_t for one input, for the inspector: the graph's own losses (its training section, or
// cross-entropy on each class output), one forward pass with the gradient trace, one backward
// pass — no optimiser, the weights are not touched. The target is the one the person gave (a
// test example's, from the results table) or else the model's own prediction, so the picture is
// "the gradient that would reinforce this answer". Same steps as one training step's first half
// (src/train/trainer.ts), run through the runtime directly. No DOM: runs in the training worker.
import type { GraphDoc, SampleValue } from '../doc/schema';
import { LossSchema } from '../doc/training';
import type { GradTrace } from '../runtime/grad-trace';
import { execute } from '../runtime/execute';
import type { Tensor } from '../runtime/tensor';
import { sampleToTensor } from '../runtime/tokenize';
import { backward, forwardTrain } from '../train/runtime';
import { computeLoss, planLosses } from '../train/plan';
import { compileOrThrow, JobError } from './train-job';

export interface GradientResult {
  gradTrace: GradTrace;
  loss: number;
  /** what each loss was taken against, in words ("probs: male (the prediction)") */
  targets: string[];
}

function argmaxRows(x: Tensor): Int32Array {
  const C = x.shape[x.shape.length - 1];
  const n = x.data.length / C;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (x.data[r * C + c] > x.data[r * C + best]) best = c;
    out[r] = best;
  }
  return out;
}

export function gradientJob(doc: GraphDoc, inputs: Record<string, SampleValue>, given: Record<string, string> = {}): GradientResult {
  const program = compileOrThrow(doc);
  const feeds: Record<string, Tensor> = {};
  for (const inp of program.inputs) {
    const v = inputs[inp.name];
    if (v === undefined || v === '') throw new JobError('data', `input "${inp.name}" is empty: type something in the Run tab first`);
    const t = sampleToTensor(inp, v);
    if (typeof t === 'string') throw new JobError('data', t);
    feeds[inp.name] = t;
  }
  const classOutputs = program.outputs.filter((o) => o.kind === 'probs' || o.kind === 'logprobs');
  // a document's section may leave defaults out (loss_weight, reduction): fill them in
  const own = (doc.training?.losses ?? []).filter((l) => l.loss !== 'MSELoss' && classOutputs.some((o) => o.name === l.output)).map((l) => LossSchema.parse(l));
  const losses = own.length ? own : classOutputs.map((o) => LossSchema.parse({ loss: 'CrossEntropyLoss', output: o.name }));
  if (!losses.length) throw new JobError('train', 'the graph has no output over classes to take a loss on (gradients need a target)');
  const plans = planLosses(program, losses);
  const plain = execute(program, feeds, {});
  const fw = forwardTrain(program, feeds, { seed: 0, dropout: false, trace: true });
  const seeds = new Map<string, Float32Array>();
  const said: string[] = [];
  let total = 0;
  for (const p of plans) {
    const out = plain.outputs[p.spec.output];
    const pred = argmaxRows(out);
    const labels = p.output.labels ?? [];
    const wanted = given[p.spec.output];
    const k = wanted !== undefined ? labels.indexOf(wanted) : -1;
    if (wanted !== undefined && k < 0) throw new JobError('data', `output "${p.spec.output}" has no class "${wanted}" (classes: ${labels.join(', ')})`);
    const ids = k >= 0 ? pred.map(() => k) : pred;
    said.push(k >= 0 ? `${p.spec.output}: ${wanted} (the target)` : `${p.spec.output}: ${p.perStep ? 'each step’s prediction' : `${labels[pred[0]] ?? pred[0]} (the prediction)`}`);
    const target: Tensor = { dtype: 'int64', shape: out.shape.slice(0, -1), data: ids };
    const x = fw.values.get(p.value)!;
    const r = computeLoss(p, x, target, p.lengths ? fw.values.get(p.lengths) : undefined);
    total += p.spec.loss_weight * r.loss;
    const prev = seeds.get(p.value);
    const g = r.grad.map((v) => v * p.spec.loss_weight);
    if (prev) for (let i = 0; i < prev.length; i++) prev[i] += g[i];
    else seeds.set(p.value, g);
  }
  const bw = backward(fw.tape, seeds, { trace: true, inputGrads: false });
  if (!bw.gradTrace?.nodes.length) throw new JobError('train', 'the graph has no recurrent node whose ∂loss/∂h_t could be traced');
  return { gradTrace: bw.gradTrace, loss: total, targets: said };
}
