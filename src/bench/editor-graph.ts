// A large graph laid out as an editor would show it, for the editor's size bench and e2e test:
// `lanes` parallel models side by side, each Input(sequence) -> LSTM or GRU -> a chain of
// Dense / Activation / Dropout -> Output, one lane per row of the canvas. Every node is valid,
// so the compiler's analysis does all its work (shapes and weights for every node).
import type { GraphDoc } from '../doc/schema';

export function editorGraph(n: number, lanes = Math.max(1, Math.round(n / 100))): GraphDoc {
  const nodes: GraphDoc['nodes'] = [];
  const edges: GraphDoc['edges'] = [];
  const perLane = Math.max(4, Math.floor(n / lanes));
  const link = (a: string, ap: string, b: string, bp: string) => edges.push({ id: `e${edges.length}`, source: { node: a, port: ap }, target: { node: b, port: bp } });
  for (let l = 0; l < lanes && nodes.length < n; l++) {
    const y = l * 170;
    const count = l === lanes - 1 ? n - nodes.length : Math.min(perLane, n - nodes.length);
    const at = (i: number) => ({ x: i * 240, y });
    nodes.push({ id: `in${l}`, type: 'Input', name: `x${l}`, position: at(0), params: { kind: 'sequence', features: 8 } });
    const cell = l % 2 ? 'GRU' : 'LSTM';
    nodes.push({ id: `rnn${l}`, type: cell, name: `rnn${l}`, position: at(1), params: { hidden_size: 16 } });
    link(`in${l}`, 'sequence', `rnn${l}`, 'input');
    let prev = `rnn${l}`;
    for (let i = 2; i < count - 1; i++) {
      const id = `n${l}_${i}`;
      const kind = i % 3;
      const type = kind === 0 ? 'Dense' : kind === 1 ? 'Activation' : 'Dropout';
      const params = kind === 0 ? { units: 16 } : kind === 1 ? { fn: 'tanh' } : { p: 0.1 };
      nodes.push({ id, type, name: id, position: at(i), params });
      link(prev, 'output', id, 'input');
      prev = id;
    }
    nodes.push({ id: `out${l}`, type: 'Output', name: `y${l}`, position: at(count - 1), params: {} });
    link(prev, 'output', `out${l}`, 'value');
  }
  return { format: 'seqgraph', version: 2, name: `editor-${n}`, seed: 1, nodes, edges, samples: [] };
}
