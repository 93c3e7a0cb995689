import { defineNode } from '../src/compiler/node-def';

export const RepeatVector = defineNode<{ n: number }>({
  type: 'RepeatVector',
  category: 'Sequence',
  label: 'RepeatVector',
  doc: 'Feeds one vector at every one of n steps (Keras RepeatVector): [B,D] → [B,n,D]. With a recurrent layer after it, a 1→N generator.',
  inputs: [{ name: 'input', types: ['Vector'], help: '[B,D]' }],
  outputs: [{ name: 'output', types: ['Sequence'], help: '[B,n,D]' }],
  params: { n: { kind: 'int', default: 10, min: 1, max: 100_000, required: true, inline: true, help: 'number of steps' } },
  summary: (p) => `×${p.n}`,
  infer: ({ params, inputs }) => {
    const x = inputs.input;
    return x ? { output: { type: 'Sequence', dtype: 'float32', shape: [x.shape[0], params.n, x.shape[1]] } } : null;
  },
  lower(ctx) {
    const x = ctx.inputs.input!;
    const out = ctx.outputs.output;
    const [y] = ctx.op('RepeatVector', [x.value], { n: ctx.params.n }, [{ dtype: 'float32', shape: out.shape }]);
    return { output: { ...out, value: y } };
  },
});
