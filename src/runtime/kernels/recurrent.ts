// Recurrent layer kernels (RNN / LSTM / GRU / MGU, uni- or bidirectional, ragged lengths, traces;
// LSTM peepholes, both GRU update-gate conventions).
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
// - Activations are selected by small integer codes (no closures) so V8 inlines them; they and
//   their derivatives live in cells.ts with the reference statement of every cell.
// - This TS loop (runLayerTS) is the reference. The executor picks it or the WebAssembly SIMD loop
//   (wasm/recurrent-simd.ts, same contract) through the kernel table (kernels/table.ts, backend.ts);
//   runLayer() is the stand-alone entry that follows setKernelBackend(), and the tests compare both.
// - Arrays are Float32Array in every ordinary run; the float64 gradient check passes Float64Arrays
//   (weights, x and workspace alike), and every result is allocated like x.
// - A layer with ONNX's other activations, a clip or input_forget (spec.general) runs the general
//   loops of recurrent-general.ts on the same prepared weights and workspace.
// - Weights change (an optimiser step): refreshLayer() re-derives the layout in place, SIMD
//   packing included, so nothing that was prepared goes stale and nothing grows.
import type { FArr } from '../tensor';
import { allocLike } from '../tensor';
import { gemmTS, packTransposed } from './gemm';
import { act, actCode as toActCode, ract, ractCode as toRactCode, GATE_COUNT, CELL_GATES, type CellKind, type Activation, type RecurrentActivation, type UpdateGate } from './cells';
import { kernelBackend, type KernelBackend } from './wasm/runtime';
import { refreshSimdLayer, runLayerSimd } from './wasm/recurrent-simd';
import type { GeneralCell } from './activations';
import { runGeneral } from './recurrent-general';

export type { CellKind, Activation, RecurrentActivation, UpdateGate };

/**
 * Weights of ONE layer, ONE direction, PyTorch layout and gate order (LSTM i,f,g,o; GRU r,z,n;
 * MGU f,n); p: a peephole LSTM's [3H] (i, f, o).
 */
export interface DirectionWeights<A extends FArr = Float32Array> { w_ih: A; w_hh: A; b_ih: A; b_hh: A; p?: A }

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
  /** GRU: 'pytorch' (default) h' = (1 − z) n + z h; 'paper' h' = z n + (1 − z) h (cells.ts) */
  updateGate?: UpdateGate;
  /** LSTM: peephole connections, weights p [3H] per direction (cells.ts) */
  peephole?: boolean;
  /**
   * ONNX's activations with alpha/beta, clip, input_forget (activations.ts): present, the layer runs
   * the general loops (recurrent-general.ts) and `activation` / `recurrentActivation` are unused
   */
  general?: GeneralCell;
}

/** Weights re-laid out once for the fast loops. Fields other than `spec` are internal. */
export interface PreparedLayer<A extends FArr = Float32Array> {
  spec: LayerSpec;
  /** @internal directions (1 or 2), gates per cell, hidden, input sizes */
  D: number; G: number; H: number; I: number;
  /** @internal W_ih of all directions, transposed: [I, D*G*H] */
  wihT: A;
  /** @internal folded projection bias [D*G*H] */
  bx: A;
  /** @internal per direction W_hh^T: [H, G*H]; GRU with linearBeforeReset=false: only the r,z rows, [H, 2H]; MGU: the f rows, [H, H] */
  whhT: A[];
  /** @internal per direction bias added to h·W_hh^T (GRU lbr=true: [0, 0, b_hn]) or null */
  bh: (A | null)[];
  /** @internal GRU with linearBeforeReset=false, MGU: per direction W_hn^T [H, H] (the candidate's rows) */
  whnT: A[];
  /** @internal peephole LSTM: per direction a copy of p [3H] (i, f, o) */
  peep: A[];
  /** @internal the same weights packed into wasm memory for the SIMD kernels (null: unavailable) */
  simd?: unknown;
}

export interface LayerTrace<A extends FArr = Float32Array> {
  h: A;
  c?: A;
  gates: Record<string, A>;
  /** a general layer's gate pre-activations (before the clip), by gate name: what its backward differentiates at */
  pre?: Record<string, A>;
}
export interface LayerResult<A extends FArr = Float32Array> {
  y: A;
  hN: A;
  cN?: A;
  trace?: LayerTrace<A>[];
}

