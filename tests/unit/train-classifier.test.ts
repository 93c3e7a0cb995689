// grads.json `train_classifier` (PyTorch 2.11): Embedding(12,6,padding_idx=0) → bidirectional
// GRU over packed sequences → Linear on [h_fwd; h_bwd] → cross-entropy, 3 steps of Adam(0.01)
// after clip_grad_norm_(0.5). The graph is built from nodes, trained by createTrainer, and every
// step's loss, norm before clipping, clipped gradients and parameters must be PyTorch's.
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/fixtures';
import { compile } from '../../src/compiler/compile';
import { createTrainer } from '../../src/train';
import { TrainingSchema } from '../../src/doc/training';
import { recurrentGraph, recurrentSpec } from '../helpers/train-models';
import { intTensor } from '../../src/runtime/tensor';
import { encodeWeight } from '../../src/doc/weights';

type T = { shape: number[]; data: number[] };
interface Fixture {
  tokens: T;
  lengths: T;
  labels: T;
  init: Record<string, T>;
  steps: { loss: number; grad_norm_before_clip: number; clipped_grads: Record<string, T>; params_after: Record<string, T> }[];
}
const fx = (loadFixture('pytorch/grads.json') as { train_classifier: Fixture }).train_classifier;

// PyTorch module names -> the graph's node ids
const spec = recurrentSpec({ vocab: 12, emb: 6, hidden: 8, classes: 3, ids: { emb: 'emb', rnn: 'rnn', out: 'out' } });
const training = TrainingSchema.parse({
  losses: [{ loss: 'CrossEntropyLoss', output: 'logits' }],
  optimizer: { type: 'Adam', lr: 0.01, betas: [0.9, 0.999], eps: 1e-8 },
  clip_grad_norm: { max_norm: 0.5 },
});

function graphWithFixtureWeights() {
  const doc = recurrentGraph(spec, training);
  doc.weights = {};
  for (const [key, t] of Object.entries(fx.init)) {
    const [node, name] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
    (doc.weights[node] ??= {})[name] = encodeWeight(t.shape, Float32Array.from(t.data));
  }
  return doc;
}

describe('grads.json train_classifier reproduces step for step', () => {
  it('3 Adam steps with clip_grad_norm_(0.5): loss, norm, clipped gradients, parameters', () => {
    const r = compile(graphWithFixtureWeights());
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const program = r.program!;
    const trainer = createTrainer(program, training);
    // the fixture's lengths are where its padding starts
    const [B, T] = fx.tokens.shape;
    fx.lengths.data.forEach((L, b) => {
      for (let t = 0; t < T; t++) expect(fx.tokens.data[b * T + t] !== 0).toBe(t < L);
    });
    const batch = { feeds: { tokens: intTensor(fx.tokens.shape, fx.tokens.data) }, targets: { logits: intTensor([B], fx.labels.data) }, size: B };
    const byName = (key: string) => {
      const [node, name] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
      const ir = Object.entries(program.weightRefs).find(([, ref]) => ref.node === node && ref.name === name)![0];
      return ir;
    };
    fx.steps.forEach((want, k) => {
      let clipped: Map<string, Float32Array> | undefined;
      const res = trainer.step(batch, { onGradients: (g) => (clipped = new Map([...g].map(([n, a]) => [n, a.slice()]))) });
      expect(Math.abs(res.loss - want.loss) / want.loss, `step ${k} loss`).toBeLessThan(1e-5);
      expect(Math.abs(res.gradNorm - want.grad_norm_before_clip), `step ${k} norm`).toBeLessThan(1e-5);
      const n = want.grad_norm_before_clip;
      expect(Math.abs(res.clippedNorm - n * Math.min(1, 0.5 / (n + 1e-6))), `step ${k} clipped norm`).toBeLessThan(1e-5);
      for (const [key, t] of Object.entries(want.clipped_grads)) {
        const g = clipped!.get(byName(key))!;
        expect(Math.max(...t.data.map((v, i) => Math.abs(v - g[i]))), `step ${k} clipped grad ${key}`).toBeLessThan(1e-5);
      }
      for (const [key, t] of Object.entries(want.params_after)) {
        const p = program.initializers[byName(key)].data;
        expect(Math.max(...t.data.map((v, i) => Math.abs(v - p[i]))), `step ${k} ${key} after`).toBeLessThan(1e-5);
      }
    });
  });
});
