// Timing and reporting for the benchmark.
//
// Why it is done this way: the numbers are compared engine to engine on a small, shared machine
// whose speed drifts (other processes, turbo, a VM's neighbours). So every engine is warmed up
// first (wasm tier-up from Liftoff to TurboFan, ort's session, tfjs's kernels), and then the
// engines are run in interleaved rounds, one run each per round, rotating who goes first, so
// drift lands on all of them alike; the median of each engine's runs is reported. Engines
// slower than a second a run (tfjs-cpu on the big cases) get 3 timed runs, so the whole bench
// stays within a few minutes.
import os from 'node:os';
import type { EngineName, Runner } from './engines';

export interface Row {
  case: string;
  engine: EngineName;
  ms: number;
  gflops: number;
  ratio_to_ort: number | null;
  runs: number;
  /** max |difference| of the output against seqgraph's */
  max_abs_diff: number;
  trace_bytes?: number;
}

export interface MeasureOptions {
  /** target time per engine and case (ms); repetitions are clamped to [minRuns, maxRuns] */
  budgetMs: number;
  minRuns: number;
  maxRuns: number;
  warmupMs: number;
}

export const FULL: MeasureOptions = { budgetMs: 2000, minRuns: 5, maxRuns: 30, warmupMs: 600 };
export const QUICK: MeasureOptions = { budgetMs: 150, minRuns: 3, maxRuns: 5, warmupMs: 50 };

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i] - b[i]);
    if (!(x <= d)) d = x;
  }
  return d;
}

async function timeOnce(r: Runner): Promise<number> {
  const t0 = performance.now();
  await r.run();
  return performance.now() - t0;
}

/** Warm up, check outputs against the first runner's, then time in interleaved rounds. */
export async function measure(caseName: string, flops: number, runners: Runner[], o: MeasureOptions): Promise<Row[]> {
  const reference = await runners[0].run();
  const diffs = new Map<Runner, number>();
  const runs = new Map<Runner, number[]>();
  const target = new Map<Runner, number>();
  for (const r of runners) {
    // the output check is the first warm-up run; then at least warmupMs more (wasm tier-up
    // happens in the background), but an engine slower than 1 s a run gets one more run only
    const t0 = performance.now();
    diffs.set(r, maxAbsDiff(await r.run(), reference));
    let last = performance.now() - t0, spent = 0;
    while (spent < o.warmupMs && !(last > 1000 && spent > 0)) {
      last = await timeOnce(r);
      spent += last;
    }
    const runsFor = last > 1000 ? 3 : Math.round(o.budgetMs / Math.max(last, 1e-3));
    target.set(r, Math.max(last > 1000 ? 3 : o.minRuns, Math.min(o.maxRuns, runsFor)));
    runs.set(r, []);
  }
  for (let round = 0; ; round++) {
    const pending = runners.filter((r) => runs.get(r)!.length < target.get(r)!);
    if (pending.length === 0) break;
    for (let i = 0; i < pending.length; i++) {
      const r = pending[(i + round) % pending.length];
      runs.get(r)!.push(await timeOnce(r));
    }
  }
  const ort = runners.find((r) => r.engine === 'ort-wasm');
  const ortMs = ort ? median(runs.get(ort)!) : null;
  return runners.map((r) => {
    const ms = median(runs.get(r)!);
    const row: Row = {
      case: caseName, engine: r.engine, ms: round(ms, 3), gflops: round(flops / ms / 1e6, 2),
      ratio_to_ort: ortMs === null ? null : round(ortMs / ms, 2), runs: runs.get(r)!.length, max_abs_diff: diffs.get(r)!,
    };
    if (r.traceBytes !== undefined) row.trace_bytes = r.traceBytes;
    return row;
  });
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, Node ${process.versions.node} (V8 ${process.versions.v8})`;
}

/** A plain-text table (also valid Markdown). */
export function table(rows: Row[]): string {
  const head = ['case', 'engine', 'ms', 'GFLOP/s', 'ratio to ort', 'max abs diff'];
  const body = rows.map((r) => [
    r.case, r.engine, r.ms.toFixed(r.ms < 10 ? 2 : 1), r.gflops.toFixed(1),
    r.ratio_to_ort === null ? '-' : r.ratio_to_ort.toFixed(2), r.max_abs_diff === 0 ? '0' : r.max_abs_diff.toExponential(1),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (i < 2 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|')}|`, ...body.map(line)].join('\n');
}
