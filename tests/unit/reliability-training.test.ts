// The `training` section (losses, optimiser, schedule, clipping, data mapping) is held to the same
// rules as the rest of the file: a "__proto__" key anywhere in it, or a key the format does not
// know, is an error with its path — never dropped — while every valid form (defaults, a column
// name for {column}) still loads. And user names that collide with Object's members train like
// any other name: data mapping, batches, losses and metrics keyed by them.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseGraphText, checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { TrainingSchema } from '../../src/doc/training';
import { createTrainer } from '../../src/train';
import { epochBatches, parseTable, prepareData, DataError } from '../../src/data/index';
import type { Diagnostic } from '../../src/doc/diagnostics';
import { own } from '../../src/doc/dict';

const read = (f: string) => readFileSync(f, 'utf8');
const show = (ds: Diagnostic[]) => ds.map((d) => `${d.path}: ${d.message}`).join('\n');

/** the seq2seq example (it has a training section) with a data mapping added */
function seq2seq(): any {
  const g = JSON.parse(read('tests/fixtures/graphs/seq2seq-teacher-forcing.json'));
  g.training.data = {
    source: { file: 'pairs.csv', format: 'csv' },
    inputs: { src: 'source', tgt: { column: 'target', vocab: 'data', max_length: 40 } },
    targets: { logp: { same_as: 'tgt' } },
    split: { validation: 0.2, test: 0, seed: 3 },
  };
  return g;
}

function problems(text: string): Diagnostic[] {
  const r = parseGraphText(text);
  return r.ok ? [] : r.diagnostics.filter((d) => d.severity === 'error');
}

/** JSON text with a "__proto__" key spliced in before `marker` (JSON.stringify can't write one) */
function withProto(doc: unknown, marker: string, value = '{"x":1}'): string {
  const text = JSON.stringify(doc);
  expect(text).toContain(marker);
  return text.replace(marker, `"__proto__":${value},${marker}`);
}

describe('the training section and its data mapping load as written', () => {
  it('a valid section with shorthand forms and defaults loads, nothing reported', () => {
    const r = parseGraphText(JSON.stringify(seq2seq()));
    expect(r.ok ? '' : show(r.diagnostics)).toBe('');
    if (!r.ok) return;
    expect(r.doc.training?.data?.inputs.src).toMatchObject({ column: 'source' });
    expect(r.doc.training?.optimizer).toMatchObject({ type: 'Adam', lr: 0.01 });
  });
});

describe('"__proto__" keys in the training section are errors, with their path', () => {
  const cases: [string, string, RegExp][] = [
    ['the section itself', '"losses"', /^training\.__proto__$/],
    ['a loss', '"loss":"NLLLoss"', /^training\.losses\[0\]\.__proto__$/],
    ['the optimiser', '"type":"Adam"', /^training\.optimizer\.__proto__$/],
    ['the data mapping', '"source":{"file"', /^training\.data\.__proto__$/],
    ['the data source', '"file":"pairs.csv"', /^training\.data\.source\.__proto__$/],
    ['as an input name in data.inputs', '"src":"source"', /^training\.data\.inputs\.__proto__$/],
    ['as an output name in data.targets', '"logp":{"same_as"', /^training\.data\.targets\.__proto__$/],
    ['a token input mapping', '"column":"target"', /^training\.data\.inputs\.tgt\.__proto__$/],
    ['the split', '"validation":0.2', /^training\.data\.split\.__proto__$/],
  ];
  for (const [name, marker, path] of cases) {
    it(name, () => {
      const ds = problems(withProto(seq2seq(), marker, marker.startsWith('"src"') ? '"source"' : '{"x":1}'));
      expect(ds.some((d) => path.test(d.path ?? '') && /__proto__/.test(d.message)), show(ds)).toBe(true);
    });
  }
});

