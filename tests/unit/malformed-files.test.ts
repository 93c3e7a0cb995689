// A dozen broken files: each must be refused with an error that names the problem and where
// it is — never a crash, never a half-loaded graph.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseGraphText } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { Diagnostic } from '../../src/doc/diagnostics';

const base = () => JSON.parse(readFileSync('tests/fixtures/graphs/name-classifier.json', 'utf8'));

/** load + compile; every problem the user would be shown */
function problems(text: string): Diagnostic[] {
  const r = parseGraphText(text);
  if (!r.ok) return r.diagnostics;
  return compile(r.doc).diagnostics.filter((d) => d.severity === 'error');
}

const cases: { name: string; make: () => string; expect: RegExp; path?: RegExp }[] = [
  { name: 'bad JSON', make: () => '{ "format": "seqgraph", "version": 1,, }', expect: /not valid JSON at line 1, column \d+/ },
  { name: 'not a graph at all', make: () => '[1, 2, 3]', expect: /expected object/ },
  { name: 'wrong format name', make: () => JSON.stringify({ ...base(), format: 'keras' }), expect: /must be "seqgraph"/, path: /^format$/ },
  { name: 'future version', make: () => JSON.stringify({ ...base(), version: 99 }), expect: /format version 99, newer than this seqgraph reads \(up to 2\)/, path: /^version$/ },
  {
    name: 'unknown node type',
    make: () => { const g = base(); g.nodes[2].type = 'Transformer'; return JSON.stringify(g); },
    expect: /unknown node type "Transformer" \(known: Input, Embedding/, path: /^nodes\[2\]\.type$/,
  },
  {
    name: 'edge to a missing node',
    make: () => { const g = base(); g.edges[1].target.node = 'nope'; return JSON.stringify(g); },
    expect: /edge e2: no node with id "nope"/, path: /^edges\[1\]\.target\.node$/,
  },
  {
    name: 'edge to a missing port',
    make: () => { const g = base(); g.edges[1].target.port = 'inputs'; return JSON.stringify(g); },
    expect: /encoder \(GRU\) has no input port "inputs" \(it has: input, initial_state\)/, path: /^edges\[1\]\.target\.port$/,
  },
  {
    name: 'wrong edge (Tokens into a GRU)',
    make: () => { const g = base(); g.edges[1].source = { node: 'in', port: 'tokens' }; return JSON.stringify(g); },
    expect: /encoder\.input takes Sequence; got Tokens \[B, T\] \(put an Embedding between them\)/,
  },
  {
    name: 'missing required param',
    make: () => { const g = base(); delete g.nodes[2].params.hidden_size; return JSON.stringify(g); },
    expect: /encoder \(GRU\): hidden_size is required/, path: /^nodes\[2\]\.params\.hidden_size$/,
  },
  {
    name: 'param out of range',
    make: () => { const g = base(); g.nodes[2].params.num_layers = 0; return JSON.stringify(g); },
    expect: /num_layers must be at least 1/, path: /^nodes\[2\]\.params\.num_layers$/,
  },
  {
    name: 'param not in the enum',
    make: () => { const g = base(); g.nodes[2].params.merge_mode = 'max'; return JSON.stringify(g); },
    expect: /merge_mode must be one of concat, sum, mul, ave/,
  },
  {
    name: 'unknown param (typo)',
    make: () => { const g = base(); g.nodes[2].params.hidden = 3; return JSON.stringify(g); },
    expect: /GRU has no param "hidden"/,
  },
  {
    name: 'wrong weight shape',
    make: () => { const g = base(); g.weights = { emb: { weight: { shape: [5, 16], data: new Array(80).fill(0) } } }; return JSON.stringify(g); },
    expect: /embed\.weight has shape \[5, 16\] in the file, but Embedding with these params and inputs needs \[33, 16\]/, path: /^weights\.emb\.weight$/,
  },
  {
    name: 'weight data does not fill its shape',
    make: () => { const g = base(); g.weights = { emb: { weight: { shape: [33, 16], data: [1, 2, 3] } } }; return JSON.stringify(g); },
    expect: /embed\.weight: has 3 values but its shape \[33, 16\] needs 528/,
  },
  {
    name: 'unknown weight name',
    make: () => { const g = base(); g.weights = { gru: { weight_ih_l9: { shape: [1], data: [0] } } }; return JSON.stringify(g); },
    expect: /encoder \(GRU\) has no weight "weight_ih_l9"/,
  },
  {
    name: 'duplicate node ids',
    make: () => { const g = base(); g.nodes[3].id = g.nodes[2].id; return JSON.stringify(g); },
    expect: /duplicate node id "gru"/, path: /^nodes\[3\]\.id$/,
  },
  {
    name: 'two edges into one input',
    make: () => { const g = base(); g.edges.push({ id: 'e9', source: { node: 'emb', port: 'output' }, target: { node: 'gru', port: 'input' } }); return JSON.stringify(g); },
    expect: /input gru\.input is already fed by edge e2/,
  },
  {
    name: 'vocabulary without <pad>',
    make: () => { const g = base(); g.nodes[0].params.vocab = g.nodes[0].params.vocab.filter((s: string) => s !== '<pad>'); return JSON.stringify(g); },
    expect: /name \(pad_token\): "<pad>" is not in the vocabulary, but padding is on: add it, name another symbol, or turn padding off \(then every id is a real token\)/,
  },
  {
    name: 'sample for an input that does not exist',
    make: () => { const g = base(); g.samples[0].inputs = { nom: 'x' }; return JSON.stringify(g); },
    expect: /sample "one name" feeds "nom", which is not the name of an Input node \(inputs: name\)/,
  },
  {
    name: 'labels that do not match the classes',
    make: () => { const g = base(); g.nodes[6].params.labels = ['a', 'b']; return JSON.stringify(g); },
    expect: /probs \(labels\): has 2 names but the value has 8 classes/,
  },
];

describe('malformed graph files', () => {
  for (const c of cases) {
    it(c.name, () => {
      const ps = problems(c.make());
      expect(ps.length, 'at least one problem').toBeGreaterThan(0);
      const hit = ps.find((p) => c.expect.test(p.message));
      expect(hit, `a problem matching ${c.expect}; got:\n${ps.map((p) => `${p.path}: ${p.message}`).join('\n')}`).toBeTruthy();
      if (c.path) expect(hit!.path).toMatch(c.path);
    });
  }

  it('lists every problem at once, not just the first', () => {
    const g = base();
    g.nodes[2].params.num_layers = 0;
    g.nodes[4].type = 'Nope';
    g.edges[0].source.node = 'ghost';
    const ps = problems(JSON.stringify(g));
    expect(ps.length).toBeGreaterThanOrEqual(3);
  });
});
