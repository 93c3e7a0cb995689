// One recurrent op as a Program with every input an initializer, over the variants the SIMD
// kernels differentiate: shared by the SIMD-backward and the threads tests.
import { Rng } from '../../src/compiler/rng';
import type { Program } from '../../src/ir/program';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { opProgram } from './gradcheck';

const G_OF = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 } as const;
type Cell = keyof typeof G_OF;

export interface Variant { cell: Cell; activation: 'tanh' | 'relu'; ra: 'sigmoid' | 'hard_sigmoid'; lbr: boolean; paper?: boolean; peephole?: boolean; reverse?: boolean }

export function variants(): Variant[] {
  const out: Variant[] = [];
  for (const activation of ['tanh', 'relu'] as const) {
    out.push({ cell: 'RNN', activation, ra: 'sigmoid', lbr: true });
    for (const ra of ['sigmoid', 'hard_sigmoid'] as const) {
      out.push({ cell: 'LSTM', activation, ra, lbr: true });
      for (const lbr of [true, false]) out.push({ cell: 'GRU', activation, ra, lbr });
    }
  }
  return out;
}

/** one recurrent op with every input an initializer (so X, h0, c0 get gradients as weights do) */
export function layerProgram(v: Variant, bi: boolean, ragged: boolean, withState: boolean, rng: Rng, B: number, T: number, I: number, H: number): Program {
  const D = bi ? 2 : 1, GH = G_OF[v.cell] * H;
  const rand = (shape: number[], s: number) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-s, s)));
  const ws = 1 / Math.sqrt(H);
  const dir = () => [rand([GH, I], ws), rand([GH, H], ws), rand([GH], ws), rand([GH], ws)];
  const ins: (Tensor | undefined)[] = [rand([B, T, I], 1), ...dir(), ...(bi ? dir() : [undefined, undefined, undefined, undefined])];
  ins.push(withState ? rand([D, B, H], 0.5) : undefined);
  if (v.cell === 'LSTM') ins.push(withState ? rand([D, B, H], 0.5) : undefined);
  // ragged: lengths in no particular order (the kernels sort rows longest first), one full row
  ins.push(ragged ? intTensor([B], Array.from({ length: B }, (_, b) => (b === 1 ? T : 1 + ((b * 5 + 2) % T)))) : undefined);
  if (v.peephole) ins.push(rand([3 * H], 0.5), bi ? rand([3 * H], 0.5) : undefined); // ONNX's P per direction
  const attrs: Record<string, unknown> = { hidden_size: H, direction: bi ? 'bidirectional' : v.reverse ? 'reverse' : 'forward', activation: v.activation };
  if (v.cell !== 'RNN') attrs.recurrent_activation = v.ra;
  if (v.cell === 'GRU') attrs.linear_before_reset = v.lbr;
  if (v.cell === 'GRU' && v.paper) attrs.update_gate = 'paper';
  return opProgram(v.cell, ins, attrs as never, v.cell === 'LSTM' ? 3 : 2);
}

