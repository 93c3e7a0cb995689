// `seqgraph train` and `seqgraph evaluate`, run as a user runs them: the real bin in a child
// process (train → graph file with weights, settings, the `trained` record; evaluate gives the
// stored test metric; Ctrl-C saves a checkpoint, exits 130, and --resume finishes the run), plus
// the errors a user meets, in-process (fast).
import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli';

let dir = '';
const at = (f: string) => path.join(dir, f);
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'seqgraph-train-'));
  // 160 short reviews whose label follows one word; a small pooled LSTM learns them in 2 epochs
  const lines = ['text,label'];
  const good = ['great', 'fun', 'lovely', 'superb'];
  const bad = ['boring', 'dull', 'awful', 'slow'];
  for (let i = 0; i < 160; i++) lines.push(`the film was ${(i % 2 ? bad : good)[(i >> 1) % 4]} and ${i % 3 ? 'long' : 'short'},${i % 2 ? 'negative' : 'positive'}`);
  writeFileSync(at('reviews.csv'), lines.join('\n') + '\n');
  const g = JSON.parse(readFileSync('tests/fixtures/graphs/sentiment-pooled.json', 'utf8'));
  for (const n of g.nodes) {
    if (n.type === 'Embedding') n.params.embedding_dim = 6;
    if (n.type === 'LSTM') n.params.hidden_size = 6;
  }
  g.training = { losses: [{ loss: 'CrossEntropyLoss', output: 'sentiment' }], optimizer: { type: 'Adam', lr: 0.02 }, batch_size: 16, epochs: 2, seed: 3 };
  writeFileSync(at('g.json'), JSON.stringify(g));
});
afterEach(() => vi.restoreAllMocks());

const bin = path.resolve('bin/seqgraph.js');
const run = (args: string[]) => spawnSync('node', [bin, ...args], { cwd: dir, encoding: 'utf8' });


