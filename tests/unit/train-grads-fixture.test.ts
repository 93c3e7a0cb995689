// grads.json `cells` (PyTorch 2.11): every gradient of every weight, of x, h0 (and c0) for the 8
// RNN/LSTM/GRU configurations, through the whole path a user's graph takes — graph file → schema
// → compiler → forwardTrain → backward — with the loss Σ output·R_output + Σ h_n·R_h_n (+ Σ c_n·R_c_n),
// i.e. the seeds are the fixture's R_* tensors. Within 1e-5 absolute, on both kernel backends.
import { afterAll, describe, expect, it } from 'vitest';
import { loadFixture, expectClose, type FixTensor } from '../helpers/fixtures';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { backward, forwardTrain } from '../../src/runtime/train';
import { floatTensor, type Tensor } from '../../src/runtime/tensor';
import { setKernelBackend } from '../../src/runtime/kernels/wasm/runtime';

interface Case {
  name: string; kind: string; input_size: number; hidden_size: number; num_layers: number; bidirectional: boolean;
  weights: Record<string, FixTensor>; x: FixTensor; h0: FixTensor; c0?: FixTensor;
  R_output: FixTensor; R_h_n: FixTensor; R_c_n?: FixTensor; loss: number; grad: Record<string, FixTensor>;
}

const cells = loadFixture<{ cells: Case[] }>('pytorch/grads.json').cells;

export function gradsGraph(c: Case) {
  const type = c.kind.startsWith('rnn') ? 'RNN' : c.kind.toUpperCase();
  const D = c.bidirectional ? 2 : 1;
  const params: Record<string, unknown> = { hidden_size: c.hidden_size, num_layers: c.num_layers, bidirectional: c.bidirectional };
  if (type === 'RNN') params.nonlinearity = c.kind === 'rnn_relu' ? 'relu' : 'tanh';
  const at = { x: 0, y: 0 };
  return {
    format: 'seqgraph', version: 2, name: c.name, samples: [], weights: { rnn: c.weights },
    nodes: [
      { id: 'x', type: 'Input', name: 'x', position: at, params: { kind: 'sequence', features: c.input_size } },
      { id: 'h0', type: 'Input', name: 'h0', position: at, params: { kind: 'state', layers: c.num_layers * D, features: c.hidden_size, cell: type === 'LSTM' } },
      { id: 'rnn', type, name: 'rnn', position: at, params },
      { id: 'out', type: 'Output', name: 'output', position: at, params: {} },
      { id: 'hn', type: 'Output', name: 'h_n', position: at, params: {} },
    ],
    edges: [
      { id: 'e1', source: { node: 'x', port: 'sequence' }, target: { node: 'rnn', port: 'input' } },
      { id: 'e2', source: { node: 'rnn', port: 'output' }, target: { node: 'out', port: 'value' } },
      { id: 'e3', source: { node: 'rnn', port: 'state' }, target: { node: 'hn', port: 'value' } },
      { id: 'e4', source: { node: 'h0', port: 'state' }, target: { node: 'rnn', port: 'initial_state' } },
    ],
  };
}

const f32 = (t: FixTensor) => Float32Array.from(t.data);

for (const backend of ['ts', 'simd'] as const) {
  describe(`grads.json cells: graph → compiler → forwardTrain → backward (${backend} forward)`, () => {
    afterAll(() => setKernelBackend('auto'));
    for (const c of cells) {
      it(c.name, () => {
        setKernelBackend(backend);
        const loaded = checkGraph(gradsGraph(c));
        if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
        const program = compile(loaded.doc).program!;
        const feeds: Record<string, Tensor> = { x: floatTensor(c.x.shape, c.x.data), h0: floatTensor(c.h0.shape, c.h0.data) };
        if (c.c0) feeds.h0_c = floatTensor(c.c0.shape, c.c0.data);
        const fwd = forwardTrain(program, feeds, { seed: 0 });
        const seeds = new Map<string, Float32Array>([[program.outputs.find((o) => o.name === 'output')!.value, f32(c.R_output)], [program.outputs.find((o) => o.name === 'h_n')!.value, f32(c.R_h_n)]]);
        if (c.R_c_n) seeds.set(program.outputs.find((o) => o.name === 'h_n_c')!.value, f32(c.R_c_n));
        // the loss itself, as a check that the seeds sit on the right values
        let loss = 0;
        for (const [name, r] of seeds) fwd.values.get(name)!.data.forEach((v, i) => (loss += v * r[i]));
        expect(Math.abs(loss - c.loss)).toBeLessThan(1e-4);
        const { grads, inputGrads } = backward(fwd.tape, seeds);
        const byTorchName = new Map<string, Float32Array>();
        for (const [ir, g] of grads) byTorchName.set(program.weightRefs[ir].name, g);
        for (const [name, want] of Object.entries(c.grad)) {
          if (name === 'x') expectClose(`${c.name} d x`, inputGrads.get('x')!, want.data, 1e-5);
          else if (name === 'h0') expectClose(`${c.name} d h0`, inputGrads.get(program.inputs.find((i) => i.name === 'h0')!.value)!, want.data, 1e-5);
          else if (name === 'c0') expectClose(`${c.name} d c0`, inputGrads.get(program.inputs.find((i) => i.name === 'h0_c')!.value)!, want.data, 1e-5);
          else expectClose(`${c.name} d ${name}`, byTorchName.get(name)!, want.data, 1e-5);
        }
        expect(grads.size).toBe(Object.keys(c.weights).length);
      });
    }
  });
}
