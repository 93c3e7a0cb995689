import { defineNode } from '../src/compiler/node-def';

export const Embedding = defineNode<{ num_embeddings: number | null; embedding_dim: number; padding_idx: number | null }>({
  type: 'Embedding',
  category: 'Embedding',
  label: 'Embedding',
  doc:
    'A learned vector per token id, as nn.Embedding: out[b,t] = weight[tokens[b,t]]. ' +
    'num_embeddings defaults to the vocabulary size. The padding_idx row is zero and stays so.',
  inputs: [{ name: 'tokens', types: ['Tokens'], help: 'token ids [B,T]' }],
  outputs: [{ name: 'output', types: ['Sequence'], help: 'one vector per token [B,T,embedding_dim]' }],
  params: {
    num_embeddings: { kind: 'int', default: null, nullable: true, min: 1, max: 10_000_000, help: 'rows of the table; empty = the vocabulary size' },
    embedding_dim: { kind: 'int', default: 32, min: 1, max: 65536, inline: true, required: true, help: 'size of each vector' },
    padding_idx: { kind: 'int', default: null, nullable: true, min: 0, help: 'id whose vector is zero (usually <pad>, id 0); empty = none' },
  },
  summary: (p) => `${p.num_embeddings ?? 'vocab'} → ${p.embedding_dim}`,
  infer({ params: p, inputs, error }) {
    const t = inputs.tokens;
    if (!t) return null;
    const V = p.num_embeddings ?? t.vocab?.length;
    if (!V) {
      error({ param: 'num_embeddings' }, 'set num_embeddings: the input carries no vocabulary');
      return null;
    }
    if (t.vocab && t.vocab.length > V) error({ param: 'num_embeddings' }, `is ${V} but the input's vocabulary has ${t.vocab.length} symbols`);
    if (p.padding_idx !== null && p.padding_idx >= V) error({ param: 'padding_idx' }, `${p.padding_idx} is not below num_embeddings (${V})`);
    return { output: { type: 'Sequence', dtype: 'float32', shape: [t.shape[0], t.shape[1], p.embedding_dim], masked: t.masked } };
  },
  weights: ({ params: p, inputs }) => ({ weight: [p.num_embeddings ?? inputs.tokens!.vocab!.length, p.embedding_dim] }),
  init({ params: p, rng }, shapes) {
    const [V, D] = shapes.weight;
    const w = rng.fillNormal(V * D); // nn.Embedding: N(0, 1)
    if (p.padding_idx !== null) w.fill(0, p.padding_idx * D, (p.padding_idx + 1) * D);
    return { weight: w };
  },
  lower(ctx) {
    const tokens = ctx.inputs.tokens!;
    const out = ctx.outputs.output;
    // padding_idx: that row gets no gradient in training (nn.Embedding)
    const attrs: Record<string, number> = ctx.params.padding_idx !== null ? { padding_idx: ctx.params.padding_idx } : {};
    const [y] = ctx.op('Gather', [ctx.weight('weight'), tokens.value], attrs, [{ dtype: 'float32', shape: out.shape }]);
    return { output: { ...out, value: y, lengths: tokens.lengths } };
  },
});
