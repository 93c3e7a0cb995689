// Recurrent layer kernels (RNN / LSTM / GRU, uni- or bidirectional, ragged lengths, traces).
//
// Why it is laid out this way:
// - prepareLayer() re-lays the PyTorch weights out once: W_ih of both directions is transposed and
//   packed side by side into one Wt[I, D*G*H] so that the input projection of every timestep and
//   both directions is ONE gemm over [B*T, I] before the time loop. b_ih and the parts of b_hh that
//   sit outside a reset gate are folded into that projection's bias.
// - Inside the time loop only h·W_hh^T (a [B, H]x[H, G*H] gemm on pre-transposed W_hh) runs,
//   followed by one fused elementwise pass per row that reads the projection and the recurrent
//   product and writes h, c, y and (optionally) the trace. No allocation happens in the loop; all
//   scratch lives in a Workspace that grows on demand and is reused across runs.
// - Ragged batches (packed-sequence semantics) are handled by ordering batch rows by length,
//   longest first: at step s the rows still running are a prefix of the state matrix, so the
//   recurrent gemm simply shrinks to that prefix and finished rows keep their final state.
// - Activations are selected by small integer codes (no closures) so V8 inlines them.
// - This TS loop is the reference. By default (kernelBackend() === 'simd', wherever WebAssembly
//   SIMD exists) runLayer hands the same work to wasm/recurrent-simd.ts, which keeps the same
//   contract; `opts.backend` or setKernelBackend() pins one, and the tests compare the two.
import { gemmTS, packTransposed } from './gemm';
import { kernelBackend, type KernelBackend } from './wasm/runtime';
import { prepareSimdLayer, runLayerSimd } from './wasm/recurrent-simd';

export type CellKind = 'RNN' | 'LSTM' | 'GRU';
export type Activation = 'tanh' | 'relu';
export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid'; // hard_sigmoid = max(0, min(1, 0.2*x + 0.5))

/** Weights of ONE layer, ONE direction, PyTorch layout and gate order (LSTM i,f,g,o; GRU r,z,n). */
export interface DirectionWeights { w_ih: Float32Array; w_hh: Float32Array; b_ih: Float32Array; b_hh: Float32Array; }

export interface LayerSpec {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  bidirectional: boolean;
  /** one direction only, run right to left (ONNX direction=reverse): y[t] is the state after x[T-1..t] */
  reverse?: boolean;
  activation: Activation;
  recurrentActivation: RecurrentActivation;
  linearBeforeReset: boolean;
}

/** Weights re-laid out once for the fast loops. Fields other than `spec` are internal. */
export interface PreparedLayer {
  spec: LayerSpec;
  /** @internal directions (1 or 2), gates per cell, hidden, input sizes */
  D: number; G: number; H: number; I: number;
  /** @internal W_ih of all directions, transposed: [I, D*G*H] */
  wihT: Float32Array;
  /** @internal folded projection bias [D*G*H] */
  bx: Float32Array;
  /** @internal per direction W_hh^T: [H, G*H]; GRU with linearBeforeReset=false: only the r,z rows, [H, 2H] */
  whhT: Float32Array[];
  /** @internal per direction bias added to h·W_hh^T (GRU lbr=true: [0, 0, b_hn]) or null */
  bh: (Float32Array | null)[];
  /** @internal GRU with linearBeforeReset=false: per direction W_hn^T [H, H] */
  whnT: Float32Array[];
  /** @internal the same weights packed into wasm memory for the SIMD kernels (null: unavailable) */
  simd?: unknown;
}

export interface LayerTrace {
  h: Float32Array;
  c?: Float32Array;
  gates: Record<string, Float32Array>;
}
export interface LayerResult {
  y: Float32Array;
  hN: Float32Array;
  cN?: Float32Array;
  trace?: LayerTrace[];
}

