// The WebAssembly SIMD building blocks on their own: the emitted module, the vector
// activations against Math, the packed gemm against the TS gemm on odd shapes, and the
// wasm-memory allocator. (simd-recurrent.test.ts checks whole layers.)
import { describe, expect, it } from 'vitest';
import { gemm, gemmTS, transpose } from '../../src/runtime/kernels/gemm';
import {
  kernelBackend, setKernelBackend, simdAvailable, simdModuleBytes, simdRuntime, type SimdRuntime,
} from '../../src/runtime/kernels/wasm/runtime';
import { mulberry32 } from '../helpers/rng';


function rt(): SimdRuntime {
  const r = simdRuntime();
  if (r === null) throw new Error('WebAssembly SIMD is not available in this Node');
  return r;
}

describe('SIMD module', () => {
  it('is valid WebAssembly, compiles synchronously and is the default backend in Node', () => {
    const bytes = simdModuleBytes();
    expect(WebAssembly.validate(bytes as BufferSource)).toBe(true);
    expect(bytes.length).toBeLessThan(64 * 1024);
    expect(simdAvailable()).toBe(true);
    expect(kernelBackend()).toBe('simd');
  });
  it('setKernelBackend pins and releases the backend', () => {
    setKernelBackend('ts');
    expect(kernelBackend()).toBe('ts');
    setKernelBackend('simd');
    expect(kernelBackend()).toBe('simd');
    setKernelBackend('auto');
    expect(kernelBackend()).toBe('simd');
  });
});

describe('vector activations', () => {
  const refs: Record<string, (x: number) => number> = {
    map_tanh: Math.tanh,
    map_sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    map_relu: (x) => (x > 0 ? x : 0),
    map_hard_sigmoid: (x) => Math.max(0, Math.min(1, 0.2 * x + 0.5)),
  };
  // wide range, tiny values, values around the clamps of exp, exact zeros and large magnitudes
  const xs: number[] = [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 87, -87, 88.5, -88.5, 200, -200, 1e30, -1e30, 2.5, -2.5];
  const rnd = mulberry32(1);
  for (let i = 0; i < 4000; i++) xs.push((rnd() * 2 - 1) * (i % 4 === 0 ? 0.01 : i % 4 === 1 ? 1 : i % 4 === 2 ? 10 : 60));
  for (const [name, ref] of Object.entries(refs)) {
    it(`${name} is within 2e-7 of Math (absolute) on ${xs.length} values`, () => {
      const r = rt();
      const n = xs.length;
      const src = r.alloc(n * 4), dst = r.alloc(n * 4);
      r.f32().set(xs, src >> 2);
      r.k[name](src, dst, n);
      const f = r.f32();
      let worst = 0, at = 0;
      for (let i = 0; i < n; i++) {
        const x = Math.fround(xs[i]);
        const d = Math.abs(f[(dst >> 2) + i] - ref(x));
        if (!(d <= worst)) { worst = d; at = x; }
      }
      r.free(src); r.free(dst);
      expect(worst, `worst at x=${at}`).toBeLessThanOrEqual(2e-7);
    });
  }
});

/** Wt[K, N] -> panels of 8 columns, as recurrent-simd.ts packs them (Kp = K here). */
function panelize(Wt: Float32Array, K: number, N: number, f: Float32Array, base: number): void {
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) f[base + ((n >> 3) * K + k) * 8 + (n & 7)] = Wt[k * N + n];
}

