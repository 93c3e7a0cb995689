// Which engines a case can afford. The big cases (B=64 T=100 H=1024 is ~67 GFLOP a run) take
// seconds on the fast engines and minutes on the slow ones, and a row is measured from 5+ runs;
// so an engine whose single run is estimated over the limit is skipped with its reason. The
// estimate is the case's FLOPs over the engine's usual rate on the 2-core reference box
// (docs/performance.md: seqgraph-ts 2-4, tfjs-cpu 0.2-0.6, tfjs-wasm 3-5 GFLOP/s; the lower end
// is taken), plus tfjs's per-step overhead, so no time is spent finding out. Traces over TRACE_LIMIT are skipped too: one run
// would allocate that much.
import type { BenchCase } from './layer-cases';

export const RUN_LIMIT_S = { full: 5, quick: 2 };
export const TRACE_LIMIT_BYTES = 256 * 2 ** 20;

const SLOW_GFLOPS: Record<string, number> = { 'seqgraph-ts': 2, 'tfjs-cpu': 0.2, 'tfjs-wasm': 3 };
// tfjs runs ~10 ops a timestep, each a dispatch plus tidy's bookkeeping: at B=1 T=2000 that,
// not the FLOPs, is the time (tfjs-wasm measured 5.5-11.8 s a run, 2.7-5.9 ms a step, on the
// loaded 2-core box, where the FLOP rate alone predicted ~1.5 s)
const STEP_SECONDS: Record<string, number> = { 'tfjs-cpu': 0.003, 'tfjs-wasm': 0.003 };

/** estimated seconds of one run of `steps` timesteps, for the engines that can be too slow; null: not estimated */
export function estimateSeconds(engine: string, flops: number, steps = 0): number | null {
  const rate = SLOW_GFLOPS[engine];
  return rate === undefined ? null : flops / (rate * 1e9) + steps * (STEP_SECONDS[engine] ?? 0);
}

/** why `engine` is left out of case `c`, or null to run it */
export function skipReason(engine: string, c: Pick<BenchCase, 'flops' | 'traceBytes' | 'layer'>, quick: boolean): string | null {
  if (engine === 'seqgraph+trace' && c.traceBytes > TRACE_LIMIT_BYTES) {
    return `a traced run records ${(c.traceBytes / 2 ** 20).toFixed(0)} MiB (limit ${TRACE_LIMIT_BYTES / 2 ** 20} MiB)`;
  }
  const s = estimateSeconds(engine, c.flops, c.layer?.T ?? 0);
  const limit = quick ? RUN_LIMIT_S.quick : RUN_LIMIT_S.full;
  if (s !== null && s > limit) return `a run would take ~${s.toFixed(0)} s (limit ${limit} s${quick ? ' with --quick' : ''})`;
  return null;
}
