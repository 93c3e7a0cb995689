// Moving data into the SIMD kernels' wasm memory: weight packing (once per weight matrix),
// reusable scratch blocks (grown on demand), and gemm() on packed weights.
//
// Why it is laid out this way: the gemm reads weights as 8-column panels (gemm-kernels.ts), and
// recurrent layers pad each gate's H columns to Hp (a multiple of 8) so gate kernels never need
// a scalar tail; one packing routine handles both by mapping column groups of H to groups of Hp.
// Packed weights belong to a JS object (a prepared layer, a weight array) and go back to the
// allocator when that object is garbage-collected (FinalizationRegistry), so nothing leaks when
// a program is dropped; scratch is shared (see sharedScratch).
import { runSplit } from './threads';
import { simdRuntime, SimdMemoryError, type SimdRuntime } from './runtime';

// wasm blocks are freed when the JS object owning them is collected
export const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<{ rt: SimdRuntime; ptrs: number[] }>(({ rt, ptrs }) => ptrs.forEach((p) => rt.free(p)))
  : null;

/**
 * Panels of Wt[K, N] (row-major, N = groups of H columns: gates and directions) with every group
 * padded to Hp columns and the rows padded to Kp: panel p, row k, lane c at ((p*Kp + k)*8 + c).
 */
export function packPanels(rt: SimdRuntime, src: Float32Array, K: number, N: number, Kp: number, H: number, Hp: number, into = 0): number {
  const Np = (N / H) * Hp;
  // `into`: re-pack over an earlier packing of the same shape (weights rewritten in place)
  const ptr = into !== 0 ? into : rt.alloc(Kp * Np * 4);
  const f = rt.f32(), base = ptr >> 2;
  f.fill(0, base, base + Kp * Np);
  for (let k = 0; k < K; k++) {
    const row = k * N;
    for (let n = 0; n < N; n++) {
      const col = ((n / H) | 0) * Hp + (n % H);
      f[base + ((col >> 3) * Kp + k) * 8 + (col & 7)] = src[row + n];
    }
  }
  return ptr;
}

/** bias [groups*H] padded to [groups*Hp]; 0 for none */
export function packBias(rt: SimdRuntime, b: Float32Array | null, H: number, Hp: number, into = 0): number {
  if (b === null) return 0;
  const n = (b.length / H) * Hp;
  const ptr = into !== 0 ? into : rt.alloc(n * 4);
  const f = rt.f32(), base = ptr >> 2;
  f.fill(0, base, base + n);
  for (let i = 0; i < b.length; i++) f[base + ((i / H) | 0) * Hp + (i % H)] = b[i];
  return ptr;
}

/** Named scratch blocks in wasm memory, grown on demand (doubling), reused. */
export class Scratch {
  blocks = new Map<string, { ptr: number; bytes: number }>();
  constructor(readonly rt: SimdRuntime) {}
  get(key: string, bytes: number): number {
    const b = this.blocks.get(key);
    if (b !== undefined && b.bytes >= bytes) return b.ptr;
    if (b !== undefined) this.rt.free(b.ptr);
    const size = Math.max(bytes, b === undefined ? 0 : b.bytes * 2, 64);
    const ptr = this.rt.alloc(size);
    this.blocks.set(key, { ptr, bytes: size });
    return ptr;
  }
}

let shared: Scratch | null = null;

/**
 * The scratch blocks, one set per realm: a run copies its results out before returning and JS
 * runs one kernel call at a time, so runs never need their own. (Per-Workspace scratch would
 * keep one copy per compiled program alive until the garbage collector noticed, and wasm memory
 * never shrinks.) The blocks grow to the largest run seen and stay.
 */
export function sharedScratch(rt: SimdRuntime): Scratch {
  shared ??= new Scratch(rt);
  return shared;
}

// ---- gemm() on prepared weights ----
// gemm() on the SIMD kernel for prepared weights (Dense layers, decoders, attention projections):
// the same contract as the TS gemm, with Wt packed into wasm memory once and reused.
//
// Why it is laid out this way: callers keep their weights as plain Float32Arrays made once by
// transpose(); gemm.ts sends a call here only for such arrays, only from their second use on (a
// one-off transpose is not worth packing), and only when the product is big enough to repay
// copying X in and Y out. Packings are keyed by the array's identity and freed with it; an owner
// that rewrites a prepared array in place calls repackPrepared (via gemm.ts preparedChanged).
// Biases are NOT cached: they are often the weights themselves (a Dense layer's bias), which an
// optimiser updates in place, and copying N floats per call costs nothing next to the product.

interface Packed { w: number; Np: number; K: number; N: number }

const packs = new WeakMap<Float32Array, Packed>();

/** Re-pack a prepared weight whose values were rewritten in place (same pointer, same shape). */
export function repackPrepared(Wt: Float32Array): void {
  const p = packs.get(Wt);
  const rt = simdRuntime();
  if (p === undefined || rt === null) return;
  packPanels(rt, Wt, p.K, p.N, p.K, p.N, p.Np, p.w);
}

function packedOf(rt: SimdRuntime, Wt: Float32Array, K: number, N: number): Packed {
  let p = packs.get(Wt);
  if (p !== undefined && p.K === K && p.N === N) return p;
  const Np = Math.ceil(N / 8) * 8;
  p = { w: packPanels(rt, Wt, K, N, K, N, Np), Np, K, N };
  packs.set(Wt, p);
  registry?.register(Wt, { rt, ptrs: [p.w] });
  return p;
}

/** the bias copied (padded to Np) into a scratch block, every call */
function biasOf(rt: SimdRuntime, b: Float32Array, N: number, Np: number): number {
  const scratch = sharedScratch(rt);
  const ptr = scratch.get('gemm.b', Np * 4);
  const f = rt.f32(), base = ptr >> 2;
  f.set(b.subarray(0, N), base);
  if (Np > N) f.fill(0, base + N, base + Np);
  return ptr;
}

/** Y[M, N] (at yOff) = X[M, K] (at xOff) · Wt + bias on the SIMD gemm; false if it cannot run. */
export function gemmSimd(
  X: Float32Array, xOff: number, M: number, K: number,
  Wt: Float32Array, N: number, bias: Float32Array | null,
  Y: Float32Array, yOff: number,
): boolean {
  const rt = simdRuntime();
  if (rt === null) return false;
  try {
    const p = packedOf(rt, Wt, K, N);
    const scratch = sharedScratch(rt);
    const px = scratch.get('gemm.x', M * K * 4), py = scratch.get('gemm.y', M * p.Np * 4);
    // allocations first (growing memory detaches views), then the bias copy
    const pb = bias === null ? 0 : biasOf(rt, bias, N, p.Np);
    let f = rt.f32();
    f.set(X.subarray(xOff, xOff + M * K), px >> 2);
    // threads take bands of rows (each row's product is the same sum whichever thread runs it)
    runSplit(rt.k, M, (m0, m1, emit) => emit('gemm', px + m0 * K * 4, K * 4, m1 - m0, K, p.w, p.Np, pb, py + m0 * p.Np * 4, p.Np * 4, 0),
      { flops: 2 * M * K * p.Np, min: 5 });
    f = rt.f32();
    const base = py >> 2;
    if (p.Np === N) Y.set(f.subarray(base, base + M * N), yOff);
    else for (let m = 0; m < M; m++) Y.set(f.subarray(base + m * p.Np, base + m * p.Np + N), yOff + m * N);
    return true;
  } catch (e) {
    if (e instanceof SimdMemoryError) return false;
    throw e;
  }
}
