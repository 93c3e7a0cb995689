import { defineNode } from '../src/compiler/node-def';
import { passthrough } from '../src/compiler/shapes';

export const LogSoftmax = defineNode<Record<string, never>>({
  type: 'LogSoftmax',
  category: 'Layers',
  label: 'LogSoftmax',
  doc: 'Log-probabilities over the last axis: x_i − log Σ_j e^{x_j} (what NLL losses and beam search add up).',
  inputs: [{ name: 'input', types: ['Sequence', 'Vector'], help: 'scores (logits)' }],
  outputs: [{ name: 'output', types: ['Sequence', 'Vector'], help: 'log-probabilities' }],
  params: {},
  infer: ({ inputs }) => (inputs.input ? { output: passthrough(inputs.input, { kind: 'logprobs' }) } : null),
  lower(ctx) {
    const x = ctx.inputs.input!;
    const [y] = ctx.op('LogSoftmax', [x.value], {}, [{ dtype: 'float32', shape: x.shape }]);
    return { output: { ...ctx.outputs.output, value: y, lengths: x.lengths } };
  },
});
