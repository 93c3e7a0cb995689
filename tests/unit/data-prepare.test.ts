// Data against graphs: splits (seeded, disjoint), vocabularies from the training split only,
// batches whose token tensors are exactly what sampleFeeds gives for the same texts, per-step
// targets that line up (tagger, seq2seq Decoder target, language model), the drop report, and
// length bucketing's padding bound.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { sampleFeeds } from '../../src/runtime/tokenize';
import type { GraphDoc } from '../../src/doc/schema';
import type { Program } from '../../src/ir/program';
import {
  applyToDoc, epochBatches, graphChanges, IGNORE_INDEX, loadBuiltin, makeBatch, paddingFraction, parseTable, prepareData,
  previewRows, suggestSpec, DataError, SPLITS, type PreparedData, type DataSpecInput, type Table,
} from '../../src/data/index';
import { cellText } from '../../src/data/table';

function doc(file: string, edit?: (g: any) => void): GraphDoc {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  edit?.(raw);
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.doc;
}
function programOf(d: GraphDoc): Program {
  const c = compile(d);
  if (!c.program) throw new Error(JSON.stringify(c.diagnostics));
  return c.program;
}
const node = (g: any, type: string) => g.nodes.find((n: any) => n.type === type);

/** The name classifier with two classes and no weights (so it compiles for female/male). */
const genderDoc = (labels: string[] = []) => doc('tests/fixtures/graphs/name-classifier.json', (g) => {
  node(g, 'Dense').params.units = 2;
  node(g, 'Output').params.labels = labels;
  delete g.weights;
});

/** Every batch's token feeds equal sampleFeeds on the rows' texts (as the Input reads them). */
function expectFeedsMatchRuntime(program: Program, data: PreparedData, split: 'train' | 'test', columns: Record<string, string>) {
  for (const b of epochBatches(data, split, { batchSize: 16, shuffle: true, seed: 3 }).slice(0, 6)) {
    const texts: Record<string, string[]> = {};
    for (const [input, column] of Object.entries(columns)) texts[input] = b.examples.map((e) => cellText(data.table.rows[e.row][column]));
    const want = sampleFeeds(program, texts);
    for (const input of Object.keys(columns)) {
      expect(b.feeds[input].dtype).toBe('int64');
      expect(b.feeds[input].shape).toEqual(want[input].shape);
      expect(Array.from(b.feeds[input].data)).toEqual(Array.from(want[input].data));
    }
  }
}

describe('names-gender on the name classifier (N→1)', async () => {
  const table = await loadBuiltin('names-gender');
  const d = genderDoc();
  const program = programOf(d);
  const spec = suggestSpec(program, table, { builtin: 'names-gender' });
  const data = prepareData(program, table, spec);

  it('splits every row once, by the seed: disjoint, complete, the same again, another with another seed', () => {
    const rows = SPLITS.map((s) => data.splits[s].map((e) => e.row));
    expect(rows.map((r) => r.length)).toEqual([6403, 800, 800]);
    const all = new Set(rows.flat());
    expect(all.size).toBe(table.rows.length); // disjoint and complete
    const again = prepareData(program, table, spec);
    expect(SPLITS.map((s) => again.splits[s].map((e) => e.row))).toEqual(rows);
    const other = prepareData(program, table, { ...spec, split: { ...spec.split, seed: 2 } });
    expect(other.splits.test.map((e) => e.row)).not.toEqual(rows[2]);
  });

  it('labels come from the data, targets are int64 class ids [B], the graph is told to adopt them', () => {
    expect(data.targets.probs.labels).toEqual(['female', 'male']);
    const b = makeBatch(data, data.splits.train.slice(0, 5));
    expect(b.targets.probs.dtype).toBe('int64');
    expect(b.targets.probs.shape).toEqual([5]);
    expect(Array.from(b.targets.probs.data)).toEqual(b.examples.map((e) => (table.rows[e.row].gender === 'female' ? 0 : 1)));
    expect(graphChanges(program, data)).toEqual([expect.objectContaining({ node: 'out', param: 'labels', value: ['female', 'male'] })]);
  });

  it('token feeds are exactly sampleFeeds\' tokenisation of the same names; the program runs on them', () => {
    expectFeedsMatchRuntime(program, data, 'train', { name: 'name' });
    const b = epochBatches(data, 'test', { batchSize: 8 })[0];
    const r = execute(program, b.feeds);
    expect(r.outputs.probs.shape).toEqual([8, 2]);
  });

  it('a graph whose labels don\'t fit is refused with the path and what to change', () => {
    const p8 = programOf(doc('tests/fixtures/graphs/name-classifier.json'));
    expect(() => prepareData(p8, table, { ...spec, targets: { probs: { column: 'gender', labels: 'data' } } })).toThrow(/targets.probs: "probs" scores 8 classes, the training split has 2 labels \(female, male\): give the layer before it 2 units/);
    const e = (() => { try { prepareData(p8, table, { ...spec, inputs: { nam: 'name' } as any }); } catch (x) { return x as DataError; } })()!;
    expect(e).toBeInstanceOf(DataError);
    expect(e.problems.map((p) => p.path)).toEqual(['inputs.nam', 'inputs.name']);
  });
});

