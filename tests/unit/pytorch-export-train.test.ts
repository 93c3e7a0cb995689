// The exported train.py against seqgraph's own trainer (src/train createTrainer): from the same
// weights, on the same data (prepared by src/data, exported as JSON lines; train.py batches it in
// seqgraph's order with its port of the seeded bucketing), 20 optimiser steps give the same losses
// to 1e-4 (relative). The graphs cover a classifier (cross-entropy on a Softmax's logits with
// label smoothing, Adam, StepLR per epoch, clip_grad_norm, ragged batches), a tagger (NLLLoss per
// step over padded steps, SGD with Nesterov momentum, warm-up then cosine per step,
// clip_grad_value), a regressor (MSELoss, RMSprop, ExponentialLR) and a seq2seq model (a Decoder
// with Bahdanau attention trained by teacher forcing on its target, NLLLoss on its log-probabilities),
// a tagger on the cells PyTorch lacks (MGU, peephole LSTM, GRU with the paper's update gate) and a
// 2-layer LSTM character model with truncated BPTT.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { epochBatches, parseTable, prepareData, type DataSpecInput, type ParseOptions } from '../../src/data/index';
import { createTrainer } from '../../src/train/trainer';
import { readSafetensors } from '../../src/weights/safetensors';
import { graphDoc, type NodeSpec } from '../helpers/graph';
import { docOf, tempDir, writeExport } from '../helpers/pytorch-export';
import { hasPyTorch, pytorchTest, REQUIRE_PYTORCH, runPythonJSON } from '../helpers/pytorch';

const STEPS = 20;
const LETTERS = 'abcdefgh';
const TARGET = ['<pad>', '<unk>', '<s>', '</s>', ...[...LETTERS].map((c) => `P${c}`)];

function rows(n: number, seed: number, make: (r: () => number, i: number) => string): string[] {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, (_, i) => make(r, i));
}
const word = (r: () => number, lo: number, hi: number) => Array.from({ length: lo + Math.floor(r() * (hi - lo + 1)) }, () => LETTERS[Math.floor(r() * 8)]).join('');

interface Case {
  name: string;
  nodes: NodeSpec[];
  edges: [string, string][];
  training: Record<string, unknown>;
  csv: string;
  spec: DataSpecInput;
  parse?: Partial<ParseOptions>;
  /** train.py --steps stops here, each time resuming from the last checkpoint, against one uninterrupted run */
  resume?: number[];
  /** false: only train.py runs (dropout: PyTorch's masks are not seqgraph's) */
  parity?: false;
}

