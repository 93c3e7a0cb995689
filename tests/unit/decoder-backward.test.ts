// The Decode op's backward pass with a target (kernels/decoder-backward.ts, through the kernel
// table) against float64 central differences of the training forward (decoder-train.ts, on
// decoder.ts's own step()), by tests/helpers/gradcheck.ts on one-op programs: a property test over
// random decoders — every cell, 1–3 layers, every attention (none, dot, scaled_dot, general,
// additive, concat) in Bahdanau and Luong style with both Luong concat orders, every way to start
// (zeros, h0/c0, a vector, a bridge), ragged targets and memories, teacher forcing ratios 1, 0 and
// between — with a probe loss on every float output (log-probs, attention, score). Every weight,
// the memory and the initial state are checked. And the training forward's semantics: with ratio 1
// it is forced decoding bit for bit; ratio 0 feeds the model's own choice; between, a seeded mix.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { decode, type DecodeAttention } from '../../src/runtime/kernels/decoder';
import { decodeTrain } from '../../src/runtime/kernels/decoder-train';
import { prepareDecodeOp } from '../../src/runtime/kernels/decoder-op';
import { decodeInputs } from '../../src/runtime/kernels/attention-train';
import type { TorchCellKind as CellKind } from '../../src/runtime/kernels/cells';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import type { Program } from '../../src/ir/program';
import { describeFailures, gradcheck, opProgram } from '../helpers/gradcheck';
import { OPS } from '../../src/ir/ops';

/** "in12" (opProgram's name for input 12) -> the Decode op's input name, so a failure says which weight */
const named = (msg: string) => msg.replace(/\bin(\d+)\b/g, (_, d: string) => {
  const i = Number(d);
  if (i < 19) return OPS.Decode.inputs[i].replace(/\?$/, '');
  const l = Math.floor((i - 19) / 4);
  return `${['W_ih', 'W_hh', 'b_ih', 'b_hh'][(i - 19) % 4]}_l${l}`;
});

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const CELLS: CellKind[] = ['RNN', 'LSTM', 'GRU'];
const ATTENTIONS: DecodeAttention[] = ['none', 'dot', 'scaled_dot', 'general', 'additive', 'concat'];
const GATES = { RNN: 1, LSTM: 4, GRU: 3 };
const PAD = 0, BOS = 2, EOS = 3;

interface DecoderCase {
  program: Program;
  ins: (Tensor | undefined)[];
  ratio: number;
  label: string;
}

/** A random Decode op with a target, as the Decoder node could lower it (inputs by ir/ops.ts position). */
function randomCase(seed: number, o: { attention?: DecodeAttention; cell?: CellKind; ratio?: number } = {}): DecoderCase {
  const rng = new Rng(seed);
  const cell = o.cell ?? pick(rng, CELLS), attention = o.attention ?? pick(rng, ATTENTIONS), style = pick(rng, ['luong', 'bahdanau'] as const);
  const concatOrder = pick(rng, ['context_h', 'h_context'] as const);
  const L = rng.next() < 0.15 ? 3 : rng.next() < 0.35 ? 2 : 1;
  const H = int(rng, 1, 3), E = int(rng, 1, 3), V = int(rng, 5, 7), B = int(rng, 1, 3), T = int(rng, 1, 4);
  const rules = attention !== 'none' && attention !== 'concat';
  const bahdanau = rules && style === 'bahdanau', luong = rules && style === 'luong';
  const S = int(rng, 1, 4), Dm = attention === 'dot' || attention === 'scaled_dot' ? H : int(rng, 1, 3), A = int(rng, 1, 3), Smax = S + int(rng, 0, 2);
  const init = pick(rng, ['none', 'pass', 'vector', 'bridge'] as const);
  const ratio = o.ratio ?? pick(rng, [1, 1, 0, 0.5]);
  const G = GATES[cell] * H, I0 = attention === 'concat' ? H : bahdanau ? E + Dm : E, Fo = bahdanau ? H + Dm : H;
  const r = (...shape: number[]) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.8, 0.8)));
  const ins: (Tensor | undefined)[] = new Array(19).fill(undefined);
  // targets: real tokens (never <pad>) up to a random length per row, <pad> after
  const tlen = Array.from({ length: B }, () => (rng.next() < 0.1 ? 0 : int(rng, 1, T)));
  if (Math.max(...tlen) === 0) tlen[0] = T;
  const target = Array.from({ length: B * T }, (_, i) => (i % T < tlen[Math.floor(i / T)] ? int(rng, 1, V - 1) : PAD));
  [ins[7], ins[8]] = [intTensor([B, T], target), intTensor([B], tlen)];
  if (attention !== 'none') {
    ins[0] = r(B, S, Dm);
    if (rng.next() < 0.6) ins[1] = intTensor([B], Array.from({ length: B }, () => int(rng, 1, S)));
  }
  if (init === 'pass') [ins[2], ins[3]] = [r(L, B, H), cell === 'LSTM' && rng.next() < 0.7 ? r(L, B, H) : undefined];
  const Din = init === 'bridge' ? int(rng, 1, 4) : H;
  if (init === 'vector' || init === 'bridge') ins[4] = r(B, Din);
  if (init === 'bridge') [ins[5], ins[6]] = [r(L * H, Din), r(L * H)];
  [ins[9], ins[10], ins[11]] = [r(V, E), r(V, Fo), r(V)];
  if (attention === 'general') ins[12] = r(H, Dm);
  if (attention === 'additive') [ins[14], ins[15], ins[16]] = [r(A, H), r(A, Dm), r(A)];
  if (attention === 'concat') [ins[12], ins[13], ins[17], ins[18]] = [r(Smax, E + H), r(Smax), r(H, E + Dm), r(H)];
  if (luong) [ins[17], ins[18]] = [r(H, Dm + H), r(H)];
  for (let l = 0; l < L; l++) ins.push(r(G, l === 0 ? I0 : H), r(G, H), r(G), r(G));
  const attrs = { cell, hidden_size: H, num_layers: L, attention, attention_style: style, concat_order: concatOrder, bos: BOS, eos: EOS, pad: PAD, max_len: 9, strategy: 'greedy' };
  const program = opProgram('Decode', ins, attrs, 5, ['int64', 'float32', 'float32', 'int64', 'float32']);
  const mem = ins[1] ? ` memory lengths [${Array.from(ins[1].data)}]/${S}` : attention !== 'none' ? ` S${S}` : '';
  const label = `seed ${seed}: ${cell} L${L} H${H} E${E} V${V} ${attention}${rules ? `/${style}` : ''}${luong ? ` ${concatOrder}` : ''} init ${init} ratio ${ratio} B${B} T${T} target lengths [${tlen}]${mem}`;
  return { program, ins, ratio, label };
}

