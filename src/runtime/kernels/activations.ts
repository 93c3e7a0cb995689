// ONNX's activation list for RNN / LSTM / GRU, with their alpha/beta, the cell clip and the LSTM's
// coupled input-forget gate: what a recurrent node may be configured with beyond the PyTorch
// cells (tanh / relu candidates, sigmoid / hard_sigmoid(0.2, 0.5) gates), which cells.ts keeps
// on its fast integer-coded paths.
//
// Why a separate "general" description: the fast forms of the maths (the TS loops' default
// paths, the WebAssembly SIMD kernels) stay exactly as they are for every graph that uses only
// what PyTorch has; a layer whose spec carries a GeneralCell runs the general TS loops
// (recurrent-general.ts) and their backward, and nothing else changes for the others.
//
// Semantics, as onnxruntime's CPU kernels (deep_cpu_lstm / deep_cpu_gru / rnn) compute them and the
// ONNX operator docs state them:
// - activations (names as Keras / snake_case; ONNX's spelling in ONNX_NAME):
//   relu max(0,x); tanh; sigmoid 1/(1+e^−x); affine αx+β; leaky_relu x≥0 ? x : αx;
//   thresholded_relu x>α ? x : 0; scaled_tanh α·tanh(βx); hard_sigmoid max(0, min(1, αx+β));
//   elu x≥0 ? x : α(e^x−1); softsign x/(1+|x|); softplus log(1+e^x).
// - clip (> 0): every gate's pre-activation (LSTM i, f, g, o; GRU z, r, h; RNN's one) is clamped
//   to [−clip, clip] after its biases (and peepholes) are added and before its activation; the
//   LSTM's cell state c itself is not clipped (its h activation reads c as it is).
// - input_forget (LSTM): f = 1 − i; the f rows of W, R, B (and the f peephole) are unused.
// Derivatives are taken from the saved PRE-activation x (not from the output as cells.ts does):
// several of these cannot be inverted from y (leaky_relu or elu with α ≤ 0, thresholded_relu,
// a clipped x), and x is exact for all of them; the clamp's derivative is 0 where |x| > clip.

export const ACTIVATIONS = ['tanh', 'relu', 'sigmoid', 'hard_sigmoid', 'affine', 'leaky_relu', 'thresholded_relu', 'scaled_tanh', 'elu', 'softsign', 'softplus'] as const;
export type ActName = (typeof ACTIVATIONS)[number];

/** ONNX's spelling of each activation (the `activations` attribute) */
export const ONNX_NAME: Record<ActName, string> = {
  tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid', hard_sigmoid: 'HardSigmoid', affine: 'Affine', leaky_relu: 'LeakyRelu',
  thresholded_relu: 'ThresholdedRelu', scaled_tanh: 'ScaledTanh', elu: 'Elu', softsign: 'Softsign', softplus: 'Softplus',
};

/** the alpha / beta each activation reads, with ONNX's defaults (those of the ops of the same name) */
export const ACT_PARAMS: Record<ActName, { alpha?: number; beta?: number }> = {
  tanh: {}, relu: {}, sigmoid: {}, softsign: {}, softplus: {},
  hard_sigmoid: { alpha: 0.2, beta: 0.5 }, affine: { alpha: 1, beta: 0 }, leaky_relu: { alpha: 0.01 },
  thresholded_relu: { alpha: 1 }, scaled_tanh: { alpha: 1, beta: 1 }, elu: { alpha: 1 },
};

/** an activation with its alpha and beta filled in (0 where it reads none) */
export interface ActFn { name: ActName; code: number; alpha: number; beta: number }

/**
 * What a layer computes beyond the fast paths: the gate activation f (LSTM i, f, o; GRU z, r),
 * the candidate g (LSTM g; GRU h̃; RNN's only one), the LSTM's output activation h (of c), the
 * clip (Infinity: none) and the LSTM's input_forget.
 */
export interface GeneralCell { f: ActFn; g: ActFn; h: ActFn; clip: number; inputForget: boolean }

export function isActName(s: unknown): s is ActName {
  return typeof s === 'string' && (ACTIVATIONS as readonly string[]).includes(s);
}

