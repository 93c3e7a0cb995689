// Optimisers, schedules, clipping and losses against torch.optim / torch.nn.functional run by
// tests/python/optim_reference.py on the same numbers (float32 on both sides).
import { beforeAll, describe, expect } from 'vitest';
import { pytorchTest, runPythonJSON, hasPyTorch, REQUIRE_PYTORCH } from '../helpers/pytorch';
import { Rng } from '../../src/compiler/rng';
import { TrainingSchema } from '../../src/doc/training';
import { Updater } from '../../src/train/update';
import { LrSchedule } from '../../src/train/schedules';
import { crossEntropy, mseLoss, nllLoss, type LossValue } from '../../src/train/losses';
import type { Param } from '../../src/train/optimizers';
import { clipGradNorm, clipGradValue } from '../../src/train/clip';

type T = { shape: number[]; data: number[] };
const it = pytorchTest();
const rng = new Rng(20240611);
const randn = (n: number, s = 1) => Array.from(rng.fillNormal(n), (x) => Math.fround(x * s));
const tensor = (shape: number[], data: number[]): T => ({ shape, data });

// --- optimiser cases: every option combination torch.optim accepts
type Opt = Record<string, unknown> & { type: string };
const optCases: { name: string; training: Record<string, unknown> & { optimizer: Opt } }[] = [];
for (const momentum of [0, 0.9])
  for (const dampening of [0, 0.3])
    for (const nesterov of [false, true])
      for (const weight_decay of [0, 0.05]) {
        if (nesterov && (momentum === 0 || dampening !== 0)) continue;
        optCases.push({ name: `SGD m=${momentum} d=${dampening} n=${nesterov} wd=${weight_decay}`, training: { optimizer: { type: 'SGD', lr: 0.1, momentum, dampening, nesterov, weight_decay } } });
      }
for (const type of ['Adam', 'AdamW'])
  for (const amsgrad of [false, true])
    for (const weight_decay of [0, 0.1])
      optCases.push({ name: `${type} amsgrad=${amsgrad} wd=${weight_decay}`, training: { optimizer: { type, lr: 0.05, amsgrad, weight_decay, betas: [0.8, 0.99], eps: 1e-6 } } });
optCases.push({ name: 'Adam defaults', training: { optimizer: { type: 'Adam' } } });
optCases.push({ name: 'AdamW defaults', training: { optimizer: { type: 'AdamW' } } });
for (const momentum of [0, 0.7])
  for (const centered of [false, true])
    for (const weight_decay of [0, 0.05])
      optCases.push({ name: `RMSprop m=${momentum} centered=${centered} wd=${weight_decay}`, training: { optimizer: { type: 'RMSprop', lr: 0.01, alpha: 0.9, momentum, centered, weight_decay } } });
for (const lr_decay of [0, 0.1])
  for (const weight_decay of [0, 0.05])
    for (const initial_accumulator_value of [0, 0.3])
      optCases.push({ name: `Adagrad lr_decay=${lr_decay} wd=${weight_decay} acc0=${initial_accumulator_value}`, training: { optimizer: { type: 'Adagrad', lr: 0.1, lr_decay, weight_decay, initial_accumulator_value, eps: 1e-8 } } });
// with clipping and a schedule changing the lr between steps
optCases.push({ name: 'SGD nesterov + clip_grad_norm + cosine warm-up', training: { optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true }, clip_grad_norm: { max_norm: 1.5 }, schedule: { type: 'CosineAnnealingLR', T_max: 6, warmup: { total_iters: 3 } } } });
optCases.push({ name: 'Adam + clip_grad_value + StepLR', training: { optimizer: { type: 'Adam', lr: 0.05 }, clip_grad_value: { clip_value: 0.5 }, schedule: { type: 'StepLR', step_size: 3, gamma: 0.5 } } });
optCases.push({ name: 'Adagrad + clip_grad_norm inf + ExponentialLR', training: { optimizer: { type: 'Adagrad', lr: 0.2, lr_decay: 0.05 }, clip_grad_norm: { max_norm: 0.8, norm_type: 'inf' }, schedule: { type: 'ExponentialLR', gamma: 0.9 } } });
optCases.push({ name: 'RMSprop centered + both clips + LinearLR', training: { optimizer: { type: 'RMSprop', lr: 0.02, momentum: 0.5, centered: true }, clip_grad_value: { clip_value: 1 }, clip_grad_norm: { max_norm: 2 }, schedule: { type: 'LinearLR', start_factor: 0.25, total_iters: 4 } } });
optCases.push({ name: 'AdamW amsgrad + clip_grad_norm small', training: { optimizer: { type: 'AdamW', lr: 0.03, amsgrad: true, weight_decay: 0.2 }, clip_grad_norm: { max_norm: 0.1 } } });

