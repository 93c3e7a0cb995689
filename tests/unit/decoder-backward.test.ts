// The Decode op's backward pass with a target (kernels/decoder-backward.ts) against float64 finite
// differences of the training forward (decoder-train.ts, on decoder.ts's own step()): a property
// test over random decoders — every cell, 1–3 layers, every attention (none, dot, scaled_dot,
// general, additive, concat) in Bahdanau and Luong style, every way to start (zeros, h0/c0, a
// vector, a bridge), ragged targets and memories, teacher forcing ratios 1, 0 and between — with a
// probe loss on every float output (log-probs, attention, score). Every weight, the memory and the
// initial state are checked.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { decode, prepareDecoder, type DecodeAttention, type DecodeInputs, type DecodeSpec, type DecodeWeights } from '../../src/runtime/kernels/decoder';
import { decodeTrain } from '../../src/runtime/kernels/decoder-train';
import { decodeBackward, type DecodeGrads } from '../../src/runtime/kernels/decoder-backward';
import type { CellKind } from '../../src/runtime/kernels/recurrent';
import { dot, fdCheck, fdMessage, rand64, type FdParam } from '../helpers/fd-check';

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const CELLS: CellKind[] = ['RNN', 'LSTM', 'GRU'];
const ATTENTIONS: DecodeAttention[] = ['none', 'dot', 'scaled_dot', 'general', 'additive', 'concat'];
const GATES = { RNN: 1, LSTM: 4, GRU: 3 };

export interface DecoderCase {
  spec: DecodeSpec;
  w: DecodeWeights;
  io: DecodeInputs;
  init: 'none' | 'pass' | 'vector' | 'bridge';
  ratio: number;
  seed: number;
  label: string;
}

/** A random decoder with float64 weights and inputs (what the Decoder node could lower to). */
export function randomCase(seed: number, o: { attention?: DecodeAttention; cell?: CellKind; ratio?: number } = {}): DecoderCase {
  const rng = new Rng(seed);
  const cell = o.cell ?? pick(rng, CELLS), attention = o.attention ?? pick(rng, ATTENTIONS), style = pick(rng, ['luong', 'bahdanau'] as const);
  const L = int(rng, 1, 3) === 3 ? int(rng, 1, 3) : 1 + (rng.next() < 0.35 ? 1 : 0);
  const H = int(rng, 1, 3), E = int(rng, 1, 3), V = int(rng, 5, 7), B = int(rng, 1, 3), T = int(rng, 1, 4);
  const rules = attention !== 'none' && attention !== 'concat';
  const bahdanau = rules && style === 'bahdanau', luong = rules && style === 'luong';
  const S = int(rng, 1, 4), Dm = attention === 'dot' || attention === 'scaled_dot' ? H : int(rng, 1, 3), A = int(rng, 1, 3), Smax = S + int(rng, 0, 2);
  const init = pick(rng, ['none', 'pass', 'vector', 'bridge'] as const);
  const ratio = o.ratio ?? pick(rng, [1, 1, 0, 0.5]);
  const pad = 0, bos = 2, eos = 3;
  const concatOrder = pick(rng, ['context_h', 'h_context'] as const);
  const spec: DecodeSpec = { cell, H, L, attention, style, bos, eos, pad, maxLen: 9, strategy: 'greedy', beamWidth: 1, lengthPenalty: 0, concatOrder };
  const G = GATES[cell] * H;
  const I0 = attention === 'concat' ? H : bahdanau ? E + Dm : E;
  const Fo = bahdanau ? H + Dm : H;
  const r = (n: number, s = 0.8) => rand64(rng, n, s);
  const w: DecodeWeights = {
    embedding: r(V * E, 1), V, outW: r(V * Fo), outB: r(V),
    cells: Array.from({ length: L }, (_, l) => ({ wih: r(G * (l === 0 ? I0 : H)), whh: r(G * H), bih: r(G), bhh: r(G) })),
  };
  if (attention === 'general') w.attnW = r(H * Dm);
  if (attention === 'additive') Object.assign(w, { attnWq: r(A * H), attnWk: r(A * Dm), attnV: r(A) });
  if (attention === 'concat') Object.assign(w, { attnW: r(Smax * (E + H)), attnB: r(Smax), combW: r(H * (E + Dm)), combB: r(H) });
  if (luong) Object.assign(w, { combW: r(H * (Dm + H)), combB: r(H) });
  const Din = init === 'bridge' ? int(rng, 1, 4) : H;
  if (init === 'bridge') Object.assign(w, { bridgeW: r(L * H * Din), bridgeB: r(L * H) });
  // targets: real tokens (never <pad>) up to a random length per row, <pad> after
  const tlen = Int32Array.from({ length: B }, () => (rng.next() < 0.1 ? 0 : int(rng, 1, T)));
  if (Math.max(...tlen) === 0) tlen[0] = T;
  const target = new Int32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) target[b * T + t] = t < tlen[b] ? int(rng, 1, V - 1) : pad;
  const io: DecodeInputs = { B, S: 0, Dm: 0, Din: 0, target, T, targetLengths: tlen };
  if (attention !== 'none') {
    Object.assign(io, { memory: r(B * S * Dm, 1), S, Dm });
    if (rng.next() < 0.6) io.memLengths = Int32Array.from({ length: B }, () => int(rng, 1, S));
  }
  if (init === 'pass') Object.assign(io, { h0: r(L * B * H, 1), ...(cell === 'LSTM' && rng.next() < 0.7 ? { c0: r(L * B * H, 1) } : {}) });
  if (init === 'vector' || init === 'bridge') Object.assign(io, { initVec: r(B * Din, 1), Din });
  const label = `seed ${seed}: ${cell} L${L} H${H} E${E} V${V} ${attention}${rules ? `/${style}` : ''}${luong ? ` ${concatOrder}` : ''} init ${init} ratio ${ratio} B${B} T${T} tlen [${tlen}]${io.memLengths ? ` mem [${Array.from(io.memLengths)}]/${S}` : ''}`;
  return { spec, w, io, init, ratio, seed, label };
}

