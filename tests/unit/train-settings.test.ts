// The graph file's `training` section: defaults, errors with their paths, and problems of a
// section that does not fit its graph, as `validate` (compile) reports them.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { GraphDoc } from '../../src/doc/schema';
import { recurrentGraph, recurrentSpec } from '../helpers/train-models';

const classifier = JSON.parse(readFileSync('tests/fixtures/graphs/name-classifier.json', 'utf8')) as GraphDoc;
const ce = { loss: 'CrossEntropyLoss', output: 'probs' };

function problems(training: unknown, doc: unknown = classifier): string[] {
  const r = checkGraph({ ...(doc as object), training });
  if (!r.ok) return r.diagnostics.map((d) => `${d.path}: ${d.message}`);
  return compile(r.doc, { lower: false }).diagnostics.map((d) => `${d.severity} ${d.path}: ${d.message}`);
}

describe('the training section in a graph file', () => {
  it('fills in PyTorch\'s defaults and round-trips through JSON', () => {
    const r = checkGraph({ ...classifier, training: { losses: [ce], optimizer: { type: 'AdamW' }, schedule: { type: 'CosineAnnealingLR', T_max: 100, warmup: { total_iters: 10 } } } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = r.doc.training!;
    expect(t.optimizer).toEqual({ type: 'AdamW', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 1e-2, amsgrad: false });
    expect(t.losses[0]).toEqual({ ...ce, ignore_index: -100, label_smoothing: 0, reduction: 'mean', loss_weight: 1 });
    expect(t.schedule).toEqual({ type: 'CosineAnnealingLR', T_max: 100, eta_min: 0, warmup: { total_iters: 10, start_factor: 1 / 3 }, interval: 'step' });
    expect([t.batch_size, t.epochs, t.seed, t.teacher_forcing_ratio, t.bptt_steps]).toEqual([32, 10, 0, 1, undefined]);
    const again = checkGraph(JSON.parse(JSON.stringify(r.doc)));
    expect(again.ok && again.doc.training).toEqual(t);
  });

  it('names the path and the reason of every bad setting', () => {
    expect(problems({ losses: [], optimizer: { type: 'Adam' } })).toEqual(['training.losses: a training setup needs at least one loss']);
    expect(problems({ losses: [{ ...ce, loss: 'CrossEntropy' }], optimizer: { type: 'Adam' } })).toEqual(['training.losses[0].loss: loss must be "CrossEntropyLoss", "NLLLoss" or "MSELoss"']);
    expect(problems({ losses: [{ ...ce, loss: 'NLLLoss', label_smoothing: 0.1 }], optimizer: { type: 'SGD', lr: 0.1, nesterov: true } })).toEqual([
      'training.losses[0]: NLLLoss has no "label_smoothing" (it takes: loss, output, ignore_index, reduction, loss_weight)',
      'training.optimizer.nesterov: Nesterov momentum needs momentum > 0 and dampening = 0 (as torch.optim.SGD)',
    ]);
    expect(problems({ losses: [ce], optimizer: { type: 'Adam', lr: -1, betas: [0.9] }, schedule: { type: 'StepLR' }, batch_size: 0, clip_grad_norm: { max_norm: 1, norm_type: 1 } })).toEqual([
      'training.optimizer.lr: must be > 0',
      'training.optimizer.betas: must be two numbers [beta1, beta2]',
      'training.schedule.step_size: required',
      'training.clip_grad_norm.norm_type: must be 2 or "inf"',
      'training.batch_size: must be ≥ 1',
    ]);
    expect(problems({ losses: [{ ...ce, target: 'language' }], optimizer: { type: 'Adam' } })).toEqual([
      'training.losses[0]: CrossEntropyLoss has no "target" (it takes: loss, output, ignore_index, label_smoothing, reduction, loss_weight); the target column goes in training.data.targets.<output>',
    ]);
    expect(problems({ losses: [ce], optimizer: { type: 'Adam' }, momentum: 0.9 })[0]).toMatch(/^training: training has no "momentum" \(it takes: losses, optimizer, schedule/);
    expect(problems({ losses: [{ ...ce, label_smoothing: 1.5 }], optimizer: { type: 'RMSprop', momentum: -1 } })).toEqual([
      'training.losses[0].label_smoothing: must be in [0, 1]',
      'training.optimizer.momentum: must be ≥ 0',
    ]);
  });

  it('validate reports a section that does not fit the graph', () => {
    expect(problems({ losses: [{ ...ce, output: 'prob' }], optimizer: { type: 'Adam' } })).toEqual(['error training.losses[0].output: no Output node is named "prob" (outputs: probs)']);
    expect(problems({ losses: [{ ...ce, loss: 'NLLLoss' }], optimizer: { type: 'Adam' } })[0]).toMatch(/^error training.losses\[0\].loss: NLLLoss on "probs": NLLLoss takes log-probabilities, but the output gives probabilities \(a Softmax\)/);
    expect(problems({ losses: [{ ...ce, loss: 'MSELoss' }], optimizer: { type: 'Adam' } })[0]).toMatch(/^warning training.losses\[0\].loss: MSELoss on "probs": the output gives probabilities/);
    // cross-entropy on a one-unit regression head
    const reg = recurrentGraph(recurrentSpec({ classes: 1 }));
    expect(problems({ losses: [{ loss: 'CrossEntropyLoss', output: 'logits' }], optimizer: { type: 'Adam' } }, reg)[0]).toMatch(/^error training.losses\[0\].loss: CrossEntropyLoss on "logits": the output has one value per row \(a regression output\).*use MSELoss/);
    // BPTT needs a loss at every step
    expect(problems({ losses: [ce], optimizer: { type: 'Adam' }, bptt_steps: 10 })).toEqual([
      'error training.bptt_steps: truncated BPTT carries the state left to right from chunk to chunk, but encoder is bidirectional: its reverse direction would start each chunk from the wrong end',
      'error training.losses[0].output: truncated BPTT needs a loss at every step, but "probs" gives one Vector per row: drop bptt_steps, or put the loss on a sequence output',
    ]);
    expect(problems({ losses: [ce], optimizer: { type: 'Adam' }, teacher_forcing_ratio: 0.5 })).toEqual(['warning training.teacher_forcing_ratio: has no effect: no Decoder reads a target']);
    expect(problems({ losses: [ce], optimizer: { type: 'Adam' } })).toEqual([]);
  });

  it('holds the data layer\'s spec, and every trained output needs a target there', () => {
    const data = { source: { builtin: 'names' }, inputs: { name: 'name' }, targets: { probs: 'language' } };
    const r = checkGraph({ ...classifier, training: { losses: [ce], optimizer: { type: 'Adam' }, data } });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.doc.training!.data!.split).toEqual({ validation: 0.1, test: 0.1, seed: 1 });
    expect(problems({ losses: [ce], optimizer: { type: 'Adam' }, data: { ...data, inputs: { name: 42 } } })).toEqual([
      'training.data.inputs.name: an input takes a column name, {column, ...} (tokens), {columns: [...]} (floats), {one_hot: column} or {zeros: true}',
    ]);
    expect(problems({ losses: [ce], optimizer: { type: 'Adam' }, data: { ...data, targets: { other: 'x' } } })).toEqual([
      'error training.data.targets: losses[0] trains "probs", but the data gives it no target: add training.data.targets.probs (a column, {columns}, {same_as} or {next_of})',
      'warning training.data.targets.other: "other" gets a target but no loss reads it, so it is not trained: add a loss on it to training.losses',
    ]);
  });
});
