// Generated graphs for the PyTorch export's parity test: every recurrent variant (nonlinearity,
// activation, recurrent_activation, linear_before_reset, update_gate, peepholes, MGU, bias, bidirectional with every merge
// mode, stacked, initial state, ragged and unpadded tokens, float sequences), every attention rule
// (vector and sequence queries, key and query masks, multi-head self-attention) and the Decoder's
// variants (each cell, attention rule and style, both Luong concat orders, state passed, bridged
// or from a vector, greedy, beam with both stopping rules and several length penalties, forced).
// Tiny sizes: PyTorch on two shared cores is slow to start, not to compute.
import { graphDoc, type NodeSpec } from '../helpers/graph';

const VOCAB = ['<pad>', '<unk>', '<s>', '</s>', ...'abcdefgh'];
const TARGET = ['<pad>', '<unk>', '<s>', '</s>', 'p', 'q', 'r', 's', 't'];
const RAGGED = ['abc', 'h', 'gfedcb', 'ba'];
const tokens = (extra: Record<string, unknown> = {}): NodeSpec => ['in', 'Input', { vocab: VOCAB, ...extra }];
const emb = (dim = 4): NodeSpec => ['emb', 'Embedding', { embedding_dim: dim, padding_idx: 0 }];
const out = (id: string): NodeSpec => [id, 'Output', {}];
const samples = (inputs: Record<string, unknown>[]) => ({ samples: inputs.map((x, i) => ({ name: `sample ${i}`, inputs: x })) });
const ragged = samples([{ in: 'bead' }, { in: RAGGED }]);

function seq(B: number, T: number, F: number, k: number): number[][][] {
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from({ length: F }, (_, f) => Math.sin(1.3 * b + 0.7 * t + 0.31 * f + k))));
}

type G = [name: string, doc: ReturnType<typeof graphDoc>];

