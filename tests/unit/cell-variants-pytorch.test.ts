// The cells PyTorch has no module for — the MGU node, the GRU's update_gate 'paper', the LSTM's
// peepholes — against PyTorch written out by hand (tests/python/cell_variants.py, float64 autograd;
// each hand-written cell is first checked against nn.GRU / nn.LSTM where they share the maths).
// From the graph file (params and weights by name) through compile → lowering → execute: outputs,
// final states, the last vector and every gate of every step in the trace; and through
// forwardTrain → backward: the gradient of every weight, of the input (or the embedding table)
// and of the initial state. Stacked, bidirectional with every merge mode, ragged token batches,
// initial states, both activations, both gate activations, with and without bias. Both backends.
import { expect } from 'vitest';
import { describeEachBackend } from '../helpers/backends';
import { execute } from '../../src/runtime/execute';
import { backward, forwardTrain } from '../../src/runtime/train';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import type { Program } from '../../src/ir/program';
import { expectClose, type FixTensor } from '../helpers/fixtures';
import { graphDoc, programOf, type NodeSpec } from '../helpers/graph';
import { hasPyTorch, pytorchTest, runPythonJSON } from '../helpers/pytorch';

export interface VariantCase {
  name: string;
  cell: 'MGU' | 'GRU' | 'LSTM';
  I: number; H: number; L: number;
  bidirectional: boolean;
  merge_mode?: 'concat' | 'sum' | 'mul' | 'ave';
  bias: boolean;
  activation?: 'tanh' | 'relu';
  recurrent_activation?: 'sigmoid' | 'hard_sigmoid';
  linear_before_reset?: boolean;
  update_gate?: 'pytorch' | 'paper';
  peephole?: boolean;
  initial: boolean;
  B: number; T: number;
  /** a ragged token batch through an Embedding(padding_idx 0), padded at the end */
  lengths?: number[];
  vocab?: number;
  seed: number;
}

interface Ref {
  weights: Record<string, FixTensor>;
  x?: FixTensor; tokens?: FixTensor; embedding?: FixTensor; h0?: FixTensor; c0?: FixTensor;
  output: FixTensor; h_n: FixTensor; c_n?: FixTensor; last: FixTensor;
  gates: Record<string, Record<string, FixTensor>>;
  seeds: Record<string, FixTensor>;
  grads: Record<string, FixTensor>;
  source: string;
}

const base = { I: 3, H: 4, L: 1, bidirectional: false, bias: true, initial: false, B: 3, T: 5 };
export const VARIANT_CASES: VariantCase[] = [
  { ...base, name: 'MGU, initial state', cell: 'MGU', initial: true, seed: 1 },
  { ...base, name: 'MGU 2 layers, bidirectional concat, ragged tokens', cell: 'MGU', L: 2, bidirectional: true, merge_mode: 'concat', lengths: [5, 2, 4], vocab: 9, seed: 2 },
  { ...base, name: 'MGU relu + hard_sigmoid, no bias, bidirectional sum, initial state', cell: 'MGU', activation: 'relu', recurrent_activation: 'hard_sigmoid', bias: false, bidirectional: true, merge_mode: 'sum', initial: true, seed: 3 },
  { ...base, name: 'MGU bidirectional ave, ragged tokens', cell: 'MGU', bidirectional: true, merge_mode: 'ave', lengths: [3, 5, 1], vocab: 8, seed: 4 },
  { ...base, name: 'GRU update_gate paper, initial state', cell: 'GRU', update_gate: 'paper', initial: true, seed: 5 },
  { ...base, name: 'GRU update_gate paper, linear_before_reset off, 2 layers, bidirectional ave, ragged tokens', cell: 'GRU', update_gate: 'paper', linear_before_reset: false, L: 2, bidirectional: true, merge_mode: 'ave', lengths: [4, 5, 2], vocab: 9, seed: 6 },
  { ...base, name: 'GRU update_gate paper, hard_sigmoid + relu, linear_before_reset off, bidirectional mul', cell: 'GRU', update_gate: 'paper', recurrent_activation: 'hard_sigmoid', activation: 'relu', linear_before_reset: false, bidirectional: true, merge_mode: 'mul', seed: 7 },
  { ...base, name: 'GRU update_gate paper, hard_sigmoid, no bias, bidirectional sum, initial state', cell: 'GRU', update_gate: 'paper', recurrent_activation: 'hard_sigmoid', bias: false, bidirectional: true, merge_mode: 'sum', initial: true, seed: 8 },
  { ...base, name: 'LSTM peephole, initial h and c', cell: 'LSTM', peephole: true, initial: true, seed: 9 },
  { ...base, name: 'LSTM peephole, 2 layers, bidirectional concat, ragged tokens, initial state', cell: 'LSTM', peephole: true, L: 2, bidirectional: true, initial: true, lengths: [5, 1, 3], vocab: 9, seed: 10 },
  { ...base, name: 'LSTM peephole, relu + hard_sigmoid, no bias, bidirectional sum', cell: 'LSTM', peephole: true, activation: 'relu', recurrent_activation: 'hard_sigmoid', bias: false, bidirectional: true, merge_mode: 'sum', seed: 11 },
  { ...base, name: 'LSTM peephole, bidirectional ave, initial state', cell: 'LSTM', peephole: true, bidirectional: true, merge_mode: 'ave', initial: true, seed: 12 },
];

