// Every recurrent node param, from the graph file through compile → lowering → execute, against
// PyTorch run by tests/python/recurrent_params.py: nonlinearity, activation, recurrent_activation,
// linear_before_reset, bias, bidirectional with every merge_mode, num_layers, initial state, and
// ragged token batches (packed sequences). The ONNX parity tests read the same IR as the runtime,
// so they cannot see a param that the node's lowering drops or forces; these tests can.
import { expect } from 'vitest';
import { describeEachBackend } from '../helpers/backends';
import { execute } from '../../src/runtime/execute';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { expectClose, type FixTensor } from '../helpers/fixtures';
import { graphDoc, programOf, type NodeSpec } from '../helpers/graph';
import { hasPyTorch, pytorchTest, runPythonJSON } from '../helpers/pytorch';

interface Case {
  name: string;
  cell: 'RNN' | 'LSTM' | 'GRU';
  I: number;
  H: number;
  L: number;
  bidirectional: boolean;
  merge_mode?: 'concat' | 'sum' | 'mul' | 'ave';
  bias: boolean;
  nonlinearity?: 'tanh' | 'relu';
  activation?: 'tanh' | 'relu';
  recurrent_activation?: 'sigmoid' | 'hard_sigmoid';
  linear_before_reset?: boolean;
  initial: boolean;
  B: number;
  T: number;
  /** a ragged token batch (through an Embedding), padded at the end with id 0 */
  lengths?: number[];
  vocab?: number;
  seed: number;
}

interface Ref {
  weights: Record<string, FixTensor>;
  x?: FixTensor;
  tokens?: FixTensor;
  embedding?: FixTensor;
  h0?: FixTensor;
  c0?: FixTensor;
  output: FixTensor;
  h_n: FixTensor;
  c_n?: FixTensor;
  last: FixTensor;
  source: string;
}

const base = { I: 3, H: 4, L: 1, bidirectional: false, bias: true, initial: false, B: 3, T: 5 };
const CASES: Case[] = [
  { ...base, name: 'RNN tanh', cell: 'RNN', nonlinearity: 'tanh', seed: 1 },
  { ...base, name: 'RNN relu, 2 layers, bidirectional concat, initial state', cell: 'RNN', nonlinearity: 'relu', L: 2, bidirectional: true, merge_mode: 'concat', initial: true, seed: 2 },
  { ...base, name: 'RNN without bias, bidirectional sum', cell: 'RNN', bias: false, bidirectional: true, merge_mode: 'sum', seed: 3 },
  { ...base, name: 'LSTM, initial h and c', cell: 'LSTM', initial: true, seed: 4 },
  { ...base, name: 'LSTM 2 layers, bidirectional mul, no bias', cell: 'LSTM', L: 2, bidirectional: true, merge_mode: 'mul', bias: false, seed: 5 },
  { ...base, name: 'LSTM relu + hard_sigmoid, bidirectional ave, initial state', cell: 'LSTM', activation: 'relu', recurrent_activation: 'hard_sigmoid', bidirectional: true, merge_mode: 'ave', initial: true, seed: 6 },
  { ...base, name: 'LSTM hard_sigmoid gates, 2 layers', cell: 'LSTM', recurrent_activation: 'hard_sigmoid', L: 2, seed: 7 },
  { ...base, name: 'GRU bidirectional concat, initial state', cell: 'GRU', bidirectional: true, merge_mode: 'concat', initial: true, seed: 8 },
  { ...base, name: 'GRU linear_before_reset off, 2 layers, initial state', cell: 'GRU', linear_before_reset: false, L: 2, initial: true, seed: 9 },
  { ...base, name: 'GRU linear_before_reset off + hard_sigmoid + relu, bidirectional sum', cell: 'GRU', linear_before_reset: false, recurrent_activation: 'hard_sigmoid', activation: 'relu', bidirectional: true, merge_mode: 'sum', seed: 10 },
  { ...base, name: 'GRU relu candidate, no bias, bidirectional mul', cell: 'GRU', activation: 'relu', bias: false, bidirectional: true, merge_mode: 'mul', seed: 11 },
  { ...base, name: 'GRU ragged tokens, linear_before_reset off, bidirectional ave', cell: 'GRU', linear_before_reset: false, bidirectional: true, merge_mode: 'ave', lengths: [5, 2, 4], vocab: 9, seed: 12 },
  { ...base, name: 'LSTM ragged tokens, 2 layers, bidirectional concat, initial state', cell: 'LSTM', L: 2, bidirectional: true, initial: true, lengths: [3, 5, 1], vocab: 9, seed: 13 },
  { ...base, name: 'RNN relu ragged tokens', cell: 'RNN', nonlinearity: 'relu', lengths: [2, 5, 4], vocab: 9, seed: 14 },
];

