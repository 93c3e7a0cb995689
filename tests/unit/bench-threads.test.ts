// The seqgraph xN bench row against threads.ts's API, with a fake pool of 2 threads (the real
// pool may be absent here): the row is labelled by the thread count actually in use, runs on N
// threads, and leaves the kernels on 1 thread after every run so the other rows stay 1-thread.
import { describe, expect, it, vi } from 'vitest';

const pool = vi.hoisted(() => ({ max: 2, using: 1, during: [] as number[] }));
vi.mock('../../src/runtime/kernels/wasm/threads', () => ({
  initThreads: async () => pool.max,
  setThreads: (n: number) => { pool.using = Math.max(1, Math.min(n, pool.max)); },
  threadCount: () => pool.using,
  threadsNote: () => null,
}));
vi.mock('../../src/runtime/execute', () => ({
  execute: () => {
    pool.during.push(pool.using);
    return { outputs: { y: { dtype: 'float32', shape: [1], data: new Float32Array(1) } } };
  },
}));

const { seqgraphThreadsRunner } = await import('../../src/bench/runners');
const { shapedCase } = await import('../../src/bench/layer-cases');

describe('seqgraph xN row', () => {
  it('runs on the threads it got, is labelled by them, and leaves 1 thread after', async () => {
    const c = shapedCase({ cell: 'GRU', B: 1, T: 2, I: 3, H: 4 });
    const r = seqgraphThreadsRunner(c, 4); // asks 4, the pool has 2
    expect(r.engine).toBe('seqgraph x2');
    expect(r.threads).toBe(2);
    expect(pool.using).toBe(1);
    await r.run();
    expect(pool.during).toEqual([2]);
    expect(pool.using).toBe(1);
  });
});
