import { defineNode, type PortShape, type PortValue } from '../src/compiler/node-def';
import { features } from '../src/compiler/shapes';
import { decoderSpecials, decoderWeights, initDecoderWeights, planDecoder, type DecoderParams } from '../src/compiler/decoder-plan';
import { SPECIALS } from '../src/runtime/tokenize';
import type { Dim } from '../src/runtime/tensor';

const attends = (p: Record<string, unknown>) => p.attention !== 'none';
const scoreRule = (p: Record<string, unknown>) => p.attention !== 'none' && p.attention !== 'concat';
const beam = (p: Record<string, unknown>) => p.strategy === 'beam';
const luong = (p: Record<string, unknown>) => scoreRule(p) && p.attention_style === 'luong';

export const Decoder = defineNode<DecoderParams>({
  type: 'Decoder',
  category: 'Attention',
  label: 'Decoder',
  doc:
    'Writes a token sequence in the target vocabulary, one token per step (seq2seq N→M with a memory, or 1→N from a vector). ' +
    'Each step embeds the previous token (<s> first), steps a stacked RNN/LSTM/GRU cell (PyTorch\'s maths), and scores the vocabulary: logp = log_softmax(out(feat)). ' +
    'Attention over the memory (the encoder\'s output): Bahdanau attends before the cell with the previous top h, feeds [embedding; context] into the cell and reads feat = [h; context]; ' +
    'Luong attends after the cell with the new h and reads feat = tanh(W_c[context; h]) (concat_order h_context: tanh(W_c[h; context]), as the PyTorch chatbot tutorial); concat is the PyTorch tutorial\'s AttnDecoderRNN ' +
    '(softmax(attn([embedding; h_prev])) over max_source_len positions, cell input relu(attn_combine([embedding; context]))). Padded memory steps get weight 0. ' +
    'Initial state: a State of shape [num_layers, B, hidden_size] is used as it is (c too, for an LSTM); any other State — e.g. a bidirectional or differently sized encoder\'s — ' +
    'is bridged: all its rows of h side by side (a 1-layer bidirectional encoder: [h_fwd; h_bwd]) go through Linear + tanh to every layer\'s h0 (c0 = 0). ' +
    'A vector of size hidden_size is every layer\'s h0; another size is bridged the same way. Nothing connected: zeros. ' +
    'The special symbols are named in the params: decoding starts from bos_token; pad_token and bos_token are never written. Greedy takes the most likely token (lowest id on ties); ' +
    'beam keeps beam_width hypotheses and ranks finished ones by score / len^length_penalty (score = Σ log-probs, len = tokens including eos_token; 0 = raw sums), ' +
    'searching until no live hypothesis can beat the best finished one (early_stopping: stop at beam_width finished ones). A row stops at eos_token (kept as a real token) or max_len; ' +
    'later steps are padding (pad_token ids, or eos_token without one; log-probs 0, attention 0). With a target, the decoder is forced along it (teacher forcing) and score is the target\'s log-likelihood.',
  inputs: [
    { name: 'memory', types: ['Sequence'], optional: true, help: 'the encoder\'s output [B,S,Dm] that attention reads (none for a 1→N generator)' },
    { name: 'state', types: ['State', 'Vector'], optional: true, help: 'initial state: the encoder\'s final state, or a vector (see the doc for the bridge)' },
    { name: 'target', types: ['Tokens'], optional: true, help: 'forced decoding: the tokens to score [B,M] (without <s>; end rows with </s> to score stopping)' },
  ],
  outputs: [
    { name: 'tokens', types: ['Tokens'], help: 'the tokens written [B,M], padded with pad_token (or eos_token) after each row\'s end' },
    { name: 'logprobs', types: ['Sequence'], help: 'log-probabilities of every symbol at every step [B,M,V]' },
    { name: 'attention', types: ['Sequence'], when: attends, help: 'attention weights over the memory at every step [B,M,S]' },
    { name: 'score', types: ['Vector'], help: 'each row\'s total log-probability Σ_t logp(token_t) [B,1]' },
  ],
  params: {
    vocab: { kind: 'strings', default: [...SPECIALS, ...'abcdefghijklmnopqrstuvwxyz'.split('')], minItems: 2, help: 'the target symbols, in id order (id = position); must hold the special symbols named below' },
    bos_token: { kind: 'string', default: '<s>', help: 'the start symbol fed at the first step (the PyTorch tutorial\'s SOS)' },
    eos_token: { kind: 'string', default: '</s>', help: 'the end symbol: a row stops when it writes it; empty = none (rows run to max_len)' },
    pad_token: { kind: 'string', default: '<pad>', help: 'the padding symbol: never written, and what fills a row after its end; empty = none (eos_token fills)' },
    embedding_dim: { kind: 'int', default: 32, min: 1, max: 65536, help: 'size of each target token\'s vector' },
    cell: { kind: 'enum', options: ['RNN', 'LSTM', 'GRU'], default: 'GRU', inline: true, help: 'the recurrent cell (RNN is tanh; GRU as PyTorch, r·(W_hn h + b_hn))' },
    hidden_size: { kind: 'int', default: 64, min: 1, max: 16384, required: true, inline: true, help: 'units per layer (H)' },
    num_layers: { kind: 'int', default: 1, min: 1, max: 16, help: 'stacked layers' },
    attention: { kind: 'enum', options: ['none', 'dot', 'scaled_dot', 'general', 'additive', 'concat'], default: 'none', inline: true, help: 'how each step scores the memory (none for 1→N)' },
    attention_style: { kind: 'enum', options: ['bahdanau', 'luong'], default: 'bahdanau', when: scoreRule, help: 'bahdanau: attend before the cell with the previous h; luong: after it with the new h' },
    concat_order: { kind: 'enum', options: ['context_h', 'h_context'], default: 'context_h', when: luong, help: 'what the Luong output layer (concat.weight) reads: [context; h] as Luong et al. write it, or [h; context] as the PyTorch chatbot tutorial\'s cat((rnn_output, context))' },
    attention_dim: { kind: 'int', default: null, nullable: true, min: 1, max: 65536, when: (p) => p.attention === 'additive', help: 'A, the additive layer\'s size; empty = hidden_size' },
    max_source_len: { kind: 'int', default: 50, min: 1, max: 100_000, when: (p) => p.attention === 'concat', help: 'memory positions the concat attention scores (the tutorial\'s MAX_LENGTH)' },
    max_len: { kind: 'int', default: 50, min: 1, max: 100_000, inline: true, help: 'most tokens a row may get (</s> included)' },
    strategy: { kind: 'enum', options: ['greedy', 'beam'], default: 'greedy', help: 'greedy: the most likely token each step; beam: beam search (ignored with a target)' },
    beam_width: { kind: 'int', default: 4, min: 1, max: 256, when: beam, help: 'hypotheses kept per row' },
    length_penalty: { kind: 'float', default: 1, min: 0, max: 10, when: beam, help: 'α: finished hypotheses are ranked by score / len^α (0: raw sums, which favour short ones)' },
    early_stopping: { kind: 'bool', default: false, when: beam, help: 'stop a row once it holds beam_width finished hypotheses (Hugging Face\'s early_stopping=True); off: search until no live hypothesis can beat the best finished one' },
  },
  summary: (p) => `${p.cell} ${p.hidden_size}${p.num_layers > 1 ? ` ×${p.num_layers}` : ''}${p.attention !== 'none' ? ` · ${p.attention}` : ''}${p.strategy === 'beam' ? ` · beam ${p.beam_width}` : ''}`,
  infer({ params: p, inputs, error }) {
    const seen = new Map<string, number>();
    p.vocab.forEach((s, i) => {
      if (seen.has(s)) error({ param: 'vocab' }, `symbol "${s}" appears twice (ids ${seen.get(s)} and ${i})`);
      seen.set(s, i);
      if (s === '') error({ param: 'vocab' }, `symbol ${i} is empty`);
    });
    if (p.bos_token === '') error({ param: 'bos_token' }, 'is empty, but decoding starts from it: name the start symbol of the vocabulary');
    for (const k of ['bos_token', 'eos_token', 'pad_token'] as const) {
      if (p[k] !== '' && !seen.has(p[k])) error({ param: k }, `"${p[k]}" is not in the target vocabulary${k === 'bos_token' ? '' : ': add it, or leave it empty for none'}`);
    }
    if (p.pad_token !== '' && p.pad_token === p.eos_token) error({ param: 'pad_token' }, `is "${p.pad_token}", the end symbol too: padding is never written, so no row could end; use two symbols (or leave pad_token empty)`);
    const sp = decoderSpecials(p);
    if (p.vocab.every((_, i) => i === sp.pad || (i === sp.bos && sp.bos !== sp.eos))) error({ param: 'vocab' }, 'holds nothing the decoder may write (it never writes pad_token nor bos_token)');
    const plan = planDecoder(p, inputs);
    const { memory: mem, state: st, target: tgt } = inputs;
    if (plan.B === undefined) {
      error({ port: 'state' }, 'connect memory, state or target: the decoder needs one of them to know the batch size');
      return null;
    }
    if (p.attention !== 'none' && !mem) error({ port: 'memory' }, `is not connected, but attention ${p.attention} reads it: connect the encoder's output, or set attention to none`);
    if (p.attention === 'none' && mem) error({ param: 'attention' }, 'is none, so the memory would go unused: pick a score rule (additive is Bahdanau\'s)');
    if (mem && features(mem) === null) error({ port: 'memory' }, `needs a fixed feature size, got [${mem.shape.join(', ')}]`);
    if ((p.attention === 'dot' || p.attention === 'scaled_dot') && mem && plan.Dm !== p.hidden_size) {
      error({ param: 'attention' }, `${p.attention} scores h (${p.hidden_size}) against memory steps of ${plan.Dm} features: they must match (general or additive learn a map)`);
    }
    if (p.attention === 'concat' && typeof plan.S === 'number' && plan.S > p.max_source_len) error({ param: 'max_source_len' }, `is ${p.max_source_len} but the memory has ${plan.S} steps`);
    if (plan.state === 'bridge' && plan.Din === 0) error({ port: 'state' }, `needs fixed sizes to be bridged, got [${st!.shape.join(', ')}]`);
    if (tgt?.vocab && (tgt.vocab.length !== p.vocab.length || tgt.vocab.some((s, i) => s !== p.vocab[i]))) {
      error({ port: 'target' }, `reads ${tgt.vocab.length} symbols that differ from the decoder's vocab (${p.vocab.length}): give the target Input the same list, so ids mean the same symbols`);
    }
    const B = plan.B;
    const M: Dim = tgt ? tgt.shape[1] : 'M';
    const V = p.vocab.length;
    const out: Record<string, PortShape> = {
      tokens: { type: 'Tokens', dtype: 'int64', shape: [B, M], masked: true, vocab: p.vocab },
      logprobs: { type: 'Sequence', dtype: 'float32', shape: [B, M, V], masked: true, labels: p.vocab, kind: 'logprobs' },
      score: { type: 'Vector', dtype: 'float32', shape: [B, 1] },
    };
    if (p.attention !== 'none') out.attention = { type: 'Sequence', dtype: 'float32', shape: [B, M, p.attention === 'concat' ? p.max_source_len : (plan.S ?? 'S')], masked: true, kind: 'probs' };
    return out;
  },
  weights: ({ params: p, inputs }) => decoderWeights(p, planDecoder(p, inputs)),
  init: ({ params: p, rng }, shapes) => initDecoderWeights(p, shapes, rng),
  lower(ctx) {
    const p = ctx.params;
    const { memory: mem, state: st, target: tgt } = ctx.inputs;
    const plan = planDecoder(p, ctx.inputs);
    const w = (name: string) => ctx.weight(name);
    // the Decode op's inputs, by position (ir/ops.ts); '' = absent
    const ins: string[] = new Array(19).fill('');
    if (mem) [ins[0], ins[1]] = [mem.value, mem.lengths ?? ''];
    if (plan.state === 'pass') [ins[2], ins[3]] = [st!.value, p.cell === 'LSTM' ? (st!.c ?? '') : ''];
    if (plan.state === 'vector') ins[4] = st!.value;
    if (plan.state === 'bridge') {
      // a State's rows [R,B,He] side by side -> [B, R·He]: for a 1-layer bidirectional encoder, [h_fwd; h_bwd]
      const x = st!.type === 'State' ? ctx.op('StateToVector', [st!.value], {}, [{ dtype: 'float32', shape: [plan.B!, plan.Din] }])[0] : st!.value;
      [ins[4], ins[5], ins[6]] = [x, w('bridge.weight'), w('bridge.bias')];
    }
    if (tgt) [ins[7], ins[8]] = [tgt.value, tgt.lengths ?? ''];
    [ins[9], ins[10], ins[11]] = [w('embedding.weight'), w('out.weight'), w('out.bias')];
    if (p.attention === 'general') ins[12] = w('attn.W');
    if (p.attention === 'concat') [ins[12], ins[13], ins[17], ins[18]] = [w('attn.weight'), w('attn.bias'), w('attn_combine.weight'), w('attn_combine.bias')];
    if (p.attention === 'additive') [ins[14], ins[15], ins[16]] = [w('attn.W_query'), w('attn.W_key'), w('attn.v')];
    if (plan.luong) [ins[17], ins[18]] = [w('concat.weight'), w('concat.bias')];
    for (let l = 0; l < p.num_layers; l++) ins.push(...['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((k) => w(`rnn.${k}_l${l}`)));
    const o = ctx.outputs;
    const B = plan.B!;
    const M = o.tokens.shape[1];
    const Sw: Dim = o.attention ? o.attention.shape[2] : 0;
    const [tokens, logprobs, attention, lengths, score] = ctx.op(
      'Decode',
      ins,
      {
        cell: p.cell, hidden_size: p.hidden_size, num_layers: p.num_layers, attention: p.attention, attention_style: p.attention_style,
        ...decoderSpecials(p), max_len: p.max_len, strategy: p.strategy, beam_width: p.beam_width, length_penalty: p.length_penalty, early_stopping: p.early_stopping,
        ...(plan.luong ? { concat_order: p.concat_order } : {}),
      },
      [
        { dtype: 'int64', shape: [B, M] },
        { dtype: 'float32', shape: [B, M, p.vocab.length] },
        { dtype: 'float32', shape: [B, M, Sw] },
        { dtype: 'int64', shape: [B] },
        { dtype: 'float32', shape: [B, 1] },
      ],
    );
    const r: Record<string, PortValue> = {
      tokens: { ...o.tokens, value: tokens, lengths },
      logprobs: { ...o.logprobs, value: logprobs, lengths },
      score: { ...o.score, value: score },
    };
    if (o.attention) r.attention = { ...o.attention, value: attention, lengths };
    return r;
  },
});