function recurrent(): G[] {
  const three = (id: string, type: string, params: Record<string, unknown>, seed: number): G => [
    id,
    graphDoc(
      [tokens(), emb(), ['rec', type, params], out('y'), ['last', 'LastStep', {}], out('y_last'), out('y_vec'), out('y_state')],
      [['in.tokens', 'emb.tokens'], ['emb.output', 'rec.input'], ['rec.output', 'y.value'], ['rec.output', 'last.input'], ['last.output', 'y_last.value'], ['rec.last', 'y_vec.value'], ['rec.state', 'y_state.value']],
      { seed, ...ragged },
    ),
  ];
  return [
    three('rnn-relu-bi-ave-2-layers', 'RNN', { hidden_size: 3, num_layers: 2, bidirectional: true, merge_mode: 'ave', nonlinearity: 'relu' }, 11),
    three('rnn-tanh-bi-concat', 'RNN', { hidden_size: 3, bidirectional: true }, 12),
    three('lstm-hard-sigmoid-relu-bi-mul-no-bias', 'LSTM', { hidden_size: 3, bidirectional: true, merge_mode: 'mul', recurrent_activation: 'hard_sigmoid', activation: 'relu', bias: false }, 13),
    three('lstm-2-layers-bi-sum', 'LSTM', { hidden_size: 3, num_layers: 2, bidirectional: true, merge_mode: 'sum' }, 14),
    three('gru-paper-hard-sigmoid-2-layers-bi-sum', 'GRU', { hidden_size: 3, num_layers: 2, bidirectional: true, merge_mode: 'sum', linear_before_reset: false, recurrent_activation: 'hard_sigmoid' }, 15),
    three('gru-relu-no-bias', 'GRU', { hidden_size: 4, activation: 'relu', bias: false }, 16),
    three('gru-paper-bi-ave', 'GRU', { hidden_size: 3, bidirectional: true, merge_mode: 'ave', linear_before_reset: false }, 17),
    // the cells PyTorch lacks (branch cells): MGU, the GRU's update gate as the paper writes it, LSTM peepholes
    three('mgu-2-layers-bi-concat', 'MGU', { hidden_size: 3, num_layers: 2, bidirectional: true }, 61),
    three('mgu-hard-sigmoid-relu-no-bias-bi-sum', 'MGU', { hidden_size: 3, bidirectional: true, merge_mode: 'sum', recurrent_activation: 'hard_sigmoid', activation: 'relu', bias: false }, 62),
    three('gru-update-gate-paper-2-layers-bi', 'GRU', { hidden_size: 3, num_layers: 2, bidirectional: true, update_gate: 'paper' }, 63),
    three('gru-update-gate-paper-reset-after', 'GRU', { hidden_size: 4, update_gate: 'paper', linear_before_reset: false, recurrent_activation: 'hard_sigmoid' }, 64),
    three('lstm-peephole-2-layers-bi', 'LSTM', { hidden_size: 3, num_layers: 2, bidirectional: true, peephole: true }, 65),
    three('lstm-peephole-hard-sigmoid-no-bias', 'LSTM', { hidden_size: 4, peephole: true, recurrent_activation: 'hard_sigmoid', bias: false }, 66),
    // ONNX's other activations with alpha/beta, clip, input_forget (issue 12): ExplicitRNN / LSTM / GRU with onnx_activation
    three('rnn-onnx-elu-clip-2-layers-bi', 'RNN', { hidden_size: 3, num_layers: 2, bidirectional: true, nonlinearity: 'elu', nonlinearity_alpha: 0.6, clip: 1.1 }, 71),
    three('lstm-onnx-input-forget-clip-peephole-bi', 'LSTM', { hidden_size: 3, bidirectional: true, recurrent_activation: 'hard_sigmoid', recurrent_activation_alpha: 0.3, recurrent_activation_beta: 0.4, activation: 'softsign', output_activation: 'leaky_relu', output_activation_alpha: 0.2, clip: 0.9, input_forget: true, peephole: true }, 72),
    three('lstm-onnx-scaled-tanh-clip', 'LSTM', { hidden_size: 4, activation: 'scaled_tanh', activation_alpha: 1.3, activation_beta: 0.7, clip: 1.5 }, 73),
    three('gru-onnx-affine-softplus-paper-clip-2-layers', 'GRU', { hidden_size: 3, num_layers: 2, linear_before_reset: false, recurrent_activation: 'affine', recurrent_activation_alpha: 0.3, recurrent_activation_beta: 0.5, activation: 'softplus', clip: 2 }, 74),
    three('gru-onnx-thresholded-relu-softsign-bi', 'GRU', { hidden_size: 3, bidirectional: true, activation: 'thresholded_relu', activation_alpha: 0.1, recurrent_activation: 'softsign' }, 75),
    [
      'lstm-peephole-initial-state-from-mgu-float-sequence',
      graphDoc(
        [['x', 'Input', { kind: 'sequence', features: 3 }], ['enc', 'LSTM', { hidden_size: 4, peephole: true }], ['rec', 'LSTM', { hidden_size: 4, peephole: true }], ['m', 'MGU', { hidden_size: 4 }], ['g', 'MGU', { hidden_size: 4 }], out('y'), out('h'), out('z')],
        [['x.sequence', 'enc.input'], ['x.sequence', 'rec.input'], ['enc.state', 'rec.initial_state'], ['rec.output', 'y.value'], ['rec.state', 'h.value'], ['x.sequence', 'm.input'], ['x.sequence', 'g.input'], ['m.state', 'g.initial_state'], ['g.output', 'z.value']],
        { seed: 67, ...samples([{ x: seq(2, 5, 3, 1) }]) },
      ),
    ],
    [
      'lstm-initial-state-float-sequence',
      graphDoc(
        [['x', 'Input', { kind: 'sequence', features: 3 }], ['enc', 'LSTM', { hidden_size: 4, num_layers: 2 }], ['rec', 'LSTM', { hidden_size: 4, num_layers: 2 }], out('y'), out('h')],
        [['x.sequence', 'enc.input'], ['x.sequence', 'rec.input'], ['enc.state', 'rec.initial_state'], ['rec.output', 'y.value'], ['rec.state', 'h.value']],
        { seed: 18, ...samples([{ x: seq(2, 5, 3, 0) }]) },
      ),
    ],
    [
      'gru-explicit-initial-state',
      graphDoc(
        [tokens(), emb(), ['s', 'Input', { kind: 'state', layers: 2, features: 3 }], ['rec', 'GRU', { hidden_size: 3, bidirectional: true, recurrent_activation: 'hard_sigmoid' }], out('y')],
        [['in.tokens', 'emb.tokens'], ['emb.output', 'rec.input'], ['s.state', 'rec.initial_state'], ['rec.output', 'y.value']],
        { seed: 19, ...samples([{ in: RAGGED, s: seq(2, 4, 3, 3) }]) },
      ),
    ],
    [
      'tokens-without-padding',
      graphDoc(
        [['in', 'Input', { vocab: [...'abcdefgh'], padding: false, unk_token: '' }], ['emb', 'Embedding', { embedding_dim: 3 }], ['rec', 'GRU', { hidden_size: 3 }], ['last', 'LastStep', {}], ['d', 'Dense', { units: 4 }], ['lsm', 'LogSoftmax', {}], out('y')],
        [['in.tokens', 'emb.tokens'], ['emb.output', 'rec.input'], ['rec.output', 'last.input'], ['last.output', 'd.input'], ['d.output', 'lsm.input'], ['lsm.output', 'y.value']],
        { seed: 20, ...samples([{ in: 'abc' }, { in: ['abc', 'bca', 'hhh'] }]) },
      ),
    ],
  ];
}

