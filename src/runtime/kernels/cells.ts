// The recurrent cells' maths, in one place: PyTorch's RNN, LSTM and GRU (both linear_before_reset
// conventions) with the activation choices the nodes offer, the variants PyTorch lacks (the GRU's
// update gate as the original paper writes it, LSTM peepholes as ONNX's LSTM has them, the
// minimal gated unit), plus the derivatives backward uses.
//
// Why it is laid out this way: the maths exists in several fast forms — the TS time loops
// (recurrent.ts), the WebAssembly gate kernels (wasm/gate-kernels.ts), the decoder's own step
// (decoder.ts cellUpdate), the ONNX step graph of an exported decoder (onnx/export-decoder-step.ts)
// — and in backward (recurrent-backward.ts). Each fast form is laid out for its own loop, so they
// cannot all share one function; instead cellStepRef() below is the plain, obviously-correct
// statement of every cell, written from the weight matrices in double precision, and
// tests/unit/cells.test.ts checks every fast form against it for every variant. The scalar
// activations and their derivatives (act, ract, dact, dract) ARE shared: the TS loops, the decoder
// and backward all call these.
//
// Derivatives are taken from an activation's OUTPUT y (tanh' = 1 − y², σ' = y(1 − y),
// relu' = [y > 0], hard_sigmoid' = 0.2 on 0 < y < 1), which is what forward saves anyway.

export type CellKind = 'RNN' | 'LSTM' | 'GRU' | 'MGU';
export type Activation = 'tanh' | 'relu';
export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid'; // hard_sigmoid = max(0, min(1, 0.2*x + 0.5))

export interface CellSpec {
  cell: CellKind;
  activation: Activation;
  recurrentActivation: RecurrentActivation;
  /** GRU only: n = act(W_in x + b_in + r ⊙ (W_hn h + b_hn)) when true (PyTorch), act(W_in x + b_in + W_hn (r ⊙ h) + b_hn) when false */
  linearBeforeReset: boolean;
  /**
   * GRU only: how z mixes the old state and the candidate. 'pytorch' (default): h' = (1 − z) ⊙ n + z ⊙ h
   * (nn.GRU, cuDNN, ONNX, Keras); 'paper': h' = z ⊙ n + (1 − z) ⊙ h (Chung et al. 2014, Wikipedia, many tutorials; Cho et al. 2014 wrote the PyTorch form).
   */
  updateGate?: UpdateGate;
  /**
   * LSTM only: peephole connections (Gers & Schmidhuber; ONNX LSTM's P): i and f also read
   * p_i ⊙ c_{t−1} and p_f ⊙ c_{t−1}, o reads p_o ⊙ c_t (the new cell state). Weights p [3H], order i, f, o.
   */
  peephole?: boolean;
}

export type UpdateGate = 'pytorch' | 'paper';
/** the cells PyTorch has as modules (what the Decoder steps) */
export type TorchCellKind = Exclude<CellKind, 'MGU'>;

export const GATE_COUNT: Record<CellKind, number> = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 };
/**
 * gate names in the weights' row order (RNN: a, the pre-activation, as the trace records it;
 * MGU: f, the forget gate, and n, the candidate h̃)
 */
export const CELL_GATES: Record<CellKind, string[]> = { RNN: ['a'], LSTM: ['i', 'f', 'g', 'o'], GRU: ['r', 'z', 'n'], MGU: ['f', 'n'] };

// ---- activations by integer code, so hot loops stay monomorphic and V8 inlines them ----
export const TANH = 0, RELU = 1, SIGMOID = 0, HARD_SIGMOID = 1;
export const actCode = (a: Activation): number => (a === 'relu' ? RELU : TANH);
export const ractCode = (a: RecurrentActivation): number => (a === 'hard_sigmoid' ? HARD_SIGMOID : SIGMOID);

