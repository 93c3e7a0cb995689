// `npm run bench [-- --json <file>] [--quick] [--only <text>] [--no-train] [--no-editor] [--memory [steps]] [--browser]`
//
// Runs every case on every engine that can run it (same weights, same inputs), prints a table
// of median milliseconds, GFLOP/s and the ratio to onnxruntime-web on the same thread count
// (ort_ms / engine_ms: >= 1 is as fast or faster; seqgraph x2 against ort-wasm x2), seqgraph's
// 2-thread speedup, then the trace's cost and size and the compile time of a 200-node graph,
// then the training rows (one training step vs TensorFlow.js, train-bench.ts),
// then the editor in Chromium on graphs of 1,000 and 2,000 nodes (editor.ts; --no-editor skips it,
// --only editor runs only it).
// --json writes { machine, cases: [{ case, engine, ms, gflops, ratio_to_ort, ... }], training, ... }.
// --memory runs only the training-memory check instead (memory.ts).
// --browser runs the layer cases in Chromium instead, against onnxruntime-web in the same page
// (browser-bench.ts).
// Engines too slow for a case (a single run estimated over RUN_LIMIT_S from its FLOPs and the
// engine's usual rate) are skipped with a note, so the whole bench stays near 10 minutes.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/compile';
import { kernelBackend, simdFeatures } from '../runtime/kernels/wasm/runtime';
import { initThreads, threadsNote } from '../runtime/kernels/wasm/threads';
import { bigGraphDoc, g2pFiles, graphCase, type BenchCase } from './cases';
import { ortRunner, seqgraphRunner, seqgraphThreadsRunner, tfjsRunner, tfThreads, type Runner } from './engines';
import { caseName, layerShapes, shapedCase } from './layer-cases';
import { machine, settleCpu } from './machine';
import { ortNodeThreads } from './ort-node-threads';
import { browserBench } from './browser-bench';
import { skipReason } from './budget';
import { memoryBench } from './memory';
import { breakdown, breakdownText, measureTraining, trainRunners, trainTable, type Breakdown, type TrainRow } from './train-bench';
import { trainCase } from './train-cases';
import { FULL, measure, QUICK, summaryLines, table, type Row } from './measure';
import { editorBench } from './editor';
import { median, summary } from './editor-measure';

interface Args { json?: string; quick: boolean; only?: string; train: boolean; editor: boolean; memory?: number; browser: boolean }

