// The Decode op's forward pass for training: decoding forced along a target (teacher forcing) or,
// with teacher_forcing_ratio < 1, scheduled sampling, on the same step() as greedy and beam
// decoding (decoder.ts), recording what the backward pass (decoder-backward.ts) reads.
//
// Teacher forcing: step 0 reads <s>; before step t ≥ 1 each row feeds either the target token of
// step t−1 (probability = ratio) or the model's own choice at step t−1 (greedy's: the most likely
// token, lowest id on ties, never <pad> nor <s>). One draw per row and step from the run's generator (none
// when the ratio is 0 or 1), so the same seed feeds the same tokens. The choice is not
// differentiated (as in PyTorch code, where the fed token is an integer); the fed token's
// embedding row gets the gradient.
//
// Outputs are those of forced decoding (decode() with a target): tokens = the target, logprobs
// [B,M,V] and attention [B,M,Sw] for steps t < target length, 0 after; M = the target's T (≥ 1);
// score = Σ_t logp(target_t) over each row's steps. The loss of a decoder output covers exactly the
// steps t < target_lengths[b] — the target up to and including its </s> — and ignores the rest.
//
// Target layout (for the data and trainer branches): a Batch feeds the decoder's `target` input
// the tokens to predict, WITHOUT <s> (the decoder starts from <s> itself), each row ended by </s>
// and padded with <pad> after it: e.g. "<s> a b </s>" in a corpus becomes target [a, b, </s>, pad…].
// The target for the decoder's `logprobs` output in Batch.targets is that same [B,T] int tensor;
// the loss is NLL over logprobs[b, t, target[b, t]] with ignore_index = <pad> (steps past a row's
// length hold <pad>). Forced decoding keeps all T steps, so logprobs [B,T,V] lines up with the
// target [B,T]; the Output's MaskSteps marks steps t ≥ lengths[b] as padding for the loss.
import type { Floats } from './gemm';
import { floatsLike } from './gemm';
import { allocRun, bannedIds, DecodeError, fillId, initState, prepareMemory, step, type DecodeInputs, type Memory, type PreparedDecoder } from './decoder';
import { keyLengths } from './attention';

export interface TeacherForcing {
  /** P(feed the target token) per row and step: 1 = always (teacher forcing), 0 = never */
  ratio: number;
  /** uniform [0, 1) draws, seeded by the run (only read when 0 < ratio < 1) */
  random?: () => number;
}

/** What decodeTrain records: every step's states, gates, attention and features, all rows. */
export interface DecodeTape {
  P: PreparedDecoder;
  io: DecodeInputs;
  mem: Memory | null;
  B: number;
  /** output steps (= the target's T, at least 1) */
  M: number;
  /** steps run and recorded: the longest target row (later steps are all padding) */
  steps: number;
  /** target length per row: steps t < tlen[b] are scored */
  tlen: Int32Array;
  /** token read at step t by row b, [steps, B] */
  fed: Int32Array;
  /** [steps+1] × [L·B·H]: the state before step t (t = steps: after the last step) */
  h: Floats[];
  c: Floats[];
  /** [steps] × [L·B·G·H] gate activations (RNN: pre-activation), [B·I0] layer-0 inputs, [B·Fo] output features */
  gates: Floats[];
  xin: Floats[];
  feat: Floats[];
  /** [steps] × [B·Sw] attention weights and [B·Dm] contexts */
  aw: Floats[];
  ctx: Floats[];
  /** bridge: tanh(bridge·x) [B, L·H], the initial states it made */
  bridged: Floats | null;
  /** the result's log-probabilities [B,M,V] (steps t < tlen[b] hold the step's log-softmax) */
  logprobs: Floats;
}

export interface DecodeTrainResult {
  B: number;
  M: number;
  V: number;
  Sw: number;
  tokens: Int32Array;
  /** [B,M,V], [B,M,Sw], [B] */
  logprobs: Floats;
  attention: Floats;
  lengths: Int32Array;
  score: Floats;
}

/** The model's own choice: greedy's rule (the most likely token, lowest id on ties; never a banned id: <pad>, <s>). */
export function argmaxToken(logp: Floats, off: number, V: number, banned: Uint8Array): number {
  let y = 0;
  while (y < V - 1 && banned[y]) y++;
  for (let v = y + 1; v < V; v++) if (!banned[v] && logp[off + v] > logp[off + y]) y = v;
  return y;
}

