// model.py for Attention and Decoder nodes. Attention: one module per score rule (DotAttention,
// GeneralAttention, AdditiveAttention, ConcatAttention) or nn.MultiheadAttention; the Decoder
// class (lib/decoder.ts) with the node's settings, its attention module built from the same
// classes so the weights keep the node's names (attn.W, attn.W_query, ...).
import { decoderSpecials, planDecoder, type DecoderParams } from '../compiler/decoder-plan';
import type { ModelGen, NodeView } from './context';
import { pyBool, pyNum, pyStr } from './py';

type P = Record<string, unknown>;

export function emitAttention(g: ModelGen, n: NodeView): void {
  const p = n.params as P;
  const score = p.score as string;
  const op = n.ops.find((o) => o.op === 'Attention' || o.op === 'ConcatAttention' || o.op === 'MultiHeadAttention');
  if (!op) g.fail(n, 'lowered without an attention op');
  const q = g.input(n, 'query')!.expr;
  const keys = g.input(n, 'keys')?.expr ?? q;
  const values = g.input(n, 'values')?.expr ?? keys;
  const keyLen = g.lengths(n, op.inputs[3]);
  const queryLen = g.lengths(n, op.inputs[4]);
  const ctx = g.local(`${n.v}_context`), w = g.local(`${n.v}_weights`);
  // only the masks there are, by name
  const lens = [keyLen !== 'None' ? `key_lengths=${keyLen}` : '', queryLen !== 'None' ? `query_lengths=${queryLen}` : ''].filter(Boolean).map((x) => `, ${x}`).join('');
  if (score === 'multi_head') {
    const E = n.weights['out_proj.weight'][0];
    const m = g.module(n, `nn.MultiheadAttention(${E}, ${p.num_heads}, batch_first=True)`);
    g.use('multi_head_attention');
    g.line(`${ctx}, ${w} = multi_head_attention(${m}, ${q}, ${keys}, ${values}${lens})`);
  } else if (score === 'concat') {
    const [Smax, In] = n.weights['attn.weight'];
    const [Dq, QV] = n.weights['combine.weight'];
    const m = g.module(n, `ConcatAttention(${Dq}, ${In - Dq}, ${QV - Dq}, max_length=${Smax})`);
    g.use('ConcatAttention');
    const hidden = g.input(n, 'hidden')?.expr;
    const comb = g.local(`${n.v}_combined`);
    g.line(`${ctx}, ${w}, ${comb} = ${m}(${q}, ${values}${hidden ? `, hidden=${hidden}` : ''}${lens})`);
    g.set(n, 'combined', { expr: comb });
  } else {
    const qShape = g.source(n, 'query')!.shapes[n.inputs.query.port].shape;
    const Dq = qShape[qShape.length - 1] as number;
    const m = g.module(n, scoreModule(g, score, Dq, n.weights));
    g.line(`${ctx}, ${w} = ${m}(${q}, ${keys}, ${values}${lens})`);
  }
  g.set(n, 'context', { expr: ctx });
  g.set(n, 'weights', { expr: w });
}

/** the ScoreAttention module of a rule; `weights` are its own (W / W_query, W_key, v) */
function scoreModule(g: ModelGen, score: string, Dq: number, weights: Record<string, number[]>, prefix = ''): string {
  switch (score) {
    case 'dot':
    case 'scaled_dot':
      g.use('DotAttention');
      return `DotAttention(${score === 'scaled_dot' ? 'scaled=True' : ''})`;
    case 'general': {
      g.use('GeneralAttention');
      const [q, k] = weights[`${prefix}W`];
      return `GeneralAttention(${q}, ${k})`;
    }
    case 'additive': {
      g.use('AdditiveAttention');
      const [A, q] = weights[`${prefix}W_query`];
      return `AdditiveAttention(${q}, ${weights[`${prefix}W_key`][1]}, attention_size=${A})`;
    }
  }
  throw new Error(`internal: score rule ${score}`);
}

