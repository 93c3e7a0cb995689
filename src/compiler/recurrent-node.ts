// What RNN, LSTM, GRU and MGU nodes share: params as PyTorch names them, shape inference, weights
// named and shaped as PyTorch's state_dict (weight_ih_l0, weight_hh_l1_reverse, ...), PyTorch's
// initialisation U(-1/sqrt(H), 1/sqrt(H)), and lowering to one IR op per layer.
// nodes/rnn.ts, nodes/lstm.ts, nodes/gru.ts and nodes/mgu.ts each declare their own type with this.
// PyTorch has no MGU and no peephole LSTM: their extra weights are named as a PyTorch user writing
// them by hand would (the MGU as nn.GRU's layout with two gate blocks f, h̃; weight_peephole_l0).
import { defineNode, type NodeDef, type ParamSpec, type PortValue } from './node-def';
import { features } from './shapes';
import { activationAttrs } from './recurrent-acts';
import { floatTensor, type Dim } from '../runtime/tensor';

export type Cell = 'RNN' | 'LSTM' | 'GRU' | 'MGU';
const GATES: Record<Cell, number> = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 };

export interface RecurrentParams {
  [k: string]: unknown;
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  reverse?: boolean;
  merge_mode: 'concat' | 'sum' | 'mul' | 'ave';
  bias: boolean;
  dropout: number;
  /** RNN; LSTM, GRU, MGU: activation, recurrent_activation; their alpha/beta, LSTM output_activation, clip, input_forget: recurrent-acts.ts */
  nonlinearity?: string;
  activation?: string;
  recurrent_activation?: string;
  linear_before_reset?: boolean;
  /** GRU: how z mixes old state and candidate */
  update_gate?: 'pytorch' | 'paper';
  /** LSTM: peephole connections */
  peephole?: boolean;
}

const bi = (p: Record<string, unknown>) => p.bidirectional === true;

function commonParams(): Record<string, ParamSpec> {
  return {
    hidden_size: { kind: 'int', default: 64, min: 1, max: 16384, required: true, inline: true, help: 'units per layer and direction (H)' },
    num_layers: { kind: 'int', default: 1, min: 1, max: 16, inline: true, help: 'stacked layers; layer l+1 reads layer l\'s output sequence' },
    bidirectional: { kind: 'bool', default: false, inline: true, help: 'also run right to left; outputs of both directions are merged by merge_mode' },
    reverse: { kind: 'bool', default: false, when: (p) => !bi(p), help: 'run right to left only (ONNX direction=reverse): output[t] is h after reading x[T−1] … x[t], aligned with the input as PyTorch\'s reverse direction; last is h after x[0]. Weights keep the plain names (weight_ih_l0, …)' },
    merge_mode: { kind: 'enum', options: ['concat', 'sum', 'mul', 'ave'], default: 'concat', when: bi, help: 'how the node\'s output and last merge the two directions (as Keras Bidirectional); between stacked layers the directions are always concatenated, as PyTorch does' },
    bias: { kind: 'bool', default: true, help: 'learned biases b_ih and b_hh' },
    dropout: { kind: 'float', default: 0, min: 0, max: 1, help: 'dropout between stacked layers while training (none at inference)', when: (p) => (p.num_layers as number) > 1 },
  };
}

const CELL_DOC: Record<Cell, string> = {
  RNN: 'Elman RNN, as nn.RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act = tanh or relu, or any of ONNX\'s activations (with alpha/beta); clip clamps the pre-activation to [−clip, clip] (ONNX).',
  LSTM:
    'LSTM, as nn.LSTM: i,f,o = σ(W_i* x_t + b_i* + W_h* h_{t-1} + b_h*); g = tanh(…); c_t = f⊙c_{t-1} + i⊙g; h_t = o⊙tanh(c_t). ' +
    'activation replaces tanh, recurrent_activation replaces σ (hard_sigmoid = max(0, min(1, 0.2x + 0.5))). ' +
    'peephole adds p_i⊙c_{t-1} inside i, p_f⊙c_{t-1} inside f and p_o⊙c_t inside o (ONNX LSTM\'s P; weight_peephole_l0 [3H], i, f, o). ' +
    'ONNX\'s other activations (with alpha/beta) in each role, output_activation for h = o⊙act(c), clip (gate pre-activations clamped to [−clip, clip]) and input_forget (f = 1 − i) as ONNX\'s LSTM.',
  GRU:
    'GRU, as nn.GRU: r,z = σ(W_i* x_t + b_i* + W_h* h_{t-1} + b_h*); n = tanh(W_in x_t + b_in + r⊙(W_hn h_{t-1} + b_hn)); h_t = (1−z)⊙n + z⊙h_{t-1}. ' +
    'linear_before_reset off applies r before the product instead, n = tanh(W_in x_t + b_in + W_hn (r⊙h_{t-1}) + b_hn), as the original paper and ONNX\'s default. ' +
    'update_gate paper: h_t = z⊙n + (1−z)⊙h_{t-1}, as Chung et al. (2014), Wikipedia and many tutorials write it. ' +
    'ONNX\'s other activations (with alpha/beta) for the gates and the candidate, and clip (pre-activations clamped to [−clip, clip]) as ONNX\'s GRU.',
  MGU:
    'Minimal gated unit (Zhou et al. 2016), one gate: f = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf); h̃ = tanh(W_ih̃ x_t + b_ih̃ + W_hh̃ (f⊙h_{t-1}) + b_hh̃); h_t = (1−f)⊙h_{t-1} + f⊙h̃. ' +
    'Weights as nn.GRU lays them out, with two blocks: weight_ih_l0 [2H, I] and weight_hh_l0 [2H, H] rows f then h̃, bias_ih_l0 / bias_hh_l0 [2H]; ' +
    'b_hh\'s h̃ part is added after W_hh̃ (f⊙h_{t-1}), not multiplied by f (as ONNX\'s GRU with linear_before_reset=0). activation replaces tanh, recurrent_activation σ.',
};

