import { defineNode } from '../src/compiler/node-def';

export const LastStep = defineNode<Record<string, never>>({
  type: 'LastStep',
  category: 'Sequence',
  label: 'LastStep',
  doc: 'The last real step of each sequence: y[b] = x[b, len_b − 1], where len_b skips padding (N→1 models).',
  inputs: [{ name: 'input', types: ['Sequence'], help: '[B,T,D]' }],
  outputs: [{ name: 'output', types: ['Vector'], help: '[B,D]' }],
  params: {},
  infer: ({ inputs }) => {
    const x = inputs.input;
    return x ? { output: { type: 'Vector', dtype: 'float32', shape: [x.shape[0], x.shape[2]], labels: x.labels, kind: x.kind } } : null;
  },
  lower(ctx) {
    const x = ctx.inputs.input!;
    const out = ctx.outputs.output;
    const [y] = ctx.op('LastStep', [x.value, ...(x.lengths ? [x.lengths] : [])], {}, [{ dtype: 'float32', shape: out.shape }]);
    return { output: { ...out, value: y } };
  },
});
