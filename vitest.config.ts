import { defineConfig } from 'vitest/config';

// The PyTorch-fixture and SIMD-kernel tests again, on the FMA variant of the kernels
// (f32x4.relaxed_madd) AND with worker threads on (2 threads, every size split): Node 20 has
// relaxed SIMD only behind a V8 flag, so that project's workers start with it, and its setup file
// fails every file where the FMA kernels are not the ones in use or the pool did not start. Only
// the files that pin numbers (PyTorch at 1e-5, SIMD = TS reference, threads = one thread) run
// twice: the rest of the suite does not depend on the variant. The `unit` project is the plain
// kernels on one thread.
const FMA_FILES = [
  'simd-fma', 'simd-kernels', 'simd-recurrent', 'simd-backward', 'recurrent-kernels', 'pipeline-cells',
  'trace-gates', 'cell-variants-pytorch', 'recurrent-params-pytorch', 'attention', 'decoder', 'decoder-pytorch',
  'train-grads-fixture', 'train-packed-pytorch', 'train-classifier', 'train-seq2seq-fixture', 'threads',
].map((f) => `tests/unit/${f}.test.ts`);

const DDP = 'tests/unit/pytorch-export-ddp.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        // simd-fma.test.ts needs the flag: it runs in the fma project only
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], exclude: ['tests/unit/simd-fma.test.ts', DDP] },
      },
      {
        extends: true,
        // two torchrun processes of torch 1.13: under load (the other projects' files running
        // beside them) its launcher sometimes hangs after training for minutes; `npm run
        // test:unit` runs this project on its own after the others
        test: { name: 'torchrun', include: [DDP] },
      },
      {
        extends: true,
        test: {
          name: 'fma-threads',
          include: FMA_FILES,
          execArgv: ['--experimental-wasm-relaxed-simd'],
          setupFiles: ['tests/unit/fma-setup.ts'],
        },
      },
    ],
  },
});
