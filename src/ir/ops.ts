// The IR's closed set of ops, all in one table (as tinygrad keeps its ops in one list).
// Ops mirror ONNX where ONNX has the op, so the exporter is a mapping, not a translation.
// A few sequence ops ONNX lacks (SeqLengths, LastStep, SeqPool, RepeatVector, MergeDirections)
// are small and each exports to a short ONNX subgraph.
//
// Conventions that differ from ONNX on purpose, because users think in PyTorch:
// - recurrent ops are batch-first (X [B,T,I], Y [B,T,D*H]) and hold weights in PyTorch's layout
//   and gate order (LSTM i,f,g,o; GRU r,z,n; MGU f,h̃) with separate input and hidden biases; the exporter
//   adds the Transposes and reorders the gates.
// - integer tensors are called int64 but stored as Int32Array (see runtime/tensor.ts).
//
// Training: every op is a pure function of its inputs and attributes (no hidden state; weights
// are ordinary inputs), and each has a backward kernel beside its forward one in the runtime's
// kernel table (runtime/kernels/table.ts); the recurrent kernels' saved gates and states (what
// the Trace shows) are what BPTT reads back. Dropout is the one op whose meaning depends on
// training: identity in execute(), a seeded random mask in forwardTrain with dropout on.
//
// Every op declares how many inputs it takes (optional ones may be '' as in ONNX), how many
// outputs it makes, and which attributes it needs; `verify` (ir/verify.ts) checks each op against
// this table between passes and names the op, its node and its inputs when something is off.

export type AttrKind = 'int' | 'float' | 'string' | 'ints' | 'bool';

export interface OpSpec {
  /** what kind of op, for grouping and docs */
  group: 'data' | 'linear' | 'elementwise' | 'reduce' | 'shape' | 'sequence' | 'recurrent' | 'attention';
  /** names of the inputs in order; a trailing '?' marks an optional one, a trailing '*' one or more */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, { kind: AttrKind; required?: boolean }>;
  doc: string;
}

// MGU (the minimal gated unit) has no ONNX op; its IR op takes the same inputs and attributes as
// ONNX's GRU family (X, weights per direction, initial_h, sequence lengths; direction, hidden_size,
// activations), with W_ih [2H,I] rows f, h̃ — and exports to ONNX's GRU (export-recurrent.ts).
// An LSTM's peepholes are ONNX's P input, one [3H] tensor per direction (order i, f, o as the
// node's weight_peephole_l*; the exporter reorders to ONNX's i, o, f); present means peepholes on.
const rec = (cell: string): OpSpec => ({
  group: 'recurrent',
  inputs: [
    'X', 'W_ih', 'W_hh', 'B_ih', 'B_hh', 'W_ih_reverse?', 'W_hh_reverse?', 'B_ih_reverse?', 'B_hh_reverse?', 'initial_h?',
    ...(cell === 'LSTM' ? ['initial_c?'] : []), 'lengths?', ...(cell === 'LSTM' ? ['P?', 'P_reverse?'] : []),
  ],
  outputs: cell === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'],
  attrs: {
    hidden_size: { kind: 'int', required: true },
    direction: { kind: 'string', required: true }, // forward | reverse | bidirectional
    // activations by role (runtime/kernels/activations.ts: ONNX's list, snake_case), each with its
    // optional alpha/beta (absent: ONNX's default): activation = the candidate (LSTM g, GRU h̃, the
    // RNN's one), recurrent_activation = the gates, output_activation = the LSTM's h (absent: activation)
    activation: { kind: 'string' },
    activation_alpha: { kind: 'float' },
    activation_beta: { kind: 'float' },
    recurrent_activation: { kind: 'string' },
    recurrent_activation_alpha: { kind: 'float' },
    recurrent_activation_beta: { kind: 'float' },
    ...(cell === 'LSTM' ? { output_activation: { kind: 'string' as const }, output_activation_alpha: { kind: 'float' as const }, output_activation_beta: { kind: 'float' as const } } : {}),
    clip: { kind: 'float' }, // ONNX's clip: gate pre-activations clamped to [-clip, clip]; absent: none
    ...(cell === 'LSTM' ? { input_forget: { kind: 'bool' as const } } : {}), // f = 1 - i
    ...(cell === 'GRU' ? { linear_before_reset: { kind: 'bool' as const }, update_gate: { kind: 'string' as const } } : {}), // update_gate: pytorch (default) | paper
    layer: { kind: 'int' }, // which layer of the node, for the trace
  },
  doc: `${cell}, one layer, batch-first: X [B,T,I] -> Y [B,T,D*H], Y_h [D,B,H]${cell === 'LSTM' ? ', Y_c [D,B,H]' : ''}. Weights per direction in PyTorch layout.`,
});