describe('vocabulary from the training split', () => {
  // 300 reviews; each holds a word of its own, so a word of a validation/test row is in no training row
  const lines = ['text,label'];
  for (let i = 0; i < 300; i++) lines.push(`the film w${i} was ${i % 2 ? 'great fun' : 'boring'},${i % 2 ? 'positive' : 'negative'}`);
  const table = parseTable(lines.join('\n'), { file: 'reviews.csv' });
  const d0 = doc('tests/fixtures/graphs/sentiment-pooled.json');
  const p0 = programOf(d0);
  const spec: DataSpecInput = { source: { file: 'reviews.csv' }, inputs: { text: { column: 'text', vocab: 'data' } }, targets: { sentiment: 'label' } };
  const data = prepareData(p0, table, spec);

  it('holds every training word and no word only validation or test rows have', () => {
    const vocab = new Set(data.inputs.text.kind === 'tokens' ? data.inputs.text.info.vocab : []);
    const words = (split: 'train' | 'validation' | 'test') => data.splits[split].flatMap((e) => String(table.rows[e.row].text).toLowerCase().split(' '));
    for (const w of words('train')) expect(vocab.has(w), w).toBe(true);
    const heldOut = [...words('validation'), ...words('test')].filter((w) => /^w\d+$/.test(w));
    expect(heldOut.length).toBe(60);
    for (const w of heldOut) expect(vocab.has(w), w).toBe(false);
    expect([...vocab].slice(0, 4)).toEqual(['<pad>', '<unk>', '<s>', '</s>']);
  });

  it('the graph adopts it (applyToDoc) and then tokenises every split exactly as the batches do', () => {
    const p1 = programOf(applyToDoc(d0, graphChanges(p0, data)));
    expectFeedsMatchRuntime(p1, data, 'test', { text: 'text' }); // test rows: unknown words -> <unk> in both
  });
});

describe('a Decoder\'s target (seq2seq, cmudict-g2p)', async () => {
  const table = await loadBuiltin('cmudict-g2p');
  const d = doc('tests/fixtures/graphs/g2p-attention.json', (g) => {
    g.nodes.push({ id: 'tgt', type: 'Input', name: 'target', position: { x: 0, y: 300 }, params: { kind: 'tokens', tokenizer: 'words', add_eos: true, vocab: node(g, 'Decoder').params.vocab } });
    g.edges.push({ id: 'et', source: { node: 'tgt', port: 'tokens' }, target: { node: 'dec', port: 'target' } });
    g.samples = []; // its samples give no "target": a graph whose samples miss an input is an error (issue 16)
  });
  const program = programOf(d);
  const spec = suggestSpec(program, table, { builtin: 'cmudict-g2p' });
  const data = prepareData(program, table, { ...spec, max_rows: 3000 });

  it('is mapped to the phonemes, scored on logprobs, without <s>, ending with </s>, padding ignored', () => {
    expect(spec.inputs.target).toMatchObject({ column: 'phonemes' });
    expect(spec.targets).toEqual({ logprobs: { same_as: 'target' } });
    const b = makeBatch(data, data.splits.train.slice(0, 4));
    const vocab = (data.inputs.target as any).info.vocab as string[];
    const y = b.targets.logprobs;
    const M = b.feeds.target.shape[1];
    expect(y.shape).toEqual([4, M]);
    b.examples.forEach((e, i) => {
      const phon = String(table.rows[e.row].phonemes).split(' ');
      const row = Array.from(y.data.subarray(i * M, (i + 1) * M));
      expect(row.slice(0, phon.length + 1).map((k) => vocab[k])).toEqual([...phon, '</s>']);
      expect(row.slice(phon.length + 1).every((k) => k === IGNORE_INDEX)).toBe(true);
    });
    expectFeedsMatchRuntime(program, data, 'train', { word: 'word', target: 'phonemes' });
  });

  it('the forced Decoder steps exactly along the target: logprobs [B, M, V] for targets [B, M]', () => {
    const b = makeBatch(data, data.splits.test.slice(0, 6));
    const r = execute(program, b.feeds);
    expect(r.outputs.logprobs.shape).toEqual([...b.targets.logprobs.shape, 43]);
  });
});

