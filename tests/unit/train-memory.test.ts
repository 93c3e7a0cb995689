// Training memory stays bounded: a character-level LSTM (Embedding → LSTM → Dense → cross-entropy,
// Adam, clipping) trained on a new ragged batch every step, in a worker_threads Worker as the app
// trains in a Web Worker. Over the second half of the run (warm-up done), the kernels' WebAssembly memory must not grow at all and
// the worker's JS heap (after a full GC) and the memory its typed arrays hold outside that heap
// only by noise: a leak of one step's activations per step
// (here ~50 KB) would add several MiB over the run. The full-size check (B=32 T=256 H=512, 1,000
// steps) is `npm run bench -- --memory`; docs/performance.md records its result.
import { describe, expect, it } from 'vitest';
import { memoryCheck } from '../../src/bench/memory';

const MiB = 2 ** 20;

describe('training memory', () => {
  it('200 steps of a char-level LSTM in a Worker: wasm memory constant, JS heap flat after warm-up', async () => {
    const r = await memoryCheck({ B: 8, T: 48, H: 32, vocab: 20, emb: 8, steps: 200, every: 10, warmFraction: 0.5 }, { heapUsed: 1.5 * MiB, external: 1.5 * MiB, rss: 256 * MiB });
    expect(r.samples.length).toBeGreaterThan(15);
    expect(r.samples[r.samples.length - 1].loss).toBeLessThan(r.samples[0].loss); // it really trained
    expect(r.growth.wasmBytes, 'wasm memory growth after warm-up').toBe(0);
    expect(r.grew).toEqual([]);
  }, 120_000);
});
