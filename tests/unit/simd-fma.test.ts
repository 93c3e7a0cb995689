// The FMA variant of the SIMD kernels (f32x4.relaxed_madd) against the TS reference and against
// the plain variant. Runs only in the `fma` vitest project, whose workers start Node with
// --experimental-wasm-relaxed-simd (vitest.config.ts); it fails there, rather than skips, when
// relaxed SIMD is missing, so the fixture files of that project can never silently run the plain
// kernels.
//
// Both variants come from newSimdRuntime() (own Memory each), side by side in one process.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gemmTS } from '../../src/runtime/kernels/gemm';
import { tnWorkBytes } from '../../src/runtime/kernels/wasm/gemm-tn-kernels';
import {
  newSimdRuntime, relaxedSimdPresent, simdFeatures, simdModuleBytes, type SimdRuntime,
} from '../../src/runtime/kernels/wasm/runtime';
import { mulberry32 } from '../helpers/rng';


const TOL = 1e-5;
const RELAXED_MADD = [0xfd, 0x85, 0x02]; // f32x4.relaxed_madd, opcode 0x105 (LEB128)

function contains(bytes: Uint8Array, seq: number[]): boolean {
  outer: for (let i = 0; i + seq.length <= bytes.length; i++) {
    for (let j = 0; j < seq.length; j++) if (bytes[i + j] !== seq[j]) continue outer;
    return true;
  }
  return false;
}