/** Forced decoding along io.target with teacher forcing, recording the tape. */
export function decodeTrain(P: PreparedDecoder, io: DecodeInputs, tf: TeacherForcing = { ratio: 1 }): { result: DecodeTrainResult; tape: DecodeTape } {
  if (io.target === undefined) throw new DecodeError('training a decoder needs a target (the tokens to predict, ending with </s>)');
  const ratio = tf.ratio;
  if (!(ratio >= 0 && ratio <= 1)) throw new DecodeError(`teacher_forcing_ratio is ${ratio}; it must be between 0 and 1`);
  if (ratio > 0 && ratio < 1 && !tf.random) throw new DecodeError('scheduled sampling (0 < teacher_forcing_ratio < 1) needs the run\'s random generator');
  const { H, L, bos } = P.spec;
  const banned = bannedIds(P.spec, P.V);
  const { B, T } = io;
  const V = P.V;
  const tlen = keyLengths(io.targetLengths, B, T, 'target');
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < tlen[b]; t++) {
      const y = io.target[b * T + t];
      if (!(Number.isInteger(y) && y >= 0 && y < V)) throw new DecodeError(`target token id ${y} at [${b}, ${t}] is out of range (the decoder's vocabulary has ${V} symbols, ids 0..${V - 1})`);
    }
  }
  // all of the target's T steps, as forced decoding gives them (steps t ≥ tlen[b] are padding)
  const M = Math.max(1, T);
  let steps = 0;
  for (let b = 0; b < B; b++) if (tlen[b] > steps) steps = tlen[b];
  const mem = prepareMemory(P, io);
  const R = allocRun(P, mem, B, 1);
  const Sw = R.Sw;
  initState(P, io, R);
  const like = P.emb;
  const lstm = P.spec.cell === 'LSTM';
  // every step's record is a view into one buffer per quantity, made before the step loop
  const slab = (n: number, k: number): Floats[] => {
    const all = floatsLike(like, n * k);
    return Array.from({ length: k }, (_, t) => all.subarray(t * n, (t + 1) * n) as Floats);
  };
  const tape: DecodeTape = {
    P, io, mem, B, M, steps, tlen, fed: new Int32Array(M * B), bridged: null, logprobs: floatsLike(like, 0),
    h: slab(R.h.length, steps + 1), c: lstm ? slab(R.c.length, steps + 1) : [], gates: slab(R.gates.length, steps), xin: slab(R.xin.length, steps),
    feat: slab(P.Fo * B, steps), aw: slab(R.aw.length, steps), ctx: slab(R.ctx.length, steps),
  };
  if (io.initVec && P.bridgeT) {
    // initState bridged the vector; keep tanh(bridge·x) per row for the bridge's backward
    const src = floatsLike(like, B * L * H);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let j = 0; j < H; j++) src[b * L * H + l * H + j] = R.h[(l * B + b) * H + j];
    tape.bridged = src;
  }
  const tokens = new Int32Array(B * M).fill(fillId(P.spec));
  const lp = floatsLike(like, B * M * V), at = floatsLike(like, B * M * Sw), score = new Float64Array(B);
  tape.logprobs = lp;
  const lengths = new Int32Array(B);
  const prev = new Int32Array(B).fill(bos);
  for (let t = 0; t < steps; t++) {
    tape.fed.set(prev, t * B);
    tape.h[t].set(R.h);
    if (lstm) tape.c[t].set(R.c);
    step(P, R, mem, prev, t);
    tape.gates[t].set(R.gates);
    tape.xin[t].set(R.xin);
    tape.feat[t].set(P.spec.attention !== 'none' && P.spec.attention !== 'concat' ? R.feat.subarray(0, P.Fo * B) : topH(R.h, L, B, H));
    tape.aw[t].set(R.aw);
    tape.ctx[t].set(R.ctx);
    for (let b = 0; b < B; b++) {
      const teacher = ratio >= 1 ? true : ratio <= 0 ? false : tf.random!() < ratio;
      if (t >= tlen[b]) continue;
      const y = io.target[b * T + t];
      const st = b * M + t;
      lp.set(R.logp.subarray(b * V, (b + 1) * V), st * V);
      at.set(R.aw.subarray(b * Sw, (b + 1) * Sw), st * Sw);
      tokens[st] = y;
      score[b] += R.logp[b * V + y];
      lengths[b] = t + 1;
      prev[b] = teacher ? y : argmaxToken(R.logp, b * V, V, banned);
    }
  }
  tape.h[steps].set(R.h);
  if (lstm) tape.c[steps].set(R.c);
  // the score is summed in double precision, as decode() sums it
  const sc = floatsLike(like, B);
  sc.set(score);
  return { result: { B, M, V, Sw, tokens, logprobs: lp, attention: at, lengths, score: sc }, tape };
}

/** the top layer's h rows [B·H] (what the output Linear reads without attention features) */
function topH(h: Floats, L: number, B: number, H: number): Floats {
  return h.subarray((L - 1) * B * H, L * B * H) as Floats;
}

/** The forward trace of a training run (as decode() records it with a trace): h, c and gates per layer [B,M,·]. */
export function tapeTrace(tape: DecodeTape, names: string[]): { layers: { h: Float32Array; c?: Float32Array; gates: Record<string, Float32Array> }[] } {
  const { P, B, M, steps, tlen } = tape;
  const { H, L } = P.spec;
  const GH = P.G * H, lstm = P.spec.cell === 'LSTM';
  return {
    layers: Array.from({ length: L }, (_, l) => {
      const h = new Float32Array(B * M * H), c = lstm ? new Float32Array(B * M * H) : undefined;
      const gates = Object.fromEntries(names.map((nm) => [nm, new Float32Array(B * M * H)]));
      for (let t = 0; t < steps; t++) {
        for (let b = 0; b < B; b++) {
          if (t >= tlen[b]) continue;
          const so = (l * B + b) * H, st = (b * M + t) * H;
          for (let j = 0; j < H; j++) {
            h[st + j] = tape.h[t + 1][so + j];
            if (c) c[st + j] = tape.c[t + 1][so + j];
          }
          names.forEach((nm, k) => {
            const g = gates[nm], go = (l * B + b) * GH + k * H;
            for (let j = 0; j < H; j++) g[st + j] = tape.gates[t][go + j];
          });
        }
      }
      return { h, ...(c ? { c } : {}), gates };
    }),
  };
}