/** candidate / output activation */
export function act(x: number, code: number): number {
  return code === TANH ? Math.tanh(x) : x > 0 ? x : 0;
}
/** gate activation */
export function ract(x: number, code: number): number {
  if (code === SIGMOID) return 1 / (1 + Math.exp(-x));
  const v = 0.2 * x + 0.5;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
/** d act / dx from y = act(x) */
export function dact(y: number, code: number): number {
  return code === TANH ? 1 - y * y : y > 0 ? 1 : 0;
}
/** d ract / dx from y = ract(x) */
export function dract(y: number, code: number): number {
  return code === SIGMOID ? y * (1 - y) : y > 0 && y < 1 ? 0.2 : 0;
}

/** Weights of one cell, PyTorch layout: W_ih [G*H, I], W_hh [G*H, H], b_ih, b_hh [G*H]; an LSTM's peepholes p [3H] (i, f, o). */
export interface CellWeights { w_ih: ArrayLike<number>; w_hh: ArrayLike<number>; b_ih: ArrayLike<number>; b_hh: ArrayLike<number>; p?: ArrayLike<number> }

export interface CellStepResult {
  h: number[];
  c?: number[];
  /** post-activation gates by name (RNN: a = the pre-activation), each [H] */
  gates: Record<string, number[]>;
}

/**
 * THE reference: one step of one cell for one batch row, from the weight matrices, in double
 * precision, written as the PyTorch documentation states it. Not fast; tests compare every fast
 * form of the maths (TS loops, SIMD gate kernels, the decoder's step, the ONNX step graph) to it.
 */
export function cellStepRef(spec: CellSpec, w: CellWeights, I: number, H: number, x: ArrayLike<number>, h: ArrayLike<number>, c?: ArrayLike<number>): CellStepResult {
  const a = actCode(spec.activation), ra = ractCode(spec.recurrentActivation);
  // Wx[k] = (W_ih x + b_ih)[k], Wh(v)[k] = (W_hh v)[k] (no bias)
  const Wx = (k: number) => {
    let s = w.b_ih[k];
    for (let i = 0; i < I; i++) s += w.w_ih[k * I + i] * x[i];
    return s;
  };
  const Wh = (k: number, v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < H; i++) s += w.w_hh[k * H + i] * v[i];
    return s;
  };
  const gate = (g: number, j: number) => Wx(g * H + j) + Wh(g * H + j, h) + w.b_hh[g * H + j];
  const hNew: number[] = [];
  if (spec.cell === 'RNN') {
    const pre = Array.from({ length: H }, (_, j) => gate(0, j));
    for (let j = 0; j < H; j++) hNew.push(act(pre[j], a));
    return { h: hNew, gates: { a: pre } };
  }
  if (spec.cell === 'LSTM') {
    const gi: number[] = [], gf: number[] = [], gg: number[] = [], go: number[] = [], cNew: number[] = [];
    if (spec.peephole && (!w.p || w.p.length !== 3 * H)) throw new Error(`cellStepRef: a peephole LSTM needs p [${3 * H}]`);
    // peepholes: i and f look at the old cell state, o at the new one
    const peep = (k: number, j: number, cv: number) => (spec.peephole ? w.p![k * H + j] * cv : 0);
    for (let j = 0; j < H; j++) {
      const cPrev = c ? c[j] : 0;
      gi.push(ract(gate(0, j) + peep(0, j, cPrev), ra));
      gf.push(ract(gate(1, j) + peep(1, j, cPrev), ra));
      gg.push(act(gate(2, j), a));
      cNew.push(gf[j] * cPrev + gi[j] * gg[j]);
      go.push(ract(gate(3, j) + peep(2, j, cNew[j]), ra));
      hNew.push(go[j] * act(cNew[j], a));
    }
    return { h: hNew, c: cNew, gates: { i: gi, f: gf, g: gg, o: go } };
  }
  if (spec.cell === 'MGU') {
    // f = σ(W_f x + b_if + U_f h + b_hf); h̃ = act(W_h x + b_ih̃ + U_h (f ⊙ h) + b_hh̃); h' = (1 − f) ⊙ h + f ⊙ h̃
    const f: number[] = [], n: number[] = [];
    for (let j = 0; j < H; j++) f.push(ract(gate(0, j), ra));
    const fh = Array.from({ length: H }, (_, j) => f[j] * h[j]);
    for (let j = 0; j < H; j++) {
      const k = H + j;
      n.push(act(Wx(k) + Wh(k, fh) + w.b_hh[k], a));
      hNew.push((1 - f[j]) * h[j] + f[j] * n[j]);
    }
    return { h: hNew, gates: { f, n } };
  }
  const r: number[] = [], z: number[] = [], n: number[] = [];
  for (let j = 0; j < H; j++) {
    r.push(ract(gate(0, j), ra));
    z.push(ract(gate(1, j), ra));
  }
  const rh = Array.from({ length: H }, (_, j) => r[j] * h[j]);
  for (let j = 0; j < H; j++) {
    const k = 2 * H + j;
    const hidden = spec.linearBeforeReset ? r[j] * (Wh(k, h) + w.b_hh[k]) : Wh(k, rh) + w.b_hh[k];
    n.push(act(Wx(k) + hidden, a));
    hNew.push(spec.updateGate === 'paper' ? z[j] * n[j] + (1 - z[j]) * h[j] : (1 - z[j]) * n[j] + z[j] * h[j]);
  }
  return { h: hNew, gates: { r, z, n } };
}