function layers(): G[] {
  return [
    [
      'layers-pool-concat-repeat',
      graphDoc(
        [
          tokens(), emb(), ['enc', 'LSTM', { hidden_size: 3 }], ['mean', 'Pool', { mode: 'mean' }], ['max', 'Pool', { mode: 'max' }],
          ['v', 'Input', { kind: 'vector', features: 2 }], ['dv', 'Dense', { units: 3, activation: 'relu' }], ['cat', 'Concat', {}],
          ['act', 'Activation', { fn: 'hard_sigmoid' }], ['drop', 'Dropout', { p: 0.3 }], ['head', 'Dense', { units: 4, activation: 'tanh', bias: false }],
          ['sm', 'Softmax', {}], out('probs'), ['rep', 'RepeatVector', { n: 3 }], ['gen', 'RNN', { hidden_size: 2 }], out('gen_y'), ['sig', 'Activation', { fn: 'sigmoid' }], out('steps'),
        ],
        [
          ['in.tokens', 'emb.tokens'], ['emb.output', 'enc.input'], ['enc.output', 'mean.input'], ['enc.output', 'max.input'], ['v.vector', 'dv.input'],
          ['mean.output', 'cat.a'], ['max.output', 'cat.b'], ['dv.output', 'cat.c'], ['cat.output', 'act.input'], ['act.output', 'drop.input'], ['drop.output', 'head.input'],
          ['head.output', 'sm.input'], ['sm.output', 'probs.value'], ['cat.output', 'rep.input'], ['rep.output', 'gen.input'], ['gen.output', 'gen_y.value'],
          ['enc.output', 'sig.input'], ['sig.output', 'steps.value'],
        ],
        { seed: 21, ...samples([{ in: RAGGED, v: [[1, -2], [0.5, 0], [-1, 1], [2, 2]] }]) },
      ),
    ],
  ];
}

function attention(): G[] {
  const enc: NodeSpec[] = [tokens(), emb(), ['enc', 'GRU', { hidden_size: 3, bidirectional: true }]];
  const encEdges: [string, string][] = [['in.tokens', 'emb.tokens'], ['emb.output', 'enc.input']];
  return [
    [
      'attention-score-rules',
      graphDoc(
        [
          ...enc, ['q', 'Dense', { units: 5 }],
          ['dot', 'Attention', { score: 'dot' }], ['sdot', 'Attention', { score: 'scaled_dot' }], ['gen', 'Attention', { score: 'general' }],
          ['add', 'Attention', { score: 'additive', attention_dim: 3 }], ['addv', 'Attention', { score: 'additive' }],
          out('dot_ctx'), out('dot_w'), out('sdot_ctx'), out('sdot_w'), out('gen_ctx'), out('gen_w'), out('add_ctx'), out('add_w'), out('addv_ctx'),
        ],
        [
          ...encEdges, ['enc.last', 'q.input'],
          ['enc.output', 'dot.query'], ['enc.output', 'dot.keys'], ['dot.context', 'dot_ctx.value'], ['dot.weights', 'dot_w.value'],
          ['enc.last', 'sdot.query'], ['enc.output', 'sdot.keys'], ['sdot.context', 'sdot_ctx.value'], ['sdot.weights', 'sdot_w.value'],
          ['q.output', 'gen.query'], ['enc.output', 'gen.keys'], ['emb.output', 'gen.values'], ['gen.context', 'gen_ctx.value'], ['gen.weights', 'gen_w.value'],
          ['emb.output', 'add.query'], ['enc.output', 'add.keys'], ['in.mask', 'add.mask'], ['add.context', 'add_ctx.value'], ['add.weights', 'add_w.value'],
          ['q.output', 'addv.query'], ['enc.output', 'addv.keys'], ['addv.context', 'addv_ctx.value'],
        ],
        { seed: 31, ...ragged },
      ),
    ],
    [
      'attention-concat-and-multi-head',
      graphDoc(
        [
          ...enc, ['cat', 'Attention', { score: 'concat', max_length: 8 }], ['catv', 'Attention', { score: 'concat', max_length: 7 }],
          ['mha', 'Attention', { score: 'multi_head', num_heads: 2 }], ['mhx', 'Attention', { score: 'multi_head', num_heads: 3 }],
          out('cat_ctx'), out('cat_w'), out('cat_comb'), out('catv_comb'), out('mha_y'), out('mha_w'), out('mhx_y'),
        ],
        [
          ...encEdges,
          ['emb.output', 'cat.query'], ['enc.output', 'cat.hidden'], ['enc.output', 'cat.keys'], ['cat.context', 'cat_ctx.value'], ['cat.weights', 'cat_w.value'], ['cat.combined', 'cat_comb.value'],
          ['enc.last', 'catv.query'], ['enc.output', 'catv.keys'], ['catv.combined', 'catv_comb.value'],
          ['emb.output', 'mha.query'], ['in.mask', 'mha.mask'], ['mha.context', 'mha_y.value'], ['mha.weights', 'mha_w.value'],
          ['enc.output', 'mhx.query'], ['enc.output', 'mhx.keys'], ['mhx.context', 'mhx_y.value'],
        ],
        { seed: 32, ...ragged },
      ),
    ],
  ];
}

