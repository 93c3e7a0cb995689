// The attention backward passes (kernels/attention-backward.ts, mha-backward.ts, wired into the
// kernel table by attention-train.ts) against float64 central differences of the forward kernels
// the runtime runs (tests/helpers/gradcheck.ts on one-op programs): a property test over random
// shapes — every score rule, vector and sequence queries, key and query padding (rows with no valid
// key included), ConcatAttention with and without hidden and lengths, MultiHeadAttention with
// 1–3 heads, cross- and self-attention — with a probe loss Σ R·outputs on every float output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { SCORE_RULES, type ScoreRule } from '../../src/runtime/kernels/attention';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { describeFailures, gradcheck, opProgram, type GradcheckOptions } from '../helpers/gradcheck';
import type { Program } from '../../src/ir/program';
import { OPS } from '../../src/ir/ops';

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
const rand = (rng: Rng, shape: number[]) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)));
/** per-row lengths in [0, n]: mostly full, sometimes short, now and then 0 (undefined: not masked) */
function lengths(rng: Rng, B: number, n: number, masked: boolean): Tensor | undefined {
  return masked ? intTensor([B], Array.from({ length: B }, () => (rng.next() < 0.1 ? 0 : int(rng, 1, n)))) : undefined;
}
const str = (t: Tensor | undefined) => (t ? `[${Array.from(t.data)}]` : 'none');

interface Case {
  program: Program;
  label: string;
}

function ruleCase(rule: ScoreRule, seed: number): Case {
  const rng = new Rng(seed);
  const B = int(rng, 1, 3), vec = rng.next() < 0.4, T = vec ? 1 : int(rng, 1, 4), S = int(rng, 1, 5);
  const Dq = int(rng, 1, 4), Dk = rule === 'dot' || rule === 'scaled_dot' ? Dq : int(rng, 1, 4), Dv = int(rng, 1, 4), A = int(rng, 1, 4);
  const len = lengths(rng, B, S, rng.next() < 0.7), qlen = vec ? undefined : lengths(rng, B, T, rng.next() < 0.5);
  const w: (Tensor | undefined)[] = [undefined, undefined, undefined, undefined];
  if (rule === 'general') w[0] = rand(rng, [Dq, Dk]);
  if (rule === 'additive') [w[1], w[2], w[3]] = [rand(rng, [A, Dq]), rand(rng, [A, Dk]), rand(rng, [A])];
  const q = rand(rng, vec ? [B, Dq] : [B, T, Dq]);
  const program = opProgram('Attention', [q, rand(rng, [B, S, Dk]), rand(rng, [B, S, Dv]), len, qlen, ...w], { score: rule }, 2);
  return { program, label: `${rule} seed ${seed}: B${B} T${T}${vec ? ' (vector)' : ''} S${S} Dq${Dq} Dk${Dk} Dv${Dv} lengths ${str(len)} query lengths ${str(qlen)}` };
}

function concatCase(seed: number): Case {
  const rng = new Rng(seed);
  const B = int(rng, 1, 3), vec = rng.next() < 0.4, T = vec ? 1 : int(rng, 1, 3), S = int(rng, 1, 4), Smax = S + int(rng, 0, 2);
  const Dq = int(rng, 1, 3), Dh = rng.next() < 0.7 ? int(rng, 1, 3) : 0, Dv = int(rng, 1, 3);
  const lead = vec ? [B] : [B, T];
  // without lengths every Smax position counts (the tutorial's unmasked softmax)
  const len = lengths(rng, B, S, rng.next() < 0.5), qlen = vec ? undefined : lengths(rng, B, T, rng.next() < 0.5);
  const ins = [rand(rng, [...lead, Dq]), Dh ? rand(rng, [...lead, Dh]) : undefined, rand(rng, [B, S, Dv]), len, qlen, rand(rng, [Smax, Dq + Dh]), rand(rng, [Smax]), rand(rng, [Dq, Dq + Dv]), rand(rng, [Dq])];
  return { program: opProgram('ConcatAttention', ins, {}, 3), label: `concat seed ${seed}: B${B} T${T}${vec ? ' (vector)' : ''} S${S} Smax${Smax} hidden ${Dh} lengths ${str(len)} query lengths ${str(qlen)}` };
}

function mhaCase(seed: number): Case {
  const rng = new Rng(seed);
  const B = int(rng, 1, 2), T = int(rng, 1, 3), heads = int(rng, 1, 3), E = heads * int(rng, 1, 2);
  const self = rng.next() < 0.35, S = self ? T : int(rng, 1, 4);
  const len = lengths(rng, B, S, rng.next() < 0.6), qlen = self ? len : lengths(rng, B, T, rng.next() < 0.4);
  const q = rand(rng, [B, T, E]);
  const program = opProgram('MultiHeadAttention', [q, self ? q : rand(rng, [B, S, E]), self ? q : rand(rng, [B, S, E]), len, qlen, rand(rng, [3 * E, E]), rand(rng, [3 * E]), rand(rng, [E, E]), rand(rng, [E])], { num_heads: heads }, 2);
  if (self) {
    // self-attention: one value is query, key and value; its gradient sums the three paths
    const op = program.ops[0];
    for (const i of [1, 2]) {
      delete program.initializers[op.inputs[i]];
      delete program.weightRefs[op.inputs[i]];
      op.inputs[i] = op.inputs[0];
    }
  }
  return { program, label: `multi-head seed ${seed}: B${B} T${T} S${S} E${E} heads ${heads}${self ? ' (self-attention)' : ''} lengths ${str(len)} query lengths ${str(qlen)}` };
}

function sweep(n: number, make: (seed: number) => Case, o: GradcheckOptions = {}) {
  for (let s = 1; s <= n; s++) {
    const c = make(s);
    const r = gradcheck(c.program, {}, { seed: s, ...o });
    // "in5" (opProgram's name for input 5) -> the op's input name
    const names = OPS[c.program.ops[0].op].inputs as readonly string[];
    expect(r.ok, `${c.label}: ${describeFailures(r).replace(/\bin(\d+)\b/g, (_, i: string) => names[Number(i)].replace(/\?$/, ''))}`).toBe(true);
  }
}

describe('attention backward = float64 central differences of the forward kernels (random shapes and masks)', () => {
  for (const rule of SCORE_RULES) {
    it(`Attention ${rule}: 60 cases in random directions, 10 entry by entry`, () => {
      sweep(60, (s) => ruleCase(rule, s * 7919 + rule.length));
      sweep(10, (s) => ruleCase(rule, s * 31 + 5), { mode: 'coordinates', coords: 6 });
    });
  }
  it('ConcatAttention (the tutorial\'s): 60 cases, 10 entry by entry', () => {
    sweep(60, (s) => concatCase(s * 104729));
    sweep(10, (s) => concatCase(s * 17 + 3), { mode: 'coordinates', coords: 6 });
  });
  it('MultiHeadAttention (nn.MultiheadAttention, key padding mask, self-attention): 60 cases, 10 entry by entry', () => {
    sweep(60, (s) => mhaCase(s * 15485863));
    sweep(10, (s) => mhaCase(s * 13 + 1), { mode: 'coordinates', coords: 6 });
  });
});
