// One decoder cell step in reverse, for one row, in PyTorch's maths and gate orders as
// decoder.ts cellUpdate computes them (a = W_ih·x + b_ih + W_hh·h + b_hh per gate):
//   LSTM (i,f,g,o): c = f·c' + i·g, h = o·tanh(c)
//       dc = dc_carry + dh·o·(1−tanh²c); da_i = dc·g·i(1−i); da_f = dc·c'·f(1−f);
//       da_g = dc·i·(1−g²); da_o = dh·tanh(c)·o(1−o); dc' = dc·f
//   GRU (r,z,n), n = tanh(x_n + r·(W_hn h' + b_hn)), h = (1−z)·n + z·h'
//       da_n = dh·(1−z)·(1−n²); da_z = dh·(h'−n)·z(1−z); da_r = da_n·(W_hn h' + b_hn)·r(1−r);
//       the hidden side of n gets da_n·r; dh' (direct) = dh·z
//   RNN: h = tanh(a); da = dh·(1−h²)
// It writes dxp (∂/∂ the input-side pre-activations, [G·H]), dhp (the hidden side), the direct
// ∂/∂h' not through W_hh, ∂/∂c' and the total ∂/∂c of this step. The activations and their
// derivatives are cells.ts's shared ones (the decoder's cells use tanh and sigmoid, as PyTorch's).
import { act, dact, dract, SIGMOID, TANH, type TorchCellKind as CellKind } from './cells';
import type { Floats } from './gemm';

export interface CellScratch {
  dxp: Float64Array;
  dhp: Float64Array;
  dhDirect: Float64Array;
  dcPrev: Float64Array;
  dcTotal: Float64Array;
}

export function cellScratch(cell: CellKind, H: number): CellScratch {
  const GH = (cell === 'LSTM' ? 4 : cell === 'GRU' ? 3 : 1) * H;
  return { dxp: new Float64Array(GH), dhp: new Float64Array(GH), dhDirect: new Float64Array(H), dcPrev: new Float64Array(H), dcTotal: new Float64Array(H) };
}

/**
 * dh [H]: ∂loss/∂h after the step (everything that reads it); dcCarry[sOff..]: ∂loss/∂c after the
 * step from later steps (LSTM). gates[gOff..+GH]: the step's activations (RNN: pre-activation).
 * hPrev/cPrev[sOff..]: the state before the step; cNew[sOff..]: c after it.
 */
export function cellBackward(
  cell: CellKind, cs: CellScratch, H: number, dh: Float64Array, dcCarry: Float64Array, sOff: number,
  gates: Floats, gOff: number, hPrev: Floats, cPrev: Floats | undefined, cNew: Floats | undefined,
  whh: Floats, bhh: Floats,
): void {
  const { dxp, dhp, dhDirect, dcPrev, dcTotal } = cs;
  if (cell === 'LSTM') {
    for (let j = 0; j < H; j++) {
      const i = gates[gOff + j], f = gates[gOff + H + j], g = gates[gOff + 2 * H + j], o = gates[gOff + 3 * H + j];
      const tc = act(cNew![sOff + j], TANH);
      const dc = dcCarry[sOff + j] + dh[j] * o * dact(tc, TANH);
      dcTotal[j] = dc;
      const ai = dc * g * dract(i, SIGMOID), af = dc * cPrev![sOff + j] * dract(f, SIGMOID), ag = dc * i * dact(g, TANH), ao = dh[j] * tc * dract(o, SIGMOID);
      dxp[j] = dhp[j] = ai;
      dxp[H + j] = dhp[H + j] = af;
      dxp[2 * H + j] = dhp[2 * H + j] = ag;
      dxp[3 * H + j] = dhp[3 * H + j] = ao;
      dcPrev[j] = dc * f;
      dhDirect[j] = 0;
    }
    return;
  }
  if (cell === 'GRU') {
    for (let j = 0; j < H; j++) {
      const r = gates[gOff + j], z = gates[gOff + H + j], n = gates[gOff + 2 * H + j];
      // W_hn·h' + b_hn, recomputed rather than stored per step
      let hn = bhh[2 * H + j];
      const wo = (2 * H + j) * H;
      for (let k = 0; k < H; k++) hn += whh[wo + k] * hPrev[sOff + k];
      const hp = hPrev[sOff + j];
      const an = dh[j] * (1 - z) * dact(n, TANH);
      const az = dh[j] * (hp - n) * dract(z, SIGMOID);
      const ar = an * hn * dract(r, SIGMOID);
      dxp[j] = dhp[j] = ar;
      dxp[H + j] = dhp[H + j] = az;
      dxp[2 * H + j] = an;
      dhp[2 * H + j] = an * r;
      dhDirect[j] = dh[j] * z;
      dcPrev[j] = 0;
      dcTotal[j] = 0;
    }
    return;
  }
  for (let j = 0; j < H; j++) {
    const h = act(gates[gOff + j], TANH);
    dxp[j] = dhp[j] = dh[j] * dact(h, TANH);
    dhDirect[j] = 0;
    dcPrev[j] = 0;
    dcTotal[j] = 0;
  }
}