function decoder(name: string, params: Record<string, unknown>, wiring: { enc?: NodeSpec; state?: string; target?: boolean; vector?: number }, seed: number): G {
  const nodes: NodeSpec[] = [];
  const edges: [string, string][] = [];
  if (wiring.enc) nodes.push(tokens(), emb(3), wiring.enc), edges.push(['in.tokens', 'emb.tokens'], ['emb.output', 'enc.input'], ['enc.output', 'dec.memory']);
  nodes.push(['dec', 'Decoder', { vocab: TARGET, embedding_dim: 3, hidden_size: 4, max_len: 6, ...params }], out('tok'), out('lp'), out('score'));
  edges.push(['dec.tokens', 'tok.value'], ['dec.logprobs', 'lp.value'], ['dec.score', 'score.value']);
  if (params.attention && params.attention !== 'none') nodes.push(out('att')), edges.push(['dec.attention', 'att.value']);
  if (wiring.state) edges.push([wiring.state, 'dec.state']);
  const inputs: Record<string, unknown>[] = wiring.enc ? [{ in: 'abc' }, { in: RAGGED }] : [{}, {}];
  if (wiring.vector) {
    nodes.push(['code', 'Input', { kind: 'vector', features: wiring.vector }]);
    edges.push(['code.vector', 'dec.state']);
    inputs.forEach((x, i) => (x.code = Array.from({ length: i ? 4 : 1 }, (_, b) => Array.from({ length: wiring.vector! }, (_, f) => Math.cos(b + 0.9 * f)))));
  }
  if (wiring.target) {
    nodes.push(['tgt', 'Input', { vocab: TARGET, tokenizer: 'words', add_eos: true }]);
    edges.push(['tgt.tokens', 'dec.target']);
    inputs[0].tgt = 'p q r';
    inputs[1].tgt = ['p', 'q r s t', 'r r', 't p q'];
  }
  return [name, graphDoc(nodes, edges, { seed, ...samples(inputs) })];
}

function decoders(): G[] {
  const lstmBi: NodeSpec = ['enc', 'LSTM', { hidden_size: 3, bidirectional: true }];
  const gru4: NodeSpec = ['enc', 'GRU', { hidden_size: 4 }];
  return [
    decoder('decoder-gru-bahdanau-additive-beam-bridge', { cell: 'GRU', attention: 'additive', attention_dim: 3, strategy: 'beam', beam_width: 3, length_penalty: 1 }, { enc: lstmBi, state: 'enc.state' }, 41),
    decoder('decoder-lstm-luong-general-h-context-beam-early', { cell: 'LSTM', attention: 'general', attention_style: 'luong', concat_order: 'h_context', strategy: 'beam', beam_width: 2, length_penalty: 0, early_stopping: true }, { enc: gru4, state: 'enc.state' }, 42),
    decoder('decoder-rnn-luong-dot-2-layers-greedy', { cell: 'RNN', num_layers: 2, attention: 'dot', attention_style: 'luong' }, { enc: gru4, state: 'enc.last' }, 43),
    decoder('decoder-gru-concat-tutorial', { cell: 'GRU', attention: 'concat', max_source_len: 8 }, { enc: gru4, state: 'enc.state' }, 44),
    decoder('decoder-gru-scaled-dot-bahdanau-beam-vector-bridge', { cell: 'GRU', attention: 'scaled_dot', strategy: 'beam', beam_width: 4, length_penalty: 0.5 }, { enc: gru4, vector: 3 }, 45),
    decoder('decoder-lstm-2-layers-no-attention-beam', { cell: 'LSTM', num_layers: 2, strategy: 'beam', beam_width: 3, length_penalty: 2 }, { vector: 4 }, 46),
    decoder('decoder-gru-forced-luong-additive', { cell: 'GRU', attention: 'additive', attention_style: 'luong', strategy: 'beam' }, { enc: lstmBi, state: 'enc.state', target: true }, 47),
  ];
}

export const GENERATED: G[] = [...recurrent(), ...layers(), ...attention(), ...decoders()];