const CASES: Case[] = [
  {
    name: 'classifier',
    nodes: [['in', 'Input', { vocab: ['<pad>', '<unk>', ...LETTERS] }], ['emb', 'Embedding', { embedding_dim: 5, padding_idx: 0 }], ['enc', 'GRU', { hidden_size: 4, bidirectional: true }], ['last', 'LastStep', {}], ['head', 'Dense', { units: 3 }], ['sm', 'Softmax', {}], ['label', 'Output', { labels: ['x', 'y', 'z'] }]],
    edges: [['in.tokens', 'emb.tokens'], ['emb.output', 'enc.input'], ['enc.output', 'last.input'], ['last.output', 'head.input'], ['head.output', 'sm.input'], ['sm.output', 'label.value']],
    training: { losses: [{ loss: 'CrossEntropyLoss', output: 'label', label_smoothing: 0.1 }], optimizer: { type: 'Adam', lr: 0.01 }, schedule: { type: 'StepLR', step_size: 1, gamma: 0.5, interval: 'epoch' }, clip_grad_norm: { max_norm: 0.5 }, batch_size: 4, seed: 7 },
    csv: 'text,label\n' + rows(30, 1, (r) => { const w = word(r, 1, 7); return `${w},${'xyz'[w.length % 3]}`; }).join('\n'),
    spec: { source: { file: 'names.csv' }, inputs: { in: 'text' }, targets: { label: 'label' }, split: { validation: 0.1, test: 0.1, seed: 3 } },
    resume: [4, 6, 9], // 6 batches an epoch: a stop inside epoch 1, one at its end (StepLR per epoch), then into epoch 2
  },
  {
    name: 'tagger',
    nodes: [['in', 'Input', { vocab: ['<pad>', '<unk>', ...LETTERS], tokenizer: 'words' }], ['emb', 'Embedding', { embedding_dim: 4, padding_idx: 0 }], ['enc', 'LSTM', { hidden_size: 4, num_layers: 2 }], ['head', 'Dense', { units: 3 }], ['lsm', 'LogSoftmax', {}], ['tags', 'Output', { labels: ['A', 'B', 'C'] }]],
    edges: [['in.tokens', 'emb.tokens'], ['emb.output', 'enc.input'], ['enc.output', 'head.input'], ['head.output', 'lsm.input'], ['lsm.output', 'tags.value']],
    training: { losses: [{ loss: 'NLLLoss', output: 'tags', ignore_index: 2 }], optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true }, schedule: { type: 'CosineAnnealingLR', T_max: 12, warmup: { total_iters: 3 } }, clip_grad_value: { clip_value: 0.05 }, batch_size: 3, seed: 11 },
    csv: 'sentence,tags\n' + rows(24, 2, (r) => { const ws = word(r, 1, 6).split(''); return `${ws.join(' ')},${ws.map((c) => 'ABC'[c.charCodeAt(0) % 3]).join(' ')}`; }).join('\n'),
    spec: { source: { file: 'tags.csv' }, inputs: { in: 'sentence' }, targets: { tags: 'tags' }, split: { validation: 0.1, test: 0.1, seed: 4 } },
  },
  {
    name: 'regressor',
    nodes: [['x', 'Input', { kind: 'vector', features: 2 }], ['h', 'Dense', { units: 6, activation: 'tanh' }], ['out', 'Dense', { units: 1 }], ['y', 'Output', {}]],
    edges: [['x.vector', 'h.input'], ['h.output', 'out.input'], ['out.output', 'y.value']],
    training: { losses: [{ loss: 'MSELoss', output: 'y' }], optimizer: { type: 'RMSprop', lr: 0.01, momentum: 0.5 }, schedule: { type: 'ExponentialLR', gamma: 0.95 }, batch_size: 5, seed: 5 },
    csv: 'a,b,y\n' + rows(40, 3, (r) => { const a = r() * 2 - 1, b = r() * 2 - 1; return `${a.toFixed(4)},${b.toFixed(4)},${(Math.sin(2 * a) + b * b).toFixed(4)}`; }).join('\n'),
    spec: { source: { file: 'xy.csv' }, inputs: { x: { columns: ['a', 'b'] } }, targets: { y: { columns: ['y'] } }, split: { validation: 0.1, test: 0.1, seed: 5 } },
  },
  {
    name: 'seq2seq',
    nodes: [
      ['src', 'Input', { vocab: ['<pad>', '<unk>', ...LETTERS] }], ['emb', 'Embedding', { embedding_dim: 4, padding_idx: 0 }], ['enc', 'GRU', { hidden_size: 5 }],
      ['tgt', 'Input', { vocab: TARGET, tokenizer: 'words', add_eos: true }],
      ['dec', 'Decoder', { vocab: TARGET, embedding_dim: 3, hidden_size: 5, attention: 'additive', attention_dim: 4, max_len: 8 }], ['logp', 'Output', {}],
    ],
    edges: [['src.tokens', 'emb.tokens'], ['emb.output', 'enc.input'], ['enc.output', 'dec.memory'], ['enc.state', 'dec.state'], ['tgt.tokens', 'dec.target'], ['dec.logprobs', 'logp.value']],
    training: { losses: [{ loss: 'NLLLoss', output: 'logp' }], optimizer: { type: 'Adam', lr: 0.02 }, clip_grad_norm: { max_norm: 1 }, batch_size: 4, seed: 2 },
    // the target spells the source's letters as words, reversed
    csv: 'source,target\n' + rows(24, 4, (r) => { const w = word(r, 1, 5); return `${w},${[...w].reverse().map((c) => `P${c}`).join(' ')}`; }).join('\n'),
    spec: { source: { file: 'pairs.csv' }, inputs: { src: 'source', tgt: 'target' }, targets: { logp: { same_as: 'tgt' } }, split: { validation: 0.1, test: 0.1, seed: 6 } },
  },
  {
    // resumed runs must draw the dropout masks the uninterrupted run draws: the checkpoint keeps the generator
    name: 'regressor with dropout, resumed',
    nodes: [['x', 'Input', { kind: 'vector', features: 2 }], ['h', 'Dense', { units: 6, activation: 'tanh' }], ['drop', 'Dropout', { p: 0.4 }], ['out', 'Dense', { units: 1 }], ['y', 'Output', {}]],
    edges: [['x.vector', 'h.input'], ['h.output', 'drop.input'], ['drop.output', 'out.input'], ['out.output', 'y.value']],
    training: { losses: [{ loss: 'MSELoss', output: 'y' }], optimizer: { type: 'Adam', lr: 0.01 }, schedule: { type: 'ExponentialLR', gamma: 0.9 }, batch_size: 5, seed: 5 },
    csv: 'a,b,y\n' + rows(30, 9, (r) => { const a = r() * 2 - 1, b = r() * 2 - 1; return `${a.toFixed(4)},${b.toFixed(4)},${(a - b * b).toFixed(4)}`; }).join('\n'),
    spec: { source: { file: 'xy.csv' }, inputs: { x: { columns: ['a', 'b'] } }, targets: { y: { columns: ['y'] } }, split: { validation: 0.1, test: 0.1, seed: 5 } },
    resume: [2, 7],
    parity: false,
  },
  {
    // the cells nn has no module for, written out in model.py: autograd through them against seqgraph's BPTT
    name: 'tagger on MGU, peephole LSTM and paper-convention GRU',
    nodes: [
      ['in', 'Input', { vocab: ['<pad>', '<unk>', ...LETTERS], tokenizer: 'words' }], ['emb', 'Embedding', { embedding_dim: 4, padding_idx: 0 }],
      ['mgu', 'MGU', { hidden_size: 3, bidirectional: true }], ['peep', 'LSTM', { hidden_size: 4, peephole: true }], ['paper', 'GRU', { hidden_size: 3, update_gate: 'paper' }],
      ['head', 'Dense', { units: 3 }], ['lsm', 'LogSoftmax', {}], ['tags', 'Output', { labels: ['A', 'B', 'C'] }],
    ],
    edges: [['in.tokens', 'emb.tokens'], ['emb.output', 'mgu.input'], ['mgu.output', 'peep.input'], ['peep.output', 'paper.input'], ['paper.output', 'head.input'], ['head.output', 'lsm.input'], ['lsm.output', 'tags.value']],
    training: { losses: [{ loss: 'NLLLoss', output: 'tags' }], optimizer: { type: 'Adam', lr: 0.05 }, batch_size: 3, seed: 13 },
    csv: 'sentence,tags\n' + rows(24, 8, (r) => { const ws = word(r, 1, 6).split(''); return `${ws.join(' ')},${ws.map((c) => 'ABC'[c.charCodeAt(0) % 3]).join(' ')}`; }).join('\n'),
    spec: { source: { file: 'tags.csv' }, inputs: { in: 'sentence' }, targets: { tags: 'tags' }, split: { validation: 0.1, test: 0.1, seed: 8 } },
  },
  {
    name: 'char language model, truncated BPTT',
    nodes: [['text', 'Input', { vocab: ['<pad>', '<unk>', ' ', ...LETTERS] }], ['emb', 'Embedding', { embedding_dim: 4 }], ['lstm', 'LSTM', { hidden_size: 5, num_layers: 2 }], ['head', 'Dense', { units: 11 }], ['next', 'Output', {}]],
    edges: [['text.tokens', 'emb.tokens'], ['emb.output', 'lstm.input'], ['lstm.output', 'head.input'], ['head.output', 'next.value']],
    training: { losses: [{ loss: 'CrossEntropyLoss', output: 'next' }], optimizer: { type: 'SGD', lr: 0.5 }, clip_grad_norm: { max_norm: 2 }, bptt_steps: 5, batch_size: 4, seed: 3 },
    // windows of 12 characters (and the one after): chunks of 5, 5 and 2 steps, the state carried
    csv: rows(40, 5, (r) => word(r, 1, 6)).join(' '),
    spec: { source: { file: 'text.txt', text: { window: 12 } }, inputs: { text: 'text' }, targets: { next: { next_of: 'text', end: 'continue' } }, split: { validation: 0.1, test: 0.1, seed: 7 } },
    parse: { text: { mode: 'windows', window: 12 } },
  },
];

