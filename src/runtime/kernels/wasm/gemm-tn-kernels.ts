// WebAssembly SIMD kernels for the gradient side of a product, emitted at run time:
//   gemm_tn(a, lda, b, ldb, R, M, N, c, ldc, acc):  C[M, N] (+)= Σ_r A[r, 0..M)ᵀ · B[r, 0..N)
//   colsum(a, lda, R, N, out, acc):                 out[N] (+)= Σ_r A[r, 0..N)
// i.e. dW = dGᵀ·X (weight gradients summed over every row of every step) and db = Σ dG.
//
// Why it is laid out this way:
// - A and B are read where they lie (row-major, any row stride): A is a gradient matrix the
//   backward kernels just wrote ([rows, G·Hp]), B an input or previous-state matrix. Packing either
//   would cost a pass over data that is read only a few times.
// - The micro-kernel is the forward gemm's, turned around: an mr × 8 block of C lives in v128
//   locals (5 × 2 = 10 accumulators, as gemm-kernels.ts measured best), and per row r it
//   broadcasts mr consecutive values of A's row (load32_splat) and loads 8 values of B's row —
//   2·mr multiply-adds (relaxed_madd in the FMA variant) per 2 + mr loads, the same ratio as
//   the forward tiles.
// - Rows are walked in chunks of RC: per chunk, for each 5-row block of C (its strip of A, RC
//   cache lines, stays in L1), every 8-column panel of C is accumulated over the chunk's rows of
//   B (RC × N floats, in L2). Without chunking each panel would stream all of A from memory again
//   (A is megabytes: [B·T, 4·H]). C is re-read once per chunk, which is cheap next to 2·RC flops
//   per element of C.
// - N (the columns of B and C) must be a multiple of 8 (callers pad); M and R are free.
import { call, forLt, get, I32, i32, i32c, ifThen, load32, madd, select, set, store32, V128, v, type Code, type Func, type ModuleBuilder } from './emit';

/** rows of A and B per chunk (tuned: see docs/performance.md) */
export const RC = 256;

/** bytes of the work block gemm_tn needs for C[M, N] (B's panels and A's strips of one chunk) */
export const tnWorkBytes = (M: number, N: number): number => RC * N * 4 + Math.ceil(M / 5) * RC * 20 + 64;

const cat = (...parts: Code[]): Code => ([] as number[]).concat(...parts);

/** micro-kernel: mr rows of C (columns m..m+mr of A) × one 8-column panel; R rows of A and B */
function tnKernel(m: ModuleBuilder, mr: number): Func {
  const f = m.func(null, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, lda, b, ldb, R, c, ldc, accum] = [0, 1, 2, 3, 4, 5, 6, 7];
  const acc = Array.from({ length: mr }, () => f.localsOf(V128, 2));
  const w0 = f.local(V128), w1 = f.local(V128), s = f.local(V128);
  const ap = f.local(I32), bp = f.local(I32), r = f.local(I32), cr = f.local(I32);
  const body: Code[] = [];
  const cRow = (i: number): Code => i32.add(get(c), i32.mul(get(ldc), i32c(i)));
  body.push(ifThen(get(accum),
    cat(...acc.flatMap((row, i) => row.map((x, k) => set(x, v.load(cRow(i), 16 * k))))),
    cat(...acc.flatMap((row) => row.map((x) => set(x, v.f32x4(0))))),
  ));
  const step: Code[] = [set(w0, v.load(get(bp), 0)), set(w1, v.load(get(bp), 16))];
  for (let i = 0; i < mr; i++) {
    step.push(set(s, v.load32Splat(get(ap), 4 * i)));
    step.push(set(acc[i][0], madd(f, get(s), get(w0), get(acc[i][0]))));
    step.push(set(acc[i][1], madd(f, get(s), get(w1), get(acc[i][1]))));
  }
  body.push(set(ap, get(a)), set(bp, get(b)));
  body.push(forLt(r, i32c(0), get(R), i32c(1), ...step, set(ap, i32.add(get(ap), get(lda))), set(bp, i32.add(get(bp), get(ldb)))));
  for (let i = 0; i < mr; i++) {
    body.push(set(cr, cRow(i)), v.store(get(cr), get(acc[i][0]), 0), v.store(get(cr), get(acc[i][1]), 16));
  }
  f.body = cat(...body);
  return f;
}

