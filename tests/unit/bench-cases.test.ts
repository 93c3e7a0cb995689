// The bench's new pieces (issue 13), checked cheaply: the case builders give the shapes and FLOPs
// the table divides by (cross-checked against the compiled program's own ops), the budget leaves
// out only what would take seconds, and every row's ratio is taken against the ort row with the
// SAME thread count (seqgraph x2 vs ort-wasm x2), with a fake clock so no timing noise enters.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { skipReason } from '../../src/bench/budget';
import { programFlops } from '../../src/bench/cases';
import { caseName, layerFlops, layerShapes, layerTraceBytes, shapedCase, type LayerShape } from '../../src/bench/layer-cases';
import { measure, ortMsFor, summaryLines, table, threadSpeedup, type Row } from '../../src/bench/measure';
import type { Runner } from '../../src/bench/runners';
import { execute } from '../../src/runtime/execute';

describe('bench cases', () => {
  it('lists the issue 13 cases with their names', () => {
    const names = layerShapes().map((s) => caseName(s.shape, s.traceCost));
    for (const n of [
      'LSTM B=1 T=2000 I=64 H=512', 'GRU B=1 T=2000 I=64 H=512', 'LSTM B=64 T=100 I=256 H=1024',
      '3-layer bi LSTM B=32 T=64 I=128 H=256', 'LSTM B=1 T=1000 I=64 H=1024 (trace cost)',
    ]) expect(names).toContain(n);
  });

  const small: LayerShape[] = [
    { cell: 'LSTM', B: 2, T: 3, I: 4, H: 5 },
    { cell: 'GRU', B: 2, T: 3, I: 4, H: 5 },
    { cell: 'LSTM', B: 2, T: 3, I: 4, H: 5, layers: 3, bidirectional: true },
  ];
  for (const s of small) {
    it(`${caseName(s)}: output shape, FLOPs as the program's ops count them, trace size`, () => {
      const c = shapedCase(s);
      const D = s.bidirectional ? 2 : 1;
      expect(c.feeds.x.shape).toEqual([s.B, s.T, s.I]);
      expect(c.flops).toBe(programFlops(c.program, s.B, s.T));
      expect(c.flops).toBe(layerFlops(s));
      const r = execute(c.program, c.feeds, { trace: true });
      expect(r.outputs[c.output].shape).toEqual([s.B, s.T, D * s.H]); // concat merge
      let bytes = 0;
      for (const n of r.trace?.nodes ?? []) for (const l of n.layers) bytes += l.h.byteLength + (l.c?.byteLength ?? 0) + Object.values(l.gates).reduce((a, g) => a + g.byteLength, 0);
      expect(bytes).toBe(layerTraceBytes(s));
      // tfjs engines only take one forward layer
      expect(c.layer === undefined).toBe((s.layers ?? 1) > 1 || !!s.bidirectional);
    });
  }

  it('the budget skips only engines that would take seconds a run', () => {
    const big = { flops: layerFlops({ cell: 'LSTM', B: 64, T: 100, I: 256, H: 1024 }), traceBytes: 0 };
    const tiny = { flops: layerFlops({ cell: 'LSTM', B: 1, T: 128, I: 128, H: 256 }), traceBytes: 0 };
    for (const e of ['seqgraph-ts', 'tfjs-cpu', 'tfjs-wasm']) {
      expect(skipReason(e, big, false), e).toMatch(/would take/);
      expect(skipReason(e, tiny, true), e).toBeNull();
    }
    expect(skipReason('seqgraph', big, true)).toBeNull();
    // a long sequence is too slow for tfjs through its per-step overhead, not its FLOPs
    const long = shapedCase({ cell: 'GRU', B: 1, T: 2000, I: 4, H: 4 });
    expect(skipReason('tfjs-wasm', long, false)).toMatch(/would take ~6 s/);
    expect(skipReason('seqgraph-ts', long, true)).toBeNull();
    expect(skipReason('seqgraph+trace', { flops: 1, traceBytes: 300 * 2 ** 20 }, false)).toMatch(/MiB/);
  });
});

