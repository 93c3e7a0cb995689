// The time loops of a "general" recurrent layer: ONNX's activations with alpha/beta, the gate
// clip, the LSTM's input_forget (activations.ts states the maths). Same contract, prepared weights
// and workspace as recurrent.ts's loops, which stay as they are for the PyTorch cells; kept apart
// so the fast loops keep their integer-coded activations and V8 keeps inlining them.
//
// Each step also records the gates' pre-activations (before the clip) when tracing or training:
// the backward (recurrent-general-backward.ts) differentiates there, since several of ONNX's
// activations cannot be inverted from their output.
import { gemmTS } from './gemm';
import { actG } from './activations';
import { activeRows, type LayerSpec, type StepArgs } from './recurrent';

export function runGeneral(spec: LayerSpec, a: StepArgs): void {
  if (spec.cell === 'LSTM') loopLSTM(a);
  else if (spec.cell === 'GRU') loopGRU(a, spec.linearBeforeReset);
  else if (spec.cell === 'RNN') loopRNN(a);
  else throw new Error(`recurrent layer: the ${spec.cell} has no general form (ONNX activations, clip)`);
}

/**
 * i = f(clip(x_i + h_i + p_i c)), f = input_forget ? 1 − i : f(clip(x_f + h_f + p_f c)),
 * g = g(clip(x_g + h_g)), c' = f c + i g, o = f(clip(x_o + h_o + p_o c')), h' = o h(c')
 */
function loopLSTM(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, cs, hh, perm, len, reverse, whhT, bh, peep, tr } = a;
  const { f: F, g: Gf, h: Hf, clip, inputForget } = a.gen!;
  const GH = 4 * H;
  const pre = tr?.pre ?? null;
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
        const cPrev = cs[so + j];
        let ip = xp[xo + j] + hh[ho + j], fp = xp[xo + H + j] + hh[ho + H + j], op = xp[xo + 3 * H + j] + hh[ho + 3 * H + j];
        const gp = xp[xo + 2 * H + j] + hh[ho + 2 * H + j];
        if (peep !== null) { ip += peep[j] * cPrev; fp += peep[H + j] * cPrev; }
        const ig = actG(ip, F, clip);
        // input_forget: ONNX couples f to i; f's own rows (and peephole) are not read
        const fg = inputForget ? 1 - ig : actG(fp, F, clip);
        const gg = actG(gp, Gf, clip);
        cs[so + j] = fg * cPrev + ig * gg;
        const cf = cs[so + j]; // float32-rounded c, as the fast loop and onnxruntime store it
        if (peep !== null) op += peep[2 * H + j] * cf;
        const og = actG(op, F, clip);
        const h = og * actG(cf, Hf, Infinity); // c itself is not clipped
        hs[so + j] = h;
        y[yo + j] = h;
        if (tr !== null) {
          tr.gates.i[to_ + j] = ig; tr.gates.f[to_ + j] = fg; tr.gates.g[to_ + j] = gg; tr.gates.o[to_ + j] = og;
          tr.c![to_ + j] = cf; tr.h[to_ + j] = h;
        }
        if (pre !== null) { pre.i[to_ + j] = ip; pre.f[to_ + j] = inputForget ? 0 : fp; pre.g[to_ + j] = gp; pre.o[to_ + j] = op; }
      }
    }
  }
}

/**
 * r, z = f(clip(x + W_h h + b)); n = g(clip(x_n + r (W_hn h + b_hn))) with linear_before_reset,
 * g(clip(x_n + W_hn (r h) + b_hn)) without; h' = (1 − z) n + z h (or the paper's z n + (1 − z) h)
 */
function loopGRU(a: StepArgs, lbr: boolean): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, rh, zb, hn, perm, len, reverse, whhT, bh, whnT, paperUpdate, tr } = a;
  const { f: F, g: Gf, clip } = a.gen!;
  const HW = lbr ? 3 * H : 2 * H; // columns of the recurrent product: all three blocks, or r, z only
  const pre = tr?.pre ?? null;
  let nA = B;
  for (let s = 0; s < T; s++) {
    nA = activeRows(perm, len, nA, s);
    if (nA === 0) break;
    gemmTS(hs, 0, nA, H, whhT, HW, lbr ? bh : null, hh, 0);
    for (let r = 0; r < nA; r++) {
      const bt = perm[r] * T + (reverse ? len[perm[r]] - 1 - s : s);
      const xo = bt * DGH + xOff, ho = r * HW, so = r * H, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const rp = xp[xo + j] + hh[ho + j], zp = xp[xo + H + j] + hh[ho + H + j];
        const rg = actG(rp, F, clip);
        zb[so + j] = actG(zp, F, clip);
        // lbr: hn holds the candidate's hidden part r ⊙ (W_hn h + b_hn); else r ⊙ h, multiplied below
        if (lbr) hn[so + j] = rg * hh[ho + 2 * H + j];
        else rh[so + j] = rg * hs[so + j];
        if (tr !== null) { tr.gates.r[to_ + j] = rg; tr.gates.z[to_ + j] = zb[so + j]; }
        if (pre !== null) { pre.r[to_ + j] = rp; pre.z[to_ + j] = zp; }
      }
    }
    if (!lbr) gemmTS(rh, 0, nA, H, whnT!, H, null, hn, 0);
    for (let r = 0; r < nA; r++) {
      const bt = perm[r] * T + (reverse ? len[perm[r]] - 1 - s : s);
      const xo = bt * DGH + xOff + 2 * H, so = r * H, yo = bt * DH + yOff, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const np = xp[xo + j] + hn[so + j];
        const ng = actG(np, Gf, clip);
        const keep = paperUpdate ? 1 - zb[so + j] : zb[so + j];
        const h = ng + keep * (hs[so + j] - ng);
        hs[so + j] = h;
        y[yo + j] = h;
        if (tr !== null) { tr.gates.n[to_ + j] = ng; tr.h[to_ + j] = h; }
        if (pre !== null) pre.n[to_ + j] = np;
      }
    }
  }
}

/** h' = g(clip(x + W_hh h + b)); the trace's gate 'a' is the pre-activation, before the clip */
function loopRNN(a: StepArgs): void {
  const { xp, xOff, DGH, y, yOff, DH, T, B, H, hs, hh, perm, len, reverse, whhT, bh, tr } = a;
  const { g: Gf, clip } = a.gen!;
  let nA = B;
  for (let s = 0; s < T; s++) {
    nA = activeRows(perm, len, nA, s);
    if (nA === 0) break;
    gemmTS(hs, 0, nA, H, whhT, H, bh, hh, 0);
    for (let r = 0; r < nA; r++) {
      const bt = perm[r] * T + (reverse ? len[perm[r]] - 1 - s : s);
      const xo = bt * DGH + xOff, so = r * H, yo = bt * DH + yOff, to_ = bt * H;
      for (let j = 0; j < H; j++) {
        const p = xp[xo + j] + hh[so + j];
        const h = actG(p, Gf, clip);
        hs[so + j] = h;
        y[yo + j] = h;
        if (tr !== null) { tr.gates.a[to_ + j] = p; tr.h[to_ + j] = h; }
      }
    }
  }
}
