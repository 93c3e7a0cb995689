// createTrainer: steps are transactions, state round-trips bit for bit, weights go back into the
// graph file, evaluate reports loss and accuracy / RMSE without changing anything.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { createTrainer, TrainError, type Batch } from '../../src/train';
import { TrainingSchema, type TrainingSettingsInput } from '../../src/doc/training';
import type { GraphDoc } from '../../src/doc/schema';
import { Rng } from '../../src/compiler/rng';
import { recurrentGraph, recurrentSpec, tokenBatches, type RecurrentSpec } from '../helpers/train-models';
import type { Program } from '../../src/ir/program';

const rng = new Rng(99);
const rand = () => rng.next();

function setup(m: RecurrentSpec, training: TrainingSettingsInput) {
  const settings = TrainingSchema.parse(training);
  const doc = recurrentGraph(m, training);
  const program = compile(doc).program!;
  return { doc, program, settings, trainer: createTrainer(program, settings) };
}
const weightBits = (p: Program) => Object.keys(p.weightRefs).map((n) => Array.from(new Uint32Array((p.initializers[n].data as Float32Array).slice().buffer)));

const tagger = recurrentSpec({ cell: 'LSTM', head: 'steps', classes: 4, layers: 2 });
const ceTraining = (over: Partial<TrainingSettingsInput> = {}): TrainingSettingsInput => ({
  losses: [{ loss: 'CrossEntropyLoss', output: 'logits', ignore_index: -100 }],
  optimizer: { type: 'Adam', lr: 0.01 },
  schedule: { type: 'StepLR', step_size: 2, gamma: 0.5 },
  clip_grad_norm: { max_norm: 1 },
  ...over,
});
const batches = tokenBatches(rand, tagger, 4, 5, 7);

