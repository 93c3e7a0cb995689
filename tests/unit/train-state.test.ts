// Optimiser + schedule state: saved as JSON and restored, training continues bit for bit as if
// never interrupted; a checkpoint rolled back leaves no trace.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { TrainingSchema } from '../../src/doc/training';
import { Updater } from '../../src/train/update';
import type { Param } from '../../src/train/optimizers';

const SIZES = [12, 5, 7];
const optimizers = [
  { type: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01 },
  { type: 'Adam', lr: 0.01, amsgrad: true, weight_decay: 0.01 },
  { type: 'AdamW', lr: 0.01 },
  { type: 'RMSprop', lr: 0.01, momentum: 0.5, centered: true },
  { type: 'Adagrad', lr: 0.1, lr_decay: 0.01, initial_accumulator_value: 0.1 },
];
const schedule = { type: 'CosineAnnealingLR', T_max: 7, eta_min: 0.001, warmup: { total_iters: 3 } };

function setup(optimizer: object) {
  const settings = TrainingSchema.parse({ losses: [{ loss: 'MSELoss', output: 'y' }], optimizer, schedule, clip_grad_norm: { max_norm: 1 } });
  const rng = new Rng(5);
  const params: Param[] = SIZES.map((n, i) => ({ name: `w${i}`, data: rng.fillNormal(n) }));
  const grads = Array.from({ length: 12 }, () => SIZES.map((n) => rng.fillNormal(n)));
  return { settings, params, grads };
}
const gradMap = (gs: Float32Array[]) => new Map(gs.map((g, i) => [`w${i}`, new Float32Array(g)]));
const bits = (ps: Param[]) => ps.map((p) => Array.from(new Uint32Array(p.data.slice().buffer)));

describe('optimiser and schedule state', () => {
  it.each(optimizers.map((o) => [o.type, o] as const))('%s: save, restore, continue bit for bit', (_t, optimizer) => {
    const a = setup(optimizer);
    const ua = new Updater(a.settings);
    const lrsA = a.grads.map((g) => ua.apply(a.params, gradMap(g)).lr);

    const b = setup(optimizer);
    const ub = new Updater(b.settings);
    const lrsB = b.grads.slice(0, 5).map((g) => ub.apply(b.params, gradMap(g)).lr);
    const saved = JSON.parse(JSON.stringify(ub.state()));
    const weights = b.params.map((p) => p.data.slice());
    // a fresh updater and fresh weight buffers, as after reloading a file
    const uc = new Updater(b.settings);
    uc.restore(saved, new Map(SIZES.map((n, i) => [`w${i}`, n])));
    const params = weights.map((d, i) => ({ name: `w${i}`, data: d }));
    lrsB.push(...b.grads.slice(5).map((g) => uc.apply(params, gradMap(g)).lr));
    expect(lrsB).toEqual(lrsA);
    expect(bits(params)).toEqual(bits(a.params));
  });

  it.each(optimizers.map((o) => [o.type, o] as const))('%s: a rolled-back step leaves no trace', (_t, optimizer) => {
    const a = setup(optimizer);
    const ua = new Updater(a.settings);
    for (const g of a.grads.slice(0, 4)) ua.apply(a.params, gradMap(g));

    const b = setup(optimizer);
    const ub = new Updater(b.settings);
    b.grads.slice(0, 2).forEach((g) => ub.apply(b.params, gradMap(g)));
    for (let k = 0; k < 2; k++) {
      // a step that fails after the update: the trainer restores the weights, the updater its state
      const before = b.params.map((p) => p.data.slice());
      ub.checkpoint();
      ub.apply(b.params, gradMap(b.grads[7 + k]));
      ub.apply(b.params, gradMap(b.grads[9 + k]));
      b.params.forEach((p, i) => p.data.set(before[i]));
      ub.rollback();
    }
    b.grads.slice(2, 4).forEach((g) => ub.apply(b.params, gradMap(g)));
    expect(bits(b.params)).toEqual(bits(a.params));
    expect(ub.state()).toEqual(ua.state());
  });

  it('refuses state for another optimiser or other weights, naming them', () => {
    const a = setup(optimizers[1]);
    const ua = new Updater(a.settings);
    ua.apply(a.params, gradMap(a.grads[0]));
    const s = ua.state();
    const other = new Updater(setup(optimizers[0]).settings);
    expect(() => other.restore(s, new Map(SIZES.map((n, i) => [`w${i}`, n])))).toThrow('optimizer state is for Adam, but the settings say SGD');
    expect(() => new Updater(a.settings).restore(s, new Map([['w0', 12]]))).toThrow('optimizer state has a weight "w1" that the model does not have');
    expect(() => new Updater(a.settings).restore(s, new Map(SIZES.map((n, i) => [`w${i}`, n + 1])))).toThrow(/optimizer state w0.exp_avg: 48 bytes, expected 52/);
  });
});
