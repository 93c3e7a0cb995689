// The runtime on whole graphs: ragged batches behave as packed sequences, bad inputs and
// non-finite values are errors that name the input or node and the position.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute, RunError } from '../../src/runtime/execute';
import { encodeBatch } from '../../src/runtime/tokenize';
import { floatTensor, intTensor } from '../../src/runtime/tensor';
import { expectClose } from '../helpers/fixtures';
import type { TokenInputInfo } from '../../src/ir/program';
import { describeEachBackend } from '../helpers/backends';

const program = (file: string, edit?: (g: any) => void) => {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  edit?.(raw);
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const c = compile(r.doc);
  if (!c.program) throw new Error(JSON.stringify(c.diagnostics));
  return c.program;
};

describeEachBackend('ragged batches (padding mask)', () => {
  for (const file of ['tests/fixtures/graphs/name-classifier.json', 'tests/fixtures/graphs/pos-tagger.json', 'tests/fixtures/graphs/sentiment-pooled.json']) {
    it(`${file}: each row of a padded batch equals that row run alone`, () => {
      const p = program(file);
      const info = p.inputs[0].info as TokenInputInfo;
      const texts = info.tokenizer === 'chars' ? ['Al', 'Nakamura', 'Rossi'] : ['the cat', 'the old man sails the boat', 'she saw a dog'];
      const batch = execute(p, { [p.inputs[0].name]: encodeBatch(texts, info) }, { trace: true });
      const out = batch.outputs[p.outputs[0].name];
      const per = out.data.length / texts.length;
      texts.forEach((t, b) => {
        const single = execute(p, { [p.inputs[0].name]: encodeBatch([t], info) }, { trace: true });
        const s = single.outputs[p.outputs[0].name];
        // a sequence output of the batch is longer (padded); compare the real steps, then check zeros
        const got = out.data.subarray(b * per, b * per + s.data.length);
        expectClose(`${file} row ${b}`, got, s.data, 1e-6);
        expect(Array.from(out.data.subarray(b * per + s.data.length, (b + 1) * per)).every((v) => v === 0)).toBe(true);
        // the trace of the batch row equals the trace of the row alone, and is 0 past its length
        const nb = batch.trace!.nodes[0];
        const ns = single.trace!.nodes[0];
        expect(nb.lengths[b]).toBe(ns.steps);
        expect(nb.tokens![b]).toEqual(ns.tokens![0]);
        const H = nb.hidden_size;
        nb.layers.forEach((l, k) => {
          const rowStart = b * nb.steps * H;
          expectClose(`${file} row ${b} trace h`, l.h.subarray(rowStart, rowStart + ns.steps * H), ns.layers[k].h, 1e-6);
          expect(Array.from(l.h.subarray(rowStart + ns.steps * H, rowStart + nb.steps * H)).every((v) => v === 0)).toBe(true);
        });
      });
    });
  }
});

describeEachBackend('run-time errors name what and where', () => {
  const p = program('tests/fixtures/graphs/name-classifier.json');
  const run = (feeds: Record<string, ReturnType<typeof intTensor>>) => {
    try {
      execute(p, feeds);
    } catch (e) {
      expect(e).toBeInstanceOf(RunError);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };
  it('token id out of range', () => {
    expect(run({ name: intTensor([1, 3], [5, 40, 6]) })).toBe('input "name": token id 40 at [0, 1] is out of range (the vocabulary has 33 symbols, ids 0..32)');
  });
  it('wrong rank', () => {
    expect(run({ name: intTensor([3], [5, 6, 7]) })).toMatch(/input "name" must have shape \[B, T\], got \[3\]/);
  });
  it('float where ids belong', () => {
    expect(run({ name: floatTensor([1, 2], [1, 2]) as never })).toMatch(/input "name" must be int64, got float32/);
  });
  it('missing and unknown inputs', () => {
    expect(run({})).toMatch(/input "name" is missing/);
    expect(run({ name: intTensor([1, 1], [5]), nom: intTensor([1, 1], [5]) })).toMatch(/there is no input "nom" \(inputs: name\)/);
  });
  it('padding in the middle of a row', () => {
    expect(run({ name: intTensor([1, 3], [5, 0, 6]) })).toBe(
      'input "name": row 0 has the padding symbol <pad> (id 0) at step 1 before a real token at step 2: padding must be at the end of a row (if id 0 is a real token here, turn the input\'s padding off)',
    );
  });
  it('an empty row', () => {
    expect(run({ name: intTensor([2, 2], [5, 6, 0, 0]) })).toBe('input "name": row 1 is all padding (<pad>, id 0): give every row at least one token');
  });
  it('NaN in a float input', () => {
    const q = program('tests/fixtures/graphs/time-series-regressor.json');
    const x = floatTensor([1, 2, 3], [0, 1, 2, 3, NaN, 5]);
    expect(() => execute(q, { series: x })).toThrow('input "series" has NaN at [0, 1, 1]');
  });
  it('Inf produced inside a node names the node and the position', () => {
    const g = {
      format: 'seqgraph', version: 1, name: 'overflow',
      nodes: [
        { id: 'x', type: 'Input', name: 'x', position: { x: 0, y: 0 }, params: { kind: 'vector', features: 2 } },
        { id: 'd', type: 'Dense', name: 'boom', position: { x: 0, y: 0 }, params: { units: 2 } },
        { id: 'o', type: 'Output', name: 'y', position: { x: 0, y: 0 }, params: {} },
      ],
      edges: [
        { id: 'a', source: { node: 'x', port: 'vector' }, target: { node: 'd', port: 'input' } },
        { id: 'b', source: { node: 'd', port: 'output' }, target: { node: 'o', port: 'value' } },
      ],
      weights: { d: { weight: { shape: [2, 2], data: [1, 0, 0, 3e38] }, bias: { shape: [2], data: [0, 0] } } },
    };
    const r = checkGraph(g);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const q = compile(r.doc).program!;
    expect(() => execute(q, { x: floatTensor([1, 2], [1, 10]) })).toThrow('node "boom" (Linear) produced Infinity at [0, 1] of its result');
  });
});