describe('a training step is a transaction', () => {
  function failsCleanly(mutate: (b: Batch) => Batch, message: RegExp, training = ceTraining(), goOn = true) {
    const { program, trainer } = setup(tagger, training);
    trainer.step(batches[0]);
    trainer.step(batches[1]);
    const before = weightBits(program);
    const state = JSON.stringify(trainer.state());
    let err: unknown;
    try {
      trainer.step(mutate(batches[2]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrainError);
    expect((err as Error).message).toMatch(message);
    expect(weightBits(program)).toEqual(before);
    expect(JSON.stringify(trainer.state())).toEqual(state);
    expect(trainer.stepCount).toBe(2);
    if (!goOn) return;
    // and training goes on exactly as if the bad batch had never come
    const ref = setup(tagger, training);
    ref.trainer.step(batches[0]);
    ref.trainer.step(batches[1]);
    expect(trainer.step(batches[3])).toEqual(ref.trainer.step(batches[3]));
    expect(weightBits(program)).toEqual(weightBits(ref.program));
  }

  it('a target id out of range names the output, the step and the position', () => {
    failsCleanly((b) => {
      const t = b.targets.logits;
      const data = (t.data as Int32Array).slice();
      data[1 * 7 + 2] = 9;
      return { ...b, targets: { logits: { ...t, data } } };
    }, /^step 3: target for output "logits" at \[1, 2\]: target class 9 is out of range \(the output has 4 classes, ids 0\.\.3; ignore_index is -100\) — the weights and the optimiser are as they were before this step$/);
  });

  it('a target of the wrong shape says which shape it must have', () => {
    failsCleanly((b) => ({ ...b, targets: { logits: { dtype: 'int64', shape: [5], data: new Int32Array(5) } } }), /^step 3: target for output "logits" has shape \[5\], but the output is \[5, 7, 4\], so the target must be \[5, 7\] \(class ids per step\)/);
    failsCleanly((b) => ({ ...b, targets: {} }), /^step 3: the batch has no target for output "logits"/);
  });

  it('an update that overflows names the weight and the position', () => {
    // lr 1e-30 for steps 1-2, then 1e42: step 3's update leaves float32's range
    const huge = ceTraining({ optimizer: { type: 'SGD', lr: 1e-30 }, schedule: { type: 'StepLR', step_size: 2, gamma: 1e72 }, clip_grad_norm: undefined });
    failsCleanly((b) => b, /^step 3: updated weight of (embed|encoder|classify)\.\w+ is -?Infinity at \[\d+(, \d+)?\] \(the update overflowed: lower lr, or clip gradients\)/, huge, false);
  });

  it('a non-finite MSE target names its position', () => {
    const reg = recurrentSpec({ head: 'last', classes: 2 });
    const training: TrainingSettingsInput = { losses: [{ loss: 'MSELoss', output: 'logits' }], optimizer: { type: 'SGD', lr: 0.1 } };
    const { trainer, program } = setup(reg, training);
    const b = tokenBatches(rand, reg, 1, 3, 4)[0];
    const before = weightBits(program);
    const y = new Float32Array(6);
    y[3] = NaN;
    expect(() => trainer.step({ ...b, targets: { logits: { dtype: 'float32', shape: [3, 2], data: y } } })).toThrow(/^step 1: target for output "logits" at \[1, 1\]: target value is NaN/);
    expect(weightBits(program)).toEqual(before);
  });
});

describe('trainer state, weights and evaluation', () => {
  it('state() / restore() continue bit for bit in a fresh program', () => {
    const a = setup(tagger, ceTraining());
    const lossesA = [0, 1, 2, 3, 0, 1].map((i) => a.trainer.step(batches[i]).loss);
    const b = setup(tagger, ceTraining());
    const lossesB = [0, 1, 2].map((i) => b.trainer.step(batches[i]).loss);
    const saved = JSON.parse(JSON.stringify(b.trainer.state()));
    const c = setup(tagger, ceTraining());
    c.trainer.restore(saved);
    expect(c.trainer.stepCount).toBe(3);
    lossesB.push(...[3, 0, 1].map((i) => c.trainer.step(batches[i]).loss));
    expect(lossesB).toEqual(lossesA);
    expect(weightBits(c.program)).toEqual(weightBits(a.program));
    expect(c.trainer.lr).toBe(a.trainer.lr);
  });

  it('restore() refuses a state for other weights and changes nothing', () => {
    const a = setup(tagger, ceTraining());
    a.trainer.step(batches[0]);
    const other = setup(recurrentSpec({ cell: 'LSTM', head: 'steps', classes: 4, layers: 2, hidden: 9 }), ceTraining());
    const before = weightBits(other.program);
    expect(() => other.trainer.restore(a.trainer.state())).toThrow(/^trainer state has encoder\.weight_ih_l0 as \[32, 6\], the model needs \[36, 6\]$/);
    expect(weightBits(other.program)).toEqual(before);
  });

  it('weights() go into the graph file and compile back to the trained model', () => {
    const a = setup(tagger, ceTraining());
    a.trainer.step(batches[0]);
    const doc: GraphDoc = { ...a.doc, weights: a.trainer.weights() };
    const again = compile(JSON.parse(JSON.stringify(doc))).program!;
    expect(weightBits(again)).toEqual(weightBits(a.program));
    expect(Object.keys(doc.weights!).sort()).toEqual(['emb', 'out', 'rnn']);
    expect(Object.keys(doc.weights!.rnn)).toContain('weight_hh_l1_reverse');
  });

  it('evaluate() is the loss a step sees, weighted over batches, and changes nothing', () => {
    const a = setup(tagger, ceTraining());
    const before = weightBits(a.program);
    const m1 = a.trainer.evaluate([batches[0]]);
    const m2 = a.trainer.evaluate([batches[1]]);
    const both = a.trainer.evaluate([batches[0], batches[1]]);
    expect(weightBits(a.program)).toEqual(before);
    const o1 = m1.outputs.logits;
    const o2 = m2.outputs.logits;
    expect(both.outputs.logits.count).toBe(o1.count + o2.count);
    expect(both.loss).toBeCloseTo((o1.loss * o1.count + o2.loss * o2.count) / (o1.count + o2.count), 6);
    expect(o1.accuracy).toBeGreaterThanOrEqual(0);
    expect(o1.accuracy).toBeLessThanOrEqual(1);
    // counted positions: the real steps of each row
    const lengths = Array.from({ length: 5 }, (_, b) => Array.from(batches[0].feeds.tokens.data.slice(b * 7, b * 7 + 7)).filter((x) => x !== 0).length);
    expect(o1.count).toBe(lengths.reduce((x, y) => x + y, 0));
    expect(a.trainer.step(batches[0]).loss).toBeCloseTo(m1.loss, 6);
  });
});

describe('traces, dropout and epoch schedules', () => {
  it('step(batch, { trace: true }) returns the forward trace and ∂loss/∂h_t of every layer and direction', () => {
    const { trainer } = setup(tagger, ceTraining());
    const r = trainer.step(batches[0], { trace: true });
    const g = r.gradTrace!.nodes.find((n) => n.name === 'encoder')!;
    expect(g.layers.map((l) => `${l.layer} ${l.direction} ${!!l.dc}`)).toEqual(['0 forward true', '0 reverse true', '1 forward true', '1 reverse true']);
    expect(g.layers[0].dh.length).toBe(5 * 7 * tagger.hidden);
    expect(r.trace!.nodes.find((n) => n.name === 'encoder')!.layers).toHaveLength(4);
    expect(trainer.step(batches[1]).gradTrace).toBeUndefined();
  });

  it('dropout masks follow the seed and the step counter: same seed, same run; state/restore keeps them', () => {
    const m = recurrentSpec({ cell: 'GRU', head: 'steps', classes: 4, layers: 2, bidirectional: false });
    const withDropout = (seed: number) => {
      const doc = recurrentGraph(m, ceTraining({ seed }));
      doc.nodes.find((n) => n.id === 'rnn')!.params.dropout = 0.5;
      const program = compile(doc).program!;
      return { program, trainer: createTrainer(program, TrainingSchema.parse(ceTraining({ seed }))) };
    };
    const run = (t: ReturnType<typeof withDropout>, from: number, to: number) => batches.concat(batches).slice(from, to).map((b) => t.trainer.step(b).loss);
    const a = withDropout(1);
    const b = withDropout(1);
    const c = withDropout(2);
    const la = run(a, 0, 6);
    expect(run(b, 0, 6)).toEqual(la);
    expect(run(c, 0, 6)).not.toEqual(la);
    // a new mask every step: the same batch twice through unchanged weights gives two losses
    const f = withDropout(1);
    const frozen = createTrainer(f.program, TrainingSchema.parse(ceTraining({ seed: 1, optimizer: { type: 'SGD', lr: 1e-30 }, schedule: undefined })));
    expect(frozen.step(batches[0]).loss).not.toBe(frozen.step(batches[0]).loss);
    // evaluation has no dropout: the same loss twice
    expect(a.trainer.evaluate([batches[0]]).loss).toBe(a.trainer.evaluate([batches[0]]).loss);
    // resumed mid-way in a fresh program, the masks continue where they were
    const d = withDropout(1);
    expect(run(d, 0, 3)).toEqual(la.slice(0, 3));
    const e = withDropout(1);
    e.trainer.restore(JSON.parse(JSON.stringify(d.trainer.state())));
    expect(run(e, 3, 6)).toEqual(la.slice(3));
  });

  it('a schedule with interval "epoch" steps at endEpoch(), not per update', () => {
    const { trainer } = setup(tagger, ceTraining({ schedule: { type: 'StepLR', step_size: 1, gamma: 0.5, interval: 'epoch' } }));
    const lrs = [0, 1, 2].map((i) => trainer.step(batches[i]).lr);
    trainer.endEpoch();
    const next = trainer.step(batches[3]).lr;
    expect(lrs).toEqual([0.01, 0.01, 0.01]);
    expect(next).toBe(0.005);
    expect(trainer.state().epoch).toBe(1);
  });
});
