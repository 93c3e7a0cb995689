// WebAssembly SIMD gate kernels: the fused elementwise part of one timestep of one batch row,
// emitted at run time, four hidden units per instruction.
//
// Why it is laid out this way:
// - WebAssembly has no exp, so sigmoid and tanh are built on a vector expf: Cody-Waite range
//   reduction x = n*ln2 + r, a degree-6 minimax polynomial for e^r (the Cephes expf
//   coefficients, ~1 ulp) and 2^n made by integer-adding n to the exponent bits. Then
//   sigmoid(x) = 1/(1+e^-x) and tanh(x) = sign(x)*(1-t)/(1+t) with t = e^-2|x| (no overflow,
//   absolute error ~1e-7: far inside the 1e-5 the PyTorch fixtures ask for).
// - One exported function per (cell, activation, recurrent activation): the activation is
//   inlined, so there is no per-element dispatch; the caller picks the variant once per layer.
// - Hidden sizes are padded to a multiple of 8 by the caller, so there is no scalar tail. Padded
//   lanes see zero weights and zero bias, hence compute h = 0 forever (e.g. LSTM: c = .5*0 +
//   .5*tanh(0) = 0, h = .5*tanh(0) = 0): they never leak into real units.
// - The gate activations are also what the Trace records: with tr != 0 a kernel stores each
//   gate (and c, h) straight into the wasm-resident trace arrays, tr + k*trs for array k, so
//   tracing costs only those stores.
// - Every multiply feeding an add is written as madd/nmadd (emit.ts): in the FMA variant of the
//   module it is one relaxed_madd (the exp polynomial, the LSTM's c = f*c + i*g, the GRU's
//   n + z*(h - n), ...), in the plain one a mul and an add.
import { forLt, get, I32, i32, i32c, ifThen, madd, nmadd, select, set, V128, v, type Code, type Func, type ModuleBuilder } from './emit';

export type Act = 'tanh' | 'relu';
export type RAct = 'sigmoid' | 'hard_sigmoid';
export const ACTS: Act[] = ['tanh', 'relu'];
export const RACTS: RAct[] = ['sigmoid', 'hard_sigmoid'];

const cat = (...parts: Code[]): Code => ([] as number[]).concat(...parts);

/**
 * e^x for four lanes; x is clamped to [-87.3, 88.3] so 2^n stays a normal float. n = round(x/ln2)
 * comes from the 1.5*2^23 trick: adding it rounds to an integer and leaves n in the low mantissa
 * bits, so (bits + 127) << 23 is 2^n (the magic's own bits shift out). That replaces nearest +
 * trunc_sat, which V8 expands to ~8 instructions.
 */
function expV(f: Func, x: Code): Code {
  const C = (c: number) => f.vconst(c);
  const t = f.local(V128), m = f.local(V128), n = f.local(V128), r = f.local(V128), p = f.local(V128);
  const MAGIC = 12582912; // 1.5 * 2^23
  const coeffs = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  let poly: Code = C(coeffs[0]);
  for (const c of coeffs.slice(1)) poly = madd(f, poly, get(r), C(c));
  return cat(
    set(t, v.pmin(v.pmax(x, C(-87.3)), C(88.3))),
    set(m, madd(f, get(t), C(Math.LOG2E), C(MAGIC))),
    set(n, v.sub(get(m), C(MAGIC))),
    // r = t - n*ln2, ln2 split in a short high part (exact products) and a low correction
    set(r, nmadd(f, get(n), C(-2.12194440e-4), nmadd(f, get(n), C(0.693359375), get(t)))),
    set(p, poly),
    // e^r = 1 + r + r^2 * poly(r);  2^n = bits((n + 127) << 23)
    v.mul(
      v.add(madd(f, v.mul(get(p), get(r)), get(r), get(r)), C(1)),
      v.i32shl(v.i32add(get(m), f.vconst(127, 'i32')), i32c(23)),
    ),
  );
}

function sigmoidV(f: Func, x: Code): Code {
  return v.div(f.vconst(1), v.add(f.vconst(1), expV(f, v.sub(f.vconst(0), x))));
}

function tanhV(f: Func, x: Code): Code {
  const a = f.local(V128), t = f.local(V128);
  return cat(
    set(a, x),
    set(t, expV(f, v.mul(v.abs(get(a)), f.vconst(-2)))),
    // (1 - t) / (1 + t) >= 0, then the sign bit of x
    v.or(v.div(v.sub(f.vconst(1), get(t)), v.add(f.vconst(1), get(t))), v.and(get(a), f.vconst(-0x80000000, 'i32'))),
  );
}

