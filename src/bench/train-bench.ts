// The training rows of `npm run bench`: every engine's training step timed in interleaved rounds
// (as measure.ts times inference), with wall-clock and CPU time, GFLOP/s, the ratio to tfjs-wasm,
// the agreement of the first two losses, and where seqgraph's step spends its time.
//
// Why CPU time too: the bench machine may be shared; a process that waits for a core does not
// use CPU time, so per-step CPU milliseconds of these single-threaded engines vary much less than
// wall-clock ones when the machine is busy (both are printed; both ratios come from the same run).
import { trainProfile, type TrainPhases } from '../runtime/profile';
import { Optimizer } from '../train/optimizers';
import { seqgraphTrainRunner, tfjsTrainRunner, type TrainEngine, type TrainRunner } from './train-engines';
import type { TrainCase } from './train-cases';

export interface TrainRow {
  case: string;
  engine: TrainEngine;
  ms: number;
  cpu_ms: number;
  gflops: number;
  ratio_to_tfjs_wasm: number | null;
  cpu_ratio_to_tfjs_wasm: number | null;
  runs: number;
  /** max |relative difference| of the losses before steps 1 and 2 against seqgraph's */
  loss_rel_diff: number;
}

export interface Breakdown {
  case: string;
  /** CPU milliseconds per step, by phase (see profile.ts), with the optimiser and the rest */
  step: number;
  phases: TrainPhases & { optimizer: number; other: number };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

export async function trainRunners(c: TrainCase, notes: string[], log: (s: string) => void): Promise<TrainRunner[]> {
  const rs: TrainRunner[] = [];
  for (const e of ['seqgraph', 'seqgraph-ts'] as const) {
    log(`    ${e}: first steps`);
    rs.push(await seqgraphTrainRunner(c, e));
  }
  for (const b of ['wasm', 'cpu'] as const) {
    log(`    tfjs-${b}: first steps`);
    const r = await tfjsTrainRunner(c, b).catch((e: Error) => e.message);
    if (typeof r === 'string') notes.push(`${c.name}: training tfjs-${b} skipped: ${r}`);
    else rs.push(r);
  }
  return rs;
}

/**
 * Time each runner's steps in interleaved rounds. The two probe steps were the warm-up of the
 * slow engines; fast ones get `warmupMs` more. Steps slower than 1 s are timed 2 times, slower
 * than 5 s once (the bench's time budget), faster ones up to `budgetMs` per engine.
 */
export async function measureTraining(c: TrainCase, runners: TrainRunner[], o: { budgetMs: number; warmupMs: number; maxRuns: number }): Promise<TrainRow[]> {
  const last = new Map<TrainRunner, number>();
  for (const r of runners) {
    let spent = 0, t = 0;
    do {
      const t0 = performance.now();
      await r.run();
      t = performance.now() - t0;
      spent += t;
    } while (spent < o.warmupMs && t < 1000);
    last.set(r, t);
  }
  const target = new Map(runners.map((r) => {
    const t = last.get(r)!;
    return [r, t > 5000 ? 1 : t > 1000 ? 2 : Math.max(3, Math.min(o.maxRuns, Math.round(o.budgetMs / Math.max(t, 1e-3))))];
  }));
  const wall = new Map(runners.map((r) => [r, [] as number[]]));
  const cpu = new Map(runners.map((r) => [r, [] as number[]]));
  for (let round = 0; ; round++) {
    const pending = runners.filter((r) => wall.get(r)!.length < target.get(r)!);
    if (pending.length === 0) break;
    for (let i = 0; i < pending.length; i++) {
      const r = pending[(i + round) % pending.length];
      const c0 = cpuMs(), t0 = performance.now();
      await r.run();
      wall.get(r)!.push(performance.now() - t0);
      cpu.get(r)!.push(cpuMs() - c0);
    }
  }
  const ref = runners[0].probe;
  const tw = runners.find((r) => r.engine === 'tfjs-wasm');
  const twMs = tw ? median(wall.get(tw)!) : null, twCpu = tw ? median(cpu.get(tw)!) : null;
  return runners.map((r) => {
    const ms = median(wall.get(r)!), cms = median(cpu.get(r)!);
    let diff = 0;
    r.probe.forEach((l, i) => (diff = Math.max(diff, Math.abs(l - ref[i]) / Math.max(Math.abs(ref[i]), 1e-12))));
    return {
      case: `train ${c.name}`, engine: r.engine, ms: round(ms, 2), cpu_ms: round(cms, 2), gflops: round(c.flops / ms / 1e6, 2),
      ratio_to_tfjs_wasm: twMs === null ? null : round(twMs / ms, 2),
      cpu_ratio_to_tfjs_wasm: twCpu === null ? null : round(twCpu / cms, 2),
      runs: wall.get(r)!.length, loss_rel_diff: diff,
    };
  });
}

/** Where seqgraph's (SIMD) training step spends its CPU time, over `steps` steps of a fresh trainer. */
export async function breakdown(c: TrainCase, steps: number): Promise<Breakdown> {
  const r = await seqgraphTrainRunner(c, 'seqgraph');
  for (let i = 0; i < 3; i++) await r.run();
  // the optimiser is timed by wrapping its step (the trainer's own code runs unchanged)
  const proto = Optimizer.prototype as unknown as { step: (...a: unknown[]) => void };
  const orig = proto.step;
  let opt = 0;
  proto.step = function (this: unknown, ...a: unknown[]) {
    const t0 = cpuMs();
    try {
      orig.apply(this, a);
    } finally {
      opt += cpuMs() - t0;
    }
  };
  trainProfile.clock = cpuMs;
  trainProfile.reset();
  trainProfile.on = true;
  const t0 = cpuMs();
  try {
    for (let i = 0; i < steps; i++) await r.run();
  } finally {
    trainProfile.on = false;
    proto.step = orig;
  }
  const total = (cpuMs() - t0) / steps;
  const p = trainProfile.t;
  const per = (x: number) => round(x / steps, 2);
  const phases = {
    prepare: per(p.prepare), forward: per(p.forward), backward: per(p.backward),
    bpttSetup: per(p.bpttSetup), bpttLoop: per(p.bpttLoop), bpttWeights: per(p.bpttWeights),
    optimizer: per(opt), other: 0,
  };
  phases.other = round(total - phases.prepare - phases.forward - phases.backward - phases.optimizer, 2);
  return { case: `train ${c.name}`, step: round(total, 2), phases };
}

export function trainTable(rows: TrainRow[]): string {
  const head = ['case', 'engine', 'ms', 'CPU ms', 'GFLOP/s', 'tfjs-wasm / engine', '(CPU time)', 'runs', 'loss rel diff'];
  const f = (x: number) => x.toFixed(x < 10 ? 2 : 1);
  const body = rows.map((r) => [
    r.case, r.engine, f(r.ms), f(r.cpu_ms), r.gflops.toFixed(1),
    r.ratio_to_tfjs_wasm === null ? '-' : r.ratio_to_tfjs_wasm.toFixed(2), r.cpu_ratio_to_tfjs_wasm === null ? '-' : r.cpu_ratio_to_tfjs_wasm.toFixed(2),
    String(r.runs), r.loss_rel_diff === 0 ? '0' : r.loss_rel_diff.toExponential(1),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (i < 2 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|')}|`, ...body.map(line)].join('\n');
}

export function breakdownText(b: Breakdown, flopsForward: number, flops: number): string {
  const p = b.phases, pct = (x: number) => `${((100 * x) / b.step).toFixed(0)}%`;
  const gf = (fl: number, ms: number) => (ms > 0 ? (fl / ms / 1e6).toFixed(1) : '-');
  return [
    `where ${b.case}'s step goes (seqgraph, CPU time, ${b.step} ms per step):`,
    `  forward ${p.forward} ms (${pct(p.forward)}, ${gf(flopsForward, p.forward)} GFLOP/s)` +
      ` · backward ${p.backward} ms (${pct(p.backward)}, ${gf(flops - flopsForward, p.backward)} GFLOP/s):` +
      ` copies in ${p.bpttSetup}, BPTT loop ${p.bpttLoop}, weight-gradient products ${p.bpttWeights}, rest ${round(p.backward - p.bpttSetup - p.bpttLoop - p.bpttWeights, 2)}` +
      ` · optimiser (Adam) ${p.optimizer} ms (${pct(p.optimizer)}) · re-preparing weights ${p.prepare} ms (${pct(p.prepare)})` +
      ` · the rest (loss, clipping, checks, backups) ${p.other} ms (${pct(p.other)})`,
  ].join('\n');
}
