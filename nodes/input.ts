import { defineNode, type PortShape, type PortValue } from '../src/compiler/node-def';
import { SPECIALS } from '../src/runtime/tokenize';
import type { TokenInputInfo } from '../src/ir/program';

const isTokens = (p: Record<string, unknown>) => p.kind === 'tokens';
const isFloat = (p: Record<string, unknown>) => p.kind !== 'tokens';
const padded = (p: Record<string, unknown>) => p.kind === 'tokens' && p.padding !== false;

export const Input = defineNode<{
  kind: 'tokens' | 'sequence' | 'vector' | 'state';
  vocab: string[];
  tokenizer: 'chars' | 'words';
  lowercase: boolean;
  padding: boolean;
  pad_token: string;
  unk_token: string;
  bos_token: string;
  eos_token: string;
  add_bos: boolean;
  add_eos: boolean;
  features: number;
  layers: number;
  cell: boolean;
  lengths: boolean;
}>({
  type: 'Input',
  category: 'Inputs',
  label: 'Input',
  doc:
    'What the model reads. Tokens: text split into characters or words and looked up in the vocabulary ' +
    '(unknown symbols become unk_token, or are an error without one; with padding, a batch is padded at the end with pad_token, and the padding travels along ' +
    'as a mask so padded steps change nothing; without padding every id is a real token, as for a PyTorch embedding with no spare row, and all rows have one length). ' +
    'The special symbols are named in the params (empty = none). Sequence: float vectors, one per step [B,T,F]. Vector: one ' +
    'float vector per row [B,F]. State: an initial state h [layers,B,F] (and c, fed as <name>_c) for a recurrent ' +
    'node\'s initial_state. The node\'s name is the name of the model input.',
  inputs: [],
  outputs: [
    { name: 'tokens', types: ['Tokens'], help: 'token ids [B,T]', when: isTokens },
    { name: 'mask', types: ['Mask'], help: 'which steps are real tokens [B,T]', when: padded },
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
      help: 'the symbols, in id order (id = position); must hold the special symbols named below',
      when: isTokens,
    },
    padding: { kind: 'bool', default: true, help: 'pad shorter rows at the end with pad_token, and let padded steps change nothing (off: every id is a real token, no mask, rows of one length)', when: isTokens },
    pad_token: { kind: 'string', default: '<pad>', help: 'the padding symbol (in the vocabulary)', when: padded },
    unk_token: { kind: 'string', default: '<unk>', help: 'what symbols missing from the vocabulary become; empty = none (an unknown symbol is then an error)', when: isTokens },
    tokenizer: { kind: 'enum', options: ['chars', 'words'], default: 'chars', inline: true, help: 'split text into characters or whitespace-separated words', when: isTokens },
    lowercase: { kind: 'bool', default: false, help: 'lower-case text before looking it up', when: isTokens },
    add_bos: { kind: 'bool', default: false, help: 'put bos_token before every sequence', when: isTokens },
    bos_token: { kind: 'string', default: '<s>', help: 'the start symbol add_bos puts first', when: (p) => isTokens(p) && p.add_bos === true },
    add_eos: { kind: 'bool', default: false, help: 'put eos_token after every sequence', when: isTokens },
    eos_token: { kind: 'string', default: '</s>', help: 'the end symbol add_eos puts last', when: (p) => isTokens(p) && p.add_eos === true },
    features: { kind: 'int', default: 1, min: 1, max: 65536, inline: true, help: 'values per step (sequence), per row (vector) or per unit of state (hidden_size)', when: isFloat },
    layers: { kind: 'int', default: 1, min: 1, max: 64, help: 'state rows: num_layers × directions', when: (p) => p.kind === 'state' },
    cell: { kind: 'bool', default: false, help: 'also a cell state c (for an LSTM), fed as <name>_c', when: (p) => p.kind === 'state' },
    lengths: { kind: 'bool', default: false, help: 'rows of a batch have their own lengths, fed as <name>_lengths (int64 [B]); later steps are padding and change nothing (as ONNX sequence_lens, PyTorch packed sequences)', when: (p) => p.kind === 'sequence' },
  },
  summary: (p) =>
    p.kind === 'tokens' ? `${p.tokenizer} · ${p.vocab.length} symbols${p.padding ? '' : ' · no padding'}` : p.kind === 'sequence' ? `[B, T, ${p.features}]` : p.kind === 'state' ? `[${p.layers}, B, ${p.features}]${p.cell ? ' h, c' : ''}` : `[B, ${p.features}]`,
  infer({ params: p, error, timeDim: T }): Record<string, PortShape> {
    if (p.kind === 'tokens') {
      const seen = new Map<string, number>();
      p.vocab.forEach((s, i) => {
        if (seen.has(s)) error({ param: 'vocab' }, `symbol "${s}" appears twice (ids ${seen.get(s)} and ${i})`);
        seen.set(s, i);
        if (s === '') error({ param: 'vocab' }, `symbol ${i} is empty`);
      });
      for (const problem of specialTokenProblems(p, seen)) error({ param: problem.param }, problem.message);
      const shape = ['B', T];
      if (!p.padding) return { tokens: { type: 'Tokens', dtype: 'int64', shape, vocab: p.vocab } };
      return {
        tokens: { type: 'Tokens', dtype: 'int64', shape, masked: true, vocab: p.vocab },
        mask: { type: 'Mask', dtype: 'int64', shape: ['B', T] },
      };
    }
    if (p.kind === 'sequence') return { sequence: { type: 'Sequence', dtype: 'float32', shape: ['B', T, p.features], ...(p.lengths ? { masked: true } : {}) } };
    if (p.kind === 'state') return { state: { type: 'State', dtype: 'float32', shape: [p.layers, 'B', p.features], cell: p.cell } };
    return { vector: { type: 'Vector', dtype: 'float32', shape: ['B', p.features] } };
  },
  lower(ctx): Record<string, PortValue> {
    const p = ctx.params;
    if (p.kind === 'tokens') {
      const info = tokenInfo(p);
      const v = ctx.graphInput('int64', ctx.outputs.tokens.shape, info);
      if (info.pad === undefined) return { tokens: { ...ctx.outputs.tokens, value: v } };
      const [lengths] = ctx.op('SeqLengths', [v], { pad: info.pad }, [{ dtype: 'int64', shape: ['B'] }]);
      return {
        tokens: { ...ctx.outputs.tokens, value: v, lengths },
        // padding is always at the end (the runtime and the ONNX model refuse other feeds), so the per-row lengths are the mask
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
    if (p.kind === 'sequence' && p.lengths) {
      const lengths = ctx.graphInput('int64', ['B'], { kind: 'float', features: 1 }, `${ctx.node.name}_lengths`);
      const [checked] = ctx.op('CheckLengths', [v, lengths], {}, [{ dtype: 'int64', shape: ['B'] }]);
      return { [out]: { ...s, value: v, lengths: checked } };
    }
    return { [out]: { ...s, value: v } };
  },
});

interface TokenParams {
  vocab: string[];
  tokenizer: 'chars' | 'words';
  lowercase: boolean;
  padding: boolean;
  pad_token: string;
  unk_token: string;
  bos_token: string;
  eos_token: string;
  add_bos: boolean;
  add_eos: boolean;
}

/**
 * What run would refuse, or silently misread, because of how the special symbols are set: each
 * named symbol must be in the vocabulary, and the padding symbol must not also be one the input
 * writes as a real token (an added </s> or <s>, or <unk>), which would be read as padding.
 */
function specialTokenProblems(p: TokenParams, ids: Map<string, number>): { param: string; message: string }[] {
  const out: { param: string; message: string }[] = [];
  const need = (param: string, sym: string, why: string, fix: string) => {
    if (sym === '') out.push({ param, message: `is empty, but ${why}: ${fix}` });
    else if (!ids.has(sym)) out.push({ param, message: `"${sym}" is not in the vocabulary, but ${why}: ${fix}` });
  };
  if (p.padding) need('pad_token', p.pad_token, 'padding is on', 'add it, name another symbol, or turn padding off (then every id is a real token)');
  if (p.unk_token !== '' && !ids.has(p.unk_token)) out.push({ param: 'unk_token', message: `"${p.unk_token}" is not in the vocabulary: add it, or leave unk_token empty so that unknown symbols are an error` });
  if (p.add_bos) need('bos_token', p.bos_token, 'add_bos puts it before every sequence', 'add it, or name another symbol');
  if (p.add_eos) need('eos_token', p.eos_token, 'add_eos puts it after every sequence', 'add it, or name another symbol');
  if (p.padding && p.pad_token !== '') {
    const clash = ([['unk_token', p.unk_token !== ''], ['bos_token', p.add_bos], ['eos_token', p.add_eos]] as const).filter(([k, on]) => on && p[k] === p.pad_token);
    for (const [k] of clash) out.push({ param: k, message: `is "${p.pad_token}", the padding symbol too: every ${k.replace('_token', '')} the input writes would be read as padding; use two symbols` });
  }
  return out;
}

/** The token input's settings as the IR and runtime read them (ids, not symbols). */
export function tokenInfo(p: TokenParams): TokenInputInfo {
  const id = (s: string) => (s === '' ? undefined : (p.vocab.indexOf(s) >= 0 ? p.vocab.indexOf(s) : undefined));
  return {
    kind: 'tokens', vocab: p.vocab, tokenizer: p.tokenizer,
    pad: p.padding ? id(p.pad_token) : undefined, unk: id(p.unk_token),
    bos: id(p.bos_token), eos: id(p.eos_token),
    add_bos: p.add_bos, add_eos: p.add_eos, lowercase: p.lowercase,
  };
}
