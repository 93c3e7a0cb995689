// BPTT steps of a "general" recurrent layer (ONNX's activations with alpha/beta, the gate clip, the
// LSTM's input_forget; activations.ts, recurrent-general.ts). bpttLayer (recurrent-backward.ts)
// lays out the previous states, runs one of these per direction and makes the weight gradients
// from the gate gradients they leave in dg, exactly as for the fast cells; only the elementwise
// derivative differs: it is taken at the saved pre-activation (dactG is 0 where the clip held).
import { actG, dactG } from './activations';
import { gemmTS } from './gemm';
import { grow, type Loop } from './recurrent-backward';

export function backGeneral(cell: string, lbrGru: boolean, l: Loop): void {
  const pre = l.saved.pre;
  if (cell !== 'RNN' && pre === undefined) throw new Error('bptt: a general recurrent layer needs the pre-activations its forward saves when training');
  if (cell === 'LSTM') backLSTM(l);
  else if (cell === 'GRU') backGRU(l, lbrGru);
  else if (cell === 'RNN') backRNN(l);
  else throw new Error(`bptt: the ${cell} has no general form`);
}

function backLSTM(l: Loop): void {
  const { B, T, H, GH, DH, yOff, perm, len, reverse, saved, cp, dY, dh, dc, dgs, dg, w_hh, tdh, tdc, p } = l;
  const { f: F, g: Gf, h: Hf, clip, inputForget } = l.gen!;
  const gi = saved.gates.i, gf = saved.gates.f, gg = saved.gates.g, go = saved.gates.o, cs = saved.c!, pre = saved.pre!;
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff, go_ = r * GH, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const i = gi[to + j], f = gf[to + j], g = gg[to + j], o = go[to + j], c = cs[to + j], cPrev = cp[to + j];
        const dov = dhv * actG(c, Hf, Infinity) * dactG(pre.o[to + j], F, clip);
        let dcv = dc[so + j] + dhv * o * dactG(c, Hf, Infinity);
        if (p !== null) dcv += dov * p[2 * H + j]; // o's peephole reads c_t
        const dgv = dcv * i * dactG(pre.g[to + j], Gf, clip);
        // input_forget: f = 1 − i, so i also reaches c through f; f's own rows get no gradient
        const di = dcv * (inputForget ? g - cPrev : g) * dactG(pre.i[to + j], F, clip);
        const df = inputForget ? 0 : dcv * cPrev * dactG(pre.f[to + j], F, clip);
        dc[so + j] = p !== null ? dcv * f + di * p[j] + df * p[H + j] : dcv * f;
        dgs[go_ + j] = di; dgs[go_ + H + j] = df; dgs[go_ + 2 * H + j] = dgv; dgs[go_ + 3 * H + j] = dov;
        dg[gb + j] = di; dg[gb + H + j] = df; dg[gb + 2 * H + j] = dgv; dg[gb + 3 * H + j] = dov;
        if (tdh !== null) { tdh[to + j] = dhv; tdc![to + j] = dcv; }
      }
    }
    gemmTS(dgs, 0, nA, GH, w_hh, H, null, dh, 0);
  }
}

/**
 * GRU, both linear_before_reset forms. With it the candidate's hidden part W_hn h + b_hn (l.hhn)
 * is scaled by r after the product; without it r scales h before W_hn, so d(r ⊙ h) needs a
 * second product per step, as recurrent-backward.ts's backGRUPaper.
 */
function backGRU(l: Loop, lbr: boolean): void {
  const { B, T, H, GH, DH, yOff, perm, len, reverse, saved, hp, hhn, dY, dh, dgs, dg, dgh, drh, dns, w_hh, tdh, paperUpdate } = l;
  const { f: F, g: Gf, clip } = l.gen!;
  const gr = saved.gates.r, gz = saved.gates.z, gn = saved.gates.n, pre = saved.pre!;
  const zs = paperUpdate ? -1 : 1; // d h' / d z = zs · (h − n)
  const H2 = 2 * H, GW = lbr ? GH : H2; // dgs columns: r, z, n (lbr) or r, z
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff, go_ = r * GW, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const rg = gr[to + j], z = gz[to + j], n = gn[to + j];
        const keep = paperUpdate ? 1 - z : z; // the share of the old h
        const dz = zs * dhv * (hp[to + j] - n) * dactG(pre.z[to + j], F, clip);
        const dn = dhv * (1 - keep) * dactG(pre.n[to + j], Gf, clip);
        dh[so + j] = dhv * keep; // the direct path; the products below add the rest
        dgs[go_ + H + j] = dz;
        dg[gb + H + j] = dz; dg[gb + 2 * H + j] = dn;
        if (lbr) {
          const dr = dn * hhn[to + j] * dactG(pre.r[to + j], F, clip);
          dgs[go_ + j] = dr; dgs[go_ + 2 * H + j] = dn * rg;
          dg[gb + j] = dr;
          dgh[gb + j] = dr; dgh[gb + H + j] = dz; dgh[gb + 2 * H + j] = dn * rg;
        } else dns[so + j] = dn;
        if (tdh !== null) tdh[to + j] = dhv;
      }
    }
    if (lbr) {
      gemmTS(dgs, 0, nA, GH, w_hh, H, null, dh, 0, true);
      continue;
    }
    // d(r ⊙ h) = dn · W_hn
    gemmTS(dns, 0, nA, H, w_hh.subarray(2 * H * H, 3 * H * H), H, null, drh, 0);
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, gb = bt * GH;
      for (let j = 0; j < H; j++) {
        const rg = gr[to + j], d = drh[so + j];
        const dr = d * hp[to + j] * dactG(pre.r[to + j], F, clip);
        dh[so + j] += d * rg;
        dgs[r * H2 + j] = dr;
        dg[gb + j] = dr;
      }
    }
    gemmTS(dgs, 0, nA, H2, w_hh.subarray(0, 2 * H * H), H, null, dh, 0, true);
  }
}

function backRNN(l: Loop): void {
  const { B, T, H, DH, yOff, perm, len, reverse, saved, dY, dh, dgs, dg, w_hh, tdh } = l;
  const { g: Gf, clip } = l.gen!;
  const pa = saved.gates.a; // the RNN's saved gate is its pre-activation
  let nA = 0;
  for (let s = T - 1; s >= 0; s--) {
    nA = grow(perm, len, B, nA, s);
    if (nA === 0) continue;
    for (let r = 0; r < nA; r++) {
      const b = perm[r], t = reverse ? len[b] - 1 - s : s, bt = b * T + t;
      const so = r * H, to = bt * H, yo = bt * DH + yOff;
      for (let j = 0; j < H; j++) {
        const dhv = dh[so + j] + (dY !== null ? dY[yo + j] : 0);
        const da = dhv * dactG(pa[to + j], Gf, clip);
        dgs[so + j] = da;
        dg[to + j] = da;
        if (tdh !== null) tdh[to + j] = dhv;
      }
    }
    gemmTS(dgs, 0, nA, H, w_hh, H, null, dh, 0);
  }
}
