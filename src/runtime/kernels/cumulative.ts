// Cumulative: a running sum / product / max / min over the steps of X [B,T,D] (ONNX Scan with an
// elementwise body; torch.cumsum / cumprod / cummax / cummin), from `initial` [B,D] or the op's
// identity. Steps past a row's length carry the row's last value (the Output zeroes them); Y_last
// is the value after the last real step. Backward walks the steps back with the gradient of the
// running value: sum passes it to every step, prod scales it by the other factor, max/min send it
// to the step that won (ties stay with the running value, as forward keeps it).
import { allocLike, fdata, floatLike, type FArr, type Tensor } from '../tensor';
import { KernelError, type InputGrads, type KernelEntry } from './types';

const IDENTITY: Record<string, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

function lengthsOf(lengths: Tensor | undefined, B: number, T: number): ArrayLike<number> {
  return lengths ? lengths.data : new Int32Array(B).fill(T);
}

export const Cumulative: KernelEntry = {
  forward(cx, [X, initial, lengths]) {
    const x = X!, op = cx.op.attrs.op as string;
    if (!(op in IDENTITY)) throw new KernelError(`Cumulative: unknown op ${op} (sum, prod, max, min)`);
    const [B, T, D] = x.shape;
    const len = lengthsOf(lengths, B, T);
    const y = floatLike(x, x.shape), last = floatLike(x, [B, D]);
    const s = fdata(x), d = fdata(y), l = fdata(last), init = initial ? fdata(initial) : null;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < D; j++) {
        let acc = init ? init[b * D + j] : IDENTITY[op];
        for (let t = 0; t < T; t++) {
          if (t < len[b]) {
            const v = s[(b * T + t) * D + j];
            acc = op === 'sum' ? acc + v : op === 'prod' ? acc * v : op === 'max' ? (v > acc ? v : acc) : v < acc ? v : acc;
          }
          d[(b * T + t) * D + j] = acc;
        }
        l[b * D + j] = acc;
      }
    }
    return { outs: [y, last] };
  },
  backward({ entry, need }, [dY, dLast]) {
    const x = entry.ins[0]!, init = entry.ins[1] ? fdata(entry.ins[1]) : null, op = entry.op.attrs.op as string;
    const [B, T, D] = x.shape;
    const len = lengthsOf(entry.ins[2], B, T);
    const s = fdata(x), y = fdata(entry.outs[0]!);
    const ref = dY ?? dLast!;
    const dX: FArr = allocLike(ref, B * T * D);
    const dInit: FArr | undefined = need[1] && init ? allocLike(ref, B * D) : undefined;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < D; j++) {
        let g = dLast ? dLast[b * D + j] : 0; // d loss / d (running value after step t), walking back
        for (let t = T - 1; t >= 0; t--) {
          const k = (b * T + t) * D + j;
          if (dY) g += dY[k];
          if (t >= len[b]) continue; // a carried value: the gradient passes to the step before
          const prev = t > 0 ? y[k - D] : init ? init[b * D + j] : IDENTITY[op];
          const v = s[k];
          if (op === 'sum') dX[k] = g;
          else if (op === 'prod') {
            dX[k] = g * prev;
            g *= v;
          } else if (op === 'max' ? v > prev : v < prev) {
            dX[k] = g;
            g = 0;
          }
        }
        if (dInit) dInit[b * D + j] = g;
      }
    }
    const grads: InputGrads = [];
    if (need[0]) grads[0] = dX;
    if (dInit) grads[1] = dInit;
    return grads;
  },
};