describe('packed SIMD gemm', () => {
  it('matches the TS gemm on odd shapes (every row-tile path, strides, with and without bias)', () => {
    const r = rt();
    const rnd = mulberry32(7);
    const shapes: [number, number, number][] = [];
    for (const M of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 20, 32, 61, 64, 67, 121, 125]) {
      for (const [K, N] of [[1, 8], [3, 16], [7, 24], [13, 40], [33, 8]]) shapes.push([M, K, N]);
    }
    for (const [M, K, N] of shapes) {
      for (const withBias of [true, false]) {
        const ldx = K + 3, ldy = N + 8; // strides wider than the rows
        const X = Float32Array.from({ length: M * ldx }, () => rnd() * 2 - 1);
        const Wt = Float32Array.from({ length: K * N }, () => rnd() * 2 - 1);
        const bias = Float32Array.from({ length: N }, () => rnd() * 2 - 1);
        const px = r.alloc(X.length * 4), pw = r.alloc(K * N * 4), pb = r.alloc(N * 4), py = r.alloc(M * ldy * 4);
        let f = r.f32();
        f.set(X, px >> 2); panelize(Wt, K, N, f, pw >> 2); f.set(bias, pb >> 2);
        f.fill(42, py >> 2, (py >> 2) + M * ldy);
        r.k.gemm(px, ldx * 4, M, K, pw, N, withBias ? pb : 0, py, ldy * 4);
        f = r.f32();
        const want = new Float32Array(N);
        for (let m = 0; m < M; m++) {
          gemmTS(X, m * ldx, 1, K, Wt, N, withBias ? bias : null, want, 0);
          for (let n = 0; n < ldy; n++) {
            const got = f[(py >> 2) + m * ldy + n];
            if (n >= N) expect(got, `gemm ${M}x${K}x${N} wrote past its row`).toBe(42);
            else if (!(Math.abs(got - want[n]) <= 1e-5)) throw new Error(`gemm ${M}x${K}x${N} bias=${withBias}: [${m}, ${n}] = ${got}, want ${want[n]}`);
          }
        }
        [px, pw, pb, py].forEach((p) => r.free(p));
      }
    }
  });
});

describe('gemm() routing', () => {
  it('sends prepared weights (from transpose) to the SIMD kernel from their second use on, same results', () => {
    const r = rt();
    const rnd = mulberry32(11);
    for (const [M, K, N] of [[5, 64, 40], [1, 128, 96], [33, 17, 16], [12, 32, 250], [2, 8, 8]]) {
      const small = M * K * N < 8192; // stays in TS: copying in and out would cost more
      const W = Float32Array.from({ length: N * K }, () => rnd() * 2 - 1);
      const Wt = transpose(W, N, K);
      const bias = Float32Array.from({ length: N }, () => rnd() * 2 - 1);
      const X = Float32Array.from({ length: M * K + 5 }, () => rnd() * 2 - 1);
      const want = new Float32Array(M * N + 2);
      gemmTS(X, 5, M, K, Wt, N, bias, want, 2);
      const before = r.inUse();
      for (let use = 0; use < 3; use++) {
        const got = new Float32Array(M * N + 2).fill(7);
        gemm(X, 5, M, K, Wt, N, bias, got, 2);
        expect([got[0], got[1]]).toEqual([7, 7]);
        for (let i = 0; i < M * N; i++) {
          if (!(Math.abs(got[2 + i] - want[2 + i]) <= 1e-5)) throw new Error(`gemm ${M}x${K}x${N} use ${use}: [${i}] ${got[2 + i]} vs ${want[2 + i]}`);
        }
        // the first use stays in TS; the second packs Wt (and the bias) into wasm memory once
        if (use === 0 || small) expect(r.inUse()).toBe(before);
        else expect(r.inUse()).toBeGreaterThan(before);
      }
    }
  });
});

describe('wasm memory allocator', () => {
  it('hands out aligned, disjoint blocks, reuses freed ones and keeps data across growth', () => {
    const r = rt();
    const before = r.inUse();
    const a = r.alloc(100), b = r.alloc(1000), c = r.alloc(10);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(b >= a + 100 && c >= b + 1000).toBe(true);
    r.f32()[b >> 2] = 1234.5;
    r.free(a);
    const a2 = r.alloc(64); // fits in a's place
    expect(a2).toBe(a);
    const big = r.alloc(64 * 1024 * 1024); // forces memory.grow (detaches old views)
    expect(r.f32()[b >> 2]).toBe(1234.5);
    [a2, b, c, big].forEach((p) => r.free(p));
    expect(r.inUse()).toBe(before);
  });
});
