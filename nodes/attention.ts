import { defineNode, type PortShape, type PortValue } from '../src/compiler/node-def';
import { features } from '../src/compiler/shapes';
import type { Dim } from '../src/runtime/tensor';

type Score = 'dot' | 'scaled_dot' | 'general' | 'additive' | 'concat' | 'multi_head';
interface AttentionParams {
  [k: string]: unknown;
  score: Score;
  attention_dim: number | null;
  max_length: number;
  num_heads: number;
}

const is = (...rules: Score[]) => (p: Record<string, unknown>) => rules.includes(p.score as Score);

/** Sizes every rule reasons about: query Dq, keys Dk, values Dv, hidden Dh (concat). */
function sizes(inputs: Record<string, PortShape | undefined>, p: AttentionParams) {
  const q = inputs.query;
  const keys = inputs.keys ?? (p.score === 'multi_head' ? q : undefined);
  const values = inputs.values ?? keys;
  return { q, keys, values, Dq: features(q), Dk: features(keys), Dv: features(values), Dh: inputs.hidden ? features(inputs.hidden) : 0 };
}

export const Attention = defineNode<AttentionParams>({
  type: 'Attention',
  category: 'Attention',
  label: 'Attention',
  doc:
    'Weights a query puts on each key, and the weighted average of the values (the context): weights = softmax_s(score(q, k_s)), context = Σ_s weights_s·v_s. ' +
    'Scores: dot q·k; scaled_dot q·k/√Dk; general qᵀ·W·k (Luong); additive vᵀ·tanh(W_query·q + W_key·k) (Bahdanau); ' +
    'concat as the PyTorch seq2seq tutorial\'s AttnDecoderRNN: weights = softmax(attn([query; hidden])) over max_length positions, combined = combine([query; context]); ' +
    'multi_head as nn.MultiheadAttention (self-attention when keys are not connected; per-head weights [B, heads, T, S]). ' +
    'A vector query [B,D] gives one context per row, a sequence query [B,T,D] one per step. Padded keys (the mask, or the padding the keys carry from a token input) get weight 0.',
  inputs: [
    { name: 'query', types: ['Sequence', 'Vector'], help: 'what looks: a vector [B,Dq] or a sequence [B,T,Dq]' },
    { name: 'keys', types: ['Sequence'], optional: true, help: 'what is looked at [B,S,Dk], e.g. an encoder\'s output; needed except by multi_head, which then attends over the query (self-attention)' },
    { name: 'values', types: ['Sequence'], optional: true, help: 'what the weights average [B,S,Dv]; the keys when not connected' },
    { name: 'mask', types: ['Mask'], optional: true, help: 'which keys are real (a token Input\'s mask); without it, the padding the keys carry is used' },
    { name: 'hidden', types: ['Vector', 'Sequence'], optional: true, when: is('concat'), help: 'the tutorial\'s previous decoder state, scored together with the query: attn([query; hidden])' },
  ],
  outputs: [
    { name: 'context', types: ['Sequence', 'Vector'], help: 'the weighted average of the values [B,(T,)Dv] (multi_head: after out_proj, [B,T,E])' },
    { name: 'weights', types: ['Sequence', 'Vector'], help: 'the attention weights [B,(T,)S], summing to 1 over the real keys (multi_head: [B,heads,T,S])' },
    { name: 'combined', types: ['Sequence', 'Vector'], when: is('concat'), help: 'combine([query; context]) [B,(T,)Dq], what the tutorial feeds (after relu) into its GRU' },
  ],
  params: {
    score: { kind: 'enum', options: ['dot', 'scaled_dot', 'general', 'additive', 'concat', 'multi_head'], default: 'dot', inline: true, help: 'how a query and a key are scored' },
    attention_dim: { kind: 'int', default: null, nullable: true, min: 1, max: 65536, when: is('additive'), help: 'A, the size of the additive layer (W_query [A,Dq], W_key [A,Dk], v [A]); empty = the query size' },
    max_length: { kind: 'int', default: 10, min: 1, max: 100_000, when: is('concat'), help: 'positions the attn Linear scores (the tutorial\'s MAX_LENGTH); keys may be shorter (the rest count as zero vectors)' },
    num_heads: { kind: 'int', default: 2, min: 1, max: 1024, when: is('multi_head'), help: 'heads; the query size must be a multiple of it' },
  },
  summary: (p) => (p.score === 'multi_head' ? `${p.num_heads} heads` : p.score),
  infer({ params: p, inputs, error }) {
    const { q, keys, values, Dq, Dk, Dv, Dh } = sizes(inputs, p);
    if (!q) return null;
    if (!keys) {
      error({ port: 'keys' }, `is not connected: the ${p.score} rule attends over keys [B,S,Dk] (only multi_head can attend over its own query)`);
      return null;
    }
    if (Dq === null) error({ port: 'query' }, `needs a fixed feature size, got [${q.shape.join(', ')}]`);
    if (Dk === null) error({ port: 'keys' }, `needs a fixed feature size, got [${keys.shape.join(', ')}]`);
    if (Dv === null) error({ port: 'values' }, `needs a fixed feature size, got [${values!.shape.join(', ')}]`);
    if (inputs.values && typeof keys.shape[1] === 'number' && typeof inputs.values.shape[1] === 'number' && keys.shape[1] !== inputs.values.shape[1]) {
      error({ port: 'values' }, `has ${inputs.values.shape[1]} steps but the keys have ${keys.shape[1]}`);
    }
    if ((p.score === 'dot' || p.score === 'scaled_dot') && Dq !== null && Dk !== null && Dq !== Dk) {
      error({ port: 'query' }, `has ${Dq} features but the keys have ${Dk}: ${p.score} scores need equal sizes (general and additive learn a map between them)`);
    }
    const B = q.shape[0];
    const S: Dim = keys.shape[1];
    const seq = q.type === 'Sequence';
    const lead: Dim[] = seq ? [B, q.shape[1]] : [B];
    if (p.score === 'multi_head') {
      if (!seq) error({ port: 'query' }, 'multi_head takes a sequence [B,T,E]');
      else if (Dq !== null && Dq % p.num_heads !== 0) error({ param: 'num_heads' }, `${p.num_heads} does not divide the query size ${Dq}`);
      if (Dq !== null && ((Dk !== null && Dk !== Dq) || (Dv !== null && Dv !== Dq))) error({ port: 'keys' }, `keys and values need the query's size ${Dq} (as nn.MultiheadAttention with kdim = vdim = embed_dim)`);
      return {
        context: { type: 'Sequence', dtype: 'float32', shape: [...lead, Dq ?? 0], masked: q.masked },
        weights: { type: 'Sequence', dtype: 'float32', shape: [B, p.num_heads, q.shape[1], S], kind: 'probs' },
      };
    }
    if (p.score === 'concat') {
      const hdn = inputs.hidden;
      if (hdn && (hdn.type !== q.type || (seq && hdn.shape[1] !== q.shape[1]))) error({ port: 'hidden' }, `must be a ${q.type} like the query${seq ? ` with ${q.shape[1]} steps` : ''}`);
      if (typeof S === 'number' && S > p.max_length) error({ param: 'max_length' }, `is ${p.max_length} but the keys have ${S} steps`);
      if (Dh === null) error({ port: 'hidden' }, 'needs a fixed feature size');
    }
    const out: Record<string, PortShape> = {
      context: { type: q.type, dtype: 'float32', shape: [...lead, Dv ?? 0], masked: q.masked },
      weights: { type: q.type, dtype: 'float32', shape: [...lead, p.score === 'concat' ? p.max_length : S], masked: q.masked, kind: 'probs' },
    };
    if (p.score === 'concat') out.combined = { type: q.type, dtype: 'float32', shape: [...lead, Dq ?? 0], masked: q.masked };
    return out;
  },
  weights({ params: p, inputs }): Record<string, number[]> {
    const { Dq, Dk, Dv, Dh } = sizes(inputs, p);
    const q = Dq ?? 0, k = Dk ?? 0, v = Dv ?? 0;
    switch (p.score) {
      case 'general':
        return { W: [q, k] };
      case 'additive': {
        const A = p.attention_dim ?? q;
        return { W_query: [A, q], W_key: [A, k], v: [A] };
      }
      case 'concat':
        return { 'attn.weight': [p.max_length, q + (Dh ?? 0)], 'attn.bias': [p.max_length], 'combine.weight': [q, q + v], 'combine.bias': [q] };
      case 'multi_head':
        return { in_proj_weight: [3 * q, q], in_proj_bias: [3 * q], 'out_proj.weight': [q, q], 'out_proj.bias': [q] };
      default:
        return {};
    }
  },
  init({ rng }, shapes) {
    // nn.Linear: U(±1/√fan_in) for weight and bias, fan_in = the weight's columns. general's W acts
    // as Linear(Dk → Dq, bias=False) on the keys; additive's v as Linear(A → 1, bias=False).
    // nn.MultiheadAttention: xavier_uniform in_proj_weight, zero in_proj_bias and out_proj.bias.
    const out: Record<string, Float32Array> = {};
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const fanIn: Record<string, number> = { W: shapes.W?.[1], W_query: shapes.W_query?.[1], W_key: shapes.W_key?.[1], v: shapes.v?.[0], 'attn.weight': shapes['attn.weight']?.[1], 'attn.bias': shapes['attn.weight']?.[1], 'combine.weight': shapes['combine.weight']?.[1], 'combine.bias': shapes['combine.weight']?.[1], 'out_proj.weight': shapes['out_proj.weight']?.[1] };
    for (const [name, shape] of Object.entries(shapes)) {
      if (name === 'in_proj_weight') out[name] = rng.fillUniform(n(shape), Math.sqrt(6 / (shape[0] + shape[1])));
      else if (name === 'in_proj_bias' || name === 'out_proj.bias') out[name] = new Float32Array(n(shape));
      else out[name] = rng.fillUniform(n(shape), 1 / Math.sqrt(Math.max(1, fanIn[name] ?? 1)));
    }
    return out;
  },
  lower(ctx) {
    const p = ctx.params;
    const q = ctx.inputs.query!;
    const keys = ctx.inputs.keys ?? q;
    const values = ctx.inputs.values ?? keys;
    const mask = ctx.inputs.mask;
    // padded keys: the mask wins; else whatever padding the keys carry from a token input
    const lengths = mask ? (mask.lengths ?? mask.value) : (keys.lengths ?? '');
    const qLengths = q.type === 'Sequence' ? (q.lengths ?? '') : '';
    const o = ctx.outputs;
    const t = (s: PortShape) => ({ dtype: 'float32' as const, shape: s.shape });
    const result = (vals: string[]): Record<string, PortValue> => {
      const r: Record<string, PortValue> = { context: { ...o.context, value: vals[0], lengths: q.lengths } };
      // per-head weights are 4-D: they keep no lengths (Output masks [B,T,D] sequences only)
      r.weights = { ...o.weights, value: vals[1], lengths: p.score === 'multi_head' ? undefined : q.lengths };
      if (o.combined) r.combined = { ...o.combined, value: vals[2], lengths: q.lengths };
      return r;
    };
    if (p.score === 'multi_head') {
      const w = ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'].map((n) => ctx.weight(n));
      return result(ctx.op('MultiHeadAttention', [q.value, keys.value, values.value, lengths, qLengths, ...w], { num_heads: p.num_heads }, [t(o.context), t(o.weights)]));
    }
    if (p.score === 'concat') {
      const w = ['attn.weight', 'attn.bias', 'combine.weight', 'combine.bias'].map((n) => ctx.weight(n));
      const hidden = ctx.inputs.hidden?.value ?? '';
      return result(ctx.op('ConcatAttention', [q.value, hidden, values.value, lengths, qLengths, ...w], {}, [t(o.context), t(o.weights), t(o.combined)]));
    }
    const w = p.score === 'general' ? [ctx.weight('W'), '', '', ''] : p.score === 'additive' ? ['', ctx.weight('W_query'), ctx.weight('W_key'), ctx.weight('v')] : [];
    return result(ctx.op('Attention', [q.value, keys.value, values.value, lengths, qLengths, ...w], { score: p.score }, [t(o.context), t(o.weights)]));
  },
});
