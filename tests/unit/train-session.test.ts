// The training session (src/train/session.ts): the epoch loop over prepared data, the task's
// metric, and checkpoints that resume exactly — a run cut after any step and resumed from its
// checkpoint (through JSON, into a freshly compiled graph) gives the same losses and weights as
// the run that was never interrupted.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { GraphDoc } from '../../src/doc/schema';
import type { Program } from '../../src/ir/program';
import { applyToDoc, graphChanges, parseTable, prepareData, type DataSpecInput } from '../../src/data';
import { TrainingSchema } from '../../src/doc/training';
import { createSession, type SessionCheckpoint, type StepReport, type EpochReport } from '../../src/train/session';

function programOf(d: GraphDoc): Program {
  const c = compile(d);
  if (!c.program) throw new Error(JSON.stringify(c.diagnostics));
  return c.program;
}

// 160 short reviews: the label follows a word, so a small model learns it in a few epochs
const lines = ['text,label'];
const good = ['great', 'fun', 'lovely', 'superb'];
const bad = ['boring', 'dull', 'awful', 'slow'];
for (let i = 0; i < 160; i++) {
  const pos = i % 2 === 0;
  const w = (pos ? good : bad)[(i >> 1) % 4];
  lines.push(`the film was ${w} and ${i % 3 ? 'long' : 'short'},${pos ? 'positive' : 'negative'}`);
}
const table = parseTable(lines.join('\n'), { file: 'reviews.csv' });
const spec: DataSpecInput = { source: { file: 'reviews.csv' }, inputs: { text: { column: 'text', vocab: 'data' } }, targets: { sentiment: 'label' } };
const settings = TrainingSchema.parse({
  losses: [{ loss: 'CrossEntropyLoss', output: 'sentiment' }],
  optimizer: { type: 'Adam', lr: 0.02 },
  schedule: { type: 'StepLR', step_size: 1, gamma: 0.5, interval: 'epoch' },
  batch_size: 16,
  epochs: 3,
  seed: 7,
});

function setup() {
  const raw = JSON.parse(readFileSync('tests/fixtures/graphs/sentiment-pooled.json', 'utf8'));
  raw.nodes.find((n: any) => n.type === 'Embedding').params.embedding_dim = 6;
  raw.nodes.find((n: any) => n.type === 'LSTM').params.hidden_size = 6;
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const p0 = programOf(r.doc);
  const d0 = prepareData(p0, table, spec);
  const doc = applyToDoc(r.doc, graphChanges(p0, d0));
  const program = programOf(doc);
  return { program, data: prepareData(program, table, spec) };
}

function runAll(resumeAt?: number) {
  const events: (StepReport | EpochReport)[] = [];
  let { program, data } = setup();
  let s = createSession({ program, settings, data });
  let n = 0;
  for (;;) {
    const e = s.next();
    if (e.kind === 'done') break;
    events.push(e);
    if (e.kind === 'step' && ++n === resumeAt) {
      const ck = JSON.parse(JSON.stringify(s.checkpoint())) as SessionCheckpoint;
      ({ program, data } = setup()); // a new process: fresh weights, fresh data
      s = createSession({ program, settings, data, resume: ck });
    }
  }
  return { events, weights: s.trainer.weights(), test: s.evaluate('test') };
}

describe('training session', () => {
  const whole = runAll();
  const steps = whole.events.filter((e): e is StepReport => e.kind === 'step');
  const epochs = whole.events.filter((e): e is EpochReport => e.kind === 'epoch');

  it('steps through every batch of every epoch, then evaluates the epoch', () => {
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    const per = steps[0].stepsPerEpoch;
    expect(per).toBe(Math.ceil(128 / 16)); // 80 % of 160 rows train
    expect(steps.length).toBe(3 * per);
    expect(steps.map((s) => s.totalSteps)).toEqual(steps.map((_, i) => i + 1));
    expect(whole.events[per].kind).toBe('epoch');
    // the epoch schedule halves lr each epoch
    expect(steps[per].lr).toBeCloseTo(steps[0].lr / 2, 12);
    expect(epochs[0].validation.metric.name).toBe('accuracy');
    expect(epochs[2].validation.metric.value).toBeGreaterThan(0.9);
    expect(epochs[2].train.loss).toBeLessThan(epochs[0].train.loss);
  });

  for (const at of [5, 8, 13]) {
    it(`a run resumed from its checkpoint after step ${at} continues exactly`, () => {
      const cut = runAll(at);
      // steps: everything but the clock; epoch reports: everything (the epoch's mean training loss included)
      const same = (e: StepReport | EpochReport) => (e.kind === 'step' ? [e.epoch, e.step, e.totalSteps, e.loss, e.gradNorm, e.clippedNorm, e.lr] : e);
      expect(cut.events.map(same)).toEqual(whole.events.map(same));
      expect(cut.weights).toEqual(whole.weights);
      expect(cut.test.metrics).toEqual(whole.test.metrics);
    });
  }

  it('evaluate(test): accuracy, a confusion matrix that adds up, the errors listed first', () => {
    const r = whole.test;
    expect(r.rows).toBe(16);
    const c = r.confusion!;
    expect(c.labels.sort()).toEqual(['negative', 'positive']);
    const total = c.counts.flat().reduce((a, b) => a + b, 0);
    const diag = c.counts[0][0] + c.counts[1][1];
    expect(total).toBe(16);
    expect(r.metrics.metric.value).toBeCloseTo(diag / total, 12);
    const wrong = r.examples.filter((e) => !e.correct).length;
    expect(wrong).toBe(total - diag);
    expect(r.examples.slice(0, wrong).every((e) => !e.correct)).toBe(true);
    expect(r.examples[0].input).toMatch(/^the film was/);
  });

  it('refuses a checkpoint of another seed, or something that is not one', () => {
    const { program, data } = setup();
    const s = createSession({ program, settings, data });
    s.next();
    const ck = s.checkpoint();
    expect(() => createSession({ ...setup(), settings: { ...settings, seed: 8 }, resume: ck })).toThrow(/seed 7, the settings say 8/);
    expect(() => createSession({ ...setup(), settings, resume: {} as SessionCheckpoint })).toThrow(/not a seqgraph training checkpoint/);
  });
});