describe('seqgraph train / evaluate (child process)', () => {
  it('trains, writes weights + settings + the trained record, logs JSON lines; evaluate gives the stored test metric', () => {
    const r = run(['train', 'g.json', '--data', 'reviews.csv', '--out', 't.json', '--log', 'm.jsonl', '--json']);
    expect(r.stderr).toMatch(/training on reviews.csv — 128 train \/ 16 validation \/ 16 test rows/);
    expect(r.status).toBe(0);
    // --json: every event on stdout as a JSON line (and the same in the --log file)
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(readFileSync(at('m.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual(events);
    expect(events[0].kind).toBe('start');
    expect(events.filter((e) => e.kind === 'step').length).toBe(2 * 8);
    expect(events.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([0, 1]);
    const saved = JSON.parse(readFileSync(at('t.json'), 'utf8'));
    expect(saved.version).toBe(2);
    expect(Object.keys(saved.weights).sort()).toEqual(['dense', 'emb', 'lstm']);
    expect(saved.training.data.source).toEqual({ file: 'reviews.csv', header: true, series: false });
    expect(saved.training.seed).toBe(3);
    expect(saved.trained).toMatchObject({ command: 'seqgraph train g.json --data reviews.csv --out t.json --log m.jsonl --json', seed: 3, epochs: 2, steps: 16, data: 'reviews.csv' });
    expect(saved.trained.test.metric).toBe('accuracy');
    expect(saved.trained.test.rows).toBe(16);
    expect(saved.trained.test.value).toBeGreaterThan(0.8);
    // the trained graph names its data: evaluate needs no --data
    const ev = run(['evaluate', 't.json', '--json']);
    expect(ev.status).toBe(0);
    const rep = JSON.parse(ev.stdout);
    expect(rep.metrics.metric.value).toBe(saved.trained.test.value);
    expect(rep.metrics.loss).toBe(saved.trained.test.loss);
    expect(rep.confusion.counts.flat().reduce((a: number, b: number) => a + b, 0)).toBe(16);
    const text = run(['evaluate', 't.json']);
    expect(text.stdout).toMatch(/^test: accuracy \d+\.\d\d% \(loss \d\.\d{4}\) over 16 rows\nconfusion \(rows: target, columns: prediction\)/);
  }, 120_000);

  it('Ctrl-C saves a checkpoint and exits 130; --resume finishes the same run', async () => {
    const child = spawn('node', [bin, 'train', 'g.json', '--data', 'reviews.csv', '--epochs', '50', '--out', 'i.json', '--json'], { cwd: dir });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => {
      let sent = false;
      child.stdout.on('data', (d) => {
        out += d;
        if (!sent && out.split('\n').filter((l) => l.includes('"kind":"step"')).length >= 3) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(err).toMatch(/interrupted: checkpoint saved to i\.checkpoint\.json; continue with: seqgraph train g\.json --resume i\.checkpoint\.json --out i\.json/);
    expect(err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(code).toBe(130);
    expect(existsSync(at('i.json'))).toBe(false);
    const ck = JSON.parse(readFileSync(at('i.checkpoint.json'), 'utf8'));
    expect(ck.format).toBe('seqgraph-train-checkpoint');
    const stepped = ck.session.trainer.step;
    expect(stepped).toBeGreaterThanOrEqual(3);
    const r = run(['train', 'g.json', '--resume', 'i.checkpoint.json', '--epochs', '2', '--out', 'i.json']);
    expect(r.stderr).toMatch(/resumed at epoch \d+, batch \d+/);
    expect(r.status).toBe(0);
    const saved = JSON.parse(readFileSync(at('i.json'), 'utf8'));
    expect(saved.trained.steps).toBe(16);
    expect(saved.trained.epochs).toBe(2);
  }, 120_000);
});

describe('seqgraph train: errors name what is wrong', () => {
  it('no data set, an unknown --map name, a bad --epochs, a missing data file', async () => {
    const noData = await cli('train', at('g.json').replace('g.json', 'g.json'));
    // g.json names no data set of its own
    expect(noData.code).toBe(1);
    expect(noData.err).toMatch(/names no data set \(training\.data\): pass --data </);
    const map = await cli('train', at('g.json'), '--data', at('reviews.csv'), '--map', 'words=text');
    expect(map.err).toMatch(/--map words=text: the graph has no input or output "words" \(inputs: text; outputs: sentiment\)/);
    const ep = await cli('train', at('g.json'), '--data', at('reviews.csv'), '--epochs', '0');
    expect(ep.err).toMatch(/--epochs must be a whole number ≥ 1 \(got "0"\)/);
    const missing = await cli('train', at('g.json'), '--data', at('nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.csv/);
    expect(missing.err).not.toMatch(/\n\s+at /);
    const col = await cli('train', at('g.json'), '--data', at('reviews.csv'), '--map', 'text=body');
    expect(col.err).toMatch(/has no column "body" \(columns: text, label\)/);
  }, 60_000);
});

describe('seqgraph generate', () => {
  it('draws names from the trained name generator: seeded, letters only, a refusal for a classifier', async () => {
    const a = await cli('generate', 'graphs/name-generator.json', '-n', '8', '--seed', '5', '-t', '0.8');
    expect(a.code).toBe(0);
    const names = a.out.trim().split('\n');
    expect(names.length).toBe(8);
    for (const n of names) expect(n).toMatch(/^[a-z'-]{1,30}$/);
    expect(new Set(names).size).toBeGreaterThan(4);
    expect((await cli('generate', 'graphs/name-generator.json', '-n', '8', '--seed', '5', '-t', '0.8')).out).toBe(a.out);
    expect((await cli('generate', 'graphs/name-generator.json', '-n', '8', '--seed', '6', '-t', '0.8')).out).not.toBe(a.out);
    const bad = await cli('generate', 'graphs/name-gender.json');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/sampling needs an Output of the next symbol at every step over "name"'s \d+ symbols/);
  }, 60_000);
});

