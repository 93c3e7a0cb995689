// The SIMD kernels' module instance, the wasm linear memory they work in, and the choice of
// backend (TS reference or SIMD) that runLayer and gemm follow.
//
// Why it is laid out this way:
// - One module instance and one Memory per JS realm (a page, a Worker, a Node process): kernels
//   take byte addresses into that memory, so packed weights (placed once, at prepare time) and
//   scratch buffers (reused across runs) are never copied per step.
// - A small first-fit allocator with coalescing hands out 64-byte aligned blocks (cache lines:
//   panels and rows never straddle more lines than needed). Address 0 is never handed out, so
//   0 can mean "none" in kernel arguments.
// - Memory.grow() detaches the old ArrayBuffer: `f32()` returns a view of the current buffer;
//   callers take it after their allocations, never keep it across one.
// - Compilation is synchronous (`new WebAssembly.Module`), which Node and Workers allow for any
//   size (the ~18 KB module is generated once, in a few ms, and compiles in well under one).
//   Some browsers refuse large synchronous compiles on the main thread (Chrome used to, above
//   4 KB); there we fall back to the TS kernels and compile asynchronously (`initSimd()`),
//   switching over when ready.
// - Two variants of the module come from one set of templates: the plain one (WebAssembly SIMD)
//   and the FMA one, whose multiply-adds are f32x4.relaxed_madd (relaxed SIMD: Chromium >= 114,
//   Node 20 only behind --experimental-wasm-relaxed-simd). The FMA one is used wherever a probe
//   module validates AND computes a*b + c (relaxedSimdPresent), the plain one elsewhere.
import { get, I32, ModuleBuilder, v } from './emit';
import { emitGateBackward } from './gate-backward-kernels';
import { emitGates } from './gate-kernels';
import { emitGemm } from './gemm-kernels';
import { emitGemmTN } from './gemm-tn-kernels';

type K = (...args: number[]) => void;

export interface SimdRuntime {
  memory: WebAssembly.Memory;
  /** the Memory is shared (worker threads can join it) */
  shared: boolean;
  /** the module is the FMA variant (multiply-adds are relaxed_madd) */
  fma: boolean;
  /** the compiled module (a worker instantiates the same one on the same Memory) */
  module: WebAssembly.Module;
  /** every exported kernel by name (gemm, lstm_tanh_sigmoid, gru_rz_sigmoid, map_tanh, ...) */
  k: Record<string, K>;
  alloc(bytes: number): number;
  free(ptr: number): void;
  /** a Float32Array over the whole current memory (re-take it after any alloc) */
  f32(): Float32Array;
  /** bytes currently handed out */
  inUse(): number;
}

/** Thrown when the wasm memory cannot grow (the caller falls back to the TS kernels). */
export class SimdMemoryError extends Error {}

const ALIGN = 64;
const PAGE = 65536;

/** 4 GiB, wasm32's whole address space: a shared Memory must declare a maximum up front */
export const SHARED_MAX_PAGES = 65536;

/**
 * the kernels' module; `shared`: it imports a shared Memory (see newMemory); `fma`: its
 * multiply-adds are relaxed_madd (valid only where relaxedSimdPresent())
 */
export function simdModuleBytes(shared = false, fma = false): Uint8Array {
  const m = new ModuleBuilder(fma);
  emitGemm(m);
  emitGates(m);
  emitGemmTN(m);
  emitGateBackward(m);
  return m.bytes(shared ? SHARED_MAX_PAGES : undefined);
}

/**
 * The kernels' Memory: shared wherever the realm can have one (Node; a cross-origin-isolated
 * page or its Workers), so worker threads (threads.ts) can later run kernels on the same packed
 * weights and scratch without copying; a plain one elsewhere. A shared Memory never detaches its
 * buffer on grow (views just stop short of the new end), so f32()'s re-take rule covers both.
 */
function newMemory(): { memory: WebAssembly.Memory; shared: boolean } {
  if (typeof SharedArrayBuffer === 'function' && (typeof crossOriginIsolated === 'undefined' || crossOriginIsolated)) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true }), shared: true };
    } catch { /* e.g. a 32-bit host that cannot reserve the maximum: fall through */ }
  }
  return { memory: new WebAssembly.Memory({ initial: 16 }), shared: false };
}