/**
 * Reusable scratch buffers; create once per program/executor. Not safe to share between
 * concurrent runs. Float buffers are Float32Array, or Float64Array for a float64 workspace.
 */
export class Workspace {
  private f32s = new Map<string, FArr>();
  private i32s = new Map<string, Int32Array>();
  constructor(readonly float64 = false) {}
  /** A float array of at least n elements (contents unspecified). */
  f32(key: string, n: number): FArr {
    let b = this.f32s.get(key);
    if (b === undefined || b.length < n) {
      const len = Math.max(n, b === undefined ? 0 : b.length * 2);
      b = this.float64 ? new Float64Array(len) : new Float32Array(len);
      this.f32s.set(key, b);
    }
    return b;
  }
  /** A zeroed float array of at least n elements. */
  zeros(key: string, n: number): FArr {
    const b = this.f32(key, n);
    b.fill(0, 0, n);
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

const GATES = GATE_COUNT;
const GATE_NAMES = CELL_GATES;

function checkLen(what: string, a: ArrayLike<number> | undefined, n: number): void {
  if (a === undefined) throw new Error(`recurrent layer: missing ${what}`);
  if (a.length !== n) throw new Error(`recurrent layer: ${what} has ${a.length} values, expected ${n}`);
}

export function prepareLayer<A extends FArr>(spec: LayerSpec, fwd: DirectionWeights<A>, bwd?: DirectionWeights<A>): PreparedLayer<A> {
  return derive(spec, fwd, bwd, null);
}

/**
 * The layer's weights were changed in place (same arrays, new values): re-derive the re-laid-out
 * copies into the same buffers, and the SIMD packing over the same wasm blocks when there is one.
 */
export function refreshLayer<A extends FArr>(layer: PreparedLayer<A>, fwd: DirectionWeights<A>, bwd?: DirectionWeights<A>): void {
  derive(layer.spec, fwd, bwd, layer);
  if (layer.wihT instanceof Float32Array) refreshSimdLayer(layer as PreparedLayer);
}

function derive<A extends FArr>(spec: LayerSpec, fwd: DirectionWeights<A>, bwd: DirectionWeights<A> | undefined, into: PreparedLayer<A> | null): PreparedLayer<A> {
  const G = GATES[spec.cell];
  if (G === undefined) throw new Error(`recurrent layer: unknown cell ${String(spec.cell)}`);
  const H = spec.hiddenSize, I = spec.inputSize;
  if (!(H > 0 && I > 0)) throw new Error(`recurrent layer: bad sizes I=${I} H=${H}`);
  if (spec.bidirectional && !bwd) throw new Error('recurrent layer: bidirectional layer needs reverse weights');
  const dirs = spec.bidirectional ? [fwd, bwd!] : [fwd];
  const D = dirs.length, GH = G * H;
  const lbrGru = spec.cell === 'GRU' && spec.linearBeforeReset;
  // the candidate's rows of W_hh multiply a gated h (GRU without linear_before_reset: r ⊙ h; MGU: f ⊙ h)
  const split = (spec.cell === 'GRU' && !spec.linearBeforeReset) || spec.cell === 'MGU';
  const peephole = spec.cell === 'LSTM' && spec.peephole === true;
  if (spec.cell !== 'GRU' && spec.updateGate !== undefined && spec.updateGate !== 'pytorch') throw new Error(`recurrent layer: update_gate is a GRU setting, not ${spec.cell}'s`);
  if (spec.peephole && spec.cell !== 'LSTM') throw new Error(`recurrent layer: peepholes are an LSTM setting, not ${spec.cell}'s`);
  const alloc = (n: number) => allocLike(fwd.w_ih, n) as A;
  const wihT = into?.wihT ?? alloc(I * D * GH);
  const bx = into?.bx ?? alloc(D * GH);
  const whhT: A[] = [], bh: (A | null)[] = [], whnT: A[] = [], peep: A[] = [];
  dirs.forEach((w, d) => {
    const tag = d === 0 ? '' : ' (reverse)';
    checkLen(`w_ih${tag}`, w.w_ih, GH * I);
    checkLen(`w_hh${tag}`, w.w_hh, GH * H);
    checkLen(`b_ih${tag}`, w.b_ih, GH);
    checkLen(`b_hh${tag}`, w.b_hh, GH);
    packTransposed(w.w_ih, GH, I, wihT, D * GH, d * GH);
    for (let j = 0; j < GH; j++) bx[d * GH + j] = w.b_ih[j];
    if (peephole) {
      checkLen(`p${tag}`, w.p, 3 * H);
      const p = into?.peep[d] ?? alloc(3 * H);
      for (let j = 0; j < 3 * H; j++) p[j] = w.p![j];
      peep.push(p);
    }
    if (split) {
      // the gate rows of W_hh in one matrix (GRU r,z; MGU f), the candidate's W_hn separately (it
      // multiplies the gated h); all of b_hh is outside the gate, so it folds into the projection.
      const GR = G - 1;
      const rz = into?.whhT[d] ?? alloc(H * GR * H);
      packTransposed(w.w_hh.subarray(0, GR * H * H), GR * H, H, rz, GR * H, 0);
      whhT.push(rz);
      const n = into?.whnT[d] ?? alloc(H * H);
      packTransposed(w.w_hh.subarray(GR * H * H, G * H * H), H, H, n, H, 0);
      whnT.push(n);
      for (let j = 0; j < GH; j++) bx[d * GH + j] += w.b_hh[j];
      bh.push(null);
    } else {
      const t = into?.whhT[d] ?? alloc(H * GH);
      packTransposed(w.w_hh, GH, H, t, GH, 0);
      whhT.push(t);
      if (lbrGru) {
        // b_hn must stay inside r * (W_hn h + b_hn); b_hr, b_hz fold into the projection.
        for (let j = 0; j < 2 * H; j++) bx[d * GH + j] += w.b_hh[j];
        const b = into?.bh[d] ?? alloc(GH);
        for (let j = 2 * H; j < GH; j++) b[j] = w.b_hh[j];
        bh.push(b);
      } else {
        for (let j = 0; j < GH; j++) bx[d * GH + j] += w.b_hh[j];
        bh.push(null);
      }
    }
  });
  if (into !== null) return into;
  return { spec: { ...spec }, D, G, H, I, wihT, bx, whhT, bh, whnT, peep };
}

export interface RunLayerOptions<A extends FArr = Float32Array> { h0?: A; c0?: A; lengths?: Int32Array; trace?: boolean; workspace?: Workspace }

/** Rows ordered longest first (stable) and their lengths, so that the rows still running form a prefix. */
export function sortedRows(ws: Workspace, B: number, T: number, lengths: Int32Array | undefined): { perm: Int32Array; len: Int32Array; ragged: boolean } {
  const perm = ws.i32('perm', B);
  const len = ws.i32('len', B);
  let ragged = false;
  for (let b = 0; b < B; b++) {
    const L = lengths === undefined ? T : lengths[b];
    if (!(L >= 0 && L <= T)) throw new Error(`recurrent layer: lengths[${b}] = ${L} is outside [0, ${T}]`);
    len[b] = L;
    perm[b] = b;
    if (L < T) ragged = true;
  }
  if (lengths !== undefined) insertionSortByLengthDesc(perm, len, B);
  return { perm, len, ragged };
}

/** One layer on the kernels setKernelBackend() chose (or `backend`): the stand-alone entry point. */
export function runLayer<A extends FArr>(layer: PreparedLayer<A>, x: A, B: number, T: number, opts: RunLayerOptions<A> & { backend?: KernelBackend } = {}): LayerResult<A> {
  // the SIMD kernels have only the PyTorch cells' activations: a general layer runs the TS loops
  if ((opts.backend ?? kernelBackend()) === 'simd' && x instanceof Float32Array && !layer.spec.general) {
    checkInputs(layer, x, B, T, opts);
    const { perm, len, ragged } = sortedRows(opts.workspace ?? new Workspace(), B, T, opts.lengths);
    const r = runLayerSimd({ layer: layer as PreparedLayer, x, B, T, perm, len, ragged, h0: opts.h0 as Float32Array | undefined, c0: opts.c0 as Float32Array | undefined, trace: opts.trace === true });
    if (r !== null) return r as LayerResult<A>;
  }
  return runLayerTS(layer, x, B, T, opts);
}

function checkInputs(layer: PreparedLayer<FArr>, x: FArr, B: number, T: number, opts: RunLayerOptions<FArr>): void {
  const { D, H, I } = layer;
  checkLen('x', x, B * T * I);
  if (opts.h0 !== undefined) checkLen('h0', opts.h0, D * B * H);
  if (opts.c0 !== undefined) {
    if (layer.spec.cell !== 'LSTM') throw new Error(`recurrent layer: c0 given to a ${layer.spec.cell} layer`);
    checkLen('c0', opts.c0, D * B * H);
  }
}

/** The reference time loop in TypeScript (any precision). */
export function runLayerTS<A extends FArr>(layer: PreparedLayer<A>, x: A, B: number, T: number, opts: RunLayerOptions<A> = {}): LayerResult<A> {
  const { spec, D, G, H, I } = layer;
  const GH = G * H, DGH = D * GH, DH = D * H;
  const isLSTM = spec.cell === 'LSTM';
  checkInputs(layer, x, B, T, opts);
  const ws = opts.workspace ?? new Workspace(x instanceof Float64Array);
  const wantTrace = opts.trace === true;
  const { perm, len } = sortedRows(ws, B, T, opts.lengths);

  // Input projection of every timestep and both directions: one gemm.
  const xp = ws.f32('xproj', B * T * DGH);
  gemmTS(x, 0, B * T, I, layer.wihT, DGH, layer.bx, xp, 0);

  const alloc = (n: number) => allocLike(x, n) as A;
  const y = alloc(B * T * DH);
  const hN = alloc(D * B * H);
  const cN = isLSTM ? alloc(D * B * H) : undefined;
  const traces: LayerTrace<A>[] | undefined = wantTrace ? [] : undefined;

  const hs = ws.f32('h', B * H);
  const cs = ws.f32('c', B * H);
  const hh = ws.f32('hh', B * GH);
  const rh = ws.f32('rh', B * H);   // GRU (lbr=false): r*h, then reused for z
  const zb = ws.f32('z', B * H);
  const hn = ws.f32('hn', B * H);
  const actCode = toActCode(spec.activation);
  const ractCode = toRactCode(spec.recurrentActivation);

  for (let d = 0; d < D; d++) {
    let tr: LayerTrace<A> | undefined;
    if (traces !== undefined) {
      const gates: Record<string, A> = {};
      for (const g of GATE_NAMES[spec.cell]) gates[g] = alloc(B * T * H);
      tr = { h: alloc(B * T * H), gates };
      if (isLSTM) tr.c = alloc(B * T * H);
      // RNN: its gate 'a' is already the pre-activation
      if (spec.general && spec.cell !== 'RNN') tr.pre = Object.fromEntries(GATE_NAMES[spec.cell].map((g) => [g, alloc(B * T * H)]));
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
      whhT: layer.whhT[d], bh: layer.bh[d], whnT: layer.whnT[d] ?? null, peep: layer.peep[d] ?? null,
      paperUpdate: spec.updateGate === 'paper', actCode, ractCode, tr: tr ?? null, gen: spec.general ?? null,
    };
    if (args.gen !== null) runGeneral(spec, args);
    else if (isLSTM) timeLoopLSTM(args);
    else if (spec.cell === 'GRU') {
      if (spec.linearBeforeReset) timeLoopGRU(args); else timeLoopGRUPaper(args);
    } else if (spec.cell === 'MGU') timeLoopMGU(args);
    else timeLoopRNN(args);
    // Final state (rows stop updating after their last valid step).
    for (let i = 0; i < B; i++) {
      const dst = (d * B + perm[i]) * H;
      for (let j = 0; j < H; j++) {
        hN[dst + j] = hs[i * H + j];
        if (cN !== undefined) cN[dst + j] = cs[i * H + j];
      }
    }
  }
  const res: LayerResult<A> = { y, hN };
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

export interface StepArgs {
  xp: FArr; xOff: number; DGH: number;
  y: FArr; yOff: number; DH: number;
  T: number; B: number; H: number; G: number;
  hs: FArr; cs: FArr; hh: FArr; rh: FArr; zb: FArr; hn: FArr;
  perm: Int32Array; len: Int32Array; reverse: boolean;
  whhT: FArr; bh: FArr | null; whnT: FArr | null;
  /** peephole LSTM: p [3H] (i, f, o); else null */
  peep: FArr | null;
  /** GRU update gate as the paper writes it: h' = z n + (1 − z) h */
  paperUpdate: boolean;
  actCode: number; ractCode: number; tr: LayerTrace<FArr> | null;
  /** a general layer's activations, clip, input_forget (recurrent-general.ts), else null */
  gen: GeneralCell | null;
}

/** Number of rows (a prefix of perm) still running at step s. */
export function activeRows(perm: Int32Array, len: Int32Array, nA: number, s: number): number {
  while (nA > 0 && len[perm[nA - 1]] <= s) nA--;
  return nA;
}

function timeLoopLSTM(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, cs, hh, perm, len, reverse, whhT, bh, peep, actCode, ractCode, tr } = a;
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
        let ip = xp[xo + j] + hh[ho + j], fp = xp[xo + H + j] + hh[ho + H + j], op = xp[xo + 3 * H + j] + hh[ho + 3 * H + j];
        // peepholes: i and f read the old c, o the new one
        if (peep !== null) { ip += peep[j] * cs[so + j]; fp += peep[H + j] * cs[so + j]; }
        const ig = ract(ip, ractCode);
        const fg = ract(fp, ractCode);
        const gg = act(xp[xo + 2 * H + j] + hh[ho + 2 * H + j], actCode);
        const c = fg * cs[so + j] + ig * gg;
        cs[so + j] = c;
        const cf = cs[so + j]; // float32-rounded c, as PyTorch stores it
        if (peep !== null) op += peep[2 * H + j] * cf;
        const og = ract(op, ractCode);
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
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, perm, len, reverse, whhT, bh, paperUpdate, actCode, ractCode, tr } = a;
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
        // the share of the old h: z (PyTorch) or 1 − z (the paper's convention)
        const keep = paperUpdate ? 1 - zg : zg;
        const h = ng + keep * (hs[so + j] - ng);
        hs[so + j] = h;
        y[yo + j] = h;
        if (trr !== null) { trr[to_ + j] = rg; tz![to_ + j] = zg; tn![to_ + j] = ng; th![to_ + j] = h; }
      }
    }
  }
}

