// Timing and reporting for the benchmark.
//
// Why it is done this way: the numbers are compared engine to engine on a small, shared machine
// whose speed drifts (other processes, turbo, a VM's neighbours). So every engine is warmed up
// first (wasm tier-up from Liftoff to TurboFan, ort's session, tfjs's kernels), and then the
// engines are run in interleaved rounds, one run each per round, rotating who goes first, so
// drift lands on all of them alike; the median of each engine's runs is reported. Engines
// slower than a second a run (tfjs-cpu on the big cases) get 3 timed runs, so the whole bench
// stays within a few minutes.
// The ratio compares like with like: each row against the ort row with the SAME thread count
// (seqgraph x2 against ort-wasm x2), from the same interleaved rounds. No Node imports: the
// browser bench page measures with this module too.
import type { EngineName, Runner } from './runners';

export interface Row {
  case: string;
  engine: EngineName;
  /** threads the engine ran on */
  threads: number;
  ms: number;
  gflops: number;
  /** ort_ms / ms, ort on the same thread count (null: no such ort row) */
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

/**
 * Waits after a run on several threads, until that engine's threads are idle. ort's thread pool
 * spins for tens of milliseconds after a run (in Node, 17 ms of CPU in a 20 ms wait, ~1.5 cores
 * in a 50 ms one), and whichever engine ran next lost a core to it: seqgraph x2 right after
 * ort-wasm x2 took 37.6 ms on LSTM B=32 against 21.8 back to back, and 21.2 after a 20 ms wait.
 * The bench in Node passes one that watches the process's CPU time; the page waits a fixed time.
 */
export type Settle = () => Promise<void>;

/** Warm up, check outputs against the first runner's, then time in interleaved rounds. */
export async function measure(caseName: string, flops: number, all: Runner[], o: MeasureOptions, notes: string[] = [], settle?: Settle): Promise<Row[]> {
  const reference = await all[0].run();
  const diffs = new Map<Runner, number>();
  const runs = new Map<Runner, number[]>();
  const target = new Map<Runner, number>();
  const runners: Runner[] = [];
  for (const r of all) {
    // the output check is the first warm-up run; then at least warmupMs more (wasm tier-up
    // happens in the background), but an engine slower than 1 s a run gets one more run only.
    // An engine that fails here (e.g. ort's threads where the realm cannot start them) is
    // dropped with a note rather than failing the bench.
    const t0 = performance.now();
    let out: Float32Array;
    try {
      out = await r.run();
    } catch (e) {
      notes.push(`${caseName}: ${r.engine} failed, left out: ${((e as Error).message ?? String(e)).split('\n')[0]}`);
      continue;
    }
    runners.push(r);
    diffs.set(r, maxAbsDiff(out, reference));
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
      if (settle && r.threads > 1) await settle();
    }
  }
  const ms = new Map(runners.map((r) => [r, median(runs.get(r)!)]));
  return runners.map((r) => {
    const m = ms.get(r)!;
    const ortMs = ortMsFor(runners.map((x) => ({ engine: x.engine, threads: x.threads, ms: ms.get(x)! })), r.threads);
    const row: Row = {
      case: caseName, engine: r.engine, threads: r.threads, ms: round(m, 3), gflops: round(flops / m / 1e6, 2),
      ratio_to_ort: ortMs === null ? null : round(ortMs / m, 2), runs: runs.get(r)!.length, max_abs_diff: diffs.get(r)!,
    };
    if (r.traceBytes !== undefined) row.trace_bytes = r.traceBytes;
    return row;
  });
}

/** the median ms of the ort row with `threads` threads, if the case has one */
export function ortMsFor(rows: { engine: EngineName; threads: number; ms: number }[], threads: number): number | null {
  return rows.find((r) => r.engine.startsWith('ort-wasm') && r.threads === threads)?.ms ?? null;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** seqgraph's multi-thread speedup in a case: seqgraph (1 thread) ms / seqgraph xN ms */
export function threadSpeedup(rows: Row[], caseName: string): { threads: number; speedup: number } | null {
  const one = rows.find((r) => r.case === caseName && r.engine === 'seqgraph');
  const many = rows.find((r) => r.case === caseName && r.engine.startsWith('seqgraph x') && r.threads > 1);
  return one && many ? { threads: many.threads, speedup: round(one.ms / many.ms, 2) } : null;
}

/** A plain-text table (also valid Markdown); the seqgraph xN rows also show their speedup over 1 thread. */
export function table(rows: Row[]): string {
  const head = ['case', 'engine', 'threads', 'ms', 'GFLOP/s', 'ratio to ort (same threads)', 'xN / x1', 'max abs diff'];
  const body = rows.map((r) => {
    const sp = r.threads > 1 && r.engine.startsWith('seqgraph') ? threadSpeedup(rows, r.case) : null;
    return [
      r.case, r.engine, String(r.threads), r.ms.toFixed(r.ms < 10 ? 2 : 1), r.gflops.toFixed(1),
      r.ratio_to_ort === null ? '-' : r.ratio_to_ort.toFixed(2), sp ? sp.speedup.toFixed(2) : '', r.max_abs_diff === 0 ? '0' : r.max_abs_diff.toExponential(1),
    ];
  });
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (i < 2 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|')}|`, ...body.map(line)].join('\n');
}

/**
 * The lines under the table: each case's trace cost (traced / untraced; the trace-cost case
 * against its target of 1.1) and seqgraph's speedup from threads.
 */
export function summaryLines(rows: Row[]): string[] {
  const lines: string[] = [];
  for (const name of new Set(rows.map((r) => r.case))) {
    const plain = rows.find((r) => r.case === name && r.engine === 'seqgraph'), traced = rows.find((r) => r.case === name && r.engine === 'seqgraph+trace');
    if (plain && traced) {
      const x = traced.ms / plain.ms;
      const target = name.endsWith('(trace cost)') ? ` (target <= ${TRACE_TARGET}: ${x <= TRACE_TARGET ? 'met' : 'NOT met'})` : '';
      lines.push(`trace: ${name}: ${x.toFixed(2)}x the untraced time${target}, ${((traced.trace_bytes ?? 0) / 2 ** 20).toFixed(2)} MiB per run`);
    }
    const sp = threadSpeedup(rows, name);
    if (sp) lines.push(`threads: ${name}: seqgraph x${sp.threads} / x1 speedup ${sp.speedup.toFixed(2)}`);
  }
  return lines;
}

/** issue 13: tracing a 1,000-step x 1,024-unit layer costs at most this factor */
export const TRACE_TARGET = 1.1;
