// Setup of the `fma-threads` vitest project (vitest.config.ts): every file there must run on the
// FMA kernels with a pool of 2 worker threads that splits work of every size. Fails the file at
// load when relaxed SIMD is missing (Node started without --experimental-wasm-relaxed-simd), the
// FMA kernels are turned off (SEQGRAPH_FMA=0) or the pool cannot start, so the project cannot pass
// by silently testing the plain single-threaded kernels a second time.
import { simdFeatures } from '../../src/runtime/kernels/wasm/runtime';
import { initThreads, threadTuning } from '../../src/runtime/kernels/wasm/threads';

const f = simdFeatures();
if (!f.simd || !f.fma) throw new Error(`fma project: the kernels in use are not the FMA ones (${JSON.stringify(f)}); run Node with --experimental-wasm-relaxed-simd`);
const n = await initThreads(2);
if (n !== 2) throw new Error('fma-threads project: the 2-thread pool did not start');
threadTuning.minFlops = 0;
threadTuning.minStepFlops = 0;