/** Reusable scratch buffers; create once per program/executor. Not safe to share between concurrent runs. */
export class Workspace {
  private f32s = new Map<string, Float32Array>();
  private i32s = new Map<string, Int32Array>();
  /** A Float32Array of at least n elements (contents unspecified). */
  f32(key: string, n: number): Float32Array {
    let b = this.f32s.get(key);
    if (b === undefined || b.length < n) {
      b = new Float32Array(Math.max(n, b === undefined ? 0 : b.length * 2));
      this.f32s.set(key, b);
    }
    return b;
  }
  /** An Int32Array of at least n elements (contents unspecified). */
  i32(key: string, n: number): Int32Array {
    let b = this.i32s.get(key);
    if (b === undefined || b.length < n) {
      b = new Int32Array(Math.max(n, b === undefined ? 0 : b.length * 2));
      this.i32s.set(key, b);
    }
    return b;
  }
}

const GATES: Record<CellKind, number> = { RNN: 1, LSTM: 4, GRU: 3 };
const GATE_NAMES: Record<CellKind, string[]> = { RNN: ['a'], LSTM: ['i', 'f', 'g', 'o'], GRU: ['r', 'z', 'n'] };

function checkLen(what: string, a: Float32Array | undefined, n: number): void {
  if (a === undefined) throw new Error(`recurrent layer: missing ${what}`);
  if (a.length !== n) throw new Error(`recurrent layer: ${what} has ${a.length} values, expected ${n}`);
}

export function prepareLayer(spec: LayerSpec, fwd: DirectionWeights, bwd?: DirectionWeights): PreparedLayer {
  const G = GATES[spec.cell];
  if (G === undefined) throw new Error(`recurrent layer: unknown cell ${String(spec.cell)}`);
  const H = spec.hiddenSize, I = spec.inputSize;
  if (!(H > 0 && I > 0)) throw new Error(`recurrent layer: bad sizes I=${I} H=${H}`);
  if (spec.bidirectional && !bwd) throw new Error('recurrent layer: bidirectional layer needs reverse weights');
  const dirs = spec.bidirectional ? [fwd, bwd!] : [fwd];
  const D = dirs.length, GH = G * H;
  const lbrGru = spec.cell === 'GRU' && spec.linearBeforeReset;
  const paperGru = spec.cell === 'GRU' && !spec.linearBeforeReset;
  const wihT = new Float32Array(I * D * GH);
  const bx = new Float32Array(D * GH);
  const whhT: Float32Array[] = [], bh: (Float32Array | null)[] = [], whnT: Float32Array[] = [];
  dirs.forEach((w, d) => {
    const tag = d === 0 ? '' : ' (reverse)';
    checkLen(`w_ih${tag}`, w.w_ih, GH * I);
    checkLen(`w_hh${tag}`, w.w_hh, GH * H);
    checkLen(`b_ih${tag}`, w.b_ih, GH);
    checkLen(`b_hh${tag}`, w.b_hh, GH);
    packTransposed(w.w_ih, GH, I, wihT, D * GH, d * GH);
    for (let j = 0; j < GH; j++) bx[d * GH + j] = w.b_ih[j];
    if (paperGru) {
      // r,z rows of W_hh in one matrix, W_hn separately (it multiplies r*h); all of b_hh is outside r.
      const rz = new Float32Array(H * 2 * H);
      packTransposed(w.w_hh.subarray(0, 2 * H * H), 2 * H, H, rz, 2 * H, 0);
      whhT.push(rz);
      const n = new Float32Array(H * H);
      packTransposed(w.w_hh.subarray(2 * H * H, 3 * H * H), H, H, n, H, 0);
      whnT.push(n);
      for (let j = 0; j < GH; j++) bx[d * GH + j] += w.b_hh[j];
      bh.push(null);
    } else {
      const t = new Float32Array(H * GH);
      packTransposed(w.w_hh, GH, H, t, GH, 0);
      whhT.push(t);
      if (lbrGru) {
        // b_hn must stay inside r * (W_hn h + b_hn); b_hr, b_hz fold into the projection.
        for (let j = 0; j < 2 * H; j++) bx[d * GH + j] += w.b_hh[j];
        const b = new Float32Array(GH);
        for (let j = 2 * H; j < GH; j++) b[j] = w.b_hh[j];
        bh.push(b);
      } else {
        for (let j = 0; j < GH; j++) bx[d * GH + j] += w.b_hh[j];
        bh.push(null);
      }
    }
  });
  const layer: PreparedLayer = { spec: { ...spec }, D, G, H, I, wihT, bx, whhT, bh, whnT };
  // re-lay the weights out for the SIMD kernels now, not on the first run
  if (kernelBackend() === 'simd') prepareSimdLayer(layer);
  return layer;
}