export const OPS = {
  // --- data
  Gather: {
    group: 'data', inputs: ['data', 'indices'], outputs: ['output'], attrs: { padding_idx: { kind: 'int' } },
    doc: 'rows of data [N,D] picked by integer indices [...] -> [..., D] (axis 0); padding_idx (an Embedding\'s): that row gets no gradient in training',
  },
  Identity: { group: 'data', inputs: ['input'], outputs: ['output'], attrs: {}, doc: 'output = input' },
  Dropout: {
    group: 'data', inputs: ['input'], outputs: ['output'], attrs: { ratio: { kind: 'float', required: true } },
    doc: 'training with dropout on: each value zeroed with probability ratio, the rest scaled by 1/(1 − ratio) (seeded); otherwise output = input (ONNX Dropout in inference mode)',
  },

  // --- linear
  MatMul: { group: 'linear', inputs: ['A', 'B'], outputs: ['Y'], attrs: {}, doc: 'A [...,K] · B [K,N]' },
  /** Y = X · Wᵀ + b over the last axis, PyTorch Linear layout (W [N,K]); X may be [...,K] */
  Linear: { group: 'linear', inputs: ['X', 'W', 'b?'], outputs: ['Y'], attrs: {}, doc: 'Y = X·Wᵀ + b on the last axis (nn.Linear); ONNX Gemm(transB=1) or MatMul+Add' },

  // --- elementwise
  Add: { group: 'elementwise', inputs: ['A', 'B'], outputs: ['C'], attrs: {}, doc: 'A + B (same shape)' },
  Mul: { group: 'elementwise', inputs: ['A', 'B'], outputs: ['C'], attrs: {}, doc: 'A * B (same shape)' },
  Scale: { group: 'elementwise', inputs: ['X'], outputs: ['Y'], attrs: { alpha: { kind: 'float', required: true } }, doc: 'alpha * X (ONNX Mul by a constant)' },
  Tanh: { group: 'elementwise', inputs: ['X'], outputs: ['Y'], attrs: {}, doc: 'tanh' },
  Sigmoid: { group: 'elementwise', inputs: ['X'], outputs: ['Y'], attrs: {}, doc: 'logistic sigmoid' },
  Relu: { group: 'elementwise', inputs: ['X'], outputs: ['Y'], attrs: {}, doc: 'max(0, x)' },
  HardSigmoid: { group: 'elementwise', inputs: ['X'], outputs: ['Y'], attrs: {}, doc: 'max(0, min(1, 0.2x + 0.5)) (ONNX defaults)' },
  Softmax: { group: 'elementwise', inputs: ['X'], outputs: ['Y'], attrs: { axis: { kind: 'int' } }, doc: 'softmax over axis (default: the last)' },
  LogSoftmax: { group: 'elementwise', inputs: ['X'], outputs: ['Y'], attrs: { axis: { kind: 'int' } }, doc: 'log-softmax over axis (default: the last)' },

  // --- shape
  Slice: { group: 'shape', inputs: ['X'], outputs: ['Y'], attrs: { axis: { kind: 'int', required: true }, start: { kind: 'int', required: true }, end: { kind: 'int', required: true } }, doc: 'X[start:end] along axis' },
  Concat: { group: 'shape', inputs: ['inputs*'], outputs: ['Y'], attrs: { axis: { kind: 'int', required: true } }, doc: 'concatenate one or more tensors along axis' },

  // --- sequence (ONNX lacks them as single ops; each exports to a short subgraph)
  SeqLengths: { group: 'sequence', inputs: ['tokens'], outputs: ['lengths'], attrs: { pad: { kind: 'int', required: true } }, doc: 'tokens [B,T] -> number of non-pad tokens per row [B] (padding must be at the end)' },
  CheckLengths: { group: 'sequence', inputs: ['X', 'lengths'], outputs: ['lengths'], attrs: {}, doc: 'fed lengths [B] of a float sequence X [B,T,F], checked to lie in 1..T (exports as Identity)' },
  LastStep: { group: 'sequence', inputs: ['X', 'lengths?'], outputs: ['Y'], attrs: {}, doc: 'X [B,T,D] -> X[b, len_b - 1] [B,D]' },
  SeqPool: { group: 'sequence', inputs: ['X', 'lengths?'], outputs: ['Y'], attrs: { mode: { kind: 'string', required: true } }, doc: 'mean or max over the valid steps: [B,T,D] -> [B,D]' },
  RepeatVector: { group: 'sequence', inputs: ['V'], outputs: ['Y'], attrs: { n: { kind: 'int', required: true } }, doc: 'V [B,D] -> [B,n,D]' },
  MaskSteps: { group: 'sequence', inputs: ['X', 'lengths'], outputs: ['Y'], attrs: {}, doc: 'zero the steps t >= len_b of X [B,T,D] (keeps padded steps at 0 after an elementwise op)' },
  /** bidirectional output [B,T,2H] (or final state [.., 2H]) -> [.., H] by sum | mul | ave over the two halves */
  MergeDirections: { group: 'sequence', inputs: ['X'], outputs: ['Y'], attrs: { mode: { kind: 'string', required: true } }, doc: 'merge the forward and reverse halves of the last axis: sum | mul | ave' },
  /** running reduction over time (ONNX Scan with an elementwise body; torch.cumsum/cumprod) */
  Cumulative: {
    group: 'sequence',
    inputs: ['X', 'initial?', 'lengths?'],
    outputs: ['Y', 'Y_last'],
    attrs: { op: { kind: 'string', required: true } },
    doc: 'X [B,T,D] -> Y [B,T,D] with Y_t = Y_{t-1} op X_t (Y_{-1} = initial [B,D], or the identity of op), Y_last [B,D] = Y at each row\'s last valid step; op sum | prod | max | min',
  },
  /** [D,B,H] final states of one layer (D = 1 or 2) -> [B, D*H] (concat of directions) */
  StateToVector: { group: 'sequence', inputs: ['S'], outputs: ['Y'], attrs: {}, doc: 'final states [D,B,H] -> [B,D*H]' },

  // --- recurrent
  RNN: rec('RNN'),
  LSTM: rec('LSTM'),
  GRU: rec('GRU'),
  MGU: rec('MGU'),

  // --- attention (ONNX has no single op for these; each exports to MatMul/Softmax subgraphs).
  // lengths: valid keys per row (keys at or past it get weight 0); query_lengths: valid query
  // steps (padded query steps get weights and outputs 0). Kernels: runtime/kernels/attention.ts.
  Attention: {
    group: 'attention',
    inputs: ['query', 'keys', 'values', 'lengths?', 'query_lengths?', 'W?', 'W_query?', 'W_key?', 'v?'],
    outputs: ['context', 'weights'],
    attrs: { score: { kind: 'string', required: true } },
    doc:
      'query [B,Dq] or [B,T,Dq], keys [B,S,Dk], values [B,S,Dv] -> context [B,(T,)Dv], weights [B,(T,)S] = masked softmax over s of the score: ' +
      'dot q·k; scaled_dot q·k/√Dk; general qᵀ·W·k (W [Dq,Dk]); additive vᵀ·tanh(W_query·q + W_key·k) (W_query [A,Dq], W_key [A,Dk], v [A])',
  },
  ConcatAttention: {
    group: 'attention',
    inputs: ['query', 'hidden?', 'values', 'lengths?', 'query_lengths?', 'attn_W', 'attn_b', 'combine_W', 'combine_b'],
    outputs: ['context', 'weights', 'combined'],
    attrs: {},
    doc:
      'the PyTorch seq2seq tutorial\'s attention: weights = softmax(attn_W·[query; hidden] + attn_b) [B,(T,)Smax] (Smax = attn_W rows; no mask unless lengths), ' +
      'context = Σ_{s<S} weights_s·values_s, combined = combine_W·[query; context] + combine_b',
  },
  MultiHeadAttention: {
    group: 'attention',
    inputs: ['query', 'key', 'value', 'lengths?', 'query_lengths?', 'in_proj_weight', 'in_proj_bias', 'out_proj_weight', 'out_proj_bias'],
    outputs: ['output', 'weights'],
    attrs: { num_heads: { kind: 'int', required: true } },
    doc: 'nn.MultiheadAttention (batch_first, key padding mask from lengths): query [B,T,E], key/value [B,S,E] -> output [B,T,E], per-head weights [B,heads,T,S]',
  },
  // The seq2seq decoder loop as one op (an ONNX Loop on export). Inputs, in order (optional ones ''):
  //   memory? [B,S,Dm], memory_lengths? [B], initial_h? [L,B,H], initial_c? [L,B,H] (LSTM),
  //   init_vector? [B,Din] (h0 of every layer = tanh(bridge_W·x + bridge_b) split per layer, or x
  //   itself without bridge weights), bridge_W? [L*H,Din], bridge_b? [L*H], target? [B,M] int,
  //   target_lengths? [B], embedding [V,E], out_W [V,Fo], out_b [V], attn_W? (general [H,Dm];
  //   concat [Smax,E+H]), attn_b? (concat [Smax]), attn_W_query? [A,H], attn_W_key? [A,Dm],
  //   attn_v? [A], combine_W? (luong [H,Dm+H]; concat [H,E+Dm]), combine_b? [H], then per layer l
  //   W_ih_l [G*H,I_l], W_hh_l [G*H,H], b_ih_l, b_hh_l [G*H] (PyTorch layout and gate order).
  // Outputs: tokens [B,M] (after a row's end: pad, else eos), logprobs [B,M,V], attention [B,M,S] (S = 0 without
  // attention), lengths [B] (steps per row, the emitted eos included), score [B,1] (Σ log-probs).
  // The step maths is written out in runtime/kernels/decoder.ts.
  Decode: {
    group: 'recurrent',
    inputs: [
      'memory?', 'memory_lengths?', 'initial_h?', 'initial_c?', 'init_vector?', 'bridge_W?', 'bridge_b?', 'target?', 'target_lengths?',
      'embedding', 'out_W', 'out_b', 'attn_W?', 'attn_b?', 'attn_W_query?', 'attn_W_key?', 'attn_v?', 'combine_W?', 'combine_b?', 'cell_weights*',
    ],
    outputs: ['tokens', 'logprobs', 'attention', 'lengths', 'score'],
    attrs: {
      cell: { kind: 'string', required: true }, // RNN (tanh) | LSTM | GRU (linear_before_reset=1, as PyTorch)
      hidden_size: { kind: 'int', required: true },
      num_layers: { kind: 'int', required: true },
      attention: { kind: 'string', required: true }, // none | dot | scaled_dot | general | additive | concat
      attention_style: { kind: 'string' }, // luong | bahdanau (ignored for none and concat)
      concat_order: { kind: 'string' }, // luong: the output layer reads context_h = [context; h] (default) or h_context = [h; context]
      bos: { kind: 'int', required: true }, // fed first; never written unless it is also eos
      eos: { kind: 'int', required: true }, // -1: none (rows run to max_len)
      pad: { kind: 'int', required: true }, // -1: none; never written; fills rows after their end (else eos, else 0)
      max_len: { kind: 'int', required: true },
      strategy: { kind: 'string', required: true }, // greedy | beam (a target input means forced decoding)
      beam_width: { kind: 'int' },
      length_penalty: { kind: 'float' }, // beam: hypotheses ranked by score / len^length_penalty
      early_stopping: { kind: 'bool' }, // beam: stop a row at beam_width finished (true) or once no live hypothesis can win (false)
    },
    doc: 'seq2seq decoding loop: embed the previous token, attend, step the stacked cell, project to the vocabulary, pick (argmax, beam or the target), stop at eos or max_len',
  },
} satisfies Record<string, OpSpec>;

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];
