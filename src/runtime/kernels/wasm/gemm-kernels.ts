// WebAssembly SIMD gemm, emitted at run time: Y[M, N] = X[M, K] · Wp + bias.
//
// Why it is laid out this way:
// - The weight matrix is packed ONCE (at prepare time) into column panels of 8 floats: panel p
//   holds columns 8p..8p+7 of Wt[K, N] as K contiguous rows of 8 (K*32 bytes). The inner loop
//   reads each weight once with two contiguous f32x4 loads per k, whatever N is; for B = 1 (the
//   recurrent step is a matrix-vector product, memory-bound) the weight stream stays sequential.
// - A micro-kernel computes an mr x (8*np) block of Y held in v128 locals (registers): per k it
//   broadcasts one X value per row (v128.load32_splat) and does 2*np*mr multiply-adds. Plain
//   WebAssembly SIMD has no fused multiply-add, so there each is a mul and an add; the big tiles
//   run at ~15 flop/cycle on the Zen 4 we measured on, close to the 16 that two f32x4 multiplies
//   plus two adds per cycle allow. The FMA variant of the module (relaxed SIMD, see runtime.ts)
//   makes each one relaxed_madd, in every tile: 4x8 and 2x16 tiles (8 accumulators) gain ~15%,
//   5x8 ones are at the same peak. The 1-row tile needs 8 independent chains to hide FMA's
//   4-cycle latency (Zen 4): with FMA it takes 4 panels and loads each weight inside its madd
//   (no register per weight, so nothing spills), ~1.1-1.2x the plain one; with 2 panels (4
//   chains) it lost ~24%. Keeping mul + add in some tiles only would make a row's result depend
//   on the batch it runs in (tile choice depends on M), which recurrent-kernels.test.ts pins
//   bit-exactly. See docs/performance.md.
// - Tile shapes were chosen by measurement (V8's register allocator decides what actually fits
//   in x86-64's 16 xmm registers): 5 rows x 1 panel (10 accumulators) for big M (6 x 1 with FMA,
//   which needs no temporary per product), 4 x 1 when a row block splits evenly by 4 but not by
//   the big tile's height (B = 32), and for a small batch (M = 1..3) two panels
//   at once so a matrix-vector product still has 4+ independent add chains. Unrolling K hurt the
//   big tiles (TurboFan then spills) but helps the 1-row one.
// - Rows are walked in blocks of MC so a block of X stays in L1/L2 while panels stream past.
// - N must be a multiple of 8 (callers pad); K, M and all strides are free. Strides are bytes.
import { call, forLt, get, I32, i32, i32c, ifThen, madd, select, set, V128, v, type Code, type Func, type ModuleBuilder } from './emit';

/** rows of X per block (a multiple of 4, 5 and 6): 60 rows of K = 128 floats = 30 KB, about L1 */
const MC = 60;
/** M = 1..4 rows (the last rows of a block, or a small batch): [panels per call, K unroll] */
const SMALL_PLAIN: Record<number, [number, number]> = { 1: [2, 2], 2: [2, 1], 3: [1, 1], 4: [1, 1] };
/** with FMA the 1-row tile takes 4 panels (8 accumulators, weights loaded inline: see microKernel) */
const SMALL_FMA: Record<number, [number, number]> = { ...SMALL_PLAIN, 1: [4, 1] };

/**
 * name of the exported gemm: gemm(x, ldx, M, K, w, N, bias, y, ldy, acc). With acc != 0 the
 * product is added to what Y holds (Y += X·Wp + bias; backward's dh carries); JS callers that
 * leave acc out pass 0.
 */
export const GEMM = 'gemm';

/**
 * Micro-kernel: mr rows x np panels.
 * params: x (row 0 at k=0), ldx, K, w (first panel), pstride (bytes between panels), bias (0 = none,
 * else the bias of the first panel's column 0), y (row 0, first panel's column 0), ldy, acc.
 */
