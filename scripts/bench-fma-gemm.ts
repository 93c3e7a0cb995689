// Micro benchmark: the packed SIMD gemm, FMA variant (relaxed_madd) against the plain one, in one
// process, alternating rounds so machine noise hits both alike. Reports GFLOP/s of the best round
// (on a shared machine the best is the least disturbed) and of the median one.
//   node --experimental-wasm-relaxed-simd --import tsx scripts/bench-fma-gemm.ts
import os from 'node:os';
import { tnWorkBytes } from '../src/runtime/kernels/wasm/gemm-tn-kernels';
import { newSimdRuntime, relaxedSimdPresent, type SimdRuntime } from '../src/runtime/kernels/wasm/runtime';

if (!relaxedSimdPresent()) throw new Error('no relaxed SIMD: run node with --experimental-wasm-relaxed-simd');
const shapes: [number, number, number][] = process.env.SHAPES ? JSON.parse(process.env.SHAPES) : [[1, 384, 1024], [32, 384, 1024], [320, 128, 1024], [2048, 256, 512]];
const rts: [string, SimdRuntime][] = [['fma', newSimdRuntime(true)], ['plain', newSimdRuntime(false)]];
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
// gemm: Y[M, N] = X[M, K]·W; gemm_tn (weight gradients, tn: true): C[M, N] = Σ_r A[r, M]ᵀ·B[r, N] with R = K rows
const tnShapes: [number, number, number][] = process.env.TN_SHAPES ? JSON.parse(process.env.TN_SHAPES) : [[1024, 2048, 384]];
const jobs = [...shapes.map((s) => [...s, 0]), ...tnShapes.map((s) => [...s, 1])];
for (const [M, K, N, tn] of jobs) {
  const flops = 2 * M * K * N;
  const reps = Math.max(1, Math.round(1e8 / flops)); // ~5 ms per timing at 20 GFLOP/s
  const ptr = rts.map(([, r]) => {
    const px = r.alloc(M * K * 4), pw = r.alloc(K * N * 4), py = r.alloc(M * N * 4 + (tn ? tnWorkBytes(M, N) : 0));
    const f = r.f32();
    for (let i = 0; i < M * K; i++) f[(px >> 2) + i] = Math.sin(i);
    for (let i = 0; i < K * N; i++) f[(pw >> 2) + i] = Math.cos(i);
    return { px, pw, py };
  });
  const times: number[][] = [[], []];
  for (let round = 0; round < 41; round++) {
    rts.forEach(([, r], v) => {
      const { px, pw, py } = ptr[v];
      const t = performance.now();
      if (tn) for (let i = 0; i < reps; i++) r.k.gemm_tn(px, M * 4, pw, N * 4, K, M, N, py, N * 4, 0, py + M * N * 4);
      else for (let i = 0; i < reps; i++) r.k.gemm(px, K * 4, M, K, pw, N, 0, py, N * 4, 0);
      times[v].push((performance.now() - t) / reps);
    });
  }
  // the first rounds warm up (Liftoff -> TurboFan): drop them
  const at = (a: number[], q: number) => [...a.slice(5)].sort((x, y) => x - y)[Math.floor((a.length - 5) * q)];
  const gf = (q: number) => times.map((t) => flops / at(t, q) / 1e6);
  const [best, med] = [gf(0), gf(0.5)];
  console.log(`${tn ? `gemm_tn M=${M} R=${K}` : `gemm M=${M} K=${K}`} N=${N}: best fma ${best[0].toFixed(1)} / plain ${best[1].toFixed(1)} GFLOP/s (${(best[0] / best[1]).toFixed(2)}x); ` +
    `median fma ${med[0].toFixed(1)} / plain ${med[1].toFixed(1)} (${(med[0] / med[1]).toFixed(2)}x)`);
}
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