describe('a tagger (cmudict-stress): one class per token, <s>/</s> and padding ignored', async () => {
  const table = await loadBuiltin('cmudict-stress');
  const d = doc('tests/fixtures/graphs/pos-tagger.json', (g) => {
    node(g, 'Dense').params.units = 4;
    node(g, 'Output').params.labels = [];
    node(g, 'Input').params.add_bos = true;
    delete g.weights;
  });
  const program = programOf(d);
  const spec = suggestSpec(program, table, { builtin: 'cmudict-stress' });
  const data = prepareData(program, table, { ...spec, max_rows: 2000, inputs: { words: { column: 'phonemes', vocab: 'data' } } });

  it('targets [B, T] line up with the fed tokens', () => {
    expect(data.targets.tags.labels).toEqual(['-', '0', '1', '2']);
    const b = makeBatch(data, data.splits.train.slice(0, 5));
    const T = b.feeds.words.shape[1];
    expect(b.targets.tags.shape).toEqual([5, T]);
    b.examples.forEach((e, i) => {
      const tags = String(table.rows[e.row].stress).split(' ');
      const row = Array.from(b.targets.tags.data.subarray(i * T, (i + 1) * T));
      expect(row[0]).toBe(IGNORE_INDEX); // <s>
      expect(row.slice(1, 1 + tags.length).map((k) => data.targets.tags.labels![k])).toEqual(tags);
      expect(row.slice(1 + tags.length).every((k) => k === IGNORE_INDEX)).toBe(true);
    });
    const p1 = programOf(applyToDoc(d, graphChanges(program, data)));
    expect(execute(p1, b.feeds).outputs.tags.shape).toEqual([5, T, 4]);
  });
});

