// Parity with real PyTorch, 50 steps: the same model (built from nodes here, from torch.nn in
// tests/python/train_parity.py), the same initial weights, the same batches and the same
// training section; every step's loss within 1e-4 relative.
//
// A case is { name, model, training, batches }: `model.kind` picks the graph builder below and the
// PyTorch builder in train_parity.py's MODELS. Another branch adds a kind (an attention seq2seq
// with teacher forcing) by adding a builder on both sides and a case to CASES.
import { beforeAll, describe, expect } from 'vitest';
import { pytorchTest, runPythonJSON, hasPyTorch, REQUIRE_PYTORCH } from '../helpers/pytorch';
import { compile } from '../../src/compiler/compile';
import { createTrainer, type Batch } from '../../src/train';
import { TrainingSchema, type TrainingSettingsInput } from '../../src/doc/training';
import type { GraphDoc } from '../../src/doc/schema';
import type { Tensor } from '../../src/runtime/tensor';
import { Rng } from '../../src/compiler/rng';
import { flatWeights, recurrentGraph, recurrentSpec, tokenBatches, type RecurrentSpec } from '../helpers/train-models';
import { seq2seqBatches, seq2seqGraph, seq2seqSpec, type Seq2SeqSpec } from '../helpers/train-seq2seq';

const it = pytorchTest();
const STEPS = 50;

type ModelSpec = RecurrentSpec | Seq2SeqSpec;
interface Case {
  name: string;
  model: ModelSpec;
  training: TrainingSettingsInput;
  batches: Batch[];
}
const GRAPHS: Record<ModelSpec['kind'], (m: ModelSpec, t: TrainingSettingsInput) => GraphDoc> = {
  recurrent: (m, t) => recurrentGraph(m as RecurrentSpec, t, 11),
  seq2seq: (m, t) => seq2seqGraph(m as Seq2SeqSpec, t, 11),
};

const rng = new Rng(4242);
const rand = () => rng.next();
const ce = (output = 'logits', extra: object = {}) => ({ loss: 'CrossEntropyLoss' as const, output, ...extra });

const CASES: Case[] = [];
// every recurrent cell, bidirectional and 2 layers, over ragged batches
for (const [cell, head] of [['RNN', 'last'], ['LSTM', 'steps'], ['GRU', 'last']] as const) {
  const model = recurrentSpec({ cell, head, layers: 2, bidirectional: true, vocab: 10, emb: 5, hidden: 6, classes: 3 });
  CASES.push({ name: `${cell}${cell === 'RNN' ? ' (tanh)' : ''} bidirectional 2-layer, ${head === 'last' ? 'N→1' : 'N→N'}, Adam`, model, training: { losses: [ce()], optimizer: { type: 'Adam', lr: 0.02 } }, batches: tokenBatches(rand, model, 3, 4, 6) });
}
// every optimiser, with a schedule and clipping
const opt = (model: RecurrentSpec) => tokenBatches(rand, model, 3, 4, 6);
const gru = recurrentSpec({ cell: 'GRU', head: 'steps', layers: 1, bidirectional: true, vocab: 10, emb: 5, hidden: 6, classes: 4 });
const lstm = recurrentSpec({ cell: 'LSTM', head: 'last', layers: 1, bidirectional: false, vocab: 10, emb: 5, hidden: 7, classes: 3 });
CASES.push(
  { name: 'SGD momentum + nesterov + weight decay, StepLR, clip_grad_norm', model: gru, batches: opt(gru), training: { losses: [ce('logits', { label_smoothing: 0.1 })], optimizer: { type: 'SGD', lr: 0.5, momentum: 0.9, nesterov: true, weight_decay: 1e-3 }, schedule: { type: 'StepLR', step_size: 10, gamma: 0.5 }, clip_grad_norm: { max_norm: 0.5 } } },
  { name: 'Adam amsgrad, cosine with warm-up, clip_grad_value', model: lstm, batches: opt(lstm), training: { losses: [ce()], optimizer: { type: 'Adam', lr: 0.03, amsgrad: true }, schedule: { type: 'CosineAnnealingLR', T_max: 40, eta_min: 1e-3, warmup: { total_iters: 5, start_factor: 0.1 } }, clip_grad_value: { clip_value: 0.05 } } },
  { name: 'AdamW, ExponentialLR, clip_grad_norm', model: gru, batches: opt(gru), training: { losses: [ce('logits', { reduction: 'sum' })], optimizer: { type: 'AdamW', lr: 0.02, weight_decay: 0.05 }, schedule: { type: 'ExponentialLR', gamma: 0.97 }, clip_grad_norm: { max_norm: 1 } } },
  { name: 'RMSprop centered + momentum, LinearLR, clip_grad_norm', model: lstm, batches: opt(lstm), training: { losses: [ce()], optimizer: { type: 'RMSprop', lr: 0.005, momentum: 0.5, centered: true }, schedule: { type: 'LinearLR', start_factor: 0.2, total_iters: 20 }, clip_grad_norm: { max_norm: 0.8 } } },
  { name: 'Adagrad lr_decay, StepLR with warm-up, clip_grad_norm', model: gru, batches: opt(gru), training: { losses: [ce()], optimizer: { type: 'Adagrad', lr: 0.1, lr_decay: 0.01, weight_decay: 1e-3 }, schedule: { type: 'StepLR', step_size: 15, gamma: 0.3, warmup: { total_iters: 4 } }, clip_grad_norm: { max_norm: 2 } } },
);
// truncated BPTT: the state carried across chunks, the gradient cut at their borders
{
  const model = recurrentSpec({ cell: 'LSTM', head: 'steps', layers: 2, bidirectional: false, vocab: 10, emb: 5, hidden: 6, classes: 10 });
  const full = tokenBatches(rand, model, 2, 3, 12).map((b) => {
    const tokens = b.feeds.tokens.data as Int32Array;
    for (let i = 0; i < tokens.length; i++) if (tokens[i] === 0) tokens[i] = 2 + (i % 8); // every row full length
    const next = Int32Array.from(tokens, (_, i) => tokens[(i + 1) % tokens.length]);
    return { ...b, targets: { logits: { dtype: 'int64' as const, shape: [3, 12], data: next } } };
  });
  CASES.push({ name: 'LSTM 2-layer with truncated BPTT (bptt_steps 5), Adam', model, batches: full, training: { losses: [ce()], optimizer: { type: 'Adam', lr: 0.02 }, bptt_steps: 5, clip_grad_norm: { max_norm: 1 } } });
}