// ---- activations, by integer code so the hot loops stay monomorphic ----
const TANH = 0, RELU = 1, SIGMOID = 0, HARD_SIGMOID = 1;

function act(x: number, code: number): number {
  return code === TANH ? Math.tanh(x) : (x > 0 ? x : 0);
}
function ract(x: number, code: number): number {
  if (code === SIGMOID) return 1 / (1 + Math.exp(-x));
  const v = 0.2 * x + 0.5;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export function runLayer(
  layer: PreparedLayer, x: Float32Array, B: number, T: number,
  opts: { h0?: Float32Array; c0?: Float32Array; lengths?: Int32Array; trace?: boolean; workspace?: Workspace; backend?: KernelBackend } = {},
): LayerResult {
  const { spec, D, G, H, I } = layer;
  const GH = G * H, DGH = D * GH, DH = D * H;
  const isLSTM = spec.cell === 'LSTM';
  checkLen('x', x, B * T * I);
  if (opts.h0 !== undefined) checkLen('h0', opts.h0, D * B * H);
  if (opts.c0 !== undefined) {
    if (!isLSTM) throw new Error(`recurrent layer: c0 given to a ${spec.cell} layer`);
    checkLen('c0', opts.c0, D * B * H);
  }
  const ws = opts.workspace ?? new Workspace();
  const wantTrace = opts.trace === true;

  // Lengths, and batch rows ordered longest first (stable) so that active rows form a prefix.
  const perm = ws.i32('perm', B);
  const len = ws.i32('len', B);
  for (let b = 0; b < B; b++) {
    const L = opts.lengths === undefined ? T : opts.lengths[b];
    if (!(L >= 0 && L <= T)) throw new Error(`recurrent layer: lengths[${b}] = ${L} is outside [0, ${T}]`);
    len[b] = L;
    perm[b] = b;
  }
  if (opts.lengths !== undefined) insertionSortByLengthDesc(perm, len, B);

  if ((opts.backend ?? kernelBackend()) === 'simd') {
    let ragged = false;
    for (let b = 0; b < B; b++) if (len[b] < T) ragged = true;
    const r = runLayerSimd({ layer, x, B, T, perm, len, ragged, h0: opts.h0, c0: opts.c0, trace: wantTrace });
    if (r !== null) return r;
  }

  // Input projection of every timestep and both directions: one gemm.
  const xp = ws.f32('xproj', B * T * DGH);
  gemmTS(x, 0, B * T, I, layer.wihT, DGH, layer.bx, xp, 0);

  const y = new Float32Array(B * T * DH);
  const hN = new Float32Array(D * B * H);
  const cN = isLSTM ? new Float32Array(D * B * H) : undefined;
  const traces: LayerTrace[] | undefined = wantTrace ? [] : undefined;

  const hs = ws.f32('h', B * H);
  const cs = ws.f32('c', B * H);
  const hh = ws.f32('hh', B * GH);
  const rh = ws.f32('rh', B * H);   // GRU (lbr=false): r*h, then reused for z
  const zb = ws.f32('z', B * H);
  const hn = ws.f32('hn', B * H);
  const actCode = spec.activation === 'relu' ? RELU : TANH;
  const ractCode = spec.recurrentActivation === 'hard_sigmoid' ? HARD_SIGMOID : SIGMOID;

  for (let d = 0; d < D; d++) {
    let tr: LayerTrace | undefined;
    if (traces !== undefined) {
      const gates: Record<string, Float32Array> = {};
      for (const g of GATE_NAMES[spec.cell]) gates[g] = new Float32Array(B * T * H);
      tr = { h: new Float32Array(B * T * H), gates };
      if (isLSTM) tr.c = new Float32Array(B * T * H);
      traces.push(tr);
    }
    // Initial state, in permuted row order.
    for (let i = 0; i < B; i++) {
      const src = (d * B + perm[i]) * H;
      for (let j = 0; j < H; j++) {
        hs[i * H + j] = opts.h0 !== undefined ? opts.h0[src + j] : 0;
        cs[i * H + j] = opts.c0 !== undefined ? opts.c0[src + j] : 0;
      }
    }
    const args: StepArgs = {
      xp, xOff: d * GH, DGH, y, yOff: d * H, DH, T, B, H, G,
      hs, cs, hh, rh, zb, hn, perm, len, reverse: d === 1 || (D === 1 && spec.reverse === true),
      whhT: layer.whhT[d], bh: layer.bh[d], whnT: layer.whnT[d] ?? null,
      actCode, ractCode, tr: tr ?? null,
    };
    if (isLSTM) timeLoopLSTM(args);
    else if (spec.cell === 'GRU') {
      if (spec.linearBeforeReset) timeLoopGRU(args); else timeLoopGRUPaper(args);
    } else timeLoopRNN(args);
    // Final state (rows stop updating after their last valid step).
    for (let i = 0; i < B; i++) {
      const dst = (d * B + perm[i]) * H;
      for (let j = 0; j < H; j++) {
        hN[dst + j] = hs[i * H + j];
        if (cN !== undefined) cN[dst + j] = cs[i * H + j];
      }
    }
  }
  const res: LayerResult = { y, hN };
  if (cN !== undefined) res.cN = cN;
  if (traces !== undefined) res.trace = traces;
  return res;
}

function insertionSortByLengthDesc(perm: Int32Array, len: Int32Array, B: number): void {
  for (let i = 1; i < B; i++) {
    const p = perm[i], L = len[p];
    let k = i - 1;
    while (k >= 0 && len[perm[k]] < L) { perm[k + 1] = perm[k]; k--; }
    perm[k + 1] = p;
  }
}

interface StepArgs {
  xp: Float32Array; xOff: number; DGH: number;
  y: Float32Array; yOff: number; DH: number;
  T: number; B: number; H: number; G: number;
  hs: Float32Array; cs: Float32Array; hh: Float32Array; rh: Float32Array; zb: Float32Array; hn: Float32Array;
  perm: Int32Array; len: Int32Array; reverse: boolean;
  whhT: Float32Array; bh: Float32Array | null; whnT: Float32Array | null;
  actCode: number; ractCode: number; tr: LayerTrace | null;
}

/** Number of rows (a prefix of perm) still running at step s. */
function activeRows(perm: Int32Array, len: Int32Array, nA: number, s: number): number {
  while (nA > 0 && len[perm[nA - 1]] <= s) nA--;
  return nA;
}

function timeLoopLSTM(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, cs, hh, perm, len, reverse, whhT, bh, actCode, ractCode, tr } = a;
  const GH = 4 * H;
  const ti = tr ? tr.gates.i : null, tf = tr ? tr.gates.f : null, tg = tr ? tr.gates.g : null, to = tr ? tr.gates.o : null;
  const tc = tr ? tr.c! : null, th = tr ? tr.h : null;
  let nA = B;
  for (let s = 0; s < T; s++) {
    nA = activeRows(perm, len, nA, s);
    if (nA === 0) break;
    gemmTS(hs, 0, nA, H, whhT, GH, bh, hh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r];
      const t = reverse ? len[b] - 1 - s : s;
      const bt = b * T + t;
      const xo = bt * DGH + xOff, ho = r * GH, so = r * H, yo = bt * DH + yOff, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const ig = ract(xp[xo + j] + hh[ho + j], ractCode);
        const fg = ract(xp[xo + H + j] + hh[ho + H + j], ractCode);
        const gg = act(xp[xo + 2 * H + j] + hh[ho + 2 * H + j], actCode);
        const og = ract(xp[xo + 3 * H + j] + hh[ho + 3 * H + j], ractCode);
        const c = fg * cs[so + j] + ig * gg;
        cs[so + j] = c;
        const cf = cs[so + j]; // float32-rounded c, as PyTorch stores it
        const h = og * act(cf, actCode);
        hs[so + j] = h;
        y[yo + j] = h;
        if (ti !== null) {
          ti[to_ + j] = ig; tf![to_ + j] = fg; tg![to_ + j] = gg; to![to_ + j] = og;
          tc![to_ + j] = cf; th![to_ + j] = h;
        }
      }
    }
  }
}

