// WebAssembly SIMD kernels for the elementwise part of one BPTT step: the derivative of each
// cell (RNN, LSTM, GRU with and without linear_before_reset) for every running row of one step,
// four hidden units per instruction. The per-step product dh_{t-1} = dgates·W_hh runs after each
// call on the gemm (gemm-kernels.ts); the weight gradients run after the loop (gemm-tn-kernels.ts).
//
// Why it is laid out this way:
// - The forward saved its activations in "packed" order (wasm/recurrent-simd.ts): row
//   q = off[s] + r for processing step s and sorted row r, as PyTorch's PackedSequence orders
//   them. So the rows of one step are contiguous in every array — gates, c, the previous state,
//   dY, the gate gradients — and ONE call per step covers all running rows (nA of them).
// - The derivatives are taken from the saved activation outputs, as cells.ts states them:
//   tanh' = 1 − y², σ' = y(1 − y), relu' = [y > 0], hard_sigmoid' = 0.2 on 0 < y < 1; the
//   LSTM's tanh(c) is recomputed from c (cheaper than saving a seventh array). One exported
//   function per cell and activation pair, so nothing dispatches per element.
// - Gate gradients go to dG[q] ([rows, G·Hp], PyTorch's gate order), which the weight-gradient
//   products read after the loop, and the recurrent product reads per step; a GRU with
//   linear_before_reset also writes dGh (the gradient at W_hh·h + b_hh: its n part is dn·r).
// - Multiply-adds go through madd/nmadd (emit.ts): relaxed_madd in the FMA variant of the module.
// - Arguments that may be absent (dY, the gradient trace) are 0; the test is a branch per vector.
import { forLt, get, I32, i32, i32c, ifThen, madd, nmadd, set, V128, v, type Code, type Func, type ModuleBuilder } from './emit';
import { actV, ACTS, RACTS, type Act, type RAct } from './gate-kernels';

const cat = (...parts: Code[]): Code => ([] as number[]).concat(...parts);

/** d act / dx from y = act(x) (y in a local) */
function dactV(f: Func, a: Act, y: number): Code {
  return a === 'tanh'
    ? nmadd(f, get(y), get(y), f.vconst(1))
    : v.and(v.gt(get(y), f.vconst(0)), f.vconst(1));
}

/** d ract / dx from y = ract(x) (y in a local) */
function dractV(f: Func, ra: RAct, y: number): Code {
  return ra === 'sigmoid'
    ? v.mul(get(y), v.sub(f.vconst(1), get(y)))
    : v.and(v.and(v.gt(get(y), f.vconst(0)), v.lt(get(y), f.vconst(1))), f.vconst(0.2));
}

/**
 * The loop shared by every kernel: rows r < nA, units j < Hp in vectors of 4. `e` holds the byte
 * offset of (r, j) in [nA, Hp] arrays, `ge` that of (r, j) in [nA, G·Hp] gate arrays (gate k at
 * + k·Hp·4, through per-gate pointers).
 */
function rowsLoop(f: Func, nA: number, Hp: number, G: number, body: (e: number, ge: number) => Code): Code {
  const HB = f.local(I32), r = f.local(I32), j = f.local(I32), ro = f.local(I32), gro = f.local(I32);
  const e = f.local(I32), ge = f.local(I32);
  return cat(
    set(HB, i32.shl(get(Hp), i32c(2))),
    forLt(r, i32c(0), get(nA), i32c(1),
      set(ro, i32.mul(get(r), get(HB))),
      set(gro, i32.mul(get(ro), i32c(G))),
      forLt(j, i32c(0), get(HB), i32c(16),
        set(e, i32.add(get(ro), get(j))),
        set(ge, i32.add(get(gro), get(j))),
        body(e, ge))),
  );
}

/** pointer locals base + k·stride (k < n), stride in a local */
function ptrs(f: Func, base: number, stride: number, n: number): { code: Code; p: number[] } {
  const p = f.localsOf(I32, n);
  return { code: cat(...p.map((x, k) => set(x, i32.add(get(base), i32.mul(get(stride), i32c(k)))))), p };
}

/** gate-k pointers into a [rows, G·Hp] gradient array */
function gatePtrs(f: Func, base: number, Hp: number, G: number): { code: Code; p: number[] } {
  const p = f.localsOf(I32, G);
  return { code: cat(...p.map((x, k) => set(x, i32.add(get(base), i32.mul(get(Hp), i32c(4 * k)))))), p };
}