/** the host CPU fuses relaxed_madd (V8 emits vfmadd on x64 with FMA3, fmla on arm64) */
function hostFuses(): boolean {
  if (process.arch === 'arm64') return true;
  try {
    return process.arch === 'x64' && /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

const variants: [string, SimdRuntime][] = [];
function both(): [string, SimdRuntime][] {
  if (variants.length === 0) variants.push(['fma', newSimdRuntime(true)], ['plain', newSimdRuntime(false)]);
  return variants;
}

describe('this process runs the FMA kernels', () => {
  it('relaxed SIMD is present and the realm runtime is the FMA variant', () => {
    expect(relaxedSimdPresent(), 'start Node with --experimental-wasm-relaxed-simd (the fma vitest project does)').toBe(true);
    expect(simdFeatures()).toMatchObject({ simd: true, fma: true });
  });
  it('the FMA module holds relaxed_madd, the plain one none, and both validate', () => {
    const fma = simdModuleBytes(true, true), plain = simdModuleBytes(true, false);
    expect(WebAssembly.validate(fma as BufferSource)).toBe(true);
    expect(WebAssembly.validate(plain as BufferSource)).toBe(true);
    expect(contains(fma, RELAXED_MADD)).toBe(true);
    expect(contains(plain, RELAXED_MADD)).toBe(false);
    expect(fma.length).toBeLessThan(plain.length); // one instruction where there were two
  });
});

/** Wt[K, N] -> panels of 8 columns (recurrent-simd.ts's packing, Kp = K) */
function panelize(Wt: Float32Array, K: number, N: number, f: Float32Array, base: number): void {
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) f[base + ((n >> 3) * K + k) * 8 + (n & 7)] = Wt[k * N + n];
}

describe('gemm, both variants = TS gemm (1e-5): ragged M, N a multiple of 8, odd K', () => {
  for (const name of ['fma', 'plain']) {
    it(name, () => {
      const r = both().find(([n]) => n === name)![1];
      const rnd = mulberry32(name === 'fma' ? 3 : 4);
      for (let trial = 0; trial < 60; trial++) {
        const M = 1 + Math.floor(rnd() * 70), K = 1 + 2 * Math.floor(rnd() * 70), N = 8 * (1 + Math.floor(rnd() * 6));
        const withBias = trial % 2 === 0, acc = trial % 3 === 0;
        const X = Float32Array.from({ length: M * K }, () => rnd() * 2 - 1);
        const Wt = Float32Array.from({ length: K * N }, () => rnd() * 2 - 1);
        const bias = Float32Array.from({ length: N }, () => rnd() * 2 - 1);
        const Y0 = Float32Array.from({ length: M * N }, () => rnd() * 2 - 1);
        const px = r.alloc(X.length * 4), pw = r.alloc(K * N * 4), pb = r.alloc(N * 4), py = r.alloc(M * N * 4);
        let f = r.f32();
        f.set(X, px >> 2); panelize(Wt, K, N, f, pw >> 2); f.set(bias, pb >> 2); f.set(Y0, py >> 2);
        r.k.gemm(px, K * 4, M, K, pw, N, withBias ? pb : 0, py, N * 4, acc ? 1 : 0);
        f = r.f32();
        const want = Float32Array.from(Y0);
        gemmTS(X, 0, M, K, Wt, N, withBias ? bias : null, want, 0, acc);
        for (let i = 0; i < M * N; i++) {
          const got = f[(py >> 2) + i];
          if (!(Math.abs(got - want[i]) <= TOL)) throw new Error(`${name} gemm ${M}x${K}x${N} bias=${withBias} acc=${acc}: [${i}] ${got} vs ${want[i]}`);
        }
        [px, pw, pb, py].forEach((p) => r.free(p));
      }
    });
  }
  it('the FMA gemm really fuses where the CPU can (one rounding: x*x - fl(x*x) survives)', () => {
    // x = 1 + 2^-12: x*x = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 in f32; a bias of -(1 + 2^-11)
    // leaves 2^-24 when fused, 0 when not. M = 4 (a 4x8 tile) and M = 1 (the 1-row tile): every
    // tile fuses, so a row's result does not depend on its batch.
    const x = 1 + 2 ** -12;
    const out: Record<string, number[]> = {};
    for (const [name, r] of both()) {
      out[name] = [4, 1].map((M) => {
        const px = r.alloc(64), pw = r.alloc(64), pb = r.alloc(64), py = r.alloc(4 * 32);
        const f = r.f32();
        f.fill(0, px >> 2, (px >> 2) + 16); f[px >> 2] = x; // row 0 = x, rows 1..3 = 0 (K = 1)
        f.fill(0, pw >> 2, (pw >> 2) + 16); f[pw >> 2] = x;
        f.fill(0, pb >> 2, (pb >> 2) + 16); f[pb >> 2] = -(1 + 2 ** -11);
        r.k.gemm(px, 4, M, 1, pw, 8, pb, py, 32, 0);
        const y = r.f32()[py >> 2];
        [px, pw, pb, py].forEach((p) => r.free(p));
        return y;
      });
    }
    expect(out.plain).toEqual([0, 0]);
    const fused = hostFuses() ? 2 ** -24 : 0;
    expect(out.fma).toEqual([fused, fused]);
  });
});

describe('gemm_tn (weight gradients), both variants = reference (1e-5)', () => {
  for (const name of ['fma', 'plain']) {
    it(name, () => {
      const r = both().find(([n]) => n === name)![1];
      const rnd = mulberry32(name === 'fma' ? 5 : 6);
      for (let trial = 0; trial < 20; trial++) {
        const R = 1 + Math.floor(rnd() * 300), M = 1 + Math.floor(rnd() * 23), N = 8 * (1 + Math.floor(rnd() * 4));
        const acc = trial % 2 === 1;
        const A = Float32Array.from({ length: R * M }, () => rnd() * 2 - 1);
        const B = Float32Array.from({ length: R * N }, () => rnd() * 2 - 1);
        const C0 = Float32Array.from({ length: M * N }, () => rnd() * 2 - 1);
        const pa = r.alloc(A.length * 4), pb = r.alloc(B.length * 4), pc = r.alloc(C0.length * 4), pw = r.alloc(tnWorkBytes(M, N));
        let f = r.f32();
        f.set(A, pa >> 2); f.set(B, pb >> 2); f.set(C0, pc >> 2);
        r.k.gemm_tn(pa, M * 4, pb, N * 4, R, M, N, pc, N * 4, acc ? 1 : 0, pw);
        f = r.f32();
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let s = acc ? C0[m * N + n] : 0;
            for (let q = 0; q < R; q++) s += A[q * M + m] * B[q * N + n];
            const got = f[(pc >> 2) + m * N + n];
            if (!(Math.abs(got - s) <= TOL)) throw new Error(`${name} gemm_tn R=${R} M=${M} N=${N}: [${m}, ${n}] ${got} vs ${s}`);
          }
        }
        [pa, pb, pc, pw].forEach((p) => r.free(p));
      }
    });
  }
});

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe('gate kernels, both variants = TS reference (1e-5): LSTM c = f*c + i*g, GRU h = n + z*(h - n)', () => {
  const Hp = 24;
  for (const name of ['fma', 'plain']) {
    it(`${name}: lstm_tanh_sigmoid, gru_tanh_sigmoid, gru_tanh_sigmoid_paper, lstm hard_sigmoid`, () => {
      const r = both().find(([n]) => n === name)![1];
      const rnd = mulberry32(9);
      const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => (rnd() * 2 - 1) * s);
      for (let trial = 0; trial < 20; trial++) {
        const scale = [0.5, 3, 12][trial % 3];
        const xp = rand(4 * Hp, scale), hh = rand(4 * Hp, scale), c = rand(Hp, scale), h = rand(Hp, 1);
        const p = { xp: r.alloc(4 * Hp * 4), hh: r.alloc(4 * Hp * 4), c: r.alloc(Hp * 4), h: r.alloc(Hp * 4), y: r.alloc(Hp * 4) };
        const load = () => { const f = r.f32(); f.set(xp, p.xp >> 2); f.set(hh, p.hh >> 2); f.set(c, p.c >> 2); f.set(h, p.h >> 2); };
        const read = (q: number) => Array.from(r.f32().subarray(q >> 2, (q >> 2) + Hp));
        const pre = (k: number, j: number) => xp[k * Hp + j] + hh[k * Hp + j];
        const check = (what: string, got: number[], want: (j: number) => number) => {
          for (let j = 0; j < Hp; j++) {
            if (!(Math.abs(got[j] - want(j)) <= TOL)) throw new Error(`${name} ${what} unit ${j}: ${got[j]} vs ${want(j)}`);
          }
        };
        for (const ra of ['sigmoid', 'hard_sigmoid'] as const) {
          const act = ra === 'sigmoid' ? sig : (x: number) => Math.max(0, Math.min(1, 0.2 * x + 0.5));
          load();
          r.k[`lstm_tanh_${ra}`](p.xp, p.hh, p.c, p.h, p.y, 0, 0, Hp);
          const cn = (j: number) => act(pre(1, j)) * c[j] + act(pre(0, j)) * Math.tanh(pre(2, j));
          check(`lstm ${ra} c`, read(p.c), cn);
          check(`lstm ${ra} h`, read(p.h), (j) => act(pre(3, j)) * Math.tanh(cn(j)));
        }
        for (const paper of [false, true]) {
          load();
          r.k[`gru_tanh_sigmoid${paper ? '_paper' : ''}`](p.xp, p.hh, p.h, p.y, 0, 0, Hp);
          const n = (j: number) => Math.tanh(xp[2 * Hp + j] + sig(pre(0, j)) * hh[2 * Hp + j]);
          const z = (j: number) => sig(pre(1, j));
          check(`gru paper=${paper} h`, read(p.y), (j) => (paper ? h[j] + z(j) * (n(j) - h[j]) : n(j) + z(j) * (h[j] - n(j))));
        }
        Object.values(p).forEach((q) => r.free(q));
      }
    });
  }
});
