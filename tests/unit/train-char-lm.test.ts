// A character-level language model learns a real text: the opening of Shakespeare's Coriolanus
// (data/texts/, public domain), Embedding → LSTM → Dense, cross-entropy on the next character,
// Adam, truncated BPTT over long streams (PyTorch's word_language_model recipe). With a fixed seed
// the held-out loss must fall well below where it starts and below what character frequencies
// alone give (the unigram entropy), i.e. the model uses context.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compile } from '../../src/compiler/compile';
import { createTrainer, type Batch } from '../../src/train';
import { TrainingSchema, type TrainingSettingsInput } from '../../src/doc/training';
import type { GraphDoc } from '../../src/doc/schema';

const text = readFileSync('data/texts/coriolanus.txt', 'utf8');
const chars = [...new Set(text)].sort();
const vocab = ['<pad>', '<unk>', ...chars];
const ids = Array.from(text, (ch) => vocab.indexOf(ch));
const split = Math.floor(ids.length * 0.9);

/** B parallel streams over the ids: inputs [B, L] and next-character targets [B, L] */
function streams(xs: number[], B: number): Batch {
  const L = Math.floor((xs.length - 1) / B);
  const x = new Int32Array(B * L);
  const y = new Int32Array(B * L);
  for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) {
    x[b * L + t] = xs[b * L + t];
    y[b * L + t] = xs[b * L + t + 1];
  }
  return { feeds: { text: { dtype: 'int64', shape: [B, L], data: x } }, targets: { next: { dtype: 'int64', shape: [B, L], data: y } }, size: B };
}

const training: TrainingSettingsInput = {
  losses: [{ loss: 'CrossEntropyLoss', output: 'next' }],
  optimizer: { type: 'Adam', lr: 0.02 },
  clip_grad_norm: { max_norm: 5 },
  bptt_steps: 32,
  seed: 3,
  epochs: 4,
};

const doc: GraphDoc = {
  format: 'seqgraph',
  version: 2,
  name: 'char-lm',
  seed: 3,
  nodes: [
    { id: 'in', type: 'Input', name: 'text', position: { x: 0, y: 0 }, params: { kind: 'tokens', vocab, tokenizer: 'chars' } },
    { id: 'emb', type: 'Embedding', name: 'embed', position: { x: 240, y: 0 }, params: { embedding_dim: 16 } },
    { id: 'lstm', type: 'LSTM', name: 'lstm', position: { x: 480, y: 0 }, params: { hidden_size: 48 } },
    { id: 'out', type: 'Dense', name: 'decode', position: { x: 720, y: 0 }, params: { units: vocab.length } },
    { id: 'o', type: 'Output', name: 'next', position: { x: 960, y: 0 }, params: {} },
  ],
  edges: [
    { id: 'e1', source: { node: 'in', port: 'tokens' }, target: { node: 'emb', port: 'tokens' } },
    { id: 'e2', source: { node: 'emb', port: 'output' }, target: { node: 'lstm', port: 'input' } },
    { id: 'e3', source: { node: 'lstm', port: 'output' }, target: { node: 'out', port: 'input' } },
    { id: 'e4', source: { node: 'out', port: 'output' }, target: { node: 'o', port: 'value' } },
  ],
  samples: [],
  training: TrainingSchema.parse(training),
};

describe('a character-level LSTM language model on Coriolanus', () => {
  it('held-out loss falls clearly with truncated BPTT (fixed seed)', () => {
    const r = compile(doc);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const trainer = createTrainer(r.program!, doc.training!);
    const train = streams(ids.slice(0, split), 16);
    const heldOut = [streams(ids.slice(split), 4)];
    // what knowing only how often each character occurs gives on the held-out text
    const counts = new Map<number, number>();
    for (const c of ids.slice(0, split)) counts.set(c, (counts.get(c) ?? 0) + 1);
    let unigram = 0;
    const held = ids.slice(split + 1);
    for (const c of held) unigram -= Math.log(((counts.get(c) ?? 0) + 1) / (split + vocab.length));
    unigram /= held.length;

    const before = trainer.evaluate(heldOut).loss;
    expect(before).toBeGreaterThan(Math.log(vocab.length) - 0.3);
    const curve: number[] = [];
    for (let e = 0; e < doc.training!.epochs; e++) {
      trainer.step(train);
      trainer.endEpoch();
      curve.push(trainer.evaluate(heldOut).loss);
    }
    const after = curve[curve.length - 1];
    console.log(`char LM held-out loss: ${before.toFixed(3)} → ${curve.map((l) => l.toFixed(3)).join(' → ')} (unigram ${unigram.toFixed(3)}, ${trainer.stepCount} updates)`);
    expect(after).toBeLessThan(0.7 * before);
    expect(after).toBeLessThan(unigram - 0.15);
  }, 60_000);
});
