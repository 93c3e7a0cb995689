// The attention backward passes (kernels/attention-backward.ts, mha-backward.ts) against float64
// finite differences of the very forward kernels the runtime runs (attention.ts, in float64):
// a property test over random shapes — every score rule, vector and sequence queries, key and
// query padding (rows with no valid key included), ConcatAttention with and without hidden and
// lengths, MultiHeadAttention with 1–3 heads — with a probe loss Σ R·outputs on every output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { attentionForward, concatAttentionForward, mhaForward, SCORE_RULES, type RuleWeights, type ScoreRule } from '../../src/runtime/kernels/attention';
import { attentionBackward, concatAttentionBackward } from '../../src/runtime/kernels/attention-backward';
import { mhaBackward } from '../../src/runtime/kernels/mha-backward';
import { dot, fdCheck, fdMessage, rand64, type FdParam } from '../helpers/fd-check';

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
/** per-row lengths in [0, n]: mostly full, sometimes short, now and then 0 */
function lengths(rng: Rng, B: number, n: number, masked: boolean): Int32Array {
  return Int32Array.from({ length: B }, () => (!masked ? n : rng.next() < 0.1 ? 0 : int(rng, 1, n)));
}

function ruleCase(rule: ScoreRule, seed: number): { ok: boolean; msg: string; checked: number } {
  const rng = new Rng(seed);
  const B = int(rng, 1, 3), vec = rng.next() < 0.4, T = vec ? 1 : int(rng, 1, 4), S = int(rng, 1, 5);
  const Dq = int(rng, 1, 4), Dk = rule === 'dot' || rule === 'scaled_dot' ? Dq : int(rng, 1, 4), Dv = int(rng, 1, 4), A = int(rng, 1, 4);
  const d = { B, T, S, Dq, Dk, Dv };
  const len = lengths(rng, B, S, rng.next() < 0.7), qlen = lengths(rng, B, T, !vec && rng.next() < 0.5);
  const q = rand64(rng, B * T * Dq), keys = rand64(rng, B * S * Dk), values = rand64(rng, B * S * Dv);
  const w: RuleWeights = {};
  if (rule === 'general') w.W = rand64(rng, Dq * Dk);
  if (rule === 'additive') Object.assign(w, { W_query: rand64(rng, A * Dq), W_key: rand64(rng, A * Dk), v: rand64(rng, A) });
  const Rc = rand64(rng, B * T * Dv), Rw = rand64(rng, B * T * S);
  const useW = rng.next() < 0.5;
  const loss = () => {
    const r = attentionForward(rule, q, keys, values, d, len, qlen, w);
    return dot(Rc, r.ctx) + (useW ? dot(Rw, r.wts) : 0);
  };
  const fwd = attentionForward(rule, q, keys, values, d, len, qlen, w);
  const g = attentionBackward(rule, q, keys, values, d, len, qlen, w, fwd.wts, Rc, useW ? Rw : null);
  const params: FdParam[] = [
    { name: 'query', x: q, grad: g.query }, { name: 'keys', x: keys, grad: g.keys }, { name: 'values', x: values, grad: g.values },
  ];
  for (const k of ['W', 'W_query', 'W_key', 'v'] as const) if (w[k]) params.push({ name: k, x: w[k] as Float64Array, grad: g[k]! });
  const r = fdCheck(loss, params);
  return { ok: r.ok, msg: fdMessage(`${rule} seed ${seed} B${B} T${T}${vec ? ' (vector)' : ''} S${S} len [${len}] qlen [${qlen}]`, r), checked: r.checked };
}