const at = (p: number, off: number): Code => i32.add(get(p), get(off));

/** dhv = dh[e] + (dy ? dy[e] : 0) */
function dhIn(dhv: number, dh: number, dy: number, e: number): Code {
  return cat(
    set(dhv, v.load(at(dh, e))),
    ifThen(get(dy), set(dhv, v.add(get(dhv), v.load(at(dy, e))))),
  );
}

/**
 * lstm_bwd_<a>_<ra>(tr, trs, cprev, dh, dc, dy, dg, tdh, tdc, nA, Hp): saved arrays i f g o c at
 * tr + k·trs; writes dG = (di, df, dg, do), dc ← dcv·f, and the trace of dhv, dcv. dh is then
 * replaced by dG·W_hh (the gemm).
 */
function emitLSTM(m: ModuleBuilder, a: Act, ra: RAct): void {
  const f = m.func(`lstm_bwd_${a}_${ra}`, Array(11).fill(I32));
  const [tr, trs, cprev, dh, dc, dy, dg, tdh, tdc, nA, Hp] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const S = ptrs(f, tr, trs, 5), Gp = gatePtrs(f, dg, Hp, 4);
  const [gi, gf, gg, go, tc, dhv, dcv] = f.localsOf(V128, 7);
  const body = (e: number, ge: number) => cat(
    dhIn(dhv, dh, dy, e),
    set(gi, v.load(at(S.p[0], e))), set(gf, v.load(at(S.p[1], e))),
    set(gg, v.load(at(S.p[2], e))), set(go, v.load(at(S.p[3], e))),
    set(tc, actV(f, a, v.load(at(S.p[4], e)))),
    set(dcv, madd(f, v.mul(get(dhv), get(go)), dactV(f, a, tc), v.load(at(dc, e)))),
    v.store(at(Gp.p[0], ge), v.mul(v.mul(get(dcv), get(gg)), dractV(f, ra, gi))),
    v.store(at(Gp.p[1], ge), v.mul(v.mul(get(dcv), v.load(at(cprev, e))), dractV(f, ra, gf))),
    v.store(at(Gp.p[2], ge), v.mul(v.mul(get(dcv), get(gi)), dactV(f, a, gg))),
    v.store(at(Gp.p[3], ge), v.mul(v.mul(get(dhv), get(tc)), dractV(f, ra, go))),
    v.store(at(dc, e), v.mul(get(dcv), get(gf))),
    ifThen(get(tdh), cat(v.store(at(tdh, e), get(dhv)), v.store(at(tdc, e), get(dcv)))),
  );
  f.body = cat(S.code, Gp.code, rowsLoop(f, nA, Hp, 4, body));
}

/**
 * gru_bwd_<a>_<ra>(tr, trs, hprev, dh, dy, dg, dgh, tdh, nA, Hp), linear_before_reset: saved r z n
 * h hn at tr + k·trs (hn = W_hn·h_{t-1} + b_hn). dG = (dr, dz, dn), dGh = (dr, dz, dn·r),
 * dh ← dhv·z (the gemm then adds dGh·W_hh).
 */
function emitGRU(m: ModuleBuilder, a: Act, ra: RAct): void {
  const f = m.func(`gru_bwd_${a}_${ra}`, Array(10).fill(I32));
  const [tr, trs, hprev, dh, dy, dg, dgh, tdh, nA, Hp] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const S = ptrs(f, tr, trs, 5), Gp = gatePtrs(f, dg, Hp, 3), Gh = gatePtrs(f, dgh, Hp, 3);
  const [gr, gz, gn, dhv, dz, dn, dr] = f.localsOf(V128, 7);
  const body = (e: number, ge: number) => cat(
    dhIn(dhv, dh, dy, e),
    set(gr, v.load(at(S.p[0], e))), set(gz, v.load(at(S.p[1], e))), set(gn, v.load(at(S.p[2], e))),
    set(dz, v.mul(v.mul(get(dhv), v.sub(v.load(at(hprev, e)), get(gn))), dractV(f, ra, gz))),
    set(dn, v.mul(v.mul(get(dhv), v.sub(f.vconst(1), get(gz))), dactV(f, a, gn))),
    set(dr, v.mul(v.mul(get(dn), v.load(at(S.p[4], e))), dractV(f, ra, gr))),
    v.store(at(dh, e), v.mul(get(dhv), get(gz))),
    v.store(at(Gp.p[0], ge), get(dr)), v.store(at(Gp.p[1], ge), get(dz)), v.store(at(Gp.p[2], ge), get(dn)),
    v.store(at(Gh.p[0], ge), get(dr)), v.store(at(Gh.p[1], ge), get(dz)), v.store(at(Gh.p[2], ge), v.mul(get(dn), get(gr))),
    ifThen(get(tdh), v.store(at(tdh, e), get(dhv))),
  );
  f.body = cat(S.code, Gp.code, Gh.code, rowsLoop(f, nA, Hp, 3, body));
}

