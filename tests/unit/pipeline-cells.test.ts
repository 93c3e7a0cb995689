// The whole path a user's graph takes — file -> schema -> compiler -> IR -> runtime — on
// every case of PyTorch's cells.json, with the weights loaded by their PyTorch names.
import { describe, it, expect } from 'vitest';
import { loadFixture, expectClose, type FixTensor } from '../helpers/fixtures';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { floatTensor } from '../../src/runtime/tensor';
import { describeEachBackend } from '../helpers/backends';

interface Case {
  name: string;
  kind: string;
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  weights: Record<string, FixTensor>;
  x: FixTensor;
  h0: FixTensor;
  c0?: FixTensor;
  output: FixTensor;
  h_n: FixTensor;
  c_n?: FixTensor;
  output_zero_state: FixTensor;
}

const cells = loadFixture<{ cases: Case[] }>('pytorch/cells.json').cases;

function graphFor(c: Case, withState: boolean) {
  const type = c.kind.startsWith('rnn') ? 'RNN' : c.kind.toUpperCase();
  const D = c.bidirectional ? 2 : 1;
  const params: Record<string, unknown> = { hidden_size: c.hidden_size, num_layers: c.num_layers, bidirectional: c.bidirectional };
  if (type === 'RNN') params.nonlinearity = c.kind === 'rnn_relu' ? 'relu' : 'tanh';
  const nodes = [
    { id: 'x', type: 'Input', name: 'x', position: { x: 0, y: 0 }, params: { kind: 'sequence', features: c.input_size } },
    { id: 'rnn', type, name: 'rnn', position: { x: 200, y: 0 }, params },
    { id: 'out', type: 'Output', name: 'output', position: { x: 400, y: 0 }, params: {} },
    { id: 'hn', type: 'Output', name: 'h_n', position: { x: 400, y: 100 }, params: {} },
  ];
  const edges = [
    { id: 'e1', source: { node: 'x', port: 'sequence' }, target: { node: 'rnn', port: 'input' } },
    { id: 'e2', source: { node: 'rnn', port: 'output' }, target: { node: 'out', port: 'value' } },
    { id: 'e3', source: { node: 'rnn', port: 'state' }, target: { node: 'hn', port: 'value' } },
  ];
  if (withState) {
    nodes.push({ id: 'h0', type: 'Input', name: 'h0', position: { x: 0, y: 100 }, params: { kind: 'state', layers: c.num_layers * D, features: c.hidden_size, cell: type === 'LSTM' } as never });
    edges.push({ id: 'e4', source: { node: 'h0', port: 'state' }, target: { node: 'rnn', port: 'initial_state' } });
  }
  return { format: 'seqgraph', version: 2, name: c.name, nodes, edges, samples: [], weights: { rnn: c.weights } };
}

describeEachBackend('cells.json through the compiler and runtime (PyTorch weights by name)', () => {
  for (const c of cells) {
    it(c.name, () => {
      for (const withState of [true, false]) {
        const loaded = checkGraph(graphFor(c, withState));
        if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
        const r = compile(loaded.doc);
        expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const feeds: Record<string, ReturnType<typeof floatTensor>> = { x: floatTensor(c.x.shape, c.x.data) };
        if (withState) {
          feeds.h0 = floatTensor(c.h0.shape, c.h0.data);
          if (c.c0) feeds.h0_c = floatTensor(c.c0.shape, c.c0.data);
        }
        const { outputs } = execute(r.program!, feeds);
        if (withState) {
          expectClose(`${c.name} output`, outputs.output.data, c.output.data, 1e-5);
          expectClose(`${c.name} h_n`, outputs.h_n.data, c.h_n.data, 1e-5);
          if (c.c_n) expectClose(`${c.name} c_n`, outputs.h_n_c.data, c.c_n.data, 1e-5);
          expect(outputs.h_n.shape).toEqual(c.h_n.shape);
        } else {
          expectClose(`${c.name} output_zero_state`, outputs.output.data, c.output_zero_state.data, 1e-5);
        }
        expect(outputs.output.shape).toEqual(c.output.shape);
      }
    });
  }
});
