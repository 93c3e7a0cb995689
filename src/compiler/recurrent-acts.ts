// The params RNN, LSTM and GRU nodes take beyond PyTorch's cells: ONNX's activations with their
// alpha/beta for each role, the gate clip and the LSTM's input_forget (runtime/kernels/activations.ts
// states the maths). Named as a Keras / ONNX user expects: `activation` (the candidate, and the
// LSTM's output unless output_activation says otherwise), `recurrent_activation` (the gates),
// `<role>_alpha` / `<role>_beta` (empty: ONNX's default for that activation), `clip`,
// `input_forget`. The RNN keeps PyTorch's `nonlinearity` for its one activation.
//
// Lowering writes the IR attributes only where a param differs from its default, so every graph
// made before these params existed lowers to exactly the same program.
import type { ParamSpec } from './node-def';
import { ACTIVATIONS, ACT_PARAMS, isActName } from '../runtime/kernels/activations';

export type RecurrentCell = 'RNN' | 'LSTM' | 'GRU';

const reads = (key: string, which: 'alpha' | 'beta') => (p: Record<string, unknown>) => {
  const n = p[key] === 'same' ? p.activation : p[key];
  return isActName(n) && ACT_PARAMS[n][which] !== undefined;
};

function alphaBeta(key: string, dflt: string): Record<string, ParamSpec> {
  const spec = (which: 'alpha' | 'beta'): ParamSpec => ({
    kind: 'float', default: null, nullable: true, when: reads(key, which),
    help: `${which} of ${key} (${Object.entries(ACT_PARAMS).filter(([, v]) => v[which] !== undefined).map(([k, v]) => `${k} ${v[which]}`).join(', ')} when empty, as ONNX); unused by ${dflt}`,
  });
  return { [`${key}_alpha`]: spec('alpha'), [`${key}_beta`]: spec('beta') };
}

const ACT_HELP = 'relu, tanh, sigmoid, affine αx+β, leaky_relu, thresholded_relu (x > α), scaled_tanh α·tanh(βx), hard_sigmoid max(0, min(1, αx+β)), elu, softsign, softplus (ONNX\'s list)';

/** the activation params of a node: [name, spec] in the order the params panel shows them */
export function activationParams(cell: RecurrentCell, help: { activation: string; recurrent?: string }): Record<string, ParamSpec> {
  if (cell === 'RNN') {
    return {
      nonlinearity: { kind: 'enum', options: ACTIVATIONS, default: 'tanh', inline: true, help: `h_t = nonlinearity(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh); tanh or relu in PyTorch, or any of ${ACT_HELP}` },
      ...alphaBeta('nonlinearity', 'tanh and relu'),
      clip: clipParam(),
    };
  }
  const out: Record<string, ParamSpec> = {
    activation: { kind: 'enum', options: ACTIVATIONS, default: 'tanh', help: `${help.activation}; any of ${ACT_HELP}` },
    ...alphaBeta('activation', 'tanh'),
    recurrent_activation: { kind: 'enum', options: ACTIVATIONS, default: 'sigmoid', help: `${help.recurrent!}; any of the same list` },
    ...alphaBeta('recurrent_activation', 'sigmoid'),
  };
  if (cell === 'LSTM') {
    out.output_activation = {
      kind: 'enum', options: ['same', ...ACTIVATIONS], default: 'same',
      help: 'the activation of c in h_t = o⊙act(c_t) (ONNX\'s h); same: `activation`, with its alpha/beta (PyTorch, Keras)',
    };
    Object.assign(out, alphaBeta('output_activation', 'tanh'));
  }
  out.clip = clipParam();
  if (cell === 'LSTM') {
    out.input_forget = { kind: 'bool', default: false, help: 'couple the input and forget gates (ONNX input_forget=1): f = 1 − i; the f rows of the weights are then unused' };
  }
  return out;
}

function clipParam(): ParamSpec {
  return {
    kind: 'float', default: 0, min: 0,
    help: 'ONNX\'s cell clip: every gate\'s pre-activation (with its biases) is clamped to [−clip, clip] before its activation; 0 = none (not TensorFlow\'s cell_clip, which clamps c)',
  };
}

type P = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' ? v : null);

/** the IR attributes of one recurrent op for these params; only those that differ from the default */
export function activationAttrs(cell: RecurrentCell | 'MGU', p: P): Record<string, string | number | boolean> {
  const a: Record<string, string | number | boolean> = {};
  const put = (role: string, param: string) => {
    for (const w of ['alpha', 'beta']) if (num(p[`${param}_${w}`]) !== null) a[`${role}_${w}`] = num(p[`${param}_${w}`])!;
  };
  a.activation = String((cell === 'RNN' ? p.nonlinearity : p.activation) ?? 'tanh');
  put('activation', cell === 'RNN' ? 'nonlinearity' : 'activation');
  if (cell !== 'RNN') {
    a.recurrent_activation = String(p.recurrent_activation ?? 'sigmoid');
    put('recurrent_activation', 'recurrent_activation');
  }
  if (cell === 'LSTM' && (p.output_activation ?? 'same') !== 'same') {
    a.output_activation = String(p.output_activation);
    put('output_activation', 'output_activation');
  }
  if (num(p.clip) !== null && (p.clip as number) > 0) a.clip = p.clip as number;
  if (cell === 'LSTM' && p.input_forget === true) a.input_forget = true;
  return a;
}