/**
 * GRU, linear_before_reset = false, first half: gru_bwd_zn_<a>_<ra>(tr, trs, hprev, dh, dy, dg, tdh,
 * nA, Hp): dG's z and n parts, dh ← dhv·z. Then the gemm makes d(r⊙h) = dn·W_hn.
 */
function emitGRUzn(m: ModuleBuilder, a: Act, ra: RAct): void {
  const f = m.func(`gru_bwd_zn_${a}_${ra}`, Array(9).fill(I32));
  const [tr, trs, hprev, dh, dy, dg, tdh, nA, Hp] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const S = ptrs(f, tr, trs, 3), Gp = gatePtrs(f, dg, Hp, 3);
  const [gz, gn, dhv] = f.localsOf(V128, 3);
  const body = (e: number, ge: number) => cat(
    dhIn(dhv, dh, dy, e),
    set(gz, v.load(at(S.p[1], e))), set(gn, v.load(at(S.p[2], e))),
    v.store(at(Gp.p[1], ge), v.mul(v.mul(get(dhv), v.sub(v.load(at(hprev, e)), get(gn))), dractV(f, ra, gz))),
    v.store(at(Gp.p[2], ge), v.mul(v.mul(get(dhv), v.sub(f.vconst(1), get(gz))), dactV(f, a, gn))),
    v.store(at(dh, e), v.mul(get(dhv), get(gz))),
    ifThen(get(tdh), v.store(at(tdh, e), get(dhv))),
  );
  f.body = cat(S.code, Gp.code, rowsLoop(f, nA, Hp, 3, body));
}

/**
 * Second half: gru_bwd_r_<ra>(rg, hprev, drh, dh, dg, nA, Hp) with rg the saved r gate and
 * drh = d(r⊙h): dG's r part = drh·h·r', dh += drh·r. Then the gemm adds dG[r, z]·W_hh[r, z].
 */
function emitGRUr(m: ModuleBuilder, ra: RAct): void {
  const f = m.func(`gru_bwd_r_${ra}`, Array(7).fill(I32));
  const [rg, hprev, drh, dh, dg, nA, Hp] = [0, 1, 2, 3, 4, 5, 6];
  const [gr, d] = f.localsOf(V128, 2);
  const body = (e: number, ge: number) => cat(
    set(gr, v.load(at(rg, e))), set(d, v.load(at(drh, e))),
    v.store(at(dg, ge), v.mul(v.mul(get(d), v.load(at(hprev, e))), dractV(f, ra, gr))),
    v.store(at(dh, e), madd(f, get(d), get(gr), v.load(at(dh, e)))),
  );
  f.body = rowsLoop(f, nA, Hp, 3, body);
}

/** rnn_bwd_<a>(tr, trs, dh, dy, dg, tdh, nA, Hp): saved a, h at tr + k·trs; dG = dhv·act'(h). */
function emitRNN(m: ModuleBuilder, a: Act): void {
  const f = m.func(`rnn_bwd_${a}`, Array(8).fill(I32));
  const [tr, trs, dh, dy, dg, tdh, nA, Hp] = [0, 1, 2, 3, 4, 5, 6, 7];
  const S = ptrs(f, tr, trs, 2);
  const [h, dhv] = f.localsOf(V128, 2);
  const body = (e: number, ge: number) => cat(
    dhIn(dhv, dh, dy, e),
    set(h, v.load(at(S.p[1], e))),
    v.store(at(dg, ge), v.mul(get(dhv), dactV(f, a, h))),
    ifThen(get(tdh), v.store(at(tdh, e), get(dhv))),
  );
  f.body = cat(S.code, rowsLoop(f, nA, Hp, 1, body));
}

export function emitGateBackward(m: ModuleBuilder): void {
  for (const a of ACTS) {
    for (const ra of RACTS) {
      emitLSTM(m, a, ra);
      emitGRU(m, a, ra);
      emitGRUzn(m, a, ra);
    }
    emitRNN(m, a);
  }
  for (const ra of RACTS) emitGRUr(m, ra);
}
