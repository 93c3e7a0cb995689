// Micro benchmark: the packed SIMD gemm, FMA variant (relaxed_madd) against the plain one, in one
// process, alternating rounds so machine noise hits both alike. Reports the median GFLOP/s.
//   node --experimental-wasm-relaxed-simd --import tsx scripts/bench-fma-gemm.ts
import os from 'node:os';
import { newSimdRuntime, relaxedSimdPresent, type SimdRuntime } from '../src/runtime/kernels/wasm/runtime';

if (!relaxedSimdPresent()) throw new Error('no relaxed SIMD: run node with --experimental-wasm-relaxed-simd');
const shapes: [number, number, number][] = [[1, 384, 1024], [32, 384, 1024], [320, 128, 1024], [2048, 256, 512]];
const rts: [string, SimdRuntime][] = [['fma', newSimdRuntime(true)], ['plain', newSimdRuntime(false)]];
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const [M, K, N] of shapes) {
  const flops = 2 * M * K * N;
  const reps = Math.max(1, Math.round(2e8 / flops)); // ~0.1 s per timing at 20 GFLOP/s
  const ptr = rts.map(([, r]) => {
    const px = r.alloc(M * K * 4), pw = r.alloc(K * N * 4), py = r.alloc(M * N * 4);
    const f = r.f32();
    for (let i = 0; i < M * K; i++) f[(px >> 2) + i] = Math.sin(i);
    for (let i = 0; i < K * N; i++) f[(pw >> 2) + i] = Math.cos(i);
    return { px, pw, py };
  });
  const times: number[][] = [[], []];
  for (let round = 0; round < 15; round++) {
    rts.forEach(([, r], v) => {
      const { px, pw, py } = ptr[v];
      const t = performance.now();
      for (let i = 0; i < reps; i++) r.k.gemm(px, K * 4, M, K, pw, N, 0, py, N * 4, 0);
      times[v].push((performance.now() - t) / reps);
    });
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const g = times.map((t) => flops / med(t) / 1e6);
  console.log(`gemm M=${M} K=${K} N=${N}: fma ${g[0].toFixed(1)} GFLOP/s, plain ${g[1].toFixed(1)} GFLOP/s, fma/plain ${(g[0] / g[1]).toFixed(2)}`);
}
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