function makeRuntime(memory: WebAssembly.Memory, shared: boolean, fma: boolean, module: WebAssembly.Module, inst: WebAssembly.Instance): SimdRuntime {
  const k = inst.exports as unknown as Record<string, K>;
  // free blocks sorted by address; sizes of live blocks by address
  const free: { ptr: number; size: number }[] = [];
  const live = new Map<number, number>();
  let top = ALIGN; // bump pointer above every block ever handed out
  let view = new Float32Array(memory.buffer);
  let used = 0;

  function alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let ptr = -1;
    for (let i = 0; i < free.length; i++) {
      const b = free[i];
      if (b.size >= size) {
        ptr = b.ptr;
        if (b.size === size) free.splice(i, 1);
        else { b.ptr += size; b.size -= size; }
        break;
      }
    }
    if (ptr < 0) {
      ptr = top;
      const need = ptr + size - memory.buffer.byteLength;
      if (need > 0) {
        try {
          // grow by at least a quarter of the current size: fewer detaches, amortised
          memory.grow(Math.max(Math.ceil(need / PAGE), memory.buffer.byteLength / PAGE / 4) | 0);
        } catch (e) {
          throw new SimdMemoryError(`wasm memory cannot grow to ${ptr + size} bytes: ${(e as Error).message}`);
        }
      }
      top = ptr + size;
    }
    live.set(ptr, size);
    used += size;
    return ptr;
  }

  function release(ptr: number): void {
    const size = live.get(ptr);
    if (size === undefined) return;
    live.delete(ptr);
    used -= size;
    let i = 0;
    while (i < free.length && free[i].ptr < ptr) i++;
    free.splice(i, 0, { ptr, size });
    // coalesce with the next and the previous block
    if (i + 1 < free.length && free[i].ptr + free[i].size === free[i + 1].ptr) {
      free[i].size += free[i + 1].size;
      free.splice(i + 1, 1);
    }
    if (i > 0 && free[i - 1].ptr + free[i - 1].size === free[i].ptr) {
      free[i - 1].size += free[i].size;
      free.splice(i, 1);
      i--;
    }
    // a free block at the top goes back to the bump region
    if (free[i].ptr + free[i].size === top) {
      top = free[i].ptr;
      free.splice(i, 1);
    }
  }

  return {
    memory,
    shared,
    fma,
    module,
    k,
    alloc,
    free: release,
    f32() {
      if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
      return view;
    },
    inUse: () => used,
  };
}

let runtime: SimdRuntime | null = null;
let state: 'untried' | 'ready' | 'pending' | 'unsupported' = 'untried';
let pending: Promise<boolean> | null = null;

/** WebAssembly with SIMD present at all (a 1-instruction probe, valid only with SIMD). */
function simdPresent(): boolean {
  try {
    if (typeof WebAssembly !== 'object') return false;
    // (func (result v128) v128.const 0) — validates only where SIMD is supported
    const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
      10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

let relaxed: boolean | null = null;

/**
 * Relaxed SIMD present and sane: a 1-function module using relaxed_madd and relaxed_nmadd must
 * validate, and running it must give a*b + c and c - a*b on values where fusing or not gives
 * the same answer (so an engine with a wrong encoding or operand order falls back to plain
 * kernels instead of computing garbage). Cached: the answer cannot change within a realm.
 */
export function relaxedSimdPresent(): boolean {
  if (relaxed !== null) return relaxed;
  relaxed = false;
  try {
    if (!simdPresent()) return false;
    // the instructions themselves, not the kernels' madd() helper: this checks the engine
    const m = new ModuleBuilder(true);
    const f = m.func('probe', [I32]);
    const a = v.load(get(0), 0), b = v.load(get(0), 16), c = v.load(get(0), 32);
    f.body = [...v.store(get(0), v.relaxedMadd(a, b, c), 48), ...v.store(get(0), v.relaxedNmadd(a, b, c), 64)];
    const bytes = m.bytes();
    if (!WebAssembly.validate(bytes as BufferSource)) return false;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } });
    const x = new Float32Array(memory.buffer);
    x.set([2, -3, 0.5, 7, 3, 4, 8, 0, 10, 1, -2, -1]);
    (inst.exports.probe as (p: number) => void)(0);
    const want = [16, -11, 2, -1, 4, 13, -6, -1];
    relaxed = want.every((w, i) => x[12 + i] === w);
  } catch {
    relaxed = false; // e.g. a main thread refusing even this small synchronous compile
  }
  return relaxed;
}

// SEQGRAPH_FMA=0 in the environment (Node) forces the plain kernels, e.g. to bench both
let fmaWanted = !(typeof process === 'object' && process?.env?.SEQGRAPH_FMA === '0');