/** the params a graph file states for the case's node */
function nodeParams(c: Case): Record<string, unknown> {
  const p: Record<string, unknown> = { hidden_size: c.H, num_layers: c.L, bidirectional: c.bidirectional, bias: c.bias };
  if (c.bidirectional) p.merge_mode = c.merge_mode ?? 'concat';
  if (c.cell === 'RNN') p.nonlinearity = c.nonlinearity ?? 'tanh';
  else {
    p.activation = c.activation ?? 'tanh';
    p.recurrent_activation = c.recurrent_activation ?? 'sigmoid';
  }
  if (c.cell === 'GRU') p.linear_before_reset = c.linear_before_reset ?? true;
  return p;
}

function graphFor(c: Case, ref: Ref) {
  const D = c.bidirectional ? 2 : 1;
  const nodes: NodeSpec[] = [['rec', c.cell, nodeParams(c)], ['output', 'Output'], ['state', 'Output'], ['last', 'Output']];
  const edges: [string, string][] = [['rec.output', 'output.value'], ['rec.state', 'state.value'], ['rec.last', 'last.value']];
  const weights: Record<string, Record<string, FixTensor>> = { rec: ref.weights };
  if (c.lengths) {
    const vocab = ['<pad>', '<unk>', '<s>', '</s>', ...Array.from({ length: c.vocab! - 4 }, (_, i) => `t${i}`)];
    nodes.push(['x', 'Input', { kind: 'tokens', vocab, tokenizer: 'words' }], ['emb', 'Embedding', { embedding_dim: c.I, padding_idx: 0 }]);
    edges.push(['x.tokens', 'emb.tokens'], ['emb.output', 'rec.input']);
    weights.emb = { weight: ref.embedding! };
  } else {
    nodes.push(['x', 'Input', { kind: 'sequence', features: c.I }]);
    edges.push(['x.sequence', 'rec.input']);
  }
  if (c.initial) {
    nodes.push(['h0', 'Input', { kind: 'state', layers: c.L * D, features: c.H, cell: c.cell === 'LSTM' }]);
    edges.push(['h0.state', 'rec.initial_state']);
  }
  return graphDoc(nodes, edges, { weights });
}

const t = (x: FixTensor) => floatTensor(x.shape, x.data);

// one Python run for every case (PyTorch takes seconds to start)
const refs = hasPyTorch() ? runPythonJSON<Record<string, Ref>>('recurrent_params.py', [], { cases: CASES }) : {};

describeEachBackend('recurrent node params against PyTorch, from the graph file to the outputs', () => {  for (const c of CASES) {
    pytorchTest()(c.name, () => {
      const ref = refs[c.name];
      const program = programOf(graphFor(c, ref));
      const feeds: Record<string, Tensor> = { x: c.lengths ? intTensor(ref.tokens!.shape, ref.tokens!.data) : t(ref.x!) };
      if (ref.h0) feeds.h0 = t(ref.h0);
      if (ref.c0) feeds.h0_c = t(ref.c0);
      const out = execute(program, feeds).outputs;
      const what = `${c.name} (${ref.source})`;
      expectClose(`${what}: output`, out.output.data, ref.output.data, 1e-5);
      expect(out.output.shape).toEqual(ref.output.shape);
      expectClose(`${what}: h_n`, out.state.data, ref.h_n.data, 1e-5);
      if (ref.c_n) expectClose(`${what}: c_n`, out.state_c.data, ref.c_n.data, 1e-5);
      expectClose(`${what}: last`, out.last.data, ref.last.data, 1e-5);
    });
  }
});
