// What `validate` must refuse that it used to accept (samples that `run` refuses, weights that
// are ignored, an empty decoder symbol), what a partial set of weights must do (create the rest,
// for every node type), and the size bound: a graph too big is refused with the limit and its
// figure, before anything is allocated.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseGraphText } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { MAX_PARAMETERS } from '../../src/compiler/budget';
import { NODE_TYPES } from '../../nodes/index';
import type { Diagnostic } from '../../src/doc/diagnostics';

const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const regressor = () => json('tests/fixtures/graphs/time-series-regressor.json');
const classifier = () => json('tests/fixtures/graphs/name-classifier.json');
const show = (ds: Diagnostic[]) => ds.map((d) => `${d.path}: ${d.message}`).join('\n');

/** every error `validate` reports (load, then compile as validate does) */
function errors(doc: unknown): Diagnostic[] {
  const r = parseGraphText(JSON.stringify(doc));
  if (!r.ok) return r.diagnostics.filter((d) => d.severity === 'error');
  return compile(r.doc, { initWeights: false }).diagnostics.filter((d) => d.severity === 'error');
}
function expectError(doc: unknown, message: RegExp, path?: RegExp) {
  const ps = errors(doc);
  const hit = ps.find((d) => message.test(d.message));
  expect(hit, `${message} in:\n${show(ps)}`).toBeTruthy();
  if (path) expect(hit!.path).toMatch(path);
}

describe('samples are checked against their inputs by validate', () => {
  it('numbers for a token input', () => {
    const g = classifier();
    g.samples[0].inputs.name = [1, 2, 3];
    expectError(g, /input "name" takes text/, /^samples\[0\]\.inputs\.name$/);
  });
  it('text for a float input', () => {
    const g = regressor();
    g.samples[0].inputs.series = 'hello';
    expectError(g, /input "series" takes numbers, got text/);
  });
  it('a missing input', () => {
    const g = regressor();
    g.samples[1].inputs = {};
    expectError(g, /sample "a batch of two": has no value for input "series"/, /^samples\[1\]\.inputs$/);
  });
  it('ragged rows, naming the row', () => {
    const g = regressor();
    g.samples[1].inputs.series[1].pop();
    expectError(g, /row \[1\] has 15 steps but row \[0\] has 16/);
  });
  it('a ragged step inside a row', () => {
    const g = regressor();
    g.samples[0].inputs.series[4] = [1, 2];
    expectError(g, /step \[0, 4\] has 2 features but step \[0, 0\] has 3/);
  });
  it('the wrong feature count', () => {
    const g = regressor();
    g.samples[0].inputs.series = g.samples[0].inputs.series.map((s: number[]) => s.slice(0, 2));
    expectError(g, /input "series" has 3 features per step; the sample has 2/);
  });
  it('zero rows, for float and token inputs', () => {
    const g = regressor();
    g.samples[0].inputs.series = [[]];
    expectError(g, /no steps|no rows|no features/);
    const c = classifier();
    c.samples[0].inputs.name = [];
    expectError(c, /the sample has no rows/);
  });
  it('a vector sample of the wrong size', () => {
    const g = json('tests/fixtures/graphs/vector-to-text-decoder.json');
    g.samples[0].inputs.code = [1, 2];
    expectError(g, /input "code" has 8 features per row; the sample has 2/);
  });
});

describe('weights the graph would ignore are errors', () => {
  it('weights for a node that has none', () => {
    const g = classifier();
    g.weights.soft = { weight: { shape: [1], data: [0] } };
    const node = g.nodes.find((n: { type: string }) => n.type === 'Softmax');
    g.weights[node.id] = g.weights.soft;
    delete g.weights.soft;
    expectError(g, /\(Softmax\) has no weights, but the file gives it weight/);
  });
  for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`a weight named ${name}`, () => {
      const g = classifier();
      g.weights.emb[name] = { shape: [1], data: [0] };
      expectError(g, new RegExp(`has no weight "${name}"`), new RegExp(`^weights\\.emb\\.${name}$`));
    });
  }
  it('an empty symbol in a Decoder vocabulary', () => {
    const g = json('tests/fixtures/graphs/vector-to-text-decoder.json');
    g.nodes[1].params.vocab.push('');
    expectError(g, /symbol \d+ is empty/);
  });
});

