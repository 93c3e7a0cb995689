// The attention seq2seq model kind of the 50-step PyTorch parity test (train-parity.test.ts):
// tokens → Embedding(padding_idx 0) → RNN/LSTM/GRU encoder → Decoder (same cell, layers and size,
// started from the encoder's final state, attending over its output) trained with teacher forcing,
// NLLLoss on the Decoder's log-probabilities. tests/python/seq2seq_torch.py builds the same model
// in torch.nn from the same spec; node ids are its submodule names.
import type { GraphDoc } from '../../src/doc/schema';
import type { TrainingSettingsInput } from '../../src/doc/training';
import type { Batch } from '../../src/train';

export interface Seq2SeqSpec {
  kind: 'seq2seq';
  cell: 'RNN' | 'LSTM' | 'GRU';
  layers: number;
  emb: number;
  hidden: number;
  attention: 'dot' | 'scaled_dot' | 'general' | 'additive';
  style: 'bahdanau' | 'luong';
  concat_order: 'context_h' | 'h_context';
  attention_dim?: number;
  src_vocab: number;
  tgt_vocab: number;
  /** the training section's teacher_forcing_ratio (0 or 1: deterministic on both sides) */
  ratio: number;
  pad: number;
  bos: number;
  eos: number;
  src: string;
  tgt: string;
  output: string;
  ids: { emb: string; enc: string; dec: string };
}

export function seq2seqSpec(over: Partial<Seq2SeqSpec> = {}): Seq2SeqSpec {
  return {
    kind: 'seq2seq', cell: 'GRU', layers: 1, emb: 5, hidden: 6, attention: 'additive', style: 'bahdanau', concat_order: 'context_h',
    src_vocab: 9, tgt_vocab: 8, ratio: 1, pad: 0, bos: 2, eos: 3, src: 'src', tgt: 'tgt', output: 'logp', ids: { emb: 'emb', enc: 'enc', dec: 'dec' }, ...over,
  };
}

/** <pad> <unk> <s> </s>, then symbols */
const vocab = (n: number, p: string) => ['<pad>', '<unk>', '<s>', '</s>', ...Array.from({ length: n - 4 }, (_, i) => `${p}${i}`)];

export function seq2seqGraph(m: Seq2SeqSpec, training?: TrainingSettingsInput, seed = 1): GraphDoc {
  const at = (x: number, y = 0) => ({ x: x * 240, y });
  const edge = (id: string, a: string, ap: string, b: string, bp: string) => ({ id, source: { node: a, port: ap }, target: { node: b, port: bp } });
  const tv = vocab(m.tgt_vocab, 't');
  return {
    format: 'seqgraph', version: 2, name: `seq2seq-${m.cell.toLowerCase()}-${m.attention}`, seed,
    nodes: [
      { id: 'in', type: 'Input', name: m.src, position: at(0), params: { kind: 'tokens', vocab: vocab(m.src_vocab, 's'), tokenizer: 'words' } },
      { id: m.ids.emb, type: 'Embedding', name: 'embed', position: at(1), params: { embedding_dim: m.emb, padding_idx: 0 } },
      { id: m.ids.enc, type: m.cell, name: 'encoder', position: at(2), params: { hidden_size: m.hidden, num_layers: m.layers } },
      { id: 'tg', type: 'Input', name: m.tgt, position: at(2, 200), params: { kind: 'tokens', vocab: tv, tokenizer: 'words' } },
      {
        id: m.ids.dec, type: 'Decoder', name: 'decoder', position: at(3),
        params: { vocab: tv, embedding_dim: m.emb, cell: m.cell, hidden_size: m.hidden, num_layers: m.layers, attention: m.attention, attention_style: m.style, concat_order: m.concat_order, attention_dim: m.attention_dim ?? null },
      },
      { id: 'o', type: 'Output', name: m.output, position: at(4), params: {} },
    ],
    edges: [
      edge('e1', 'in', 'tokens', m.ids.emb, 'tokens'),
      edge('e2', m.ids.emb, 'output', m.ids.enc, 'input'),
      edge('e3', m.ids.enc, 'output', m.ids.dec, 'memory'),
      edge('e4', m.ids.enc, 'state', m.ids.dec, 'state'),
      edge('e5', 'tg', 'tokens', m.ids.dec, 'target'),
      edge('e6', m.ids.dec, 'logprobs', 'o', 'value'),
    ],
    samples: [],
    ...(training ? { training: training as GraphDoc['training'] } : {}),
  };
}

/**
 * Random ragged batches: sources of ids 4..V-1 (row 0 full length), targets of ids 4..V-1 ended
 * by </s> and padded with <pad>; the target of the log-probabilities is the same ids with -100
 * (ignore_index) on padding — the layout docs/datasets.md gives a Decoder's target.
 */
export function seq2seqBatches(rand: () => number, m: Seq2SeqSpec, count: number, B: number, S: number, T: number): Batch[] {
  const id = (V: number) => 4 + Math.floor(rand() * (V - 4));
  return Array.from({ length: count }, () => {
    const src = new Int32Array(B * S), tgt = new Int32Array(B * T), scored = new Int32Array(B * T).fill(-100);
    for (let b = 0; b < B; b++) {
      const ls = b === 0 ? S : 1 + Math.floor(rand() * S), lt = b === 0 ? T : 1 + Math.floor(rand() * T);
      for (let s = 0; s < ls; s++) src[b * S + s] = id(m.src_vocab);
      for (let t = 0; t < lt; t++) tgt[b * T + t] = scored[b * T + t] = t === lt - 1 ? m.eos : id(m.tgt_vocab);
    }
    return {
      feeds: { [m.src]: { dtype: 'int64' as const, shape: [B, S], data: src }, [m.tgt]: { dtype: 'int64' as const, shape: [B, T], data: tgt } },
      targets: { [m.output]: { dtype: 'int64' as const, shape: [B, T], data: scored } },
      size: B,
    };
  });
}