/** candidate / output activation; relu is pmax(0, x) = 0 < x ? x : 0, exactly the TS kernel's */
export function actV(f: Func, a: Act, x: Code): Code {
  return a === 'tanh' ? tanhV(f, x) : v.pmax(f.vconst(0), x);
}

/** gate activation; hard_sigmoid = max(0, min(1, 0.2x + 0.5)) */
export function ractV(f: Func, a: RAct, x: Code): Code {
  const C = (c: number) => f.vconst(c);
  return a === 'sigmoid' ? sigmoidV(f, x) : v.pmin(v.pmax(C(0), madd(f, x, C(0.2), C(0.5))), C(1));
}

/** local holding base + k*stride for k = 0..n-1 (per-gate pointers) */
function offsets(f: Func, base: number, stride: number, n: number): { code: Code; ptrs: number[] } {
  const ptrs = f.localsOf(I32, n);
  const code = cat(...ptrs.map((p, k) => set(p, i32.add(get(base), i32.mul(get(stride), i32c(k))))));
  return { code, ptrs };
}

const at = (p: number, j: number): Code => i32.add(get(p), get(j));

/**
 * The loop's end in bytes: `units` hidden units when that parameter is non-zero, else all Hp.
 * A thread that owns a slice of the units (threads.ts, the unit split for small batches) passes
 * pointers offset to its slice and its width, while Hp stays the stride between gates.
 */
const unitsEnd = (units: number, HB: number): Code => select(i32.shl(get(units), i32c(2)), get(HB), get(units));

/**
 * lstm_<act>_<ract>(xp, hh, c, h, y, tr, trs, Hp): gates i f g o from xp + hh (both [4, Hp]);
 * c = f*c + i*g; h = o*act(c); h -> h and y; trace arrays i f g o c h.
 * With peepholes, lstmp_<act>_<ract>(…, Hp, p), p = [p_i; p_f; p_o] ([3, Hp]): i and f add p*c
 * (the old c), o adds p_o*c (the new c).
 */
