// Compiler passes: ordering, every problem reported at once with node/port/param, shapes for
// every edge, deterministic fresh weights.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { GraphDoc } from '../../src/doc/schema';

const load = (file: string): GraphDoc => {
  const r = checkGraph(JSON.parse(readFileSync(file, 'utf8')));
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.doc;
};
const n = (id: string, type: string, params: Record<string, unknown> = {}) => ({ id, type, name: id, position: { x: 0, y: 0 }, params });
const e = (id: string, s: string, sp: string, t: string, tp: string) => ({ id, source: { node: s, port: sp }, target: { node: t, port: tp } });
function doc(nodes: ReturnType<typeof n>[], edges: ReturnType<typeof e>[]): GraphDoc {
  const r = checkGraph({ format: 'seqgraph', version: 1, name: 't', nodes, edges });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.doc;
}

describe('compiler', () => {
  it('gives every edge of the name classifier a printable shape', () => {
    const r = compile(load('tests/fixtures/graphs/name-classifier.json'), { lower: false });
    const shapes = Object.fromEntries(Object.entries(r.edgeShapes).map(([k, s]) => [k, `${s.type} [${s.shape.join(', ')}]`]));
    expect(shapes).toEqual({
      e1: 'Tokens [B, T]',
      e2: 'Sequence [B, T, 16]',
      e3: 'Sequence [B, T, 64]',
      e4: 'Vector [B, 64]',
      e5: 'Vector [B, 8]',
      e6: 'Vector [B, 8]',
    });
  });

  it('follows params: merge_mode sum halves the width, stacking keeps it', () => {
    const d = load('tests/fixtures/graphs/name-classifier.json');
    delete d.weights; // the trained weights fit the file's params, not these
    d.nodes.find((x) => x.id === 'gru')!.params.merge_mode = 'sum';
    d.nodes.find((x) => x.id === 'gru')!.params.num_layers = 3;
    const r = compile(d);
    expect(r.edgeShapes.e3.shape).toEqual(['B', 'T', 32]);
    expect(r.weights.gru.weight_ih_l1.shape).toEqual([96, 64]); // layer 2 reads both directions concatenated, as PyTorch
    expect(r.program).toBeTruthy();
  });

  const problemGraph = (fed: boolean) =>
    doc(
      [
        n('in', 'Input', { kind: 'sequence', features: 4 }),
        n('a', 'Dense', { units: 4 }),
        n('b', 'Dense', { units: 4 }),
        n('lstm', 'LSTM', { hidden_size: 8 }),
        n('gru', 'GRU', { hidden_size: 8 }),
        n('emb', 'Embedding', { embedding_dim: 4, num_embeddings: 10, padding_idx: 12 }),
        n('tok', 'Input', { kind: 'tokens' }),
        n('lonely', 'Dense', { units: 3 }),
        n('out', 'Output'),
        ...(fed ? ['a', 'lstm', 'gru', 'emb'].map((x) => n(`out_${x}`, 'Output')) : []),
      ],
      [
        e('e1', 'a', 'output', 'b', 'input'),
        e('e2', 'b', 'output', 'a', 'input'),
        e('e3', 'in', 'sequence', 'out', 'value'),
        e('e4', 'tok', 'tokens', 'lstm', 'input'),
        e('e5', 'tok', 'tokens', 'emb', 'tokens'),
        ...(fed ? ['a', 'lstm', 'gru', 'emb'].map((x) => e(`f_${x}`, x, 'output', `out_${x}`, 'value')) : []),
      ],
    );
  const messages = (r: ReturnType<typeof compile>) => r.diagnostics.map((x) => `${x.severity} ${x.node ?? '-'} ${x.port ?? '-'} ${x.message}`);

  it('reports a cycle, a missing input, a type mismatch, a dangling node and a param error all at once', () => {
    const r = compile(problemGraph(true));
    const msgs = messages(r);
    const has = (re: RegExp) => expect(msgs.some((m) => re.test(m)), `${re}\n${msgs.join('\n')}`).toBe(true);
    has(/^error a - a is part of a cycle: a → b → a/);
    has(/^error lstm input lstm\.input takes Sequence; got Tokens \[B, T_tok\] \(put an Embedding between them\)/);
    has(/^error gru input gru\.input is not connected/);
    has(/^error emb - emb \(padding_idx\): 12 is not below num_embeddings \(10\)/);
    has(/^warning lonely - lonely does not lead to any Output/);
    expect(r.program).toBeNull();
  });

  it('a stray node (one that leads to no Output) warns, with its own problems, and the rest still compiles', () => {
    const r = compile(problemGraph(false));
    const msgs = messages(r);
    const has = (re: RegExp) => expect(msgs.some((m) => re.test(m)), `${re}\n${msgs.join('\n')}`).toBe(true);
    has(/^warning a - a is part of a cycle: a → b → a/);
    has(/^warning lstm input lstm\.input takes Sequence; got Tokens/);
    has(/^warning gru input gru\.input is not connected/);
    has(/^warning gru - gru does not lead to any Output, so it does not run/);
    has(/^warning emb - emb \(padding_idx\): 12 is not below num_embeddings \(10\)/);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // only the connected part runs: one input, one output
    expect(r.program!.inputs.map((i) => i.name)).toEqual(['in']);
    expect(r.program!.outputs.map((o) => o.name)).toEqual(['out']);
  });

  it('an Output with nothing connected is no output of the model while another one is; alone it is an error', () => {
    const two = doc([n('in', 'Input', { kind: 'vector', features: 2 }), n('out', 'Output'), n('spare', 'Output')], [e('e1', 'in', 'vector', 'out', 'value')]);
    const r = compile(two);
    expect(messages(r)).toContain('warning spare value spare.value is not connected (Sequence or Vector or Tokens or State needed: the result to return)');
    expect(messages(r)).toContain('warning spare - spare has nothing connected, so it is not an output of the model');
    expect(r.program!.outputs.map((o) => o.name)).toEqual(['out']);
    const none = doc([n('in', 'Input', { kind: 'vector', features: 2 }), n('out', 'Output')], []);
    expect(compile(none).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([
      'out.value is not connected (Sequence or Vector or Tokens or State needed: the result to return)',
    ]);
  });

  it('initialises missing weights the same way every time, and differently per seed', () => {
    const d = load('tests/fixtures/graphs/pos-tagger.json');
    const a = compile(d).weights.lstm.weight_ih_l0.data;
    const b = compile(d).weights.lstm.weight_ih_l0.data;
    expect(Array.from(a)).toEqual(Array.from(b));
    const bound = 1 / Math.sqrt(48);
    expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(bound);
    const c = compile({ ...d, seed: 12 }).weights.lstm.weight_ih_l0.data;
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const emb = compile(d).weights.emb.weight;
    expect(Array.from(emb.data.subarray(0, 24)).every((v) => v === 0)).toBe(true); // padding_idx row
  });

  it('gives each of several inputs its own time axis (a source and a target may differ in length)', () => {
    const d = doc(
      [
        n('src', 'Input', { kind: 'tokens' }),
        n('tgt', 'Input', { kind: 'tokens' }),
        n('enc', 'Embedding', { embedding_dim: 4 }),
        n('dec', 'Embedding', { embedding_dim: 4 }),
        n('o1', 'Output'),
        n('o2', 'Output'),
      ],
      [e('a', 'src', 'tokens', 'enc', 'tokens'), e('b', 'tgt', 'tokens', 'dec', 'tokens'), e('c', 'enc', 'output', 'o1', 'value'), e('d', 'dec', 'output', 'o2', 'value')],
    );
    const r = compile(d);
    expect(r.edgeShapes.c.shape).toEqual(['B', 'T_src', 4]);
    expect(r.edgeShapes.d.shape).toEqual(['B', 'T_tgt', 4]);
    expect(r.program!.inputs.map((i) => i.shape)).toEqual([['B', 'T_src'], ['B', 'T_tgt']]);
    // one input keeps the plain T
    expect(compile(load('tests/fixtures/graphs/name-classifier.json'), { lower: false }).edgeShapes.e1.shape).toEqual(['B', 'T']);
  });

  it('every example graph compiles to a verified program', () => {
    for (const f of ['tests/fixtures/graphs/name-classifier', 'tests/fixtures/graphs/pos-tagger', 'tests/fixtures/graphs/time-series-regressor', 'tests/fixtures/graphs/vector-to-sequence', 'tests/fixtures/graphs/sentiment-pooled']) {
      const r = compile(load(`${f}.json`));
      expect(r.diagnostics.filter((x) => x.severity === 'error'), f).toEqual([]);
      expect(r.program, f).toBeTruthy();
    }
  });
});
