import { defineNode } from '../src/compiler/node-def';
import { features } from '../src/compiler/shapes';

/**
 * A running reduction over time. It is what an ONNX Scan whose body combines each state with the
 * step's input elementwise computes (a cumulative sum or product), and what torch.cumsum /
 * cumprod / cummax / cummin compute along the time axis, with an optional starting value.
 */
export const Cumulative = defineNode<{ op: 'sum' | 'prod' | 'max' | 'min' }>({
  type: 'Cumulative',
  category: 'Sequence',
  label: 'Cumulative',
  doc:
    'A running sum, product, maximum or minimum over the steps: y_t = y_{t−1} ⊕ x_t with y_{−1} = initial ' +
    '(when not connected: 0 for sum, 1 for prod, −∞ for max, +∞ for min). As torch.cumsum / cumprod along time, ' +
    'and an ONNX Scan with an elementwise body. Outputs: the running value at every step, and the value after the last real step.',
  inputs: [
    { name: 'input', types: ['Sequence'], help: 'the steps to accumulate [B,T,D]' },
    { name: 'initial', types: ['Vector'], optional: true, help: 'the value before the first step [B,D]; the identity of op when not connected' },
  ],
  outputs: [
    { name: 'output', types: ['Sequence'], help: 'the running value after each step [B,T,D]' },
    { name: 'last', types: ['Vector'], help: 'the value after each row\'s last real step [B,D]' },
  ],
  params: { op: { kind: 'enum', options: ['sum', 'prod', 'max', 'min'], default: 'sum', inline: true, help: 'how a step combines with the running value' } },
  summary: (p) => `cum${p.op}`,
  infer({ inputs, error }) {
    const x = inputs.input;
    if (!x) return null;
    const D = features(x);
    if (D === null) error({ port: 'input' }, `needs a fixed feature size, got [${x.shape.join(', ')}]`);
    const init = inputs.initial;
    if (init && features(init) !== D) error({ port: 'initial' }, `has ${features(init)} features but the input has ${D}`);
    return {
      output: { type: 'Sequence', dtype: 'float32', shape: [...x.shape], masked: x.masked },
      last: { type: 'Vector', dtype: 'float32', shape: [x.shape[0], x.shape[2]] },
    };
  },
  lower(ctx) {
    const x = ctx.inputs.input!;
    const o = ctx.outputs;
    const ins = [x.value, ctx.inputs.initial?.value ?? '', x.lengths ?? ''];
    const [y, last] = ctx.op('Cumulative', ins, { op: ctx.params.op }, [
      { dtype: 'float32', shape: o.output.shape },
      { dtype: 'float32', shape: o.last.shape },
    ]);
    return { output: { ...o.output, value: y, lengths: x.lengths }, last: { ...o.last, value: last } };
  },
});
