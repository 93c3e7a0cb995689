// Every kernel test runs on both kernel backends: the plain TypeScript reference and the
// WebAssembly SIMD kernels (the default wherever SIMD exists, so without a pin the reference
// would go untested). describeEachBackend pins one backend per copy of the block.
import { afterAll, beforeAll, describe } from 'vitest';
import { setKernelBackend, type KernelBackend } from '../../src/runtime/kernels/wasm/runtime';

export const BACKENDS: KernelBackend[] = ['ts', 'simd'];

/** `describe(title [ts])` and `describe(title [simd])`, each with its backend pinned while its tests run */
export function describeEachBackend(title: string, body: (backend: KernelBackend) => void): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, () => {
      beforeAll(() => setKernelBackend(backend));
      afterAll(() => setKernelBackend('auto'));
      body(backend);
    });
  }
}