const USAGE = 'usage: npm run bench -- [--json <file>] [--quick] [--only <case text>] [--no-train] [--no-editor] [--memory [steps]] [--browser]\n';

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, train: true, editor: true, browser: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--json') a.json = argv[++i];
    else if (k === '--quick') a.quick = true;
    else if (k === '--only') a.only = argv[++i];
    else if (k === '--no-train') a.train = false;
    else if (k === '--no-editor') a.editor = false;
    else if (k === '--browser') a.browser = true;
    else if (k === '--memory') a.memory = /^\d+$/.test(argv[i + 1] ?? '') ? Number(argv[++i]) : 1000;
    else if (k === '--help' || k === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${k} (try --help)`);
  }
  if (a.json === undefined && argv.includes('--json')) throw new Error('--json needs a file name');
  return a;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** every case; `only` filters before building (the big cases allocate hundreds of MB) */
function cases(notes: string[], only?: string): BenchCase[] {
  const out: BenchCase[] = [];
  for (const { shape, traceCost } of layerShapes()) {
    if (!only || caseName(shape, traceCost).includes(only)) out.push(shapedCase(shape, traceCost));
  }
  // the whole-graph cases of docs/performance.md: the small name classifier and the G2P model with
  // attention (test fixtures since the gallery holds only trained examples), then the gallery's G2P
  const fixtures = ['name-classifier', 'g2p-attention'].map((n) => path.join(root, `tests/fixtures/graphs/${n}.json`));
  const graphs = [...fixtures, ...g2pFiles(path.join(root, 'graphs'))];
  for (const file of graphs) {
    try {
      const c = graphCase(file);
      if (typeof c === 'string') notes.push(`skipped: ${c}`);
      else out.push(c);
    } catch (e) {
      notes.push(`skipped ${path.basename(file)}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** threads the seqgraph xN rows use (1: no such rows; the reason is in the notes) */
async function startThreads(notes: string[]): Promise<number> {
  const n = await initThreads(2);
  if (n < 2) notes.push(`seqgraph x2 rows left out: worker threads unavailable here (${threadsNote() ?? 'initThreads(2) gave 1 thread'})`);
  return n;
}

async function runnersFor(c: BenchCase, notes: string[], quick: boolean, threads: number): Promise<Runner[]> {
  const rs: Runner[] = [seqgraphRunner(c, 'seqgraph')];
  const skip = (engine: string) => {
    const why = skipReason(engine, c, quick);
    if (why) notes.push(`${c.name}: ${engine} skipped: ${why}`);
    return why !== null;
  };
  if (threads > 1) rs.push(seqgraphThreadsRunner(c, threads));
  if (!skip('seqgraph+trace')) rs.push(seqgraphRunner(c, 'seqgraph+trace'));
  if (!c.traceCost && !skip('seqgraph-ts')) rs.push(seqgraphRunner(c, 'seqgraph-ts'));
  try {
    rs.push(ortRunner(c));
    // ort's other thread count: a second ort instance (see ort-node-threads.ts)
    if (!c.traceCost) rs.push(ortRunner(c, 2, ortNodeThreads(2)));
  } catch (e) {
    notes.push(`${c.name}: ort-wasm skipped: ${(e as Error).message.split('\n')[0]}`);
  }
  if (c.traceCost) return rs; // the trace-cost case is about seqgraph's two rows
  if (!c.layer) {
    // a layer case without `layer` is the stacked one (graph cases carry no trace estimate)
    if (c.traceBytes > 0) notes.push(`${c.name}: tfjs skipped: the tfjs engines are written for one forward layer`);
  } else {
    for (const b of ['cpu', 'wasm'] as const) {
      if (skip(`tfjs-${b}`)) continue;
      const r = await tfjsRunner(c, b).catch((e: Error) => e.message);
      if (typeof r === 'string') notes.push(`${c.name}: tfjs-${b} skipped: ${r}`);
      else rs.push(r);
    }
  }
  return rs;
}

function compileTime(quick: boolean): { nodes: number; ops: number; ms: number } {
  const doc = bigGraphDoc(200);
  const once = () => {
    const r = compile(doc);
    if (!r.program) throw new Error(`the 200-node graph does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    return r.program;
  };
  for (let i = 0; i < 3; i++) once();
  const ts: number[] = [];
  let ops = 0;
  for (let i = 0; i < (quick ? 3 : 15); i++) {
    const t0 = performance.now();
    ops = once().ops.length;
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return { nodes: doc.nodes.length, ops, ms: Math.round(ts[ts.length >> 1] * 100) / 100 };
}

/** the training rows: each case's engines interleaved, then seqgraph's time breakdown */
async function training(args: Args, notes: string[], log: (s: string) => void): Promise<{ rows: TrainRow[]; breakdowns: Breakdown[]; text: string[] }> {
  const rows: TrainRow[] = [], breakdowns: Breakdown[] = [], text: string[] = [];
  for (const cell of ['LSTM', 'GRU'] as const) {
    const c = trainCase(cell, 32, 64, 128, 256);
    if (args.only && !`train ${c.name}`.includes(args.only)) continue;
    log(`  train ${c.name} ...`);
    const rs = await trainRunners(c, notes, log);
    rows.push(...(await measureTraining(c, rs, args.quick ? { budgetMs: 300, warmupMs: 0, maxRuns: 3 } : { budgetMs: 2000, warmupMs: 500, maxRuns: 12 })));
    const b = await breakdown(c, args.quick ? 2 : 6);
    breakdowns.push(b);
    text.push(breakdownText(b, c.flopsForward, c.flops));
  }
  return { rows, breakdowns, text };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s + '\n');
  if (args.memory !== undefined) {
    await memoryBench(args.memory, args.json, log);
    return;
  }
  if (args.browser) {
    await browserBench(root, { quick: args.quick, only: args.only, json: args.json }, log);
    return;
  }
  const t0 = performance.now();
  const notes: string[] = [];
  const load0 = os.loadavg();
  // FMA: relaxed SIMD's relaxed_madd (npm run bench passes --experimental-wasm-relaxed-simd; SEQGRAPH_FMA=0 turns it off)
  const fma = simdFeatures().fma ? 'on' : 'off';
  log(`seqgraph bench on ${machine()}; kernels: ${kernelBackend()}, FMA ${fma}; load average ${load0.map((x) => x.toFixed(1)).join(' ')}`);
  const rows: Row[] = [];
  const threads = args.only === 'editor' ? 1 : await startThreads(notes);
  for (const c of args.only === 'editor' ? [] : cases(notes, args.only)) {
    if (args.only && !c.name.includes(args.only)) continue;
    log(`  ${c.name} ...`);
    const rs = await runnersFor(c, notes, args.quick, threads);
    rows.push(...(await measure(c.name, c.flops, rs, args.quick ? QUICK : FULL, notes, settleCpu)));
  }
  const compiled = compileTime(args.quick);
  const t1 = performance.now();
  const train = args.train && args.only !== 'editor' ? await training(args, notes, log) : { rows: [], breakdowns: [], text: [] };
  const trainSeconds = (performance.now() - t1) / 1000;
  const editor = args.editor && (!args.only || args.only === 'editor') ? await editorBench(root, log) : 'skipped (--no-editor)';

  const lines = rows.length ? [table(rows), ''] : [];
  lines.push(...summaryLines(rows));
  lines.push('GFLOP/s counts the matrix products of recurrent layers and Dense (Linear) ops; for whole graphs, attention and decoding are not counted.');
  lines.push(`compile: a ${compiled.nodes}-node graph (${compiled.ops} IR ops) compiles in ${compiled.ms} ms (median)`);
  if (train.rows.length) {
    lines.push('', 'Training: one step (forward, MSELoss, backward, clip_grad_norm_, Adam) from the same weights and batch; ratios = tfjs-wasm time / engine time, wall clock and CPU time, same run.');
    lines.push(trainTable(train.rows), ...train.text);
    lines.push(`training rows: ${trainSeconds.toFixed(0)} s; GFLOP/s counts forward, BPTT and weight-gradient products; tfjs-wasm runs ${tfThreads()}`);
  }
  if (typeof editor === 'string') notes.push(`editor: ${editor}`);
  else for (const t of editor) lines.push(`editor (Chromium): ${summary(t)}`);
  for (const n of notes) lines.push(`note: ${n}`);
  lines.push(`load average at start ${load0.map((x) => x.toFixed(1)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} cores)`);
  lines.push(`total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s; ratio to ort = ort_ms / engine_ms with ort on the row's thread count (>= 1: as fast or faster); ort-wasm x2 in Node is onnxruntime-web's node entry (ort-node-threads.ts)`);
  process.stdout.write(lines.join('\n') + '\n');

  if (args.json) {
    const out = {
      machine: machine(),
      kernels: kernelBackend(),
      cases: rows,
      compile: { nodes: compiled.nodes, ir_ops: compiled.ops, ms: compiled.ms },
      training: train.rows,
      training_breakdown: train.breakdowns,
      load_average: { start: load0, end: os.loadavg() },
      editor: typeof editor === 'string' ? editor : editor.map((t) => ({ nodes: t.nodes, open_ms: Math.round(t.openMs), drawn: t.drawn, edit_ms: Math.round(median(t.editMs)), move_ms: Math.round(median(t.moveMs)) })),
      notes,
    };
    writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
    log(`wrote ${args.json}`);
  }
}

main().then(
  () => process.exit(0), // ort and tfjs keep handles open; the bench is done
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