export function recurrentNode(cell: Cell, extra: Record<string, ParamSpec>): NodeDef<RecurrentParams> {
  const G = GATES[cell];
  const dirs = (p: RecurrentParams) => (p.bidirectional ? 2 : 1);
  const outSize = (p: RecurrentParams) => (p.bidirectional && p.merge_mode === 'concat' ? 2 * p.hidden_size : p.hidden_size);
  return defineNode<RecurrentParams>({
    type: cell,
    category: 'Recurrent',
    label: cell,
    doc:
      CELL_DOC[cell] +
      ' Input [B,T,I] (batch first). Outputs: the whole sequence (output), the final state of every layer and direction (state, [num_layers·D, B, H] as PyTorch\'s h_n' +
      (cell === 'LSTM' ? ' and c_n' : '') +
      '), and the top layer\'s final state as a vector (last). Padded steps of a token input change nothing, as with packed sequences.',
    inputs: [
      { name: 'input', types: ['Sequence'], help: 'the sequence to read [B,T,I]' },
      { name: 'initial_state', types: ['State'], optional: true, help: `initial h${cell === 'LSTM' ? ' and c' : ''} [num_layers·D, B, H]; zeros when not connected` },
    ],
    outputs: [
      { name: 'output', types: ['Sequence'], help: 'top layer\'s h at every step [B,T,D·H] (or [B,T,H] merged)' },
      { name: 'state', types: ['State'], help: `final h${cell === 'LSTM' ? ' and c' : ''} of every layer and direction` },
      { name: 'last', types: ['Vector'], help: 'top layer\'s final h, directions merged [B,D·H] (Keras return_sequences=False)' },
    ],
    params: { ...commonParams(), ...extra } as Record<string, ParamSpec>,
    summary: (p) => `${cell} ${p.hidden_size}${p.num_layers > 1 ? ` ×${p.num_layers}` : ''}${p.bidirectional ? ` bi${p.merge_mode !== 'concat' ? ' ' + p.merge_mode : ''}` : p.reverse ? ' rev' : ''}${p.peephole ? ' peephole' : ''}${p.update_gate === 'paper' ? ' z paper' : ''}`, // the variants PyTorch lacks show on the canvas
    infer({ params: p, inputs, error }) {
      const x = inputs.input;
      if (!x) return null;
      const I = features(x);
      if (I === null) error({ port: 'input' }, `needs a fixed feature size, got [${x.shape.join(', ')}]`);
      const D = dirs(p);
      const B = x.shape[0];
      const stateShape: Dim[] = [p.num_layers * D, B, p.hidden_size];
      const s = inputs.initial_state;
      if (s) {
        const [L, , H] = s.shape;
        if (L !== p.num_layers * D || H !== p.hidden_size) error({ port: 'initial_state' }, `needs [${stateShape.join(', ')}] (num_layers·directions, B, hidden_size), got [${s.shape.join(', ')}]`);
        if (cell === 'LSTM' && !s.cell) error({ port: 'initial_state' }, 'an LSTM needs h and c; this state has only h (it comes from an RNN, GRU or MGU)');
      }
      return {
        output: { type: 'Sequence', dtype: 'float32', shape: [B, x.shape[1], outSize(p)], masked: x.masked },
        state: { type: 'State', dtype: 'float32', shape: stateShape, cell: cell === 'LSTM' },
        last: { type: 'Vector', dtype: 'float32', shape: [B, outSize(p)] },
      };
    },
    weights({ params: p, inputs }) {
      const H = p.hidden_size;
      const out: Record<string, number[]> = {};
      for (let l = 0; l < p.num_layers; l++) {
        const I = l === 0 ? (features(inputs.input) ?? 0) : H * dirs(p);
        for (const sfx of p.bidirectional ? ['', '_reverse'] : ['']) {
          out[`weight_ih_l${l}${sfx}`] = [G * H, I];
          out[`weight_hh_l${l}${sfx}`] = [G * H, H];
          if (p.bias) {
            out[`bias_ih_l${l}${sfx}`] = [G * H];
            out[`bias_hh_l${l}${sfx}`] = [G * H];
          }
          if (cell === 'LSTM' && p.peephole) out[`weight_peephole_l${l}${sfx}`] = [3 * H]; // i, f, o
        }
      }
      return out;
    },
    init({ params: p, rng }, shapes) {
      const k = 1 / Math.sqrt(p.hidden_size); // PyTorch: every weight and bias U(-k, k)
      const out: Record<string, Float32Array> = {};
      for (const [name, shape] of Object.entries(shapes)) out[name] = rng.fillUniform(shape.reduce((a, b) => a * b, 1), k);
      return out;
    },
    lower(ctx) {
      const p = ctx.params;
      const D = dirs(p);
      const H = p.hidden_size;
      const x = ctx.inputs.input!;
      const init = ctx.inputs.initial_state;
      const B = x.shape[0];
      const T = x.shape[1];
      // bias=False: PyTorch has no bias weights; the IR ops always take biases, so give them zeros
      const zeros = p.bias ? '' : ctx.constant('zero_bias', floatTensor([G * H]));
      let seq = x.value;
      const hs: string[] = [];
      const cs: string[] = [];
      for (let l = 0; l < p.num_layers; l++) {
        const ins: string[] = [seq];
        for (const sfx of ['', '_reverse']) {
          if (sfx && D === 1) {
            ins.push('', '', '', '');
            continue;
          }
          ins.push(ctx.weight(`weight_ih_l${l}${sfx}`), ctx.weight(`weight_hh_l${l}${sfx}`));
          if (p.bias) ins.push(ctx.weight(`bias_ih_l${l}${sfx}`), ctx.weight(`bias_hh_l${l}${sfx}`));
          else ins.push(zeros, zeros);
        }
        const slice = (v: string) => (p.num_layers === 1 ? v : ctx.op('Slice', [v], { axis: 0, start: l * D, end: (l + 1) * D }, [{ dtype: 'float32', shape: [D, B, H] }])[0]);
        ins.push(init ? slice(init.value) : '');
        if (cell === 'LSTM') ins.push(init?.c ? slice(init.c) : '');
        ins.push(x.lengths ?? '');
        // peepholes: ONNX's P, one [3H] per direction (absent: none)
        if (cell === 'LSTM' && p.peephole) ins.push(ctx.weight(`weight_peephole_l${l}`), D === 2 ? ctx.weight(`weight_peephole_l${l}_reverse`) : '');
        const attrs: Record<string, string | number | boolean> = {
          hidden_size: H,
          direction: p.bidirectional ? 'bidirectional' : p.reverse ? 'reverse' : 'forward',
          ...activationAttrs(cell, p),
          layer: l,
        };
        if (cell === 'GRU') {
          attrs.linear_before_reset = p.linear_before_reset ?? true;
          attrs.update_gate = p.update_gate ?? 'pytorch';
        }
        const outs = [
          { dtype: 'float32' as const, shape: [B, T, D * H] },
          { dtype: 'float32' as const, shape: [D, B, H] },
          ...(cell === 'LSTM' ? [{ dtype: 'float32' as const, shape: [D, B, H] }] : []),
        ];
        const [y, yh, yc] = ctx.op(cell, ins, attrs, outs);
        ctx.traceLayer(l);
        // as nn.LSTM(dropout=p): dropout on every layer's output but the last, in training only
        seq = p.dropout > 0 && l < p.num_layers - 1 ? ctx.op('Dropout', [y], { ratio: p.dropout }, [outs[0]])[0] : y;
        hs.push(yh);
        if (yc) cs.push(yc);
      }
      const stateShape = [p.num_layers * D, B, H];
      const cat = (vs: string[]) => (vs.length === 1 ? vs[0] : ctx.op('Concat', vs, { axis: 0 }, [{ dtype: 'float32', shape: stateShape }])[0]);
      const h = cat(hs);
      const c = cs.length ? cat(cs) : undefined;
      const merge = (v: string, shape: Dim[]) =>
        p.bidirectional && p.merge_mode !== 'concat' ? ctx.op('MergeDirections', [v], { mode: p.merge_mode }, [{ dtype: 'float32', shape }])[0] : v;
      const output = merge(seq, ctx.outputs.output.shape);
      const [lastCat] = ctx.op('StateToVector', [hs[hs.length - 1]], {}, [{ dtype: 'float32', shape: [B, D * H] }]);
      const last = merge(lastCat, ctx.outputs.last.shape);
      const result: Record<string, PortValue> = {
        output: { ...ctx.outputs.output, value: output, lengths: x.lengths },
        state: { ...ctx.outputs.state, value: h, c },
        last: { ...ctx.outputs.last, value: last },
      };
      return result;
    },
  });
}