const SHAPES = [[3, 4], [5], [2, 3]];
const STEPS = 10;
const optInputs = optCases.map(() => {
  const params = SHAPES.map((s) => tensor(s, randn(s.reduce((a, b) => a * b, 1))));
  // some steps with small, some with large gradients, so clipping both acts and does not
  const grads = Array.from({ length: STEPS }, (_, k) => SHAPES.map((s) => tensor(s, randn(s.reduce((a, b) => a * b, 1), k % 3 === 1 ? 0.05 : 1.5))));
  return { params, grads };
});

// --- schedules: lr sequences must be exactly PyTorch's
const schedCases: { lr: number; schedule: Record<string, unknown>; steps: number }[] = [
  { lr: 0.1, schedule: { type: 'StepLR', step_size: 7, gamma: 0.3 }, steps: 40 },
  { lr: 0.05, schedule: { type: 'ExponentialLR', gamma: 0.93 }, steps: 40 },
  { lr: 0.1, schedule: { type: 'CosineAnnealingLR', T_max: 10, eta_min: 0.001 }, steps: 45 },
  { lr: 0.1, schedule: { type: 'CosineAnnealingLR', T_max: 17 }, steps: 40 },
  // long runs past T_max: the recursion carries any last-bit difference of cos into every later lr
  ...[3, 7, 12, 50, 64, 100, 333].map((T_max) => ({ lr: 0.01 * T_max, schedule: { type: 'CosineAnnealingLR', T_max, eta_min: 1e-5 * T_max }, steps: Math.max(60, 3 * T_max) })),
  { lr: 0.01, schedule: { type: 'LinearLR', start_factor: 0.1, end_factor: 1, total_iters: 12 }, steps: 30 },
  { lr: 0.01, schedule: { type: 'LinearLR', start_factor: 1, end_factor: 0.2, total_iters: 9 }, steps: 30 },
  { lr: 0.1, schedule: { type: 'CosineAnnealingLR', T_max: 20, eta_min: 1e-4, warmup: { total_iters: 5, start_factor: 0.01 } }, steps: 40 },
  { lr: 0.3, schedule: { type: 'StepLR', step_size: 4, gamma: 0.5, warmup: { total_iters: 6 } }, steps: 30 },
  { lr: 0.3, schedule: { type: 'ExponentialLR', gamma: 0.8, warmup: { total_iters: 3, start_factor: 0.5 } }, steps: 20 },
  { lr: 0.3, schedule: { type: 'LinearLR', start_factor: 1, end_factor: 0.1, total_iters: 10, warmup: { total_iters: 4, start_factor: 0.2 } }, steps: 20 },
];

// --- losses: random inputs with ignored rows, smoothing, both reductions
const N = 12;
const C = 5;
const targets = Array.from({ length: N }, (_, i) => (i % 4 === 2 ? -100 : i % 5 === 3 ? 0 : Math.floor(rng.next() * C)));
const lossCases: { spec: Record<string, unknown>; value: T; target: T }[] = [];
for (const reduction of ['mean', 'sum'])
  for (const label_smoothing of [0, 0.1, 0.35]) {
    lossCases.push({ spec: { loss: 'CrossEntropyLoss', reduction, label_smoothing }, value: tensor([N, C], randn(N * C, 2)), target: tensor([N], targets) });
    // ignore_index inside the class range (pad id 0), as a decoder's targets use it
    lossCases.push({ spec: { loss: 'CrossEntropyLoss', reduction, label_smoothing, ignore_index: 0 }, value: tensor([N, C], randn(N * C, 2)), target: tensor([N], targets.map((t) => (t < 0 ? 0 : t))) });
  }
for (const reduction of ['mean', 'sum']) {
  const logits = randn(N * C, 2);
  const logp: number[] = [];
  for (let i = 0; i < N; i++) {
    const row = logits.slice(i * C, (i + 1) * C);
    const lse = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
    logp.push(...row.map((x) => Math.fround(x - lse)));
  }
  lossCases.push({ spec: { loss: 'NLLLoss', reduction }, value: tensor([N, C], logp), target: tensor([N], targets) });
  lossCases.push({ spec: { loss: 'MSELoss', reduction }, value: tensor([4, 3, 2], randn(24)), target: tensor([4, 3, 2], randn(24)) });
}

// --- clipping on its own: PyTorch's exact formula, 1e-6 term and clamp included
const clipShapes = [[4, 3], [6]];
const grads = (scale: number) => clipShapes.map((s) => tensor(s, randn(s[0] * (s[1] ?? 1), scale)));
const clipCases = [
  { training: { clip_grad_norm: { max_norm: 1 } }, grads: grads(2) },
  { training: { clip_grad_norm: { max_norm: 100 } }, grads: grads(2) }, // below max_norm: coef clamped to 1
  { training: { clip_grad_norm: { max_norm: 1e-6 } }, grads: grads(3e-7) }, // norm ~1e-6: the + 1e-6 matters
  { training: { clip_grad_norm: { max_norm: 0.5, norm_type: 'inf' } }, grads: grads(1) },
  { training: { clip_grad_value: { clip_value: 0.3 } }, grads: grads(1) },
];