describe('same-thread ratios', () => {
  afterEach(() => vi.restoreAllMocks());

  it('each row is compared with the ort row of its own thread count; x2/x1 is seqgraph\'s speedup', async () => {
    // a fake clock: each engine's run "takes" a fixed time
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const fake = (engine: Runner['engine'], threads: number, ms: number): Runner => ({
      engine, threads,
      async run() {
        now += ms;
        return new Float32Array([1, 2]);
      },
    });
    const rows = await measure('case', 1e9, [
      fake('seqgraph', 1, 10), fake('seqgraph x2', 2, 6), fake('ort-wasm', 1, 20), fake('ort-wasm x2', 2, 9),
    ], { budgetMs: 50, minRuns: 3, maxRuns: 5, warmupMs: 0 });
    const by = (e: string) => rows.find((r) => r.engine === e)!;
    expect(by('seqgraph').ratio_to_ort).toBe(2); // 20 / 10
    expect(by('seqgraph x2').ratio_to_ort).toBe(1.5); // 9 / 6, not 20 / 6
    expect(by('ort-wasm x2').ratio_to_ort).toBe(1);
    expect(threadSpeedup(rows, 'case')).toEqual({ threads: 2, speedup: 1.67 });
    const t = table(rows);
    expect(t).toContain('ratio to ort (same threads)');
    expect(t.split('\n').find((l) => l.includes('seqgraph x2'))).toContain('1.67');
  });

  it('the trace-cost case is held to its 1.1 target in the summary', () => {
    const row = (c: string, engine: Row['engine'], ms: number): Row => ({ case: c, engine, threads: 1, ms, gflops: 1, ratio_to_ort: null, runs: 3, max_abs_diff: 0, trace_bytes: 2 ** 20 });
    const lines = summaryLines([row('L (trace cost)', 'seqgraph', 100), row('L (trace cost)', 'seqgraph+trace', 120), row('M', 'seqgraph', 100), row('M', 'seqgraph+trace', 105)]);
    expect(lines).toEqual([
      'trace: L (trace cost): 1.20x the untraced time (target <= 1.1: NOT met), 1.00 MiB per run',
      'trace: M: 1.05x the untraced time, 1.00 MiB per run',
    ]);
  });

  it('no ort row on that thread count: no ratio (never the other count\'s)', () => {
    const rows = [{ engine: 'ort-wasm', threads: 1, ms: 5 }] as Pick<Row, 'engine' | 'threads' | 'ms'>[];
    expect(ortMsFor(rows, 1)).toBe(5);
    expect(ortMsFor(rows, 2)).toBeNull();
  });

  it('after each timed run on several threads it waits for them to settle, before the next engine runs', async () => {
    // ort's pool spins for ~20 ms after a run: the engine timed next must not pay for it
    const log: string[] = [];
    const fake = (engine: Runner['engine'], threads: number): Runner => ({ engine, threads, run: async () => { log.push(engine); return new Float32Array(1); } });
    await measure('c', 1, [fake('seqgraph', 1), fake('seqgraph x2', 2), fake('ort-wasm', 1), fake('ort-wasm x2', 2)],
      { budgetMs: 1, minRuns: 2, maxRuns: 2, warmupMs: 0 }, [], async () => { log.push('settle'); });
    const timed = log.slice(5); // after the output check and the four warm-up runs
    expect(timed.filter((e) => e === 'settle')).toHaveLength(4); // two timed runs each of the two x2 engines
    timed.forEach((e, i) => { if (e.endsWith('x2')) expect(timed[i + 1]).toBe('settle'); else if (e === 'settle') expect(timed[i - 1]).toMatch(/x2$/); });
  });

  it('an engine that fails its first run is left out with a note', async () => {
    const notes: string[] = [];
    const ok: Runner = { engine: 'seqgraph', threads: 1, run: async () => new Float32Array(1) };
    const bad: Runner = { engine: 'ort-wasm x2', threads: 2, run: async () => { throw new Error('no threads'); } };
    const rows = await measure('c', 1, [ok, bad], { budgetMs: 1, minRuns: 1, maxRuns: 1, warmupMs: 0 }, notes);
    expect(rows.map((r) => r.engine)).toEqual(['seqgraph']);
    expect(notes).toEqual(['c: ort-wasm x2 failed, left out: no threads']);
  });
});