/** The training forward of a case, with a fresh generator per run so every run feeds the same tokens. */
export function forward(c: DecoderCase) {
  const rng = new Rng(c.seed ^ 0x5eed);
  return decodeTrain(prepareDecoder(c.spec, c.w), c.io, { ratio: c.ratio, random: () => rng.next() });
}

/** Every float the case's loss depends on, paired with its analytic gradient. */
export function paramsOf(c: DecoderCase, g: DecodeGrads): FdParam[] {
  const p: FdParam[] = [];
  const add = (name: string, x: unknown, grad: Float64Array | undefined) => {
    if (x) p.push({ name, x: x as Float64Array, grad: grad ?? new Float64Array((x as Float64Array).length) });
  };
  const w = c.w;
  add('embedding', w.embedding, g.embedding);
  add('out_W', w.outW, g.outW);
  add('out_b', w.outB, g.outB);
  add('attn_W', w.attnW, g.attnW);
  add('attn_b', w.attnB, g.attnB);
  add('attn_W_query', w.attnWq, g.attnWq);
  add('attn_W_key', w.attnWk, g.attnWk);
  add('attn_v', w.attnV, g.attnV);
  add('combine_W', w.combW, g.combW);
  add('combine_b', w.combB, g.combB);
  add('bridge_W', w.bridgeW, g.bridgeW);
  add('bridge_b', w.bridgeB, g.bridgeB);
  w.cells.forEach((cw, l) => {
    add(`W_ih_l${l}`, cw.wih, g.cells[l].wih);
    add(`W_hh_l${l}`, cw.whh, g.cells[l].whh);
    add(`b_ih_l${l}`, cw.bih, g.cells[l].bih);
    add(`b_hh_l${l}`, cw.bhh, g.cells[l].bhh);
  });
  add('memory', c.io.memory, g.memory);
  add('initial_h', c.io.h0, g.h0);
  add('initial_c', c.io.c0, g.c0);
  add('init_vector', c.io.initVec, g.initVec);
  return p;
}

function check(c: DecoderCase) {
  const f0 = forward(c).result;
  const rng = new Rng(c.seed * 31 + 1);
  const Rl = rand64(rng, f0.logprobs.length), Ra = rand64(rng, f0.attention.length), Rs = rand64(rng, f0.score.length);
  const loss = () => {
    const f = forward(c).result;
    return dot(Rl, f.logprobs) + dot(Ra, f.attention) + dot(Rs, f.score);
  };
  const { tape } = forward(c);
  const { grads } = decodeBackward(tape, { logprobs: Rl, attention: Ra, score: Rs });
  const r = fdCheck(loss, paramsOf(c, grads), { maxPerParam: 8, seed: c.seed });
  return { ok: r.ok, msg: fdMessage(c.label, r), checked: r.checked };
}

