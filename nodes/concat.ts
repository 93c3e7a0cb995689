import { defineNode, type PortShape } from '../src/compiler/node-def';
import { features, withLast } from '../src/compiler/shapes';

const PORTS = ['a', 'b', 'c', 'd'] as const;

export const Concat = defineNode<Record<string, never>>({
  type: 'Concat',
  category: 'Layers',
  label: 'Concat',
  doc: 'Joins two to four vectors, or sequences of the same length, along the feature axis: [x_a; x_b; …].',
  inputs: PORTS.map((name, i) => ({ name, types: ['Sequence', 'Vector'] as ('Sequence' | 'Vector')[], optional: i >= 2, help: i < 2 ? 'a part to join' : 'another part (optional)' })),
  outputs: [{ name: 'output', types: ['Sequence', 'Vector'], help: 'the parts side by side' }],
  params: {},
  infer({ inputs, error }) {
    const parts = PORTS.map((p) => [p, inputs[p]] as const).filter((x): x is readonly [(typeof PORTS)[number], PortShape] => !!x[1]);
    if (parts.length < 2) return null;
    const [first] = parts;
    let total = 0;
    for (const [port, s] of parts) {
      if (s.type !== first[1].type) error({ port }, `is a ${s.type} but ${first[0]} is a ${first[1].type}; join vectors with vectors, sequences with sequences`);
      else if (s.type === 'Sequence' && s.shape[1] !== first[1].shape[1]) error({ port }, `has ${s.shape[1]} steps but ${first[0]} has ${first[1].shape[1]}`);
      const f = features(s);
      if (f === null) error({ port }, 'needs a fixed feature size');
      total += f ?? 0;
    }
    return { output: { type: first[1].type, dtype: 'float32', shape: withLast(first[1].shape, total), masked: parts.some(([, s]) => s.masked) } };
  },
  lower(ctx) {
    const parts = PORTS.map((p) => ctx.inputs[p]).filter((x) => !!x);
    const out = ctx.outputs.output;
    const [y] = ctx.op('Concat', parts.map((p) => p.value), { axis: out.shape.length - 1 }, [{ dtype: 'float32', shape: out.shape }]);
    return { output: { ...out, value: y, lengths: parts.find((p) => p.lengths)?.lengths } };
  },
});