// attention seq2seq with teacher forcing: the Decoder's backward, through the attention into the
// encoder (memory) and its final state, over ragged sources and targets
{
  const nll = { loss: 'NLLLoss' as const, output: 'logp' };
  const bah = seq2seqSpec({ cell: 'GRU', attention: 'additive', style: 'bahdanau', attention_dim: 7, ratio: 1 });
  CASES.push({ name: 'attention seq2seq: GRU → Decoder GRU, Bahdanau additive, teacher forcing, Adam + clip_grad_norm', model: bah, batches: seq2seqBatches(rand, bah, 3, 4, 5, 4), training: { losses: [nll], optimizer: { type: 'Adam', lr: 0.02 }, clip_grad_norm: { max_norm: 1 }, teacher_forcing_ratio: 1 } });
  const luong = seq2seqSpec({ cell: 'LSTM', layers: 2, attention: 'general', style: 'luong', concat_order: 'h_context', ratio: 1 });
  CASES.push({ name: 'attention seq2seq: 2-layer LSTM → Decoder, Luong general on [h; context], teacher forcing, SGD momentum', model: luong, batches: seq2seqBatches(rand, luong, 3, 3, 6, 5), training: { losses: [nll], optimizer: { type: 'SGD', lr: 0.3, momentum: 0.9 }, teacher_forcing_ratio: 1 } });
  const own = seq2seqSpec({ cell: 'GRU', attention: 'scaled_dot', style: 'luong', ratio: 0 });
  CASES.push({ name: 'attention seq2seq: GRU → Decoder, Luong scaled_dot, fed its own argmax (teacher_forcing_ratio 0), Adam', model: own, batches: seq2seqBatches(rand, own, 3, 4, 5, 4), training: { losses: [nll], optimizer: { type: 'Adam', lr: 0.02 }, teacher_forcing_ratio: 0 } });
}

const prepared = CASES.map((c) => {
  const doc = GRAPHS[c.model.kind](c.model, c.training);
  const r = compile(doc);
  if (!r.program) throw new Error(`${c.name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return { program: r.program, init: flatWeights(r.weights) };
});

const tensorJSON = (t: Tensor) => ({ dtype: t.dtype, shape: t.shape, data: Array.from(t.data) });
let ref: { cases: { losses: number[]; grad_norms: number[] }[] };
beforeAll(() => {
  if (!hasPyTorch() && !REQUIRE_PYTORCH) return;
  const input = {
    cases: CASES.map((c, i) => ({
      name: c.name,
      model: c.model,
      init: prepared[i].init,
      training: TrainingSchema.parse(c.training),
      steps: STEPS,
      batches: c.batches.map((b) => ({
        feeds: Object.fromEntries(Object.entries(b.feeds).map(([k, t]) => [k, tensorJSON(t)])),
        targets: Object.fromEntries(Object.entries(b.targets).map(([k, t]) => [k, tensorJSON(t)])),
      })),
    })),
  };
  ref = runPythonJSON('train_parity.py', [], input, 180_000);
}, 200_000);

describe(`training matches PyTorch for ${STEPS} steps (loss 1e-4 relative at every step)`, () => {
  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i];
    const trainer = createTrainer(prepared[i].program, TrainingSchema.parse(c.training));
    const want = ref.cases[i];
    let worst = 0;
    for (let k = 0; k < STEPS; k++) {
      const r = trainer.step(c.batches[k % c.batches.length]);
      const rel = Math.abs(r.loss - want.losses[k]) / Math.abs(want.losses[k]);
      worst = Math.max(worst, rel);
      expect(rel, `step ${k + 1}: seqgraph ${r.loss}, PyTorch ${want.losses[k]}`).toBeLessThan(1e-4);
      expect(Math.abs(r.gradNorm - want.grad_norms[k]) / want.grad_norms[k], `step ${k + 1} gradient norm`).toBeLessThan(1e-3);
    }
    console.log(`${c.name}: worst relative loss difference over ${STEPS} steps ${worst.toExponential(2)}`);
    // training did something: the last losses are below the first
    expect(want.losses[STEPS - 1]).toBeLessThan(want.losses[0]);
  });
});