function emitLSTM(m: ModuleBuilder, a: Act, ra: RAct, peephole: boolean): void {
  // p (peepholes) is a parameter of both variants so `units` is always the tenth
  const f = m.func(`${peephole ? 'lstmp' : 'lstm'}_${a}_${ra}`, [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [xp, hh, c, h, y, tr, trs, Hp, pp, units] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const HB = f.local(I32);
  const X = offsets(f, xp, HB, 4), R = offsets(f, hh, HB, 4), T = offsets(f, tr, trs, 6);
  const P = peephole ? offsets(f, pp, HB, 3) : null;
  const g = f.localsOf(V128, 4), cn = f.local(V128), hn = f.local(V128), co = f.local(V128);
  const j = f.local(I32);
  const pre = (k: number) => v.add(v.load(at(X.ptrs[k], j)), v.load(at(R.ptrs[k], j)));
  const peep = (k: number, x: Code, cv: number) => (P === null ? x : madd(f, v.load(at(P.ptrs[k], j)), get(cv), x));
  const main = cat(
    set(co, v.load(at(c, j))),
    set(g[0], ractV(f, ra, peep(0, pre(0), co))),
    set(g[1], ractV(f, ra, peep(1, pre(1), co))),
    set(g[2], actV(f, a, pre(2))),
    set(cn, madd(f, get(g[1]), get(co), v.mul(get(g[0]), get(g[2])))),
    set(g[3], ractV(f, ra, peep(2, pre(3), cn))),
    v.store(at(c, j), get(cn)),
    set(hn, v.mul(get(g[3]), actV(f, a, get(cn)))),
    v.store(at(h, j), get(hn)),
    v.store(at(y, j), get(hn)),
  );
  const traced = cat(...[...g, cn, hn].map((val, k) => v.store(at(T.ptrs[k], j), get(val))));
  f.body = cat(set(HB, i32.shl(get(Hp), i32c(2))), X.code, R.code, T.code, P?.code ?? [],
    forLt(j, i32c(0), unitsEnd(units, HB), i32c(16), main, ifThen(get(tr), traced)));
}

/** the new h from the old one, the candidate n and the update gate: PyTorch's n + z*(h - n), or the paper's h + z*(n - h) */
function mix(f: Func, paper: boolean, hOld: Code, n: Code, z: Code): Code {
  return paper ? madd(f, z, v.sub(n, hOld), hOld) : madd(f, z, v.sub(hOld, n), n);
}

/**
 * gru_<act>_<ract>(xp, hh, h, y, tr, trs, Hp), linear_before_reset: hh = h·W_hh^T + [0, 0, b_hn];
 * r, z = ract(x + hh); n = act(x_n + r*hh_n); h = n + z*(h - n); trace arrays r z n h, and hh_n
 * (fifth: what backward needs for dr, saved so it needs no second product).
 * gru_<act>_<ract>_paper: the paper's update gate, h = h + z*(n - h).
 */
function emitGRU(m: ModuleBuilder, a: Act, ra: RAct, paper: boolean): void {
  const f = m.func(`gru_${a}_${ra}${paper ? '_paper' : ''}`, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [xp, hh, h, y, tr, trs, Hp, units] = [0, 1, 2, 3, 4, 5, 6, 7];
  const HB = f.local(I32);
  const X = offsets(f, xp, HB, 3), R = offsets(f, hh, HB, 3), T = offsets(f, tr, trs, 5);
  const rg = f.local(V128), zg = f.local(V128), ng = f.local(V128), hn = f.local(V128);
  const j = f.local(I32);
  const main = cat(
    set(rg, ractV(f, ra, v.add(v.load(at(X.ptrs[0], j)), v.load(at(R.ptrs[0], j))))),
    set(zg, ractV(f, ra, v.add(v.load(at(X.ptrs[1], j)), v.load(at(R.ptrs[1], j))))),
    set(ng, actV(f, a, madd(f, get(rg), v.load(at(R.ptrs[2], j)), v.load(at(X.ptrs[2], j))))),
    set(hn, mix(f, paper, v.load(at(h, j)), get(ng), get(zg))),
    v.store(at(h, j), get(hn)),
    v.store(at(y, j), get(hn)),
  );
  const traced = cat(...[rg, zg, ng, hn].map((val, k) => v.store(at(T.ptrs[k], j), get(val))),
    v.store(at(T.ptrs[4], j), v.load(at(R.ptrs[2], j))));
  f.body = cat(set(HB, i32.shl(get(Hp), i32c(2))), X.code, R.code, T.code,
    forLt(j, i32c(0), unitsEnd(units, HB), i32c(16), main, ifThen(get(tr), traced)));
}

/**
 * GRU with linear_before_reset = false, first half: gru_rz_<ract>(xp, hh, h, rh, z, tr, trs, Hp)
 * with hh = h·[W_hr; W_hz]^T ([2, Hp]): r, z = ract(x + hh); rh = r*h; z kept for the second half.
 * Trace arrays r, z, and rh as the fifth (backward's input to dW_hn).
 */
function emitGRUrz(m: ModuleBuilder, ra: RAct): void {
  const f = m.func(`gru_rz_${ra}`, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [xp, hh, h, rh, z, tr, trs, Hp] = [0, 1, 2, 3, 4, 5, 6, 7];
  const HB = f.local(I32);
  const X = offsets(f, xp, HB, 2), R = offsets(f, hh, HB, 2), T = offsets(f, tr, trs, 5);
  const rg = f.local(V128), zg = f.local(V128), rhv = f.local(V128);
  const j = f.local(I32);
  const main = cat(
    set(rg, ractV(f, ra, v.add(v.load(at(X.ptrs[0], j)), v.load(at(R.ptrs[0], j))))),
    set(zg, ractV(f, ra, v.add(v.load(at(X.ptrs[1], j)), v.load(at(R.ptrs[1], j))))),
    set(rhv, v.mul(get(rg), v.load(at(h, j)))),
    v.store(at(rh, j), get(rhv)),
    v.store(at(z, j), get(zg)),
  );
  const traced = cat(v.store(at(T.ptrs[0], j), get(rg)), v.store(at(T.ptrs[1], j), get(zg)), v.store(at(T.ptrs[4], j), get(rhv)));
  f.body = cat(set(HB, i32.shl(get(Hp), i32c(2))), X.code, R.code, T.code,
    forLt(j, i32c(0), get(HB), i32c(16), main, ifThen(get(tr), traced)));
}

/**
 * MGU, first half: mgu_f_<ract>(xp, hh, h, fh, z, tr, trs, Hp) with hh = h·W_hf^T ([1, Hp]):
 * f = ract(x_f + hh); fh = f*h; f kept (in z) for the second half, mgu_n_<act>; trace array f (0).
 */
function emitMGUf(m: ModuleBuilder, ra: RAct): void {
  const f = m.func(`mgu_f_${ra}`, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [xp, hh, h, fh, z, tr, trs, Hp] = [0, 1, 2, 3, 4, 5, 6, 7];
  const HB = f.local(I32), fg = f.local(V128), j = f.local(I32);
  const main = cat(
    set(fg, ractV(f, ra, v.add(v.load(at(xp, j)), v.load(at(hh, j))))),
    v.store(at(fh, j), v.mul(get(fg), v.load(at(h, j)))),
    v.store(at(z, j), get(fg)),
  );
  f.body = cat(set(HB, i32.shl(get(Hp), i32c(2))),
    forLt(j, i32c(0), get(HB), i32c(16), main, ifThen(get(tr), v.store(at(tr, j), get(fg)))));
}

/**
 * Second half: gru_n_<act>(xn, hn, h, z, y, tr, trs, Hp) with xn = the n part of the projection and
 * hn = (r*h)·W_hn^T: n = act(xn + hn); h = n + z*(h - n); trace arrays n (2) and h (3).
 * gru_n_<act>_paper: h = h + z*(n - h). mgu_n_<act>: the same with z = f and hn = (f*h)·W_hn^T;
 * trace arrays n (1) and h (2).
 */
function emitGRUn(m: ModuleBuilder, a: Act, kind: 'pytorch' | 'paper' | 'mgu'): void {
  const f = m.func(kind === 'mgu' ? `mgu_n_${a}` : `gru_n_${a}${kind === 'paper' ? '_paper' : ''}`, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [xn, hnp, h, z, y, tr, trs, Hp] = [0, 1, 2, 3, 4, 5, 6, 7];
  const HB = f.local(I32), T = offsets(f, tr, trs, 4);
  const ng = f.local(V128), hv = f.local(V128);
  const j = f.local(I32);
  const main = cat(
    set(ng, actV(f, a, v.add(v.load(at(xn, j)), v.load(at(hnp, j))))),
    set(hv, mix(f, kind !== 'pytorch', v.load(at(h, j)), get(ng), v.load(at(z, j)))),
    v.store(at(h, j), get(hv)),
    v.store(at(y, j), get(hv)),
  );
  const k0 = kind === 'mgu' ? 1 : 2;
  const traced = cat(v.store(at(T.ptrs[k0], j), get(ng)), v.store(at(T.ptrs[k0 + 1], j), get(hv)));
  f.body = cat(set(HB, i32.shl(get(Hp), i32c(2))), T.code,
    forLt(j, i32c(0), get(HB), i32c(16), main, ifThen(get(tr), traced)));
}

/** rnn_<act>(xp, hh, h, y, tr, trs, Hp): a = x + hh; h = act(a); trace arrays a (pre-activation), h. */
function emitRNN(m: ModuleBuilder, a: Act): void {
  const f = m.func(`rnn_${a}`, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [xp, hh, h, y, tr, trs, Hp, units] = [0, 1, 2, 3, 4, 5, 6, 7];
  const HB = f.local(I32), T = offsets(f, tr, trs, 2);
  const pre = f.local(V128), hv = f.local(V128);
  const j = f.local(I32);
  const main = cat(
    set(pre, v.add(v.load(at(xp, j)), v.load(at(hh, j)))),
    set(hv, actV(f, a, get(pre))),
    v.store(at(h, j), get(hv)),
    v.store(at(y, j), get(hv)),
  );
  const traced = cat(v.store(at(T.ptrs[0], j), get(pre)), v.store(at(T.ptrs[1], j), get(hv)));
  f.body = cat(set(HB, i32.shl(get(Hp), i32c(2))), T.code,
    forLt(j, i32c(0), unitsEnd(units, HB), i32c(16), main, ifThen(get(tr), traced)));
}

/** A test hook: act_<name>(src, dst, n) applies one activation to n floats (n a multiple of 4). */
function emitMap(m: ModuleBuilder, fname: string, fn: (f: Func, x: Code) => Code): void {
  const f = m.func(fname, [I32, I32, I32]);
  const j = f.local(I32);
  f.body = forLt(j, i32c(0), i32.shl(get(2), i32c(2)), i32c(16), v.store(at(1, j), fn(f, v.load(at(0, j)))));
}

export function emitGates(m: ModuleBuilder): void {
  for (const a of ACTS) {
    for (const ra of RACTS) {
      for (const peephole of [false, true]) emitLSTM(m, a, ra, peephole);
      for (const paper of [false, true]) emitGRU(m, a, ra, paper);
    }
    for (const kind of ['pytorch', 'paper', 'mgu'] as const) emitGRUn(m, a, kind);
    emitRNN(m, a);
    emitMap(m, `map_${a}`, (f, x) => actV(f, a, x));
  }
  for (const ra of RACTS) {
    emitGRUrz(m, ra);
    emitMGUf(m, ra);
    emitMap(m, `map_${ra}`, (f, x) => ractV(f, ra, x));
  }
}