const root = tempDir('train');
const seqgraph = new Map<string, { loss: number; updates: number }[]>();
type Logged = { step: number; epoch: number; batch: number; loss: number; lr: number };
let report: Record<string, { steps?: Logged[]; resumed?: Logged[]; no_data?: string; error?: string }> = {};
const trained = new Map<string, Map<string, Float32Array>>();
const folder = (c: Case) => path.join(root, c.name);

beforeAll(() => {
  for (const c of CASES) {
    // the graph file's training section with its data mapping (training.data), as seqgraph reads it
    const doc = docOf(graphDoc(c.nodes, c.edges, { seed: 9, training: { ...c.training, data: c.spec } }));
    const program = compile(doc).program!;
    const data = prepareData(program, parseTable(c.csv, { file: (c.spec.source as { file: string }).file, ...c.parse }), doc.training!.data!);
    writeExport(doc, folder(c), { data });
    if (c.resume) writeFileSync(path.join(folder(c), 'resume.json'), JSON.stringify({ stops: c.resume }));
    if (c.parity === false) continue;
    // seqgraph's trainer on the same batches: each epoch's seeded order, the schedule's epoch step between epochs
    const settings = doc.training!;
    const trainer = createTrainer(program, settings);
    const losses: { loss: number; updates: number }[] = [];
    for (let epoch = 0; trainer.stepCount < STEPS; epoch++) {
      for (const batch of epochBatches(data, 'train', { batchSize: settings.batch_size, shuffle: true, seed: settings.seed, epoch })) {
        const r = trainer.step(batch); // with truncated BPTT: the mean over the batch's chunks, one update each
        losses.push({ loss: r.loss, updates: r.updates });
        if (trainer.stepCount >= STEPS) break;
      }
      if (trainer.stepCount < STEPS) trainer.endEpoch();
    }
    seqgraph.set(c.name, losses);
    // the weights after the last step, by their state_dict names, as train.py's weights.safetensors holds them
    const names = new Map(doc.nodes.map((n) => [n.id, n.name]));
    trained.set(c.name, new Map(Object.entries(program.weightRefs).map(([ir, w]) => [`${names.get(w.node)}.${w.name}`, Float32Array.from(program.initializers[ir].data)])));
  }
  if (hasPyTorch() || REQUIRE_PYTORCH) report = runPythonJSON('pytorch_train_check.py', ['--steps', String(STEPS), ...CASES.map(folder)]);
}, 180_000);