function concatCase(seed: number) {
  const rng = new Rng(seed);
  const B = int(rng, 1, 3), vec = rng.next() < 0.4, T = vec ? 1 : int(rng, 1, 3), S = int(rng, 1, 4), Smax = S + int(rng, 0, 2);
  const Dq = int(rng, 1, 3), Dh = rng.next() < 0.7 ? int(rng, 1, 3) : 0, Dv = int(rng, 1, 3), Do = int(rng, 1, 3);
  const d = { B, T, S, Dq, Dh, Dv, Smax, Do };
  // without lengths every Smax position counts (the tutorial's unmasked softmax)
  const len = rng.next() < 0.5 ? new Int32Array(B).fill(Smax) : lengths(rng, B, S, true);
  const qlen = lengths(rng, B, T, !vec && rng.next() < 0.5);
  const q = rand64(rng, B * T * Dq), hidden = Dh ? rand64(rng, B * T * Dh) : null, values = rand64(rng, B * S * Dv);
  const attnW = rand64(rng, Smax * (Dq + Dh)), attnB = rand64(rng, Smax), combW = rand64(rng, Do * (Dq + Dv)), combB = rand64(rng, Do);
  const Rc = rand64(rng, B * T * Dv), Rw = rand64(rng, B * T * Smax), Ro = rand64(rng, B * T * Do);
  const run = () => concatAttentionForward(q, hidden, values, d, len, qlen, attnW, attnB, combW, combB);
  const loss = () => {
    const r = run();
    return dot(Rc, r.ctx) + dot(Rw, r.wts) + dot(Ro, r.combined);
  };
  const f = run();
  const g = concatAttentionBackward(q, hidden, values, d, len, qlen, attnW, combW, f.ctx, f.wts, Rc, Rw, Ro);
  const params: FdParam[] = [
    { name: 'query', x: q, grad: g.query }, { name: 'values', x: values, grad: g.values },
    { name: 'attn_W', x: attnW, grad: g.attnW }, { name: 'attn_b', x: attnB, grad: g.attnB }, { name: 'combine_W', x: combW, grad: g.combW }, { name: 'combine_b', x: combB, grad: g.combB },
  ];
  if (hidden) params.push({ name: 'hidden', x: hidden, grad: g.hidden! });
  const r = fdCheck(loss, params);
  return { ok: r.ok, msg: fdMessage(`concat seed ${seed} B${B} T${T} S${S} Smax${Smax} len [${len}] qlen [${qlen}]`, r), checked: r.checked };
}

function mhaCase(seed: number) {
  const rng = new Rng(seed);
  const B = int(rng, 1, 2), T = int(rng, 1, 3), heads = int(rng, 1, 3), E = heads * int(rng, 1, 2);
  const self = rng.next() < 0.3, S = self ? T : int(rng, 1, 4);
  const d = { B, T, S, E, heads };
  const len = lengths(rng, B, S, rng.next() < 0.6), qlen = self ? len : lengths(rng, B, T, rng.next() < 0.4);
  const query = rand64(rng, B * T * E), key = self ? query : rand64(rng, B * S * E), value = self ? query : rand64(rng, B * S * E);
  const inW = rand64(rng, 3 * E * E), inB = rand64(rng, 3 * E), outW = rand64(rng, E * E), outB = rand64(rng, E);
  const Ry = rand64(rng, B * T * E), Rw = rand64(rng, B * heads * T * S);
  const run = () => mhaForward(query, key, value, d, len, qlen, inW, inB, outW, outB);
  const loss = () => {
    const r = run();
    return dot(Ry, r.Y) + dot(Rw, r.wts);
  };
  const g = mhaBackward(query, key, value, d, len, qlen, inW, inB, outW, run().wts, Ry, Rw);
  // self-attention: one tensor is query, key and value, so its gradient is the sum of the three
  const dq = self ? g.query.map((v, i) => v + g.key[i] + g.value[i]) : g.query;
  const params: FdParam[] = [
    { name: 'query', x: query, grad: dq },
    { name: 'in_proj_weight', x: inW, grad: g.inW }, { name: 'in_proj_bias', x: inB, grad: g.inB }, { name: 'out_proj.weight', x: outW, grad: g.outW }, { name: 'out_proj.bias', x: outB, grad: g.outB },
  ];
  if (!self) params.push({ name: 'key', x: key, grad: g.key }, { name: 'value', x: value, grad: g.value });
  const r = fdCheck(loss, params);
  return { ok: r.ok, msg: fdMessage(`mha seed ${seed} B${B} T${T} S${S} E${E} heads ${heads}${self ? ' self' : ''} len [${len}] qlen [${qlen}]`, r), checked: r.checked };
}

function sweep(n: number, f: (seed: number) => { ok: boolean; msg: string; checked: number }) {
  let checked = 0;
  for (let seed = 1; seed <= n; seed++) {
    const r = f(seed);
    expect(r.ok, r.msg).toBe(true);
    checked += r.checked;
  }
  expect(checked).toBeGreaterThan(n * 10);
}

describe('attention backward = float64 finite differences of the forward kernels (random shapes and masks)', () => {
  for (const rule of SCORE_RULES) it(`Attention ${rule}: 60 cases`, () => sweep(60, (s) => ruleCase(rule, s * 7919 + rule.length)));
  it('ConcatAttention (the tutorial\'s): 60 cases', () => sweep(60, (s) => concatCase(s * 104729)));
  it('MultiHeadAttention (nn.MultiheadAttention, key padding mask, self-attention): 60 cases', () => sweep(60, (s) => mhaCase(s * 15485863)));
});
