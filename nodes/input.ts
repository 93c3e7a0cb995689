import { defineNode, type PortShape, type PortValue } from '../src/compiler/node-def';
import { SPECIALS } from '../src/runtime/tokenize';

const isTokens = (p: Record<string, unknown>) => p.kind === 'tokens';
const isFloat = (p: Record<string, unknown>) => p.kind !== 'tokens';

export const Input = defineNode<{
  kind: 'tokens' | 'sequence' | 'vector' | 'state';
  vocab: string[];
  tokenizer: 'chars' | 'words';
  lowercase: boolean;
  add_bos: boolean;
  add_eos: boolean;
  features: number;
  layers: number;
  cell: boolean;
}>({
  type: 'Input',
  category: 'Inputs',
  label: 'Input',
  doc:
    'What the model reads. Tokens: text split into characters or words and looked up in the vocabulary ' +
    '(unknown symbols become <unk>; a batch is padded at the end with <pad>, and the padding travels along ' +
    'as a mask so padded steps change nothing). Sequence: float vectors, one per step [B,T,F]. Vector: one ' +
    'float vector per row [B,F]. State: an initial state h [layers,B,F] (and c, fed as <name>_c) for a recurrent ' +
    'node\'s initial_state. The node\'s name is the name of the model input.',
  inputs: [],
  outputs: [
    { name: 'tokens', types: ['Tokens'], help: 'token ids [B,T]', when: isTokens },
    { name: 'mask', types: ['Mask'], help: 'which steps are real tokens [B,T]', when: isTokens },
    { name: 'sequence', types: ['Sequence'], help: 'float sequence [B,T,F]', when: (p) => p.kind === 'sequence' },
    { name: 'vector', types: ['Vector'], help: 'float vector [B,F]', when: (p) => p.kind === 'vector' },
    { name: 'state', types: ['State'], help: 'state h [layers,B,F] (and c)', when: (p) => p.kind === 'state' },
  ],
  params: {
    kind: { kind: 'enum', options: ['tokens', 'sequence', 'vector', 'state'], default: 'tokens', inline: true, help: 'tokens (text), a float sequence, a float vector, or a recurrent state' },
    vocab: {
      kind: 'strings',
      // printable ASCII (space to ~), so a space, a digit or a capital is not silently <unk>
      default: [...SPECIALS, ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))],
      minItems: 2,
      help: 'the symbols, in id order; must hold <pad> and <unk> (and <s>, </s> to add them)',
      when: isTokens,
    },
    tokenizer: { kind: 'enum', options: ['chars', 'words'], default: 'chars', inline: true, help: 'split text into characters or whitespace-separated words', when: isTokens },
    lowercase: { kind: 'bool', default: false, help: 'lower-case text before looking it up', when: isTokens },
    add_bos: { kind: 'bool', default: false, help: 'put <s> before every sequence', when: isTokens },
    add_eos: { kind: 'bool', default: false, help: 'put </s> after every sequence', when: isTokens },
    features: { kind: 'int', default: 1, min: 1, max: 65536, inline: true, help: 'values per step (sequence), per row (vector) or per unit of state (hidden_size)', when: isFloat },
    layers: { kind: 'int', default: 1, min: 1, max: 64, help: 'state rows: num_layers × directions', when: (p) => p.kind === 'state' },
    cell: { kind: 'bool', default: false, help: 'also a cell state c (for an LSTM), fed as <name>_c', when: (p) => p.kind === 'state' },
  },
  summary: (p) =>
    p.kind === 'tokens' ? `${p.tokenizer} · ${p.vocab.length} symbols` : p.kind === 'sequence' ? `[B, T, ${p.features}]` : p.kind === 'state' ? `[${p.layers}, B, ${p.features}]${p.cell ? ' h, c' : ''}` : `[B, ${p.features}]`,
  infer({ params: p, error, timeDim: T }): Record<string, PortShape> {
    if (p.kind === 'tokens') {
      const seen = new Map<string, number>();
      p.vocab.forEach((s, i) => {
        if (seen.has(s)) error({ param: 'vocab' }, `symbol "${s}" appears twice (ids ${seen.get(s)} and ${i})`);
        seen.set(s, i);
        if (s === '') error({ param: 'vocab' }, `symbol ${i} is empty`);
      });
      for (const s of ['<pad>', '<unk>']) if (!seen.has(s)) error({ param: 'vocab' }, `the vocabulary needs ${s}`);
      if (p.add_bos && !seen.has('<s>')) error({ param: 'vocab' }, 'add_bos needs <s> in the vocabulary');
      if (p.add_eos && !seen.has('</s>')) error({ param: 'vocab' }, 'add_eos needs </s> in the vocabulary');
      return {
        tokens: { type: 'Tokens', dtype: 'int64', shape: ['B', T], masked: true, vocab: p.vocab },
        mask: { type: 'Mask', dtype: 'int64', shape: ['B', T] },
      };
    }
    if (p.kind === 'sequence') return { sequence: { type: 'Sequence', dtype: 'float32', shape: ['B', T, p.features] } };
    if (p.kind === 'state') return { state: { type: 'State', dtype: 'float32', shape: [p.layers, 'B', p.features], cell: p.cell } };
    return { vector: { type: 'Vector', dtype: 'float32', shape: ['B', p.features] } };
  },
  lower(ctx): Record<string, PortValue> {
    const p = ctx.params;
    if (p.kind === 'tokens') {
      const id = (s: string) => p.vocab.indexOf(s);
      const pad = id('<pad>');
      const v = ctx.graphInput('int64', ctx.outputs.tokens.shape, {
        kind: 'tokens', vocab: p.vocab, tokenizer: p.tokenizer, pad, unk: id('<unk>'),
        bos: id('<s>') >= 0 ? id('<s>') : undefined, eos: id('</s>') >= 0 ? id('</s>') : undefined,
        add_bos: p.add_bos, add_eos: p.add_eos, lowercase: p.lowercase,
      });
      const [lengths] = ctx.op('SeqLengths', [v], { pad }, [{ dtype: 'int64', shape: ['B'] }]);
      return {
        tokens: { ...ctx.outputs.tokens, value: v, lengths },
        // padding is always at the end, so the per-row lengths are the mask
        mask: { ...ctx.outputs.mask, value: lengths, lengths },
      };
    }
    if (p.kind === 'state') {
      const s = ctx.outputs.state;
      const h = ctx.graphInput('float32', s.shape, { kind: 'float', features: p.features });
      const c = p.cell ? ctx.graphInput('float32', s.shape, { kind: 'float', features: p.features }, `${ctx.node.name}_c`) : undefined;
      return { state: { ...s, value: h, c } };
    }
    const out = p.kind === 'sequence' ? 'sequence' : 'vector';
    const s = ctx.outputs[out];
    const v = ctx.graphInput('float32', s.shape, { kind: 'float', features: p.features });
    return { [out]: { ...s, value: v } };
  },
});