describe('a node with part of its weights creates the rest, for every node type', () => {
  it('Dense without its bias (the case that crashed)', () => {
    const g = regressor();
    const loaded = parseGraphText(JSON.stringify(g));
    if (!loaded.ok) throw new Error(show(loaded.diagnostics));
    const full = compile(loaded.doc);
    const w = full.weights.dense.weight;
    g.weights = { dense: { weight: { shape: w.shape, data: Array.from(w.data) } } };
    const r = parseGraphText(JSON.stringify(g));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const c = compile(r.doc);
    expect(c.program, show(c.diagnostics)).toBeTruthy();
    expect(c.weights.dense.bias.shape).toEqual([1]);
    expect(Array.from(c.weights.dense.bias.data), 'the bias a fresh graph has').toEqual(Array.from(full.weights.dense.bias.data));
    expect(Array.from(c.weights.dense.weight.data)).toEqual(Array.from(w.data));
    expect(c.diagnostics.some((d) => /lacks bias; they were initialised fresh/.test(d.message))).toBe(true);
  });
  it('every weight of every node in every example, dropped one at a time', () => {
    const files = ['tests/fixtures/graphs/name-classifier.json', 'tests/fixtures/graphs/pos-tagger.json', 'tests/fixtures/graphs/g2p-attention.json', 'tests/fixtures/graphs/time-series-regressor.json', 'tests/fixtures/graphs/vector-to-text-decoder.json', 'tests/fixtures/graphs/sentiment-pooled.json', 'tests/fixtures/graphs/vector-to-sequence.json'];
    // attention rules with weights and an RNN, which no example has
    const synthetic = ['general', 'additive', 'concat', 'multi_head'].map((score) => ({
      format: 'seqgraph', version: 2, name: `att-${score}`,
      nodes: [
        { id: 'in', type: 'Input', name: 'x', position: { x: 0, y: 0 }, params: { kind: 'sequence', features: 4 } },
        { id: 'rnn', type: 'RNN', name: 'rnn', position: { x: 0, y: 0 }, params: { hidden_size: 6 } },
        { id: 'att', type: 'Attention', name: 'att', position: { x: 0, y: 0 }, params: { score } },
        { id: 'out', type: 'Output', name: 'y', position: { x: 0, y: 0 }, params: {} },
      ],
      edges: [
        { id: 'e1', source: { node: 'in', port: 'sequence' }, target: { node: 'rnn', port: 'input' } },
        { id: 'e2', source: { node: 'rnn', port: 'output' }, target: { node: 'att', port: 'query' } },
        { id: 'e3', source: { node: 'rnn', port: 'output' }, target: { node: 'att', port: 'keys' } },
        { id: 'e4', source: { node: 'att', port: 'context' }, target: { node: 'out', port: 'value' } },
      ],
    }));
    // the minimal gated unit (cells), which no example has either
    const mgu = {
      format: 'seqgraph', version: 2, name: 'mgu',
      nodes: [
        { id: 'in', type: 'Input', name: 'x', position: { x: 0, y: 0 }, params: { kind: 'sequence', features: 4 } },
        { id: 'mgu', type: 'MGU', name: 'mgu', position: { x: 0, y: 0 }, params: { hidden_size: 6, num_layers: 2, bidirectional: true } },
        { id: 'out', type: 'Output', name: 'y', position: { x: 0, y: 0 }, params: {} },
      ],
      edges: [
        { id: 'e1', source: { node: 'in', port: 'sequence' }, target: { node: 'mgu', port: 'input' } },
        { id: 'e2', source: { node: 'mgu', port: 'output' }, target: { node: 'out', port: 'value' } },
      ],
    };
    const seen = new Set<string>();
    for (const f of [...files, ...synthetic, mgu]) {
      const g = typeof f === 'string' ? json(f) : f;
      delete g.weights;
      const r = parseGraphText(JSON.stringify(g));
      if (!r.ok) throw new Error(show(r.diagnostics));
      const full = compile(r.doc);
      for (const n of r.doc.nodes) {
        const ws = full.weights[n.id];
        if (!ws) continue;
        seen.add(n.type);
        for (const drop of Object.keys(ws)) {
          const given: Record<string, unknown> = {};
          for (const [k, t] of Object.entries(ws)) if (k !== drop) given[k] = { shape: t.shape, data: Array.from(t.data) };
          const c = compile({ ...r.doc, weights: { [n.id]: given as never } });
          expect(c.program, `${f} ${n.name} without ${drop}:\n${show(c.diagnostics)}`).toBeTruthy();
          expect(Array.from(c.weights[n.id][drop].data), `${f} ${n.name}.${drop} as a fresh graph has it`).toEqual(Array.from(ws[drop].data));
        }
      }
    }
    const withWeights = NODE_TYPES.filter((d) => d.weights).map((d) => d.type);
    expect(withWeights.filter((t) => !seen.has(t)), 'node types with weights that no case covers').toEqual([]);
  });
});

describe('size bounds: the limit and the graph\'s figure, before anything is allocated', () => {
  const lstm = (hidden: number, layers: number) => {
    const g = regressor();
    g.nodes[1] = { ...g.nodes[1], type: 'LSTM', params: { hidden_size: hidden, num_layers: layers } };
    delete g.weights;
    return g;
  };
  it('an LSTM 16,384 × 16 layers is refused at once with its size', () => {
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    expectError(lstm(16384, 16), new RegExp(`the graph needs 33,288,306,689 weights \\(124\\.0 GiB as float32\\), more than the ${MAX_PARAMETERS.toLocaleString('en-US')}`));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });
  it('an Embedding of 1e7 × 65,536 is refused, naming it', () => {
    const g = classifier();
    delete g.weights;
    g.nodes[1].params.num_embeddings = 10_000_000;
    g.nodes[1].params.embedding_dim = 65536;
    expectError(g, /largest: embed 655,360,000,000/);
  });
  it('validate allocates no weights it does not need (an LSTM of 60M weights)', () => {
    const g = lstm(2048, 2);
    const before = process.memoryUsage().arrayBuffers;
    const r = parseGraphText(JSON.stringify(g));
    if (!r.ok) throw new Error(show(r.diagnostics));
    const c = compile(r.doc, { initWeights: false });
    expect(c.program, show(c.diagnostics)).toBeTruthy();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });
});