describe('train.py trains as seqgraph trains', () => {
  pytorchTest().each(CASES.filter((c) => c.parity !== false).map((c) => c.name))('%s: the same loss at each of 20 steps (1e-4 relative)', (name) => {
    const c = CASES.find((x) => x.name === name)!;
    const mine = seqgraph.get(name)!;
    expect(report[folder(c)]?.error).toBeUndefined();
    const steps = report[folder(c)]?.steps ?? [];
    expect(steps.length).toBe(STEPS);
    // train.py logs each optimiser step; seqgraph's step(batch) gives the mean over a batch's chunks
    const byBatch = new Map<string, number[]>();
    for (const r of steps) byBatch.set(`${r.epoch}/${r.batch}`, [...(byBatch.get(`${r.epoch}/${r.batch}`) ?? []), r.loss]);
    const theirs = [...byBatch.values()];
    let k = 0; // batches train.py finished (the last may be cut by --steps)
    while (k < mine.length && theirs[k]?.length === mine[k].updates) k++;
    const compared = mine.slice(0, k);
    expect(k).toBeGreaterThanOrEqual(Math.floor(STEPS / Math.max(...mine.map((m) => m.updates))));
    let worst = 0;
    compared.forEach((m, i) => {
      const t = theirs[i].reduce((a, b) => a + b, 0) / theirs[i].length;
      worst = Math.max(worst, Math.abs(m.loss - t) / Math.max(Math.abs(m.loss), 1e-8));
    });
    console.log(`${name}: losses ${mine[0].loss.toFixed(5)} → ${mine[compared.length - 1].loss.toFixed(5)} over ${compared.length} batches, worst relative difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect(mine[compared.length - 1].loss).not.toBe(mine[0].loss); // it trained
  });
});

describe('train.py --resume continues as if never stopped', () => {
  pytorchTest().each(CASES.filter((c) => c.resume).map((c) => c.name))('%s', (name) => {
    const c = CASES.find((x) => x.name === name)!;
    const r = report[folder(c)];
    expect(r?.error).toBeUndefined();
    const whole = r!.steps!.slice(0, c.resume!.at(-1));
    const resumed = r!.resumed ?? [];
    // every step once (a resumed run neither repeats nor skips a batch), with the same loss and lr
    expect(resumed.map((x) => x.step)).toEqual(whole.map((x) => x.step));
    resumed.forEach((x, i) => {
      expect(Math.abs(x.loss - whole[i].loss), `step ${x.step}`).toBeLessThanOrEqual(1e-6 * Math.abs(whole[i].loss));
      expect(x.lr, `step ${x.step}`).toBeCloseTo(whole[i].lr, 12);
      expect(x.epoch, `step ${x.step}`).toBe(whole[i].epoch);
    });
  });
});

pytorchTest()('train.py without data says what to do, not a stack trace', () => {
  expect(report[folder(CASES[0])]?.no_data).toMatch(/empty: no data\.json beside it or in it: export the graph with its data \(seqgraph export graph\.json --format pytorch --data \.\.\.\)/);
});

describe('the weights train.py writes come back into seqgraph by name', () => {
  // every weight under the graph's own name (nothing to map), equal to seqgraph's own after the same
  // 20 steps; truncated BPTT is left out: seqgraph's trainer steps whole batches (21 updates there)
  pytorchTest().each(CASES.filter((c) => c.parity !== false && !c.training.bptt_steps).map((c) => c.name))('%s', (name) => {
    const c = CASES.find((x) => x.name === name)!;
    const mine = trained.get(name)!;
    const theirs = readSafetensors(readFileSync(path.join(folder(c), 'runs/weights.safetensors')), 'weights.safetensors').tensors;
    expect(theirs.map((t) => t.name).sort()).toEqual([...mine.keys()].sort());
    let worst = 0;
    for (const t of theirs) t.data!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - mine.get(t.name)![i]))));
    console.log(`${name}: weights after ${STEPS} steps differ by at most ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});
