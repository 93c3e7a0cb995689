import { defineNode } from '../src/compiler/node-def';
import { passthrough } from '../src/compiler/shapes';
import type { OpName } from '../src/ir/ops';

export const ACTIVATION_OPS: Record<string, OpName> = { tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid', hard_sigmoid: 'HardSigmoid' };

export const Activation = defineNode<{ fn: 'tanh' | 'relu' | 'sigmoid' | 'hard_sigmoid' }>({
  type: 'Activation',
  category: 'Layers',
  label: 'Activation',
  doc: 'An elementwise function: tanh, relu = max(0, x), sigmoid = 1/(1+e^−x), hard_sigmoid = max(0, min(1, 0.2x + 0.5)).',
  inputs: [{ name: 'input', types: ['Sequence', 'Vector'], help: 'any float sequence or vector' }],
  outputs: [{ name: 'output', types: ['Sequence', 'Vector'], help: 'same shape' }],
  params: { fn: { kind: 'enum', options: ['tanh', 'relu', 'sigmoid', 'hard_sigmoid'], default: 'tanh', inline: true, help: 'the function' } },
  summary: (p) => p.fn,
  infer: ({ inputs }) => (inputs.input ? { output: passthrough(inputs.input) } : null),
  lower(ctx) {
    const x = ctx.inputs.input!;
    const [y] = ctx.op(ACTIVATION_OPS[ctx.params.fn], [x.value], {}, [{ dtype: 'float32', shape: x.shape }]);
    return { output: { ...ctx.outputs.output, value: y, lengths: x.lengths } };
  },
});
