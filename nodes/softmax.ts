import { defineNode } from '../src/compiler/node-def';
import { passthrough } from '../src/compiler/shapes';

export const Softmax = defineNode<Record<string, never>>({
  type: 'Softmax',
  category: 'Layers',
  label: 'Softmax',
  doc: 'Probabilities over the last axis: softmax(x)_i = e^{x_i} / Σ_j e^{x_j}.',
  inputs: [{ name: 'input', types: ['Sequence', 'Vector'], help: 'scores (logits)' }],
  outputs: [{ name: 'output', types: ['Sequence', 'Vector'], help: 'probabilities, summing to 1 over the last axis' }],
  params: {},
  infer: ({ inputs }) => (inputs.input ? { output: passthrough(inputs.input, { kind: 'probs' }) } : null),
  lower(ctx) {
    const x = ctx.inputs.input!;
    const [y] = ctx.op('Softmax', [x.value], {}, [{ dtype: 'float32', shape: x.shape }]);
    return { output: { ...ctx.outputs.output, value: y, lengths: x.lengths } };
  },
});