function microKernel(m: ModuleBuilder, mr: number, np: number, U = 1): Func {
  const f = m.func(null, [I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [x, ldx, K, w, pstride, bias, y, ldy, accum] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const nv = 2 * np; // vectors per row
  const acc = Array.from({ length: mr }, () => f.localsOf(V128, nv));
  const wv = f.localsOf(V128, nv);
  const s = f.local(V128);
  const xr = f.localsOf(I32, mr); // row pointers, advanced by 4 bytes per k
  const wp = f.localsOf(I32, np); // panel pointers, advanced by 32 bytes per k
  const k = f.local(I32);
  const body: Code[] = [];
  for (let r = 0; r < mr; r++) body.push(set(xr[r], i32.add(get(x), i32.mul(get(ldx), i32c(r)))));
  for (let q = 0; q < np; q++) body.push(set(wp[q], i32.add(get(w), i32.mul(get(pstride), i32c(q)))));
  // accumulators start at the bias (the same for every row) or zero; with acc, at Y (+ bias)
  const init = (fromBias: boolean): Code[] =>
    acc.flatMap((row) => row.map((a, c) => set(a, fromBias ? v.load(get(bias), 16 * c) : v.f32x4(0))));
  const yRow = (r: number): Code => i32.add(get(y), i32.mul(get(ldy), i32c(r)));
  const fromY = acc.flatMap((row, r) => row.map((a, c) => set(a, v.add(get(a), v.load(yRow(r), 16 * c)))));
  body.push(ifThen(get(bias), ([] as number[]).concat(...init(true)), ([] as number[]).concat(...init(false))));
  body.push(ifThen(get(accum), ([] as number[]).concat(...fromY)));
  // K unrolled by U: memarg offsets address the later k's, pointers advance once per U
  // one row with FMA: each weight is read once, so it is loaded inside its madd (V8 folds the
  // load into vfmadd's memory operand) and needs no register; 4 panels then give 8 independent
  // FMA chains, enough to hide its 4-cycle latency
  const inline = f.fma && mr === 1;
  const wAt = (c: number, u: number): Code => (inline ? v.load(get(wp[c >> 1]), 32 * u + 16 * (c & 1)) : get(wv[c]));
  const step = (u: number): Code[] => {
    const out: Code[] = [];
    for (let q = 0; q < np && !inline; q++) {
      out.push(set(wv[2 * q], v.load(get(wp[q]), 32 * u)), set(wv[2 * q + 1], v.load(get(wp[q]), 32 * u + 16)));
    }
    for (let r = 0; r < mr; r++) {
      out.push(set(s, v.load32Splat(get(xr[r]), 4 * u)));
      for (let c = 0; c < nv; c++) out.push(set(acc[r][c], madd(f, get(s), wAt(c, u), get(acc[r][c]))));
    }
    return out;
  };
  const advance = (n: number): Code[] => [
    ...xr.map((p) => set(p, i32.add(get(p), i32c(4 * n)))),
    ...wp.map((p) => set(p, i32.add(get(p), i32c(32 * n)))),
  ];
  const unrolled: Code[] = [];
  for (let u = 0; u < U; u++) unrolled.push(...step(u));
  body.push(forLt(k, i32c(0), i32.sub(get(K), i32c(U - 1)), i32c(U), ...unrolled, ...advance(U)));
  if (U > 1) body.push(forLt(k, get(k), get(K), i32c(1), ...step(0), ...advance(1)));
  // store: row r at y + r*ldy, vector c at +16c (panels are adjacent column groups of Y)
  const yr = f.local(I32);
  for (let r = 0; r < mr; r++) {
    body.push(set(yr, i32.add(get(y), i32.mul(get(ldy), i32c(r)))));
    for (let c = 0; c < nv; c++) body.push(v.store(get(yr), get(acc[r][c]), 16 * c));
  }
  f.body = ([] as number[]).concat(...body);
  return f;
}

export function emitGemm(m: ModuleBuilder): void {
  const k1: Record<number, Func> = {}, kw: Record<number, Func> = {};
  // the big tile: 6x8 with FMA (12 accumulators + 2 weights + 1 broadcast fit x86-64's 15 usable
  // xmm registers: ~58 GFLOP/s against ~55 for 5x8); 5x8 without (mul + add needs a temporary
  // more: 6x8 spills and halves the speed)
  const BIG = m.fma ? 6 : 5;
  for (let mr = 1; mr <= BIG; mr++) k1[mr] = microKernel(m, mr, 1);
  const SMALL = m.fma ? SMALL_FMA : SMALL_PLAIN;
  for (let mr = 1; mr < 5; mr++) kw[mr] = microKernel(m, mr, SMALL[mr][0], SMALL[mr][1]);

  const f = m.func(GEMM, [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [x, ldx, M, K, w, N, bias, y, ldy, accum] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const four = f.local(I32), P = f.local(I32), pstride = f.local(I32), p = f.local(I32), m0 = f.local(I32), mEnd = f.local(I32), r = f.local(I32);
  const mm = f.local(I32);
  // arguments of a micro-kernel call for rows starting at `row` and the panel in local p
  const args = (row: Code): Code[] => [
    i32.add(get(x), i32.mul(row, get(ldx))), get(ldx), get(K),
    i32.add(get(w), i32.mul(get(p), get(pstride))), get(pstride),
    select(i32.add(get(bias), i32.mul(get(p), i32c(32))), i32c(0), get(bias)),
    i32.add(i32.add(get(y), i32.mul(row, get(ldy))), i32.mul(get(p), i32c(32))), get(ldy), get(accum),
  ];
  const small = (rows: number): Code => {
    const np = SMALL[rows][0];
    return ifThen(i32.eq(get(M), i32c(rows)), ([] as number[]).concat(
      // wide calls while np panels remain, then one panel at a time
      forLt(p, i32c(0), i32.sub(get(P), i32c(np - 1)), i32c(np), call(kw[rows].index, ...args(i32c(0)))),
      forLt(p, get(p), get(P), i32c(1), call(k1[rows].index, ...args(i32c(0)))),
    ));
  };
  const tail = (rows: number): Code => ifThen(i32.eq(get(r), i32c(rows)), call(k1[rows].index, ...args(get(mm))));
  f.body = ([] as number[]).concat(
    set(P, i32.shrU(get(N), i32c(3))),
    set(pstride, i32.mul(get(K), i32c(32))),
    ifThen(i32.lt(get(M), i32c(4)),
      ([] as number[]).concat(small(1), small(2), small(3)),
      forLt(m0, i32c(0), get(M), i32c(MC),
        set(mEnd, select(get(M), i32.add(get(m0), i32c(MC)), i32.lt(get(M), i32.add(get(m0), i32c(MC))))),
        // BIG-row tiles, unless the block splits evenly into 4-row ones and not into BIG-row ones
        // (B = 32: eight 4-row tiles beat six 5-row tiles and a slow 2-row tail)
        set(r, i32.sub(get(mEnd), get(m0))),
        set(four, i32.and(i32.ne(i32.remU(get(r), i32c(BIG)), i32c(0)), i32.eqz(i32.remU(get(r), i32c(4))))),
        forLt(p, i32c(0), get(P), i32c(1),
          ifThen(get(four),
            forLt(mm, get(m0), get(mEnd), i32c(4), call(k1[4].index, ...args(get(mm)))),
            ([] as number[]).concat(
              forLt(mm, get(m0), i32.sub(get(mEnd), i32c(BIG - 1)), i32c(BIG), call(k1[BIG].index, ...args(get(mm)))),
              set(r, i32.sub(get(mEnd), get(mm))),
              ...Array.from({ length: BIG - 1 }, (_, i) => tail(i + 1)),
            )),
        ),
      ),
    ),
  );
}

