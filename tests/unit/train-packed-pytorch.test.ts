// Ragged batches train as PyTorch's packed sequences: nn.Embedding(padding_idx=0) → nn.RNN / LSTM /
// GRU (stacked, bidirectional) over pack_padded_sequence, gradients of every weight and of the
// initial states computed by PyTorch itself (tests/python/packed_grads.py), against the graph
// file → compiler → forwardTrain → backward path, within 1e-5.
import { describe, expect } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { backward, forwardTrain } from '../../src/runtime/train';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { expectClose, type FixTensor } from '../helpers/fixtures';
import { pytorchTest, runPythonJSON } from '../helpers/pytorch';

interface Case { name: string; cell: 'RNN' | 'LSTM' | 'GRU'; nonlinearity?: string; V: number; I: number; H: number; layers: number; bidirectional: boolean; tokens: number[][]; seed: number }
interface Result { name: string; weights: Record<string, FixTensor>; h0: FixTensor; c0?: FixTensor; R_output: FixTensor; R_h_n: FixTensor; R_c_n?: FixTensor; loss: number; grad: Record<string, FixTensor> }

const rng = new Rng(77);
const CASES: Case[] = [];
for (const [cell, nonlinearity] of [['RNN', 'tanh'], ['RNN', 'relu'], ['LSTM'], ['GRU']] as const) {
  for (const [layers, bidirectional] of [[1, false], [2, true]] as const) {
    const T = 6, V = 7;
    // ragged rows, one of full length (so the padded output keeps T steps), padding at the end
    const lengths = [T, 1 + Math.floor(rng.next() * T), 1 + Math.floor(rng.next() * T), 1 + Math.floor(rng.next() * (T - 1))];
    const tokens = lengths.map((L) => Array.from({ length: T }, (_, t) => (t < L ? 1 + Math.floor(rng.next() * (V - 1)) : 0)));
    CASES.push({ name: `${cell}${nonlinearity ? ` ${nonlinearity}` : ''} ×${layers}${bidirectional ? ' bi' : ''} lengths ${lengths}`, cell, nonlinearity, V, I: 3, H: 4, layers, bidirectional, tokens, seed: CASES.length + 1 });
  }
}

function graphOf(c: Case, r: Result) {
  const at = { x: 0, y: 0 };
  const w = (prefix: string) => Object.fromEntries(Object.entries(r.weights).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const params: Record<string, unknown> = { hidden_size: c.H, num_layers: c.layers, bidirectional: c.bidirectional };
  if (c.nonlinearity) params.nonlinearity = c.nonlinearity;
  const D = c.bidirectional ? 2 : 1;
  return {
    format: 'seqgraph', version: 2, name: c.name, samples: [], weights: { emb: w('emb.'), rnn: w('rnn.') },
    nodes: [
      { id: 'in', type: 'Input', name: 'tokens', position: at, params: { kind: 'tokens', vocab: ['<pad>', '<unk>', ...Array.from({ length: c.V - 2 }, (_, i) => `s${i}`)] } },
      { id: 'h0', type: 'Input', name: 'h0', position: at, params: { kind: 'state', layers: c.layers * D, features: c.H, cell: c.cell === 'LSTM' } },
      { id: 'emb', type: 'Embedding', name: 'emb', position: at, params: { embedding_dim: c.I, padding_idx: 0 } },
      { id: 'rnn', type: c.cell, name: 'rnn', position: at, params },
      { id: 'out', type: 'Output', name: 'output', position: at, params: {} },
      { id: 'hn', type: 'Output', name: 'h_n', position: at, params: {} },
    ],
    edges: [
      ['in', 'tokens', 'emb', 'tokens'], ['emb', 'output', 'rnn', 'input'], ['h0', 'state', 'rnn', 'initial_state'],
      ['rnn', 'output', 'out', 'value'], ['rnn', 'state', 'hn', 'value'],
    ].map(([s, sp, t, tp], i) => ({ id: `e${i}`, source: { node: s, port: sp }, target: { node: t, port: tp } })),
  };
}

describe('ragged batches: gradients as PyTorch packed sequences (PyTorch run here)', () => {
  pytorchTest()('every weight and initial state, 8 configurations', () => {
    const results = runPythonJSON<Result[]>('packed_grads.py', [], CASES);
    CASES.forEach((c, k) => {
      const r = results[k];
      const loaded = checkGraph(graphOf(c, r));
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
      const program = compile(loaded.doc).program!;
      const feeds: Record<string, Tensor> = { tokens: intTensor([c.tokens.length, c.tokens[0].length], c.tokens.flat()), h0: floatTensor(r.h0.shape, r.h0.data) };
      if (r.c0) feeds.h0_c = floatTensor(r.c0.shape, r.c0.data);
      const f = forwardTrain(program, feeds, { seed: 0 });
      const out = (name: string) => program.outputs.find((o) => o.name === name)!.value;
      const seeds = new Map<string, Float32Array>([[out('output'), Float32Array.from(r.R_output.data)], [out('h_n'), Float32Array.from(r.R_h_n.data)]]);
      if (r.R_c_n) seeds.set(out('h_n_c'), Float32Array.from(r.R_c_n.data));
      let loss = 0;
      for (const [n, s] of seeds) f.values.get(n)!.data.forEach((v, i) => (loss += v * s[i]));
      expect(Math.abs(loss - r.loss), `${c.name}: loss`).toBeLessThan(1e-4);
      const g = backward(f.tape, seeds);
      const byName = new Map([...g.grads].map(([ir, v]) => [`${program.weightRefs[ir].node}.${program.weightRefs[ir].name}`, v]));
      for (const [name, want] of Object.entries(r.grad)) {
        const got = name === 'h0' ? g.inputGrads.get(program.inputs.find((i) => i.name === 'h0')!.value) : name === 'c0' ? g.inputGrads.get(program.inputs.find((i) => i.name === 'h0_c')!.value) : byName.get(name);
        expectClose(`${c.name}: d ${name}`, got!, want.data, 1e-5);
      }
    });
  }, 300_000); // starting PyTorch takes seconds on an idle machine, a minute or more on a busy one
});
