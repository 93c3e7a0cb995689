import { defineNode } from '../src/compiler/node-def';
import { passthrough } from '../src/compiler/shapes';

export const Dropout = defineNode<{ p: number }>({
  type: 'Dropout',
  category: 'Layers',
  label: 'Dropout',
  doc: 'While training, zeroes each value with probability p and scales the rest by 1/(1−p); at inference it passes its input through unchanged.',
  inputs: [{ name: 'input', types: ['Sequence', 'Vector'], help: 'any float sequence or vector' }],
  outputs: [{ name: 'output', types: ['Sequence', 'Vector'], help: 'same shape' }],
  params: { p: { kind: 'float', default: 0.1, min: 0, max: 0.99, inline: true, help: 'probability of dropping a value while training' } },
  summary: (p) => `p=${p.p}`,
  infer: ({ inputs }) => (inputs.input ? { output: passthrough(inputs.input) } : null),
  lower(ctx) {
    const x = ctx.inputs.input!;
    const [y] = ctx.op('Dropout', [x.value], { ratio: ctx.params.p }, [{ dtype: 'float32', shape: x.shape }]);
    return { output: { ...ctx.outputs.output, value: y, lengths: x.lengths } };
  },
});