export function emitDecoder(g: ModelGen, n: NodeView): void {
  const p = n.params as unknown as DecoderParams;
  const op = n.ops.find((o) => o.op === 'Decode');
  if (!op) g.fail(n, 'lowered without a Decode op');
  const shapes = Object.fromEntries(Object.entries(n.inputs).map(([port, src]) => [port, g.view(src.node).shapes[src.port]]));
  const plan = planDecoder(p, shapes);
  const sp = decoderSpecials(p);
  const H = p.hidden_size, L = p.num_layers;
  const rules = plan.rules;
  const style = p.attention === 'concat' ? 'concat' : rules ? p.attention_style : null;
  const args = [
    pyStr(p.cell), `vocab_size=${p.vocab.length}`, `embedding_dim=${p.embedding_dim}`, `hidden_size=${H}`, `num_layers=${L}`,
    `cell_input_size=${plan.I0}`, `out_features=${plan.Fo}`, `bos=${sp.bos}`, `eos=${sp.eos}`, `pad=${sp.pad}`, `max_len=${p.max_len}`,
  ];
  if (rules) args.push(`attn=${scoreModule(g, p.attention, H, n.weights, 'attn.')}`);
  if (style) args.push(`style=${pyStr(style)}`);
  if (plan.luong && p.concat_order !== 'context_h') args.push(`concat_order=${pyStr(p.concat_order)}`);
  if (plan.Dm && (plan.luong || p.attention === 'concat')) args.push(`memory_size=${plan.Dm}`);
  if (p.attention === 'concat') args.push(`max_source_len=${p.max_source_len}`);
  if (plan.state === 'bridge') args.push(`bridge_size=${plan.Din}`);
  const target = g.input(n, 'target');
  if (p.strategy === 'beam' && !target) {
    args.push('strategy="beam"', `beam_width=${p.beam_width}`, `length_penalty=${pyNum(p.length_penalty, true)}`);
    if (p.early_stopping) args.push(`early_stopping=${pyBool(true)}`);
  }
  if (p.attention === 'concat') g.use('masked_softmax');
  g.hasDecoder = true;
  const feats = g.decoderFeatures;
  feats.lstm ||= p.cell === 'LSTM';
  feats.bahdanau ||= plan.bahdanau;
  feats.luong ||= plan.luong;
  feats.concat ||= p.attention === 'concat';
  feats.beam ||= p.strategy === 'beam' && !target;
  feats.forced ||= !!target;
  feats.bridge ||= plan.state === 'bridge';
  const m = g.module(n, `Decoder(${args.join(', ')})`);
  if (feats.beam) g.notes.push(`\`${n.name}\` decodes by beam search written in Python (one batch row at a time, as seqgraph ranks hypotheses); fine for evaluation, slow for large batches.`);

  const mem = g.input(n, 'memory');
  const st = g.input(n, 'state');
  const stShape = shapes.state;
  let state = 'None';
  if (st) {
    if (stShape?.type === 'State') state = plan.state === 'bridge' ? (g.use('state_to_vector'), `state_to_vector(${st.expr})`) : p.cell === 'LSTM' && st.c ? `(${st.expr}, ${st.c})` : st.expr;
    else state = st.expr;
  }
  const batch = mem ? `${mem.expr}.shape[0]` : st ? (stShape?.type === 'State' ? `${st.expr}.shape[1]` : `${st.expr}.shape[0]`) : `${target!.expr}.shape[0]`;
  const kw: string[] = [batch];
  if (mem) kw.push(`memory=${mem.expr}`, `memory_lengths=${g.lengths(n, op.inputs[1])}`);
  if (st) kw.push(`state=${state}`);
  if (target) kw.push(`target=${target.expr}`, `target_lengths=${g.lengths(n, op.inputs[8])}`);
  // a Decoded(tokens, logprobs, attention, lengths, score) named tuple
  g.line(`${n.v} = ${m}(${kw.join(', ')})`);
  g.setLengths(op.outputs[3], `${n.v}.lengths`);
  for (const port of ['tokens', 'logprobs', 'attention', 'score']) g.set(n, port, { expr: `${n.v}.${port}` });
}
