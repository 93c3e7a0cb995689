// Graphs for the training tests, built from nodes, each matching a model kind of
// tests/python/train_parity.py (the PyTorch side builds the same model from the same spec).
// Node ids double as PyTorch submodule names, so a weight is "<node id>.<PyTorch name>" on both
// sides. To add a kind (e.g. an attention seq2seq): a builder here, one in train_parity.py's MODELS.
import type { GraphDoc } from '../../src/doc/schema';
import type { TrainingSettingsInput } from '../../src/doc/training';
import type { Tensor } from '../../src/runtime/tensor';

export interface RecurrentSpec {
  kind: 'recurrent';
  cell: 'RNN' | 'LSTM' | 'GRU';
  nonlinearity?: 'tanh' | 'relu';
  vocab: number;
  emb: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  classes: number;
  /** last: Linear on the top layer's final states (N→1); steps: on every step (N→N) */
  head: 'last' | 'steps';
  input: string;
  output: string;
  ids: { emb: string; rnn: string; out: string };
}

export function recurrentSpec(over: Partial<RecurrentSpec> = {}): RecurrentSpec {
  return {
    kind: 'recurrent', cell: 'GRU', vocab: 12, emb: 6, hidden: 8, layers: 1, bidirectional: true, classes: 3, head: 'last',
    input: 'tokens', output: 'logits', ids: { emb: 'emb', rnn: 'rnn', out: 'out' }, ...over,
  };
}

/** a vocabulary of n symbols with <pad> at 0 and <unk> at 1 */
export function vocabOf(n: number): string[] {
  const v = ['<pad>', '<unk>'];
  for (let i = 2; i < n; i++) v.push(`s${i}`);
  return v;
}

const pos = (x: number) => ({ x: x * 240, y: 0 });

export function recurrentGraph(m: RecurrentSpec, training?: TrainingSettingsInput, seed = 1): GraphDoc {
  const rnnParams: Record<string, unknown> = { hidden_size: m.hidden, num_layers: m.layers, bidirectional: m.bidirectional, merge_mode: 'concat' };
  if (m.cell === 'RNN') rnnParams.nonlinearity = m.nonlinearity ?? 'tanh';
  const edge = (id: string, a: string, ap: string, b: string, bp: string) => ({ id, source: { node: a, port: ap }, target: { node: b, port: bp } });
  return {
    format: 'seqgraph',
    version: 2,
    name: `${m.cell.toLowerCase()}-${m.head}`,
    seed,
    nodes: [
      { id: 'in', type: 'Input', name: m.input, position: pos(0), params: { kind: 'tokens', vocab: vocabOf(m.vocab), tokenizer: 'words' } },
      { id: m.ids.emb, type: 'Embedding', name: 'embed', position: pos(1), params: { embedding_dim: m.emb, padding_idx: 0 } },
      { id: m.ids.rnn, type: m.cell, name: 'encoder', position: pos(2), params: rnnParams },
      { id: m.ids.out, type: 'Dense', name: 'classify', position: pos(3), params: { units: m.classes, activation: 'none' } },
      { id: 'o', type: 'Output', name: m.output, position: pos(4), params: {} },
    ],
    edges: [
      edge('e1', 'in', 'tokens', m.ids.emb, 'tokens'),
      edge('e2', m.ids.emb, 'output', m.ids.rnn, 'input'),
      edge('e3', m.ids.rnn, m.head === 'last' ? 'last' : 'output', m.ids.out, 'input'),
      edge('e4', m.ids.out, 'output', 'o', 'value'),
    ],
    samples: [],
    ...(training ? { training: training as GraphDoc['training'] } : {}),
  };
}

/** "<node id>.<weight name>" -> tensor JSON, for the PyTorch side */
export function flatWeights(weights: Record<string, Record<string, Tensor>>): Record<string, { shape: number[]; data: number[] }> {
  const out: Record<string, { shape: number[]; data: number[] }> = {};
  for (const [node, ws] of Object.entries(weights)) for (const [name, t] of Object.entries(ws)) out[`${node}.${name}`] = { shape: [...t.shape], data: Array.from(t.data) };
  return out;
}

/** Random ragged token batches: ids 2..V-1, padded with 0 at the end; targets per row or per step (-100 on padding). */
export function tokenBatches(rand: () => number, m: RecurrentSpec, count: number, B: number, T: number) {
  return Array.from({ length: count }, () => {
    const lengths = Array.from({ length: B }, (_, b) => (b === 0 ? T : 1 + Math.floor(rand() * T)));
    const tokens = new Int32Array(B * T);
    const steps = new Int32Array(B * T).fill(-100);
    lengths.forEach((L, b) => {
      for (let t = 0; t < L; t++) {
        tokens[b * T + t] = 2 + Math.floor(rand() * (m.vocab - 2));
        steps[b * T + t] = Math.floor(rand() * m.classes);
      }
    });
    const rows = Int32Array.from({ length: B }, () => Math.floor(rand() * m.classes));
    const target: Tensor = m.head === 'last' ? { dtype: 'int64', shape: [B], data: rows } : { dtype: 'int64', shape: [B, T], data: steps };
    return { feeds: { [m.input]: { dtype: 'int64' as const, shape: [B, T], data: tokens } }, targets: { [m.output]: target }, size: B };
  });
}