/** the params a graph file states for the case's node */
export function variantParams(c: VariantCase): Record<string, unknown> {
  const p: Record<string, unknown> = { hidden_size: c.H, num_layers: c.L, bidirectional: c.bidirectional, bias: c.bias, activation: c.activation ?? 'tanh', recurrent_activation: c.recurrent_activation ?? 'sigmoid' };
  if (c.bidirectional) p.merge_mode = c.merge_mode ?? 'concat';
  if (c.cell === 'GRU') {
    p.linear_before_reset = c.linear_before_reset ?? true;
    p.update_gate = c.update_gate ?? 'pytorch';
  }
  if (c.cell === 'LSTM') p.peephole = c.peephole ?? false;
  return p;
}

export function variantGraph(c: VariantCase, ref: Pick<Ref, 'weights' | 'embedding'>) {
  const D = c.bidirectional ? 2 : 1;
  const nodes: NodeSpec[] = [['rec', c.cell, variantParams(c)], ['output', 'Output'], ['state', 'Output'], ['last', 'Output']];
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

export function variantFeeds(c: VariantCase, ref: Ref): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = { x: c.lengths ? intTensor(ref.tokens!.shape, ref.tokens!.data) : t(ref.x!) };
  if (ref.h0) feeds.h0 = t(ref.h0);
  if (ref.c0) feeds.h0_c = t(ref.c0);
  return feeds;
}

/** the reference's name for each graph output */
const OUTPUTS: Record<string, keyof Ref> = { output: 'output', state: 'h_n', state_c: 'c_n', last: 'last' };
const inputValue = (p: Program, name: string) => p.inputs.find((i) => i.name === name)!.value;

// one Python run for every case (PyTorch takes seconds to start)
const refs = hasPyTorch() ? runPythonJSON<Record<string, Ref>>('cell_variants.py', [], { cases: VARIANT_CASES }) : {};

describeEachBackend('MGU, GRU update_gate, LSTM peepholes against PyTorch by hand: graph file → outputs, trace, gradients', () => {
  for (const c of VARIANT_CASES) {
    pytorchTest()(c.name, () => {
      const ref = refs[c.name];
      const what = `${c.name} (${ref.source})`;
      const program = programOf(variantGraph(c, ref));
      const feeds = variantFeeds(c, ref);

      // forward: outputs, states and every gate of every step
      const run = execute(program, feeds, { trace: true });
      for (const [name, key] of Object.entries(OUTPUTS)) {
        const want = ref[key] as FixTensor | undefined;
        if (!want) continue;
        expectClose(`${what}: ${name}`, run.outputs[name].data, want.data, 1e-5);
        expect(run.outputs[name].shape).toEqual(want.shape);
      }
      const node = run.trace!.nodes.find((n) => n.node === 'rec')!;
      expect(node.layers.map((l) => `l${l.layer}_${l.direction}`).sort()).toEqual(Object.keys(ref.gates).sort());
      for (const layer of node.layers) {
        const want = ref.gates[`l${layer.layer}_${layer.direction}`];
        expect(Object.keys(layer.gates).sort()).toEqual(Object.keys(want).filter((g) => g !== 'c').sort());
        for (const [g, arr] of Object.entries(want)) {
          const got = g === 'c' ? layer.c! : layer.gates[g];
          expectClose(`${what}: layer ${layer.layer} ${layer.direction} ${g}`, got, arr.data, 1e-5);
        }
      }

      // backward: L = Σ R·output over every output, with PyTorch's R
      const f = forwardTrain(program, feeds, { seed: 0 });
      const seeds = new Map<string, Float32Array>();
      for (const o of program.outputs) seeds.set(o.value, Float32Array.from(ref.seeds[OUTPUTS[o.name] as string].data));
      const g = backward(f.tape, seeds);
      const byName = new Map([...g.grads].map(([ir, v]) => [`${program.weightRefs[ir].node}.${program.weightRefs[ir].name}`, v]));
      for (const [name, want] of Object.entries(ref.grads)) {
        const got =
          name === 'x' ? g.inputGrads.get(inputValue(program, 'x'))
          : name === 'h0' ? g.inputGrads.get(inputValue(program, 'h0'))
          : name === 'c0' ? g.inputGrads.get(inputValue(program, 'h0_c'))
          : name === 'embedding' ? byName.get('emb.weight')
          : byName.get(`rec.${name}`);
        expect(got, `${what}: a gradient for ${name}`).toBeDefined();
        expectClose(`${what}: d ${name}`, got!, want.data, 1e-5);
      }
      // nothing the node owns is left without a gradient
      const owned = Object.values(program.weightRefs).filter((r) => r.node === 'rec').map((r) => r.name).sort();
      expect(owned).toEqual(Object.keys(ref.weights).sort());
    }, 120_000);
  }
});