export function emitGemmTN(m: ModuleBuilder): void {
  const k: Record<number, Func> = {};
  for (let mr = 1; mr <= 5; mr++) k[mr] = tnKernel(m, mr);
  const f = m.func('gemm_tn', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, lda, b, ldb, R, M, N, c, ldc, accum, work] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const r0 = f.local(I32), rc = f.local(I32), first = f.local(I32), m0 = f.local(I32), p = f.local(I32), rest = f.local(I32), P = f.local(I32);
  const r = f.local(I32), src = f.local(I32), dst = f.local(I32), workA = f.local(I32), strip = f.local(I32), q = f.local(I32);
  // a kernel call for the rows of C from m0 (mr of them) and panel p, over the chunk's rows: A's
  // columns m0.. packed as a strip [rc][5] at `strip`, B's as panels [N/8][rc][8] at `work`
  // (both contiguous: the kernel streams them)
  const args = (): Code[] => [
    get(strip), i32c(20),
    i32.add(get(work), i32.mul(get(p), i32.shl(get(rc), i32c(5)))), i32c(32),
    get(rc),
    i32.add(i32.add(get(c), i32.mul(get(m0), get(ldc))), i32.shl(get(p), i32c(5))), get(ldc),
    get(first),
  ];
  const tail = (mr: number): Code => ifThen(i32.eq(get(rest), i32c(mr)), forLt(p, i32c(0), get(P), i32c(1), call(k[mr].index, ...args())));
  f.body = cat(
    set(P, i32.shrU(get(N), i32c(3))),
    // R = 0: the result is 0 (or C unchanged)
    ifThen(i32.eqz(get(R)), ifThen(i32.eqz(get(accum)), forLt(m0, i32c(0), get(M), i32c(1),
      forLt(p, i32c(0), get(N), i32c(4), v.store(i32.add(i32.add(get(c), i32.mul(get(m0), get(ldc))), i32.shl(get(p), i32c(2))), v.f32x4(0)))))),
    forLt(r0, i32c(0), get(R), i32c(RC),
      set(rc, select(i32.sub(get(R), get(r0)), i32c(RC), i32.lt(i32.sub(get(R), get(r0)), i32c(RC)))),
      // the first chunk starts from 0 (or from C when the caller accumulates), later ones add
      set(first, select(i32c(1), get(accum), i32.gt(get(r0), i32c(0)))),
      forLt(r, i32c(0), get(rc), i32c(1),
        set(src, i32.add(get(b), i32.mul(i32.add(get(r0), get(r)), get(ldb)))),
        set(dst, i32.add(get(work), i32.shl(get(r), i32c(5)))),
        forLt(p, i32c(0), get(P), i32c(1),
          v.store(get(dst), v.load(get(src), 0), 0),
          v.store(get(dst), v.load(get(src), 16), 16),
          set(src, i32.add(get(src), i32c(32))),
          set(dst, i32.add(get(dst), i32.shl(get(rc), i32c(5)))))),
      // A's chunk as strips of 5 columns: strip j at workA + j·rc·20, row r at + r·20
      set(workA, i32.add(get(work), i32.mul(get(P), i32.shl(get(rc), i32c(5))))),
      forLt(r, i32c(0), get(rc), i32c(1),
        set(src, i32.add(get(a), i32.mul(i32.add(get(r0), get(r)), get(lda)))),
        set(dst, i32.add(get(workA), i32.mul(get(r), i32c(20)))),
        forLt(m0, i32c(0), get(M), i32c(5),
          ifThen(i32.le(i32.add(get(m0), i32c(5)), get(M)),
            cat(...[0, 4, 8, 12, 16].map((o) => store32(get(dst), load32(get(src), o), o))),
            forLt(q, i32c(0), i32.shl(i32.sub(get(M), get(m0)), i32c(2)), i32c(4),
              store32(i32.add(get(dst), get(q)), load32(i32.add(get(src), get(q)))))),
          set(src, i32.add(get(src), i32c(20))),
          set(dst, i32.add(get(dst), i32.mul(get(rc), i32c(20)))))),
      set(strip, get(workA)),
      forLt(m0, i32c(0), i32.sub(get(M), i32c(4)), i32c(5),
        forLt(p, i32c(0), get(P), i32c(1), call(k[5].index, ...args())),
        set(strip, i32.add(get(strip), i32.mul(get(rc), i32c(20))))),
      set(rest, i32.sub(get(M), get(m0))),
      tail(1), tail(2), tail(3), tail(4),
    ),
  );
  emitColsum(m);
}

/** colsum(a, lda, R, N, out, acc): out[N] (+)= Σ_r A[r, :], N a multiple of 8 */
function emitColsum(m: ModuleBuilder): void {
  const f = m.func('colsum', [I32, I32, I32, I32, I32, I32]);
  const [a, lda, R, N, out, accum] = [0, 1, 2, 3, 4, 5];
  const j = f.local(I32), r = f.local(I32), p = f.local(I32), s0 = f.local(V128), s1 = f.local(V128);
  const NB = f.local(I32);
  f.body = cat(
    set(NB, i32.shl(get(N), i32c(2))),
    forLt(j, i32c(0), get(NB), i32c(32),
      ifThen(get(accum),
        cat(set(s0, v.load(i32.add(get(out), get(j)), 0)), set(s1, v.load(i32.add(get(out), get(j)), 16))),
        cat(set(s0, v.f32x4(0)), set(s1, v.f32x4(0)))),
      set(p, i32.add(get(a), get(j))),
      forLt(r, i32c(0), get(R), i32c(1),
        set(s0, v.add(get(s0), v.load(get(p), 0))),
        set(s1, v.add(get(s1), v.load(get(p), 16))),
        set(p, i32.add(get(p), get(lda)))),
      v.store(i32.add(get(out), get(j)), get(s0), 0),
      v.store(i32.add(get(out), get(j)), get(s1), 16),
    ),
  );
}