describe('training session: a Decoder is scored by PER/WER on free decoding (its own strategy: beam search in this example)', async () => {
  const { loadBuiltin, suggestSpec } = await import('../../src/data');
  const { withoutDecoderTargets } = await import('../../src/train/inference-doc');
  const { execute } = await import('../../src/runtime/execute');
  const { encodeBatch } = await import('../../src/runtime/tokenize');
  const raw = JSON.parse(readFileSync('graphs/g2p-cmudict.json', 'utf8'));
  delete raw.weights;
  delete raw.trained;
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const doc = r.doc;
  const program = programOf(doc);
  const inference = programOf(withoutDecoderTargets(doc));
  const table = await loadBuiltin('cmudict-g2p');
  const spec = { ...suggestSpec(program, table, { builtin: 'cmudict-g2p' }), max_rows: 400 };
  const data = prepareData(program, table, spec);
  const g2pSettings = TrainingSchema.parse({ losses: [{ loss: 'NLLLoss', output: 'logprobs' }], optimizer: { type: 'Adam', lr: 0.01 }, batch_size: 32, epochs: 1, seed: 1 });

  it('PER = Σ edit distance / Σ reference phonemes, WER = share of words wrong, on what the graph without its target decodes', () => {
    const s = createSession({ program, settings: g2pSettings, data, inference });
    for (let e = s.next(); e.kind !== 'done'; e = s.next());
    expect(s.task.kind).toBe('decode');
    const rep = s.evaluate('test', { examples: 1000 });
    expect(rep.metrics.metric.name).toBe('per');
    expect(rep.rows).toBe(data.splits.test.length);
    // independently: Levenshtein over the listed phoneme strings
    const lev = (a: string[], b: string[]) => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      return d[a.length][b.length];
    };
    const words = (t: string) => (t ? t.split(' ') : []);
    let edits = 0;
    let ref = 0;
    let wrong = 0;
    for (const e of rep.examples) {
      const d = lev(words(e.target), words(e.prediction));
      edits += d;
      ref += words(e.target).length;
      if (d) wrong++;
      expect(e.correct).toBe(d === 0);
    }
    expect(rep.examples.length).toBe(rep.rows);
    expect(rep.metrics.metric.value).toBeCloseTo(edits / ref, 12);
    expect(rep.metrics.extra!.wer).toBeCloseTo(wrong / rep.rows, 12);
    // the predictions are what the trained weights decode (beam search) in a graph loaded fresh
    const fresh = programOf(withoutDecoderTargets({ ...doc, weights: s.trainer.weights() }));
    const some = rep.examples.slice(0, 8);
    const info = fresh.inputs[0].info as import('../../src/ir/program').TokenInputInfo;
    const y = execute(fresh, { word: encodeBatch(some.map((e) => e.input), info) }).outputs.phonemes;
    const M = y.shape[1] as number;
    const V = (fresh.outputs.find((o) => o.name === 'phonemes')!.labels ?? []) as string[];
    some.forEach((e, i) => {
      const toks: string[] = [];
      for (let t = 0; t < M; t++) {
        const w = V[y.data[i * M + t]];
        if (w === '</s>' || w === '<pad>') break;
        toks.push(w);
      }
      expect(toks.join(' ')).toBe(e.prediction);
    });
  }, 120_000);
});
