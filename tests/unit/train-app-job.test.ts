// The training worker's job without a worker: prepare a built-in data set for a graph,
// the one-click fit of the output to the data's labels, and the Train tab's settings edits.
import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import type { GraphDoc } from '../../src/doc/schema';
import { TrainJob, prepare } from '../../src/app/train-job';
import type { TrainResponse } from '../../src/app/train-protocol';
import type { CheckpointSink } from '../../src/app/train-keep';
import type { KeptFile, StoredCheckpoint } from '../../src/app/store/checkpoint-db';
import { fitOutputToLabels, labelMismatches, lossesFor } from '../../src/app/store/train-settings';

// the 8-language name classifier (a test fixture): its output must be fitted to names-gender's 2 labels
function fixture(name: string): GraphDoc {
  const r = checkGraph(JSON.parse(readFileSync(`tests/fixtures/graphs/${name}.json`, 'utf8')));
  if (!r.ok) throw new Error(`tests/fixtures/graphs/${name}.json does not load`);
  return r.doc;
}

/** the name classifier with a 2-class output, as the "Fit" button makes it */
function namesGenderDoc(): GraphDoc {
  const doc = fixture('name-classifier');
  const fit = fitOutputToLabels(doc, 'probs', ['female', 'male']);
  if (!fit) throw new Error('no fit');
  return fit.doc;
}

describe('train job: prepare', () => {
  it('an output with the wrong number of classes is named, and the fix is offered and works', async () => {
    const doc = fixture('name-classifier');
    const units = doc.nodes.find((n) => n.id === 'dense')!.params.units as number;
    const posts: TrainResponse[] = [];
    const job = new TrainJob((m) => posts.push(m), (fn) => queueMicrotask(fn));
    await job.handle({ type: 'prepare', doc, source: { builtin: 'names-gender' } });
    expect(posts).toHaveLength(1);
    const err = posts[0];
    if (units !== 2 && err.type === 'error') {
      expect(err.stage).toBe('data');
      expect(err.message).toMatch(/"probs" scores \d+ classes/);
      expect(labelMismatches(err.message)).toEqual([{ output: 'probs', labels: ['female', 'male'] }]);
    } else expect(err.type).toBe(units === 2 ? 'prepared' : 'error');
    const fit = fitOutputToLabels(doc, 'probs', ['female', 'male'])!;
    expect(fit.doc.nodes.find((n) => n.id === 'dense')!.params.units).toBe(2);
    expect(fit.doc.nodes.find((n) => n.id === 'out')!.params.labels).toEqual(['female', 'male']);
    expect(doc.nodes.find((n) => n.id === 'dense')!.params.units).toBe(units); // the original is untouched
  });

  it('previews the first rows as tokens, counts the rows kept and dropped, and the splits', async () => {
    const p = await prepare(namesGenderDoc(), { builtin: 'names-gender' });
    expect(p.columns).toEqual(expect.arrayContaining(['name', 'gender']));
    expect(p.spec.inputs.name).toMatchObject({ column: 'name' });
    expect(p.spec.targets.probs).toMatchObject({ column: 'gender' });
    const kept = p.splits.train + p.splits.validation + p.splits.test;
    expect(kept).toBe(p.report.kept);
    expect(p.report.kept).toBeGreaterThan(7000);
    const row = p.preview.find((r) => !r.dropped)!;
    expect(Array.isArray(row.inputs.name)).toBe(true);
    expect((row.inputs.name as string[]).length).toBeGreaterThan(1);
    expect(['female', 'male']).toContain((row.targets.probs as string[])[0]);
  });

  it('a user CSV: a row without a label is dropped and reported with its line', async () => {
    const csv = 'name,gender\nAnna,female\nBob,male\n,female\nCarl,male\nDora,female\nEve,female\nFinn,male\nGus,male\nHal,male\nIda,female\n';
    const p = await prepare(namesGenderDoc(), { file: 'people.csv', text: csv }, {
      source: { file: 'people.csv' },
      inputs: { name: { column: 'name' } },
      targets: { probs: { column: 'gender', labels: 'output' } },
      split: { validation: 0.2, test: 0.2, seed: 1 },
    });
    expect(p.report.total).toBe(10);
    expect(p.report.kept).toBe(9);
    expect(p.report.dropped.empty?.count).toBe(1);
    expect(p.report.dropped.empty?.first[0].line).toBe(4);
  });

  it('gives each mapped output a loss that fits it', async () => {
    const doc = namesGenderDoc();
    const p = await prepare(doc, { builtin: 'names-gender' });
    const losses = lossesFor(doc, p.spec, () => ({ type: 'Vector', dtype: 'float32', shape: ['B', 2], kind: 'probs' }) as never);
    expect(losses).toEqual([{ loss: 'CrossEntropyLoss', output: 'probs' }]);
    expect(lossesFor(doc, p.spec, () => ({ type: 'Vector', dtype: 'float32', shape: ['B', 1] }) as never)).toEqual([{ loss: 'MSELoss', output: 'probs' }]);
  });
});