describe('unknown keys in the training section are errors that name the key and where it is', () => {
  const cases: [string, (g: any) => void, RegExp, RegExp][] = [
    ['a typo at the top ("epoch")', (g) => (g.training.epoch = 5), /^training/, /"epoch"/],
    ['in a loss ("ignore_idx")', (g) => (g.training.losses[0].ignore_idx = 0), /^training\.losses\[0\]/, /ignore_idx/],
    ['in the optimiser ("learning_rate")', (g) => (g.training.optimizer.learning_rate = 0.1), /^training\.optimizer/, /learning_rate/],
    ['in a schedule', (g) => (g.training.schedule = { type: 'StepLR', step_size: 2, gama: 0.5 }), /^training\.schedule/, /gama/],
    ['in clipping', (g) => (g.training.clip_grad_norm = { max_norm: 1, norm: 2 }), /^training\.clip_grad_norm/, /norm/],
    ['in data ("sourse")', (g) => (g.training.data.sourse = g.training.data.source), /^training\.data/, /sourse/],
    ['in a data source', (g) => (g.training.data.source.headers = false), /^training\.data\.source/, /./],
    ['in a token input mapping ("vocabb")', (g) => (g.training.data.inputs.tgt.vocabb = 'graph'), /^training\.data\.inputs\.tgt/, /./],
    ['in a target mapping', (g) => (g.training.data.targets.logp.end = 'eos'), /^training\.data\.targets\.logp/, /./],
    ['in the split ("seeed")', (g) => (g.training.data.split.seeed = 2), /^training\.data\.split/, /seeed/],
  ];
  for (const [name, edit, path, message] of cases) {
    it(name, () => {
      const g = seq2seq();
      edit(g);
      const ds = problems(JSON.stringify(g));
      expect(ds.length, 'the file was accepted').toBeGreaterThan(0);
      expect(ds.some((d) => path.test(d.path ?? '') && message.test(d.message)), show(ds)).toBe(true);
    });
  }
});

describe('names that collide with Object members train like any other name', () => {
  /** the name classifier on two classes, its Input named `inp`, its Output `out` */
  function classifier(inp: string, out: string) {
    const raw = JSON.parse(read('tests/fixtures/graphs/name-classifier.json'));
    for (const n of raw.nodes) {
      if (n.type === 'Input') n.name = inp;
      if (n.type === 'Output') {
        n.name = out;
        n.params.labels = ['f', 'm'];
      }
      if (n.type === 'Dense') n.params.units = 2;
    }
    delete raw.weights;
    raw.samples = [];
    const r = checkGraph(raw);
    if (!r.ok) throw new Error(show(r.diagnostics));
    return compile(r.doc).program!;
  }
  const rows = ['name,gender', ...['anna,f', 'bob,m', 'carla,f', 'dmitri,m', 'eva,f', 'frank,m', 'greta,f', 'hans,m']];
  const table = parseTable(rows.join('\n'), { file: 'names.csv' });

  it('an Input named "constructor" and an Output named "toString": mapped, batched, a finite loss per output', () => {
    const program = classifier('constructor', 'toString');
    const data = prepareData(program, table, { source: { file: 'names.csv' }, inputs: { constructor: 'name' }, targets: { toString: 'gender' }, split: { validation: 0, test: 0, seed: 1 } });
    const [batch] = epochBatches(data, 'train', { batchSize: 4, seed: 1 });
    expect(Object.hasOwn(batch.feeds, 'constructor') && Object.hasOwn(batch.targets, 'toString')).toBe(true);
    const settings = TrainingSchema.parse({ losses: [{ loss: 'CrossEntropyLoss', output: 'toString' }], optimizer: { type: 'SGD', lr: 0.1 } });
    const r = createTrainer(program, settings).step(batch);
    expect(Number.isFinite(r.loss)).toBe(true);
    const m = createTrainer(program, settings).evaluate([batch]);
    expect(Object.keys(m.outputs)).toEqual(['toString']);
    expect(Number.isFinite(own(m.outputs, 'toString')!.loss)).toBe(true);
  });

  it('an Input named "constructor" left out of the mapping is said as such (not read as Object\'s constructor)', () => {
    const program = classifier('constructor', 'probs');
    let err: unknown;
    try {
      prepareData(program, table, { source: { file: 'names.csv' }, inputs: {}, targets: { probs: 'gender' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect(String((err as Error).message)).toMatch(/input "constructor" has no mapping/);
  });
});