function sweep(seeds: number[], o: Parameters<typeof randomCase>[1] = {}) {
  for (const s of seeds) {
    const r = check(randomCase(s, o));
    expect(r.ok, r.msg).toBe(true);
  }
}
const range = (n: number, k: number) => Array.from({ length: n }, (_, i) => i * 7 + k);

describe('Decode backward = float64 finite differences of the training forward', () => {
  for (const attention of ATTENTIONS) {
    it(`attention ${attention}: 40 random decoders (cells, layers, styles, initial states, ratios, ragged targets and memories)`, () => sweep(range(40, ATTENTIONS.indexOf(attention) + 1), { attention }));
  }
  for (const cell of CELLS) it(`${cell}: 20 more under scheduled sampling (ratio 0.5)`, () => sweep(range(20, 100 + CELLS.indexOf(cell)), { cell, ratio: 0.5 }));
});

describe('the training forward is forced decoding', () => {
  it('with ratio 1 it gives decode()\'s outputs bit for bit (float32, every attention)', () => {
    for (let s = 1; s <= 30; s++) {
      const c = randomCase(s * 13, { ratio: 1 });
      const f32 = (a: Float64Array | Float32Array | undefined) => (a ? Float32Array.from(a) : undefined);
      const w = c.w;
      const W: DecodeWeights = {
        embedding: f32(w.embedding)!, V: w.V, outW: f32(w.outW)!, outB: f32(w.outB)!, attnW: f32(w.attnW), attnB: f32(w.attnB), attnWq: f32(w.attnWq), attnWk: f32(w.attnWk),
        attnV: f32(w.attnV), combW: f32(w.combW), combB: f32(w.combB), bridgeW: f32(w.bridgeW), bridgeB: f32(w.bridgeB),
        cells: w.cells.map((x) => ({ wih: f32(x.wih)!, whh: f32(x.whh)!, bih: f32(x.bih)!, bhh: f32(x.bhh)! })),
      };
      const io = { ...c.io } as DecodeInputs;
      for (const k of ['memory', 'h0', 'c0', 'initVec'] as const) if (io[k]) io[k] = Float32Array.from(io[k]!);
      const P = prepareDecoder(c.spec, W);
      const a = decode(P, io), b = decodeTrain(P, io, { ratio: 1 }).result;
      expect(b.M, c.label).toBe(a.M);
      expect(Array.from(b.tokens), c.label).toEqual(Array.from(a.tokens));
      expect(Array.from(b.logprobs), c.label).toEqual(Array.from(a.logprobs));
      expect(Array.from(b.attention), c.label).toEqual(Array.from(a.attention));
      expect(Array.from(b.lengths), c.label).toEqual(Array.from(a.lengths));
      expect(Array.from(b.score), c.label).toEqual(Array.from(a.score));
    }
  });

  it('ratio 0 feeds the model\'s own previous choice (never <pad> nor <s>, lowest id on ties); ratio 1 the target; between, a seeded mix', () => {
    for (let s = 1; s <= 20; s++) {
      const base = randomCase(s * 17, { ratio: 1, attention: 'additive' });
      const { B, T } = base.io;
      const M = forward(base).result.M;
      const fed = (ratio: number, seed = base.seed) => {
        const { tape, result } = forward({ ...base, ratio, seed });
        return { fed: tape.fed, lp: result.logprobs, V: result.V };
      };
      const one = fed(1), zero = fed(0);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < M; t++) {
          if (t >= base.io.targetLengths![b]) continue;
          const want1 = t === 0 ? 2 : base.io.target![b * T + t - 1];
          expect(one.fed[t * B + b]).toBe(want1);
          if (t === 0) {
            expect(zero.fed[b]).toBe(2);
            continue;
          }
          const row = zero.lp.subarray((b * M + t - 1) * zero.V, (b * M + t) * zero.V);
          // never <pad> (0) nor <s> (2)
          let best = 1;
          for (let v = 3; v < zero.V; v++) if (row[v] > row[best]) best = v;
          expect(zero.fed[t * B + b]).toBe(best);
        }
      }
      const h1 = fed(0.5, 99), h2 = fed(0.5, 99);
      expect(Array.from(h1.fed)).toEqual(Array.from(h2.fed));
    }
  });
});
