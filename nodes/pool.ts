import { defineNode } from '../src/compiler/node-def';

export const Pool = defineNode<{ mode: 'mean' | 'max' }>({
  type: 'Pool',
  category: 'Sequence',
  label: 'Pool',
  doc: 'Mean or max over time of each sequence\'s real steps (padding skipped): [B,T,D] → [B,D].',
  inputs: [{ name: 'input', types: ['Sequence'], help: '[B,T,D]' }],
  outputs: [{ name: 'output', types: ['Vector'], help: '[B,D]' }],
  params: { mode: { kind: 'enum', options: ['mean', 'max'], default: 'mean', inline: true, help: 'mean or max over the steps' } },
  summary: (p) => p.mode,
  infer: ({ inputs }) => {
    const x = inputs.input;
    return x ? { output: { type: 'Vector', dtype: 'float32', shape: [x.shape[0], x.shape[2]] } } : null;
  },
  lower(ctx) {
    const x = ctx.inputs.input!;
    const out = ctx.outputs.output;
    const [y] = ctx.op('SeqPool', [x.value, ...(x.lengths ? [x.lengths] : [])], { mode: ctx.params.mode }, [{ dtype: 'float32', shape: out.shape }]);
    return { output: { ...out, value: y } };
  },
});