/** Input (chars) -> Embedding -> LSTM -> Dense(V) -> Softmax -> Output: a character language model. */
function lmDoc(vocab: string[], addBos: boolean): GraphDoc {
  const n = (id: string, type: string, params: object) => ({ id, type, name: id, position: { x: 0, y: 0 }, params });
  const e = (a: string, ap: string, b: string, bp: string) => ({ id: `${a}-${b}`, source: { node: a, port: ap }, target: { node: b, port: bp } });
  const r = checkGraph({
    format: 'seqgraph', version: 2, name: 'lm',
    nodes: [n('text', 'Input', { kind: 'tokens', vocab, tokenizer: 'chars', lowercase: true, add_bos: addBos }), n('emb', 'Embedding', { embedding_dim: 8 }), n('lstm', 'LSTM', { hidden_size: 8 }), n('dense', 'Dense', { units: vocab.length }), n('sm', 'Softmax', {}), n('next', 'Output', {})],
    edges: [e('text', 'tokens', 'emb', 'tokens'), e('emb', 'output', 'lstm', 'input'), e('lstm', 'output', 'dense', 'input'), e('dense', 'output', 'sm', 'input'), e('sm', 'output', 'next', 'value')],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.doc;
}

describe('a language model: the next token at every step', () => {
  it('names (end = eos): fed <s> n a m e, scored on n a m e </s>', async () => {
    const table = await loadBuiltin('names');
    const chars = [...new Set(table.rows.flatMap((r) => Array.from(String(r.name).toLowerCase())))].sort();
    const program = programOf(lmDoc(['<pad>', '<unk>', '<s>', '</s>', ...chars], true));
    const spec = suggestSpec(program, table, { builtin: 'names' });
    expect(spec.targets).toEqual({ next: { next_of: 'text', end: 'eos' } });
    const data = prepareData(program, table, { ...spec, max_rows: 500 });
    const b = makeBatch(data, data.splits.train.slice(0, 3));
    const T = b.feeds.text.shape[1];
    const v = program.inputs[0].info.kind === 'tokens' ? program.inputs[0].info.vocab : [];
    b.examples.forEach((e, i) => {
      const name = Array.from(String(table.rows[e.row].name).toLowerCase());
      const x = Array.from(b.feeds.text.data.subarray(i * T, (i + 1) * T)).map((k) => v[k]);
      const y = Array.from(b.targets.next.data.subarray(i * T, (i + 1) * T)).map((k) => (k === IGNORE_INDEX ? '·' : v[k]));
      expect(x.slice(0, name.length + 1)).toEqual(['<s>', ...name]);
      expect(y.slice(0, name.length + 1)).toEqual([...name, '</s>']);
      expect(y.slice(name.length + 1).every((s) => s === '·')).toBe(true);
    });
  });

  it('plain text windows (end = continue): fed the window, scored on the window shifted by one', () => {
    const table = parseTable('hello world, hello there', { file: 'c.txt', text: { window: 5, stride: 5 } });
    const program = programOf(lmDoc(['<pad>', '<unk>', '<s>', '</s>', ...'hel owrd,t'], false));
    const spec = suggestSpec(program, table, { file: 'c.txt' });
    expect(spec.targets).toEqual({ next: { next_of: 'text', end: 'continue' } });
    const data = prepareData(program, table, { ...spec, split: { validation: 0, test: 0, seed: 1 } });
    const ex = data.splits.train.find((e) => e.row === 0)!;
    const v = (program.inputs[0].info as any).vocab as string[];
    expect(Array.from(ex.feeds.text, (k) => v[k]).join('')).toBe('hello');
    expect(Array.from(ex.targets.next, (k) => v[k]).join('')).toBe('ello ');
  });
});

describe('the drop report names file, row and column for each kind', () => {
  const csv = 'name,gender\nanna,female\n,female\nbartholomew-maximilian,male\nzoë,female\nbob,robot\nbob,\ncarl,male\n';
  const table = parseTable(csv, { file: 'people.csv' });
  const program = programOf(genderDoc(['female', 'male']));
  const data = prepareData(program, table, {
    source: { file: 'people.csv' },
    inputs: { name: { column: 'name', max_length: 12, unknown: 'drop' } },
    targets: { probs: { column: 'gender', labels: 'output' } },
    split: { validation: 0, test: 0, seed: 1 },
  });
  it('counts every reason with its rows', () => {
    const kinds = Object.fromEntries(Object.entries(data.report.dropped).map(([k, v]) => [k, v!.first.map((p) => [p.line, p.column])]));
    expect(kinds).toEqual({ empty: [[3, 'name'], [7, 'gender']], too_long: [[4, 'name']], unknown_symbol: [[5, 'name']] , unknown_label: [[6, 'gender']] });
    expect(data.report.kept).toBe(2);
    expect(data.report.dropped.unknown_label!.first[0].message).toBe('label "robot" is not one of the output\'s labels (female, male)');
    expect(data.report.dropped.unknown_symbol!.first[0].message).toBe('"ë" not in the vocabulary of "name"');
    expect(previewRows(data, 3).map((r) => r.dropped?.kind ?? r.inputs.name)).toEqual([['a', 'n', 'n', 'a'], 'empty', 'too_long']);
  });
});

describe('length bucketing (cmudict-g2p words, batches of 32)', async () => {
  const table = await loadBuiltin('cmudict-g2p');
  const program = programOf(doc('tests/fixtures/graphs/g2p-attention.json'));
  const data = prepareData(program, table, { source: { builtin: 'cmudict-g2p' }, inputs: { word: { column: 'word', max_length: 24 } }, max_rows: 20_000 });
  const epoch = (e: number, bucket = true) => epochBatches(data, 'train', { batchSize: 32, shuffle: true, seed: 7, epoch: e, bucket });

  it('keeps padding under 3% of the token positions (about 30% without it)', () => {
    const bucketed = paddingFraction(epoch(0), data);
    const plain = paddingFraction(epoch(0, false), data);
    expect(bucketed).toBeLessThan(0.03);
    expect(plain).toBeGreaterThan(0.2);
  });

  it('an epoch holds every training example once; epochs differ; the same (seed, epoch) repeats', () => {
    const rows = (bs: ReturnType<typeof epoch>) => bs.flatMap((b) => b.examples.map((e) => e.row));
    const e0 = rows(epoch(0));
    expect([...e0].sort((a, b) => a - b)).toEqual(data.splits.train.map((e) => e.row));
    expect(rows(epoch(0))).toEqual(e0);
    expect(rows(epoch(1))).not.toEqual(e0);
    expect(epoch(0).every((b) => b.size <= 32)).toBe(true);
  });
});