/** IndexedDB's part in the worker, in memory: what the worker kept, in order */
function memorySink(): CheckpointSink & { checkpoints: StoredCheckpoint[]; files: KeptFile[]; cleared: string[] } {
  const m = {
    checkpoints: [] as StoredCheckpoint[],
    files: [] as KeptFile[],
    cleared: [] as string[],
    saveCheckpoint: async (c: StoredCheckpoint) => void m.checkpoints.push(structuredClone(c)),
    saveFile: async (f: KeptFile) => void m.files.push(f),
    clearCheckpoints: async (g: string) => void m.cleared.push(g),
  };
  return m;
}

/** lets the keeper's promises (hash, writes) settle */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('train job: the loop in the worker', () => {
  it('steps the shared session, pauses between steps, resumes at the next step, stops with test results and weights', async () => {
    const doc = namesGenderDoc();
    const p = await prepare(doc, { builtin: 'names-gender' });
    const training = { losses: [{ loss: 'CrossEntropyLoss' as const, output: 'probs' }], optimizer: { type: 'Adam' as const, lr: 0.01 }, batch_size: 16, epochs: 2, seed: 3, data: { ...p.spec, max_rows: 240 } };
    const posts: TrainResponse[] = [];
    // a yield the test controls: steps run only when the test lets them
    const queue: (() => void)[] = [];
    const sink = memorySink();
    const job = new TrainJob((m) => posts.push(m), (fn) => queue.push(fn), sink);
    const turn = (n: number) => {
      for (let i = 0; i < n && queue.length; i++) queue.shift()!();
    };
    await job.handle({ type: 'start', doc, source: { builtin: 'names-gender' }, training, checkpointEvery: 4, keep: { graph: 'g', doc, sourceLabel: 'Names' } });
    turn(5);
    await settle();
    const steps = () => posts.filter((m) => m.type === 'step') as Extract<TrainResponse, { type: 'step' }>[];
    expect(steps().map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(steps()[0].totalSteps).toBe(steps()[0].stepsPerEpoch * 2);
    // the worker kept the checkpoint itself and then named only its step to the page
    expect(sink.cleared).toEqual(['g']);
    expect(sink.checkpoints.map((c) => [c.which, c.step, c.graph, c.totalSteps])).toEqual([['last', 4, 'g', steps()[0].totalSteps]]);
    expect(posts.find((m) => m.type === 'checkpoint')).toEqual({ type: 'checkpoint', which: 'last', step: 4, epoch: 0, source: { builtin: 'names-gender' } });
    await job.handle({ type: 'pause' });
    turn(10); // nothing runs while paused
    expect(steps()).toHaveLength(5);
    expect(posts.at(-1)).toEqual({ type: 'paused', step: 5 });
    await job.handle({ type: 'resume' });
    turn(1);
    expect(steps().at(-1)!.step).toBe(6);
    // to the end: two epochs, each with validation metrics, then the test split
    while (queue.length) turn(1);
    const epochs = posts.filter((m) => m.type === 'epoch');
    expect(epochs).toHaveLength(2);
    const done = posts.at(-1)!;
    expect(done.type).toBe('done');
    if (done.type !== 'done') return;
    expect(done.stopped).toBe(false);
    expect(done.test!.metrics.metric.name).toBe('accuracy');
    expect(done.test!.confusion!.labels).toEqual(['female', 'male']);
    expect(done.weights!.dense.weight.shape).toEqual([2, 64]);
    const wrongFirst = done.test!.examples.findIndex((e) => e.correct);
    expect(done.test!.examples.slice(wrongFirst).every((e) => e.correct)).toBe(true);
    // the losses fell
    const l = steps().map((s) => s.loss);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(l.slice(-5))).toBeLessThan(mean(l.slice(0, 5)));
  });

  it('while the page says the user interacts, each step waits twice its time on a timer instead of the next turn', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    try {
      const doc = namesGenderDoc();
      const p = await prepare(doc, { builtin: 'names-gender' });
      const training = { losses: [{ loss: 'CrossEntropyLoss' as const, output: 'probs' }], optimizer: { type: 'Adam' as const, lr: 0.01 }, batch_size: 16, epochs: 100, seed: 3, data: { ...p.spec, max_rows: 240 } };
      const posts: TrainResponse[] = [];
      const queue: (() => void)[] = [];
      const job = new TrainJob((m) => posts.push(m), (fn) => queue.push(fn));
      const steps = () => posts.filter((m) => m.type === 'step').length;
      await job.handle({ type: 'start', doc, source: { builtin: 'names-gender' }, training });
      queue.shift()!();
      expect(steps()).toBe(1);
      expect(queue).toHaveLength(1); // not interacting: the next step is the next turn
      await job.handle({ type: 'interacting' });
      queue.shift()!();
      expect(steps()).toBe(2);
      expect(queue).toHaveLength(0); // interacting: the next step waits on a timer
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersToNextTimer();
      expect(steps()).toBe(3);
      expect([queue.length, vi.getTimerCount()]).toEqual([0, 1]);
      // 300 ms after the last hint, steps follow each other on turns again
      vi.advanceTimersByTime(400);
      expect([queue.length, vi.getTimerCount()]).toEqual([1, 0]);
      const n = steps();
      queue.shift()!();
      expect(steps()).toBe(n + 1);
      await job.handle({ type: 'stop' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('a checkpoint resumes the same run: the step after it has the same loss', async () => {
    const doc = namesGenderDoc();
    const p = await prepare(doc, { builtin: 'names-gender' });
    const training = { losses: [{ loss: 'CrossEntropyLoss' as const, output: 'probs' }], optimizer: { type: 'Adam' as const, lr: 0.01 }, batch_size: 16, epochs: 1, seed: 3, data: { ...p.spec, max_rows: 200 } };
    const run = async (resume?: unknown) => {
      const posts: TrainResponse[] = [];
      const queue: (() => void)[] = [];
      const sink = memorySink();
      const job = new TrainJob((m) => posts.push(m), (fn) => queue.push(fn), sink);
      await job.handle({ type: 'start', doc, source: { builtin: 'names-gender' }, training, checkpointEvery: 3, resume, keep: { graph: 'g', doc, sourceLabel: 'Names' } });
      for (let i = 0; i < 6 && queue.length; i++) queue.shift()!();
      await settle();
      return { posts, sink };
    };
    const { posts: a, sink } = await run();
    const ck = sink.checkpoints.find((c) => c.step === 3);
    if (!ck) throw new Error('no checkpoint at step 3');
    const { posts: b } = await run(structuredClone(ck.state));
    const stepA = a.find((m) => m.type === 'step' && m.step === 4);
    const stepB = b.find((m) => m.type === 'step');
    expect(stepB).toMatchObject({ step: 4 });
    if (stepA?.type !== 'step' || stepB?.type !== 'step') return;
    expect(stepB.loss).toBe(stepA.loss);
  });
});

describe('the inspector gradients (grad-job)', () => {
  it('∂loss/∂h at the last step is Wᵀ(p − onehot(target)), per direction, as cross-entropy through Dense says', async () => {
    const { gradientJob } = await import('../../src/app/grad-job');
    const { compile } = await import('../../src/compiler/compile');
    const { execute } = await import('../../src/runtime/execute');
    const { sampleToTensor } = await import('../../src/runtime/tokenize');
    const doc = namesGenderDoc();
    const program = compile(doc).program!;
    const W = Object.entries(program.weightRefs).find(([, r]) => r.node === 'dense' && r.name === 'weight')!;
    const w = program.initializers[W[0]].data as Float32Array; // [2, 64]
    const feeds = { name: sampleToTensor(program.inputs[0], 'rosamund') as never };
    const p = execute(program, feeds, {}).outputs.probs.data as Float32Array;
    for (const target of ['female', 'male']) {
      const r = gradientJob(doc, { name: 'rosamund' }, { probs: target });
      expect(r.targets[0]).toContain(`${target} (the target)`);
      const y = target === 'female' ? [1, 0] : [0, 1];
      expect(r.loss).toBeCloseTo(-Math.log(p[y.indexOf(1)]), 5);
      const g = r.gradTrace.nodes.find((n) => n.node === 'gru')!;
      const T = g.steps;
      expect(T).toBe(8);
      for (const [d, off] of [['forward', 0], ['reverse', 32]] as const) {
        const dh = g.layers.find((l) => l.direction === d)!.dh;
        for (let u = 0; u < 32; u++) {
          const want = (p[0] - y[0]) * w[0 * 64 + off + u] + (p[1] - y[1]) * w[1 * 64 + off + u];
          expect(Math.abs(dh[(T - 1) * 32 + u] - want)).toBeLessThan(1e-6);
        }
      }
    }
    // the graph's own training section (as a file writes it, defaults left out) gives the loss
    const withTraining = { ...doc, training: { losses: [{ loss: 'CrossEntropyLoss', output: 'probs' }], optimizer: { type: 'Adam' } } } as GraphDoc;
    expect(gradientJob(withTraining, { name: 'rosamund' }, { probs: 'male' }).loss).toBeCloseTo(-Math.log(p[1]), 5);
    // without a target: the prediction is the target
    const pred = p[0] > p[1] ? 'female' : 'male';
    expect(gradientJob(doc, { name: 'rosamund' }).targets[0]).toContain(`${pred} (the prediction)`);
  });
});

describe('the inspector gradients of an LSTM: ∂loss/∂c_t beside ∂loss/∂h_t', () => {
  it('the heatmap and norm plot show the gradTrace c entries, and at the last step ∂loss/∂c = ∂loss/∂h · o · (1 − tanh²c)', async () => {
    const { gradientJob } = await import('../../src/app/grad-job');
    const { gradCells, gradNorms } = await import('../../src/app/inspector/GradientView');
    const { compile } = await import('../../src/compiler/compile');
    const { execute } = await import('../../src/runtime/execute');
    const { sampleToTensor } = await import('../../src/runtime/tokenize');
    // the name classifier with its GRU made a small LSTM (4 units; fresh weights)
    const base = namesGenderDoc();
    const doc = {
      ...base,
      nodes: base.nodes.map((n) => (n.id === 'gru' ? { ...n, type: 'LSTM', params: { ...n.params, hidden_size: 4 } } : n)),
      weights: undefined,
    } as GraphDoc;
    const program = compile(doc).program!;
    const feeds = { name: sampleToTensor(program.inputs[0], 'ada') as never };
    const fw = execute(program, feeds, { trace: true }).trace!.nodes.find((n) => n.node === 'gru')!;
    const r = gradientJob(doc, { name: 'ada' }, { probs: 'female' });
    const g = r.gradTrace.nodes.find((n) => n.node === 'gru')!;
    const H = 4;
    const T = g.lengths[0];
    for (const d of ['forward', 'reverse'] as const) {
      const L = g.layers.find((l) => l.direction === d)!;
      const shown = gradCells(g, 0, d, 0, 'dc')!;
      expect(shown.T).toBe(T);
      expect([...shown.values]).toEqual([...L.dc!.subarray(0, T * H)]);
      expect([...gradCells(g, 0, d, 0, 'dh')!.values]).toEqual([...L.dh.subarray(0, T * H)]);
      expect([...shown.values]).not.toEqual([...L.dh.subarray(0, T * H)]);
      const norms = gradNorms(g, 0, d, 0, 'dc');
      for (let t = 0; t < T; t++) expect(norms[t]).toBeCloseTo(Math.hypot(...L.dc!.subarray(t * H, (t + 1) * H)), 6);
    }
    // independent of backward's bookkeeping: the forward direction's last step is read only by
    // LastStep, so its ∂loss/∂c is ∂loss/∂h through h = o · tanh(c) alone
    const F = fw.layers.find((l) => l.direction === 'forward')!;
    const dh = gradCells(g, 0, 'forward', 0, 'dh')!.values;
    const dc = gradCells(g, 0, 'forward', 0, 'dc')!.values;
    for (let u = 0; u < H; u++) {
      const i = (T - 1) * H + u;
      const want = dh[i] * F.gates.o[i] * (1 - Math.tanh(F.c![i]) ** 2);
      expect(Math.abs(dc[i] - want)).toBeLessThan(1e-6);
    }
    // a GRU has no cell: nothing to show
    const gru = gradientJob(namesGenderDoc(), { name: 'ada' }).gradTrace.nodes.find((n) => n.node === 'gru')!;
    expect(gradCells(gru, 0, 'forward', 0, 'dc')).toBeNull();
  });
});