function sweep(seeds: number[], o: Parameters<typeof randomCase>[1] = {}) {
  for (const s of seeds) {
    const c = randomCase(s, o);
    const r = gradcheck(c.program, {}, { seed: s, run: { seed: s, teacherForcingRatio: c.ratio } });
    expect(r.ok, `${c.label}: ${named(describeFailures(r))}`).toBe(true);
  }
}
const range = (n: number, k: number) => Array.from({ length: n }, (_, i) => i * 7 + k);

describe('Decode backward = float64 central differences of the training forward', () => {
  for (const attention of ATTENTIONS) {
    it(`attention ${attention}: 40 random decoders (cells, layers, styles, initial states, ratios, ragged targets and memories)`, () => sweep(range(40, ATTENTIONS.indexOf(attention) + 1), { attention }));
  }
  for (const cell of CELLS) it(`${cell}: 20 more under scheduled sampling (ratio 0.5)`, () => sweep(range(20, 100 + CELLS.indexOf(cell)), { cell, ratio: 0.5 }));
});

/** the case's prepared decoder and inputs, through the same glue the kernel table uses */
function direct(c: DecoderCase) {
  const op = c.program.ops[0];
  return { P: prepareDecodeOp(op, (i) => c.ins[i], (i) => c.ins[i]!), io: decodeInputs(c.ins) };
}

describe('the training forward is forced decoding', () => {
  it('with ratio 1 it gives decode()\'s outputs bit for bit (every attention, cell and start)', () => {
    for (let s = 1; s <= 30; s++) {
      const c = randomCase(s * 13, { ratio: 1 });
      const { P, io } = direct(c);
      const a = decode(P, io), b = decodeTrain(P, io, { ratio: 1 }).result;
      expect(b.M, c.label).toBe(a.M);
      expect(b.M, c.label).toBe(io.T);
      for (const k of ['tokens', 'logprobs', 'attention', 'lengths', 'score'] as const) expect(Array.from(b[k]), `${c.label}: ${k}`).toEqual(Array.from(a[k]));
    }
  });

  it('ratio 0 feeds the model\'s own previous choice (never <pad> nor <s>, lowest id on ties); ratio 1 the target; between, a seeded mix of both', () => {
    let mixed = 0;
    for (let s = 1; s <= 20; s++) {
      const c = randomCase(s * 17, { ratio: 1, attention: 'additive' });
      const { P, io } = direct(c);
      const { B, T } = io;
      const run = (ratio: number, seed = 5) => {
        const rng = new Rng(seed);
        const { tape, result } = decodeTrain(P, io, { ratio, random: () => rng.next() });
        return { fed: tape.fed, lp: result.logprobs, V: result.V, M: result.M };
      };
      const one = run(1), zero = run(0);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < io.targetLengths![b]; t++) {
          expect(one.fed[t * B + b]).toBe(t === 0 ? BOS : io.target![b * T + t - 1]);
          if (t === 0) {
            expect(zero.fed[b]).toBe(BOS);
            continue;
          }
          const row = zero.lp.subarray((b * zero.M + t - 1) * zero.V, (b * zero.M + t) * zero.V);
          let best = 1;
          for (let v = 3; v < zero.V; v++) if (row[v] > row[best]) best = v; // 0 is <pad>, 2 is <s>
          expect(zero.fed[t * B + b]).toBe(best);
        }
      }
      const h1 = run(0.5, 99), h2 = run(0.5, 99);
      expect(Array.from(h1.fed)).toEqual(Array.from(h2.fed));
      // fed tokens differ from both pure runs somewhere when the target and the choices differ
      if (h1.fed.some((x, i) => x !== one.fed[i]) && h1.fed.some((x, i) => x !== zero.fed[i])) mixed++;
    }
    expect(mixed).toBeGreaterThan(0);
  });

  it('a training run without a target, and a bad ratio, are refused with the reason', () => {
    const c = randomCase(3, { ratio: 1 });
    const { P, io } = direct(c);
    expect(() => decodeTrain(P, { ...io, target: undefined }, { ratio: 1 })).toThrow(/needs a target/);
    expect(() => decodeTrain(P, io, { ratio: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => decodeTrain(P, io, { ratio: 0.5 })).toThrow(/random generator/);
  });
});