/** GRU with linear_before_reset = false: n = act(W_in x + b_in + W_hn (r*h) + b_hn). */
function timeLoopGRUPaper(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, rh, zb, hn, perm, len, reverse, whhT, whnT, paperUpdate, actCode, ractCode, tr } = a;
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
        const keep = paperUpdate ? 1 - zb[so + j] : zb[so + j];
        const h = ng + keep * (hs[so + j] - ng);
        hs[so + j] = h;
        y[yo + j] = h;
        if (tn !== null) { tn[to_ + j] = ng; th![to_ + j] = h; }
      }
    }
  }
}

/**
 * MGU: f = ract(W_f x + b_if + U_f h + b_hf); n = act(W_n x + b_in + U_n (f ⊙ h) + b_hn);
 * h' = (1 − f) ⊙ h + f ⊙ n. Laid out as the GRU without linear_before_reset: one product for f,
 * one for U_n (f ⊙ h); both b_hh parts sit outside the gate, folded into the projection.
 */
function timeLoopMGU(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, rh, zb, hn, perm, len, reverse, whhT, whnT, actCode, ractCode, tr } = a;
  const tf = tr ? tr.gates.f : null, tn = tr ? tr.gates.n : null, th = tr ? tr.h : null;
  let nA = B;
  for (let s = 0; s < T; s++) {
    nA = activeRows(perm, len, nA, s);
    if (nA === 0) break;
    gemmTS(hs, 0, nA, H, whhT, H, null, hh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r];
      const t = reverse ? len[b] - 1 - s : s;
      const bt = b * T + t;
      const xo = bt * DGH + xOff, so = r * H, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const fg = ract(xp[xo + j] + hh[so + j], ractCode);
        zb[so + j] = fg;
        rh[so + j] = fg * hs[so + j];
        if (tf !== null) tf[to_ + j] = fg;
      }
    }
    gemmTS(rh, 0, nA, H, whnT!, H, null, hn, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r];
      const t = reverse ? len[b] - 1 - s : s;
      const bt = b * T + t;
      const xo = bt * DGH + xOff + H, so = r * H, yo = bt * DH + yOff, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const ng = act(xp[xo + j] + hn[so + j], actCode);
        const hv = hs[so + j];
        const h = hv + zb[so + j] * (ng - hv);
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
