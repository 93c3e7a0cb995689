import { defineNode } from '../src/compiler/node-def';
import { features, withLast } from '../src/compiler/shapes';
import { ACTIVATION_OPS } from './activation';

export const Dense = defineNode<{ units: number; activation: 'none' | 'tanh' | 'relu' | 'sigmoid'; bias: boolean }>({
  type: 'Dense',
  category: 'Layers',
  label: 'Dense',
  doc: 'A fully connected layer, as nn.Linear then an optional activation: y = act(x·Wᵀ + b), on the last axis of a vector or of every step of a sequence.',
  inputs: [{ name: 'input', types: ['Sequence', 'Vector'], help: '[B,T,D] or [B,D]' }],
  outputs: [{ name: 'output', types: ['Sequence', 'Vector'], help: 'same kind as the input, last axis = units' }],
  params: {
    units: { kind: 'int', default: 10, min: 1, max: 1_000_000, required: true, inline: true, help: 'output size (out_features)' },
    activation: { kind: 'enum', options: ['none', 'tanh', 'relu', 'sigmoid'], default: 'none', inline: true, help: 'applied after the linear map' },
    bias: { kind: 'bool', default: true, help: 'learned bias b' },
  },
  summary: (p) => `${p.units}${p.activation !== 'none' ? ' ' + p.activation : ''}`,
  infer({ params: p, inputs, error }) {
    const x = inputs.input;
    if (!x) return null;
    if (features(x) === null) error({ port: 'input' }, `needs a fixed feature size, got [${x.shape.join(', ')}]`);
    return { output: { type: x.type, dtype: 'float32', shape: withLast(x.shape, p.units), masked: x.masked } };
  },
  weights: ({ params: p, inputs }) => ({ weight: [p.units, features(inputs.input) ?? 0], ...(p.bias ? { bias: [p.units] } : {}) }),
  init({ params: p, inputs, rng }, shapes) {
    // nn.Linear: kaiming_uniform(a=√5) gives U(-1/√fan_in, 1/√fan_in) for the weight; the bias too.
    // `shapes` holds only the weights the file lacks (maybe just the bias): fan_in comes from the input.
    const K = features(inputs.input) ?? 0;
    const k = 1 / Math.sqrt(K);
    return { ...(shapes.weight ? { weight: rng.fillUniform(p.units * K, k) } : {}), ...(shapes.bias ? { bias: rng.fillUniform(p.units, k) } : {}) };
  },
  lower(ctx) {
    const x = ctx.inputs.input!;
    const out = ctx.outputs.output;
    const t = { dtype: 'float32' as const, shape: out.shape };
    const ins = [x.value, ctx.weight('weight'), ...(ctx.params.bias ? [ctx.weight('bias')] : [])];
    let [y] = ctx.op('Linear', ins, {}, [t]);
    const act = ctx.params.activation;
    if (act !== 'none') [y] = ctx.op(ACTIVATION_OPS[act], [y], {}, [t]);
    return { output: { ...out, value: y, lengths: x.lengths } };
  },
});