/** an activation by name with its alpha/beta (undefined or null: ONNX's default); throws naming `where` on an unknown name */
export function actFn(name: string, alpha: number | null | undefined, beta: number | null | undefined, where: string): ActFn {
  if (!isActName(name)) throw new Error(`${where}: unknown activation '${name}' (one of ${ACTIVATIONS.join(', ')})`);
  const d = ACT_PARAMS[name];
  return { name, code: ACTIVATIONS.indexOf(name), alpha: d.alpha === undefined ? 0 : (alpha ?? d.alpha), beta: d.beta === undefined ? 0 : (beta ?? d.beta) };
}

/** the activation of the clamped pre-activation x */
export function actG(x: number, a: ActFn, clip: number): number {
  if (x > clip) x = clip;
  else if (x < -clip) x = -clip;
  switch (a.code) {
    case 0: return Math.tanh(x);
    case 1: return x > 0 ? x : 0;
    case 2: return 1 / (1 + Math.exp(-x));
    case 3: { const v = a.alpha * x + a.beta; return v < 0 ? 0 : v > 1 ? 1 : v; }
    case 4: return a.alpha * x + a.beta;
    case 5: return x >= 0 ? x : a.alpha * x;
    case 6: return x > a.alpha ? x : 0;
    case 7: return a.alpha * Math.tanh(a.beta * x);
    case 8: return x >= 0 ? x : a.alpha * (Math.exp(x) - 1);
    case 9: return x / (1 + Math.abs(x));
    default: return x > 30 ? x : Math.log1p(Math.exp(x)); // softplus; log1p(e^x) = x to double precision past 30
  }
}

/** d actG(x) / dx: 0 where the clamp is active */
export function dactG(x: number, a: ActFn, clip: number): number {
  if (x > clip || x < -clip) return 0;
  switch (a.code) {
    case 0: { const t = Math.tanh(x); return 1 - t * t; }
    case 1: return x > 0 ? 1 : 0;
    case 2: { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }
    case 3: { const v = a.alpha * x + a.beta; return v > 0 && v < 1 ? a.alpha : 0; }
    case 4: return a.alpha;
    case 5: return x >= 0 ? 1 : a.alpha;
    case 6: return x > a.alpha ? 1 : 0;
    case 7: { const t = Math.tanh(a.beta * x); return a.alpha * a.beta * (1 - t * t); }
    case 8: return x >= 0 ? 1 : a.alpha * Math.exp(x);
    case 9: { const d = 1 + Math.abs(x); return 1 / (d * d); }
    default: return 1 / (1 + Math.exp(-x));
  }
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);

/**
 * The general description of an op's cell from its attributes, or undefined where the fast paths
 * (cells.ts: tanh / relu candidates, sigmoid / hard_sigmoid(0.2, 0.5) gates, no clip) compute it.
 * Throws naming `where` on an unknown activation.
 */
export function generalOf(cell: string, attrs: Record<string, unknown>, where: string): GeneralCell | undefined {
  const f = (role: string, dflt: string) => actFn(String(attrs[role] ?? dflt), num(attrs[`${role}_alpha`]), num(attrs[`${role}_beta`]), `${where} ${role}`);
  const g = f('activation', 'tanh');
  const gate = f('recurrent_activation', 'sigmoid');
  const h = attrs.output_activation !== undefined ? f('output_activation', 'tanh') : g;
  const clip = num(attrs.clip) !== null && (attrs.clip as number) > 0 ? (attrs.clip as number) : Infinity;
  const inputForget = cell === 'LSTM' && attrs.input_forget === true;
  const fastCand = g.name === 'tanh' || g.name === 'relu';
  const fastGate = cell === 'RNN' || gate.name === 'sigmoid' || (gate.name === 'hard_sigmoid' && gate.alpha === 0.2 && gate.beta === 0.5);
  const fastOut = cell !== 'LSTM' || h.name === g.name;
  if (fastCand && fastGate && fastOut && clip === Infinity && !inputForget) return undefined;
  if (cell === 'MGU') throw new Error(`${where}: the MGU takes only tanh / relu and sigmoid / hard_sigmoid, no clip`);
  return { f: gate, g, h, clip, inputForget };
}
