// The trace a person reads in the inspector: every gate at every timestep, against PyTorch
// (gates.json), recorded through the compiler and executor rather than the bare kernel.
import { describe, it, expect } from 'vitest';
import { loadFixture, expectClose, type FixTensor } from '../helpers/fixtures';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { floatTensor } from '../../src/runtime/tensor';
import { describeEachBackend } from '../helpers/backends';

interface GateCase {
  weights: Record<string, FixTensor>;
  x: FixTensor;
  steps: Record<string, FixTensor>[];
}
const fx = loadFixture<{ lstm: GateCase; gru: GateCase }>('pytorch/gates.json');

function graph(type: 'LSTM' | 'GRU', c: GateCase) {
  const H = c.weights.weight_hh_l0.shape[1];
  const I = c.x.shape[2];
  return {
    format: 'seqgraph', version: 1, name: `gates-${type}`,
    nodes: [
      { id: 'x', type: 'Input', name: 'x', position: { x: 0, y: 0 }, params: { kind: 'sequence', features: I } },
      { id: 'cell', type, name: 'cell', position: { x: 200, y: 0 }, params: { hidden_size: H } },
      { id: 'out', type: 'Output', name: 'y', position: { x: 400, y: 0 }, params: {} },
    ],
    edges: [
      { id: 'a', source: { node: 'x', port: 'sequence' }, target: { node: 'cell', port: 'input' } },
      { id: 'b', source: { node: 'cell', port: 'output' }, target: { node: 'out', port: 'value' } },
    ],
    weights: { cell: c.weights },
  };
}

describeEachBackend('trace matches gates.json at every timestep', () => {
  for (const [type, c, names] of [
    ['LSTM', fx.lstm, ['i', 'f', 'g', 'o', 'c', 'h']],
    ['GRU', fx.gru, ['r', 'z', 'n', 'h']],
  ] as const) {
    it(type, () => {
      const doc = checkGraph(graph(type, c));
      if (!doc.ok) throw new Error(JSON.stringify(doc.diagnostics));
      const { program } = compile(doc.doc);
      const { trace } = execute(program!, { x: floatTensor(c.x.shape, c.x.data) }, { trace: true });
      const node = trace!.nodes[0];
      expect(node.name).toBe('cell');
      expect(node.layers).toHaveLength(1);
      const layer = node.layers[0];
      const [B, T] = c.x.shape;
      const H = node.hidden_size;
      let worst = 0;
      c.steps.forEach((step, t) => {
        for (const g of names) {
          const src = g === 'h' ? layer.h : g === 'c' ? layer.c! : layer.gates[g];
          const got = new Float32Array(B * H);
          for (let b = 0; b < B; b++) got.set(src.subarray((b * T + t) * H, (b * T + t + 1) * H), b * H);
          worst = Math.max(worst, expectClose(`${type} ${g} at t=${t}`, got, step[g].data, 1e-5));
        }
      });
      expect(worst).toBeLessThan(1e-5);
    });
  }
});