type Ref = {
  optim: { steps: { norm: number | null; lr: number; params: T[] }[]; state: Record<string, T>[] }[];
  schedules: number[][];
  losses: { loss: number; grad: T }[];
  clips: { norm: number | null; grads: T[] }[];
};
let ref: Ref;
beforeAll(() => {
  if (!hasPyTorch() && !REQUIRE_PYTORCH) return;
  ref = runPythonJSON<Ref>('optim_reference.py', [], { optim: optCases.map((c, i) => ({ training: c.training, ...optInputs[i] })), schedules: schedCases, losses: lossCases, clips: clipCases });
}, 120_000);

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('optimisers match torch.optim (float32, 1e-6)', () => {
  it.each(optCases.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const training = TrainingSchema.parse({ losses: [{ loss: 'MSELoss', output: 'y' }], ...optCases[i].training });
    const up = new Updater(training);
    const params: Param[] = optInputs[i].params.map((p, k) => ({ name: `p${k}`, data: Float32Array.from(p.data) }));
    const r = ref.optim[i];
    optInputs[i].grads.forEach((gs, step) => {
      const grads = new Map(gs.map((g, k) => [`p${k}`, Float32Array.from(g.data)]));
      const res = up.apply(params, grads);
      const want = r.steps[step];
      expect(res.lr).toBe(want.lr);
      if (want.norm !== null) expect(Math.abs(res.gradNorm - want.norm)).toBeLessThan(1e-6 * Math.max(1, want.norm));
      params.forEach((p, k) => expect(maxAbs(p.data, want.params[k].data), `step ${step} param ${k}`).toBeLessThan(1e-6));
    });
    // the state carries PyTorch's buffer names and values
    const st = up.state().optimizer.params;
    r.state.forEach((bufs, k) => {
      for (const [name, t] of Object.entries(bufs)) {
        const b64 = st[`p${k}`].buffers[name];
        expect(b64, `buffer ${name}`).toBeDefined();
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        expect(maxAbs(new Float32Array(bytes.buffer), t.data), `state ${name}`).toBeLessThan(1e-6);
      }
    });
  });
});

describe('clip_grad_norm_ and clip_grad_value_ match torch.nn.utils', () => {
  it.each(clipCases.map((c, i) => [JSON.stringify(c.training), i] as const))('%s', (_name, i) => {
    const c = clipCases[i];
    const gs = c.grads.map((g) => Float32Array.from(g.data));
    const want = ref.clips[i];
    const norm = c.training.clip_grad_norm ? clipGradNorm(gs, c.training.clip_grad_norm.max_norm, (c.training.clip_grad_norm as { norm_type?: 2 | 'inf' }).norm_type ?? 2) : null;
    if (c.training.clip_grad_value) clipGradValue(gs, c.training.clip_grad_value.clip_value);
    if (norm !== null) expect(Math.abs(norm - want.norm!)).toBeLessThanOrEqual(1e-6 * want.norm!);
    // relative to the gradients' scale, so the tiny case is held as tightly as the others
    const scale = Math.max(...c.grads.flatMap((g) => g.data.map(Math.abs)));
    gs.forEach((g, k) => expect(maxAbs(g, want.grads[k].data) / scale).toBeLessThan(1e-6));
  });
});

describe('schedules give exactly PyTorch\'s lr sequence', () => {
  it.each(schedCases.map((c, i) => [JSON.stringify(c.schedule), i] as const))('%s', (_name, i) => {
    const c = schedCases[i];
    const training = TrainingSchema.parse({ losses: [{ loss: 'MSELoss', output: 'y' }], optimizer: { type: 'SGD', lr: c.lr }, schedule: c.schedule });
    const s = new LrSchedule(c.lr, training.schedule);
    const lrs: number[] = [];
    for (let k = 0; k < c.steps; k++) {
      lrs.push(s.lr);
      s.step();
    }
    expect(lrs).toEqual(ref.schedules[i]);
  });
});

describe('losses match torch.nn.functional (loss 1e-6 relative, gradient 1e-6)', () => {
  it.each(lossCases.map((c, i) => [JSON.stringify(c.spec), i] as const))('%s', (_name, i) => {
    const c = lossCases[i];
    const spec = c.spec as { loss: string; reduction: 'mean' | 'sum'; ignore_index?: number; label_smoothing?: number };
    const x = Float32Array.from(c.value.data);
    const opts = { ignoreIndex: spec.ignore_index ?? -100, labelSmoothing: spec.label_smoothing ?? 0, reduction: spec.reduction };
    let r: LossValue;
    if (spec.loss === 'MSELoss') r = mseLoss(x, Float32Array.from(c.target.data), 2, spec.reduction);
    else if (spec.loss === 'NLLLoss') r = nllLoss(x, C, Int32Array.from(c.target.data), opts);
    else r = crossEntropy(x, C, Int32Array.from(c.target.data), opts);
    const want = ref.losses[i];
    expect(Math.abs(r.loss - want.loss)).toBeLessThan(1e-6 * Math.max(1, Math.abs(want.loss)));
    expect(maxAbs(r.grad, want.grad.data)).toBeLessThan(1e-6);
  });
});