function timeLoopGRU(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, perm, len, reverse, whhT, bh, actCode, ractCode, tr } = a;
  const GH = 3 * H;
  const trr = tr ? tr.gates.r : null, tz = tr ? tr.gates.z : null, tn = tr ? tr.gates.n : null, th = tr ? tr.h : null;
  let nA = B;
  for (let s = 0; s < T; s++) {
    nA = activeRows(perm, len, nA, s);
    if (nA === 0) break;
    gemmTS(hs, 0, nA, H, whhT, GH, bh, hh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r];
      const t = reverse ? len[b] - 1 - s : s;
      const bt = b * T + t;
      const xo = bt * DGH + xOff, ho = r * GH, so = r * H, yo = bt * DH + yOff, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const rg = ract(xp[xo + j] + hh[ho + j], ractCode);
        const zg = ract(xp[xo + H + j] + hh[ho + H + j], ractCode);
        const ng = act(xp[xo + 2 * H + j] + rg * hh[ho + 2 * H + j], actCode);
        const h = ng + zg * (hs[so + j] - ng);
        hs[so + j] = h;
        y[yo + j] = h;
        if (trr !== null) { trr[to_ + j] = rg; tz![to_ + j] = zg; tn![to_ + j] = ng; th![to_ + j] = h; }
      }
    }
  }
}