/**
 * Use the FMA kernels where relaxed SIMD is present (true, the default) or never (false). Takes
 * effect only before the runtime is first compiled (the realm has one module instance: packed
 * weights live in its Memory); throws after. For both variants in one process, newSimdRuntime().
 */
export function setFma(on: boolean): void {
  if (state !== 'untried') throw new Error('setFma: the SIMD kernels are already compiled in this realm');
  fmaWanted = on;
}

/**
 * which kernels this realm runs: SIMD at all, its FMA variant, on a shared Memory (compiles the
 * kernels on first call, as simdAvailable() does; simd is false while a browser compile is pending)
 */
export function simdFeatures(): { simd: boolean; fma: boolean; shared: boolean } {
  const rt = simdRuntime();
  return { simd: rt !== null, fma: rt?.fma ?? false, shared: rt?.shared ?? false };
}

/**
 * A runtime of its own (own Memory, own instance), outside the realm's singleton: tests compare
 * the FMA and plain kernels side by side with it. `fma` needs relaxedSimdPresent().
 */
export function newSimdRuntime(fma: boolean): SimdRuntime {
  const { memory, shared } = newMemory();
  const mod = new WebAssembly.Module(simdModuleBytes(shared, fma) as BufferSource);
  return makeRuntime(memory, shared, fma, mod, new WebAssembly.Instance(mod, { env: { memory } }));
}

/** The runtime, compiling it on first use; null where SIMD is unavailable (or still compiling). */
export function simdRuntime(): SimdRuntime | null {
  if (state === 'ready' || state === 'unsupported' || state === 'pending') return runtime;
  if (!simdPresent()) {
    state = 'unsupported';
    return null;
  }
  try {
    const { memory, shared } = newMemory();
    const fma = fmaWanted && relaxedSimdPresent();
    const mod = new WebAssembly.Module(simdModuleBytes(shared, fma) as BufferSource);
    runtime = makeRuntime(memory, shared, fma, mod, new WebAssembly.Instance(mod, { env: { memory } }));
    state = 'ready';
  } catch {
    // e.g. a browser main thread refusing a synchronous compile: do it asynchronously
    void initSimd();
  }
  return runtime;
}

/** Compile the kernels asynchronously (the browser's main thread); resolves true once usable. */
export function initSimd(): Promise<boolean> {
  if (state === 'ready') return Promise.resolve(true);
  if (state === 'unsupported') return Promise.resolve(false);
  if (pending) return pending;
  if (!simdPresent()) {
    state = 'unsupported';
    return Promise.resolve(false);
  }
  state = 'pending';
  const { memory, shared } = newMemory();
  const fma = fmaWanted && relaxedSimdPresent();
  pending = WebAssembly.instantiate(simdModuleBytes(shared, fma) as BufferSource, { env: { memory } })
    .then(({ module, instance }) => {
      runtime = makeRuntime(memory, shared, fma, module, instance);
      state = 'ready';
      return true;
    })
    .catch(() => {
      state = 'unsupported';
      return false;
    });
  return pending;
}

// ---- backend selection ----
// Which kernels the runtime uses: the plain TypeScript ones (the reference) or the WebAssembly
// SIMD ones. The default, 'auto', is SIMD wherever WebAssembly SIMD is available (Node >= 16,
// Chromium >= 91, Firefox >= 89, Safari >= 16.4) and TS elsewhere, so execute() is fast by
// default and still runs everywhere. Tests pin a backend to compare the two.

export type KernelBackend = 'ts' | 'simd';

let chosen: KernelBackend | 'auto' = 'auto';

/** true when the SIMD kernels are compiled and usable in this realm (compiles them on first call) */
export function simdAvailable(): boolean {
  return simdRuntime() !== null;
}

/**
 * Pin the kernels: 'simd' throws where SIMD is unavailable (on a browser main thread, await
 * `initSimd()` first); 'auto' goes back to the default.
 */
export function setKernelBackend(b: KernelBackend | 'auto'): void {
  if (b === 'simd' && !simdAvailable()) throw new Error('setKernelBackend: WebAssembly SIMD is not available here (await initSimd() on a browser main thread)');
  chosen = b;
}

/** the backend runLayer uses when not told otherwise */
export function kernelBackend(): KernelBackend {
  if (chosen !== 'auto') return chosen;
  return simdAvailable() ? 'simd' : 'ts';
}

