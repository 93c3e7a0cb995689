// Kernel backends: which implementation of each op the executor runs.
//
// A backend is a name, whether it can run here, and per-op overrides of the reference entries
// (kernels/table.ts): any of prepare, forward, backward. Ops it does not override run on the
// TypeScript reference, so a backend can grow op by op (the WebAssembly SIMD one overrides the
// recurrent layers and Dense; its backward kernels and a WebGPU backend plug in the same way).
// The user-facing switch stays setKernelBackend('ts' | 'simd' | 'auto') (kernels/wasm/runtime.ts);
// the executor resolves it once per run into a table. A float64 run (the gradient check) always
// uses the TS reference, the only one that computes in double precision.
import type { OpName } from '../ir/ops';
import { linearEntry } from './kernels/basic';
import { gemm } from './kernels/gemm';
import { RECURRENT_KERNEL_SIMD } from './kernels/recurrent-op';
import { TS_KERNELS } from './kernels/table';
import type { KernelEntry } from './kernels/types';
import { kernelBackend, simdAvailable, type KernelBackend } from './kernels/wasm/runtime';

export interface Backend {
  name: KernelBackend;
  available(): boolean;
  kernels: Partial<Record<OpName, Partial<KernelEntry>>>;
}

export const TS_BACKEND: Backend = { name: 'ts', available: () => true, kernels: {} };

export const SIMD_BACKEND: Backend = {
  name: 'simd',
  available: simdAvailable,
  kernels: {
    RNN: RECURRENT_KERNEL_SIMD,
    LSTM: RECURRENT_KERNEL_SIMD,
    GRU: RECURRENT_KERNEL_SIMD,
    MGU: RECURRENT_KERNEL_SIMD,
    // gemm() sends big products on prepared weights to the wasm kernel
    Linear: { forward: linearEntry(gemm).forward },
  },
};

const BACKENDS: Record<KernelBackend, Backend> = { ts: TS_BACKEND, simd: SIMD_BACKEND };
const tables = new Map<KernelBackend, Record<OpName, KernelEntry>>();

/** The complete table of a backend: its overrides over the reference entries (made once). */
export function kernelTable(name: KernelBackend): Record<OpName, KernelEntry> {
  let t = tables.get(name);
  if (!t) {
    const b = BACKENDS[name];
    t = Object.fromEntries(Object.entries(TS_KERNELS).map(([op, e]) => [op, { ...e, ...b.kernels[op as OpName] }])) as Record<OpName, KernelEntry>;
    tables.set(name, t);
  }
  return t;
}

/** the table a run uses: float64 runs on the reference, else what setKernelBackend() chose */
export function activeTable(float64: boolean): Record<OpName, KernelEntry> {
  return kernelTable(float64 ? 'ts' : kernelBackend());
}
