// Setup of the `fma` vitest project (vitest.config.ts): every file there must run on the FMA
// kernels. Fails the file at load when relaxed SIMD is missing (Node started without
// --experimental-wasm-relaxed-simd) or the FMA kernels are turned off (SEQGRAPH_FMA=0), so the
// project cannot pass by silently testing the plain kernels a second time.
import { simdFeatures } from '../../src/runtime/kernels/wasm/runtime';

const f = simdFeatures();
if (!f.simd || !f.fma) throw new Error(`fma project: the kernels in use are not the FMA ones (${JSON.stringify(f)}); run Node with --experimental-wasm-relaxed-simd`);