/** GRU with linear_before_reset = false: n = act(W_in x + b_in + W_hn (r*h) + b_hn). */
function timeLoopGRUPaper(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, rh, zb, hn, perm, len, reverse, whhT, whnT, actCode, ractCode, tr } = a;
  const H2 = 2 * H;
  const trr = tr ? tr.gates.r : null, tz = tr ? tr.gates.z : null, tn = tr ? tr.gates.n : null, th = tr ? tr.h : null;
  let nA = B;
  for (let s = 0; s < T; s++) {
    nA = activeRows(perm, len, nA, s);
    if (nA === 0) break;
    gemmTS(hs, 0, nA, H, whhT, H2, null, hh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r];
      const t = reverse ? len[b] - 1 - s : s;
      const bt = b * T + t;
      const xo = bt * DGH + xOff, ho = r * H2, so = r * H, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const rg = ract(xp[xo + j] + hh[ho + j], ractCode);
        zb[so + j] = ract(xp[xo + H + j] + hh[ho + H + j], ractCode);
        rh[so + j] = rg * hs[so + j];
        if (trr !== null) { trr[to_ + j] = rg; tz![to_ + j] = zb[so + j]; }
      }
    }
    gemmTS(rh, 0, nA, H, whnT!, H, null, hn, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r];
      const t = reverse ? len[b] - 1 - s : s;
      const bt = b * T + t;
      const xo = bt * DGH + xOff + H2, so = r * H, yo = bt * DH + yOff, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const ng = act(xp[xo + j] + hn[so + j], actCode);
        const h = ng + zb[so + j] * (hs[so + j] - ng);
        hs[so + j] = h;
        y[yo + j] = h;
        if (tn !== null) { tn[to_ + j] = ng; th![to_ + j] = h; }
      }
    }
  }
}

function timeLoopRNN(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, perm, len, reverse, whhT, bh, actCode, tr } = a;
  const ta = tr ? tr.gates.a : null, th = tr ? tr.h : null;
  let nA = B;
  for (let s = 0; s < T; s++) {
    nA = activeRows(perm, len, nA, s);
    if (nA === 0) break;
    gemmTS(hs, 0, nA, H, whhT, H, bh, hh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r];
      const t = reverse ? len[b] - 1 - s : s;
      const bt = b * T + t;
      const xo = bt * DGH + xOff, so = r * H, yo = bt * DH + yOff, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const pre = xp[xo + j] + hh[so + j];
        const h = act(pre, actCode);
        hs[so + j] = h;
        y[yo + j] = h;
        if (ta !== null) { ta[to_ + j] = pre; th![to_ + j] = h; }
      }
    }
  }
}
