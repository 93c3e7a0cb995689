import { defineNode } from '../src/compiler/node-def';
import { features } from '../src/compiler/shapes';

export const Output = defineNode<{ labels: string[] }>({
  type: 'Output',
  category: 'Outputs',
  label: 'Output',
  doc:
    'What the model returns, under this node\'s name (the name of the output in runs and in the ONNX model). ' +
    'labels name the classes along the last axis, so a softmax output reads as "class: probability". Padded steps of a sequence read 0. ' +
    'A State returns h under the node\'s name and, for an LSTM, c as <name>_c.',
  inputs: [{ name: 'value', types: ['Sequence', 'Vector', 'Tokens', 'State'], help: 'the result to return' }],
  outputs: [],
  params: { labels: { kind: 'strings', default: [], help: 'class names along the last axis (optional)' } },
  summary: (p) => (p.labels.length ? `${p.labels.length} labels` : ''),
  infer({ params: p, inputs, error }) {
    const x = inputs.value;
    if (x && p.labels.length && x.type !== 'Tokens' && x.type !== 'State') {
      const f = features(x);
      if (f !== null && f !== p.labels.length) error({ param: 'labels' }, `has ${p.labels.length} names but the value has ${f} classes on its last axis`);
    }
    return {};
  },
  lower(ctx) {
    const x = ctx.inputs.value!;
    if (x.type === 'State') {
      ctx.graphOutput(x.value, x.dtype, x.shape, 'values');
      if (x.c) ctx.graphOutput(x.c, x.dtype, x.shape, 'values', undefined, `${ctx.node.name}_c`);
      return {};
    }
    let v = x.value;
    // padded steps of a token batch read 0, whatever the layers after the recurrent one did to them
    if (x.type === 'Sequence' && x.lengths) v = ctx.op('MaskSteps', [v, x.lengths], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
    const kind = x.type === 'Tokens' ? 'tokens' : x.kind === 'probs' ? 'probs' : x.kind === 'logprobs' ? 'logprobs' : 'values';
    const labels = ctx.params.labels.length ? ctx.params.labels : x.type === 'Tokens' ? x.vocab : x.labels;
    ctx.graphOutput(v, x.dtype, x.shape, kind, labels);
    return {};
  },
});
