// Where the trainer attaches each loss: cross-entropy on a Softmax output is taken on its logits
// (so it trains exactly like the same graph ending in logits), NLLLoss on a LogSoftmax gives the
// same, padded steps never count, and MSELoss reports RMSE.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { createTrainer, type Batch } from '../../src/train';
import { TrainingSchema, type TrainingSettingsInput } from '../../src/doc/training';
import type { GraphDoc } from '../../src/doc/schema';
import { Rng } from '../../src/compiler/rng';
import { recurrentGraph, recurrentSpec, tokenBatches } from '../helpers/train-models';

const rng = new Rng(7);
const rand = () => rng.next();

/** the tagger/classifier graph with an extra Softmax or LogSoftmax before the Output */
function withHead(doc: GraphDoc, type: 'Softmax' | 'LogSoftmax'): GraphDoc {
  const d = structuredClone(doc);
  d.nodes.push({ id: 'head', type, name: 'head', position: { x: 900, y: 200 }, params: {} });
  const e = d.edges.find((x) => x.target.node === 'o')!;
  d.edges.push({ id: 'eh', source: { node: 'head', port: 'output' }, target: { node: 'o', port: 'value' } });
  e.target = { node: 'head', port: 'input' };
  return d;
}

function run(doc: GraphDoc, training: TrainingSettingsInput, batches: Batch[], steps = 4) {
  const program = compile(doc).program!;
  const t = createTrainer(program, TrainingSchema.parse(training));
  const losses = Array.from({ length: steps }, (_, k) => t.step(batches[k % batches.length]).loss);
  return { losses, weights: JSON.stringify(t.weights()), trainer: t };
}

describe('losses attach where PyTorch users put them', () => {
  for (const head of ['last', 'steps'] as const) {
    it(`CrossEntropyLoss on a Softmax output trains as on logits; NLLLoss on LogSoftmax too (${head === 'last' ? 'N→1' : 'N→N, padded'})`, () => {
      const m = recurrentSpec({ head, classes: 4, cell: 'GRU' });
      const batches = tokenBatches(rand, m, 2, 4, 6);
      const base = recurrentGraph(m);
      const opt = { optimizer: { type: 'Adam' as const, lr: 0.05 } };
      const logits = run(base, { losses: [{ loss: 'CrossEntropyLoss', output: 'logits' }], ...opt }, batches);
      const probs = run(withHead(base, 'Softmax'), { losses: [{ loss: 'CrossEntropyLoss', output: 'logits' }], ...opt }, batches);
      const logp = run(withHead(base, 'LogSoftmax'), { losses: [{ loss: 'NLLLoss', output: 'logits' }], ...opt }, batches);
      expect(probs.losses).toEqual(logits.losses);
      expect(probs.weights).toEqual(logits.weights);
      logp.losses.forEach((l, k) => expect(Math.abs(l - logits.losses[k])).toBeLessThan(1e-6));
    });
  }

  it('padded steps count for nothing, whatever their target says', () => {
    const m = recurrentSpec({ head: 'steps', classes: 3 });
    const [b] = tokenBatches(rand, m, 1, 5, 7);
    const tokens = b.feeds.tokens.data;
    // the same batch with real class ids (not ignore_index) at the padded steps
    const dirty = (b.targets.logits.data as Int32Array).map((y, i) => (tokens[i] === 0 ? i % 3 : y));
    const b2: Batch = { ...b, targets: { logits: { ...b.targets.logits, data: dirty } } };
    expect(Array.from(dirty)).not.toEqual(Array.from(b.targets.logits.data));
    const tr = { losses: [{ loss: 'CrossEntropyLoss' as const, output: 'logits', label_smoothing: 0.2 }], optimizer: { type: 'SGD' as const, lr: 0.5 } };
    const a = run(recurrentGraph(m), tr, [b], 3);
    const c = run(recurrentGraph(m), tr, [b2], 3);
    expect(c.losses).toEqual(a.losses);
    expect(c.weights).toEqual(a.weights);
  });

  it('MSELoss on float values: training lowers it, evaluate reports RMSE', () => {
    const m = recurrentSpec({ head: 'last', classes: 2, cell: 'LSTM', bidirectional: false });
    const batches = tokenBatches(rand, m, 2, 6, 5).map((b) => {
      // regress two numbers per row: the first and last token id, scaled
      const T = 5;
      const y = new Float32Array(12);
      for (let r = 0; r < 6; r++) {
        const row = Array.from(b.feeds.tokens.data.slice(r * T, r * T + T)).filter((x) => x !== 0);
        y[r * 2] = row[0] / 10;
        y[r * 2 + 1] = row[row.length - 1] / 10;
      }
      return { ...b, targets: { logits: { dtype: 'float32' as const, shape: [6, 2], data: y } } };
    });
    const r = run(recurrentGraph(m), { losses: [{ loss: 'MSELoss', output: 'logits' }], optimizer: { type: 'Adam', lr: 0.03 } }, batches, 40);
    expect(r.losses[39]).toBeLessThan(0.3 * r.losses[0]);
    const e = r.trainer.evaluate([batches[0]]);
    expect(e.outputs.logits.count).toBe(12);
    expect(e.outputs.logits.rmse).toBeCloseTo(Math.sqrt(e.outputs.logits.loss), 6);
    expect(e.outputs.logits.accuracy).toBeUndefined();
  });
});
