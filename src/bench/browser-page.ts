// The browser bench page (bundled by browser-bench.ts with esbuild, served with COOP/COEP).
// It builds the layer cases itself (layer-cases.ts: same seeded weights and inputs as in Node),
// then measures them with the same interleaved rounds (measure.ts) and hands the rows back to
// the driver through `window.seqgraphBench`.
//
// Engines: seqgraph (1 thread), seqgraph xN (threads.ts, when the page can start workers),
// seqgraph+trace, seqgraph-ts (within its time budget), ort-wasm (runOnnx in this page, 1
// thread) and ort-wasm x2 (runOnnx in a Web Worker of its own, browser-ort-worker.ts: ort reads
// its thread count once per realm, so the 2-thread ort lives in another realm and the rows still
// interleave in one measurement). tfjs is not bundled into the page (noted).
import { configureOrt } from '../onnx/ort';
import * as wasmRuntime from '../runtime/kernels/wasm/runtime';
import { initThreads, threadsNote } from '../runtime/kernels/wasm/threads';
import type { Tensor } from '../runtime/tensor';
import { skipReason } from './budget';
import { caseName, layerShapes, shapedCase } from './layer-cases';
import { FULL, measure, QUICK, type Row } from './measure';
import { ortRunner, seqgraphRunner, seqgraphThreadsRunner, type RunModel, type Runner } from './runners';

/** A page cannot read its threads' CPU time, so after a run on several threads it waits a fixed
 *  40 ms: ort's pool spun for ~20 ms after a run in Node (measure.ts, Settle) */
const settleFixed = () => new Promise<void>((r) => setTimeout(r, 40));

export interface PageOptions { quick: boolean; only?: string; ortThreads: number }
export interface PageResult { rows: Row[]; notes: string[]; info: Record<string, string | boolean | number> }

// ort's files come from this server's /ort/ (copies of node_modules/onnxruntime-web/dist), never a CDN
const ORT_DIR = new URL('/ort/', location.href).href;
configureOrt({ wasmPaths: ORT_DIR, numThreads: 1 });

/** runOnnx on `numThreads` threads in a Web Worker; a case's feeds are sent with its first run */
function workerOrt(numThreads: number): { run: RunModel; ready: Promise<void> } {
  const worker = new Worker(new URL('./browser-ort-worker.js', location.href), { type: 'module' });
  const ids = new Map<Uint8Array, number>();
  const waiting = new Map<number, { ok: (v: Record<string, Tensor>) => void; fail: (e: Error) => void }>();
  let seq = 0;
  worker.onmessage = (e: MessageEvent<{ call: number; outs?: Record<string, Tensor>; error?: string }>) => {
    const w = waiting.get(e.data.call);
    waiting.delete(e.data.call);
    if (e.data.error !== undefined) w?.fail(new Error(e.data.error));
    else w?.ok(e.data.outs!);
  };
  worker.onerror = (e) => {
    for (const w of waiting.values()) w.fail(new Error(`ort worker: ${e.message}`));
    waiting.clear();
  };
  const call = (msg: Record<string, unknown>) =>
    new Promise<Record<string, Tensor>>((ok, fail) => {
      const c = ++seq;
      waiting.set(c, { ok, fail });
      worker.postMessage({ ...msg, call: c });
    });
  const ready = call({ kind: 'init', numThreads, ortDir: ORT_DIR }).then(() => undefined);
  const run: RunModel = async (bytes, feeds) => {
    let id = ids.get(bytes);
    const first = id === undefined;
    if (id === undefined) ids.set(bytes, (id = ids.size + 1));
    return call(first ? { kind: 'run', id, bytes, feeds } : { kind: 'run', id });
  };
  return { run, ready };
}

function fmaStatus(): string {
  return JSON.stringify(wasmRuntime.simdFeatures());
}

async function seqgraphBench(o: PageOptions): Promise<PageResult> {
  const notes: string[] = [];
  const simd = await wasmRuntime.initSimd();
  const got = await initThreads(2);
  if (got < 2) notes.push(`seqgraph x2 rows left out: worker threads unavailable in the page (${threadsNote() ?? 'initThreads(2) gave 1 thread'})`);
  let ort2: { run: RunModel; ready: Promise<void> } | null = null;
  if (o.ortThreads > 1) {
    if (!crossOriginIsolated) notes.push(`ort-wasm x${o.ortThreads} left out: the page is not crossOriginIsolated`);
    else ort2 = workerOrt(o.ortThreads);
    await ort2?.ready.catch((e: Error) => {
      notes.push(`ort-wasm x${o.ortThreads} left out: its worker failed: ${e.message}`);
      ort2 = null;
    });
  }
  const rows: Row[] = [];
  for (const { shape, traceCost } of layerShapes()) {
    if (o.only && !caseName(shape, traceCost).includes(o.only)) continue;
    const c = shapedCase(shape, traceCost);
    const rs: Runner[] = [seqgraphRunner(c, 'seqgraph')];
    const skip = (engine: string) => {
      const why = skipReason(engine, c, o.quick);
      if (why) notes.push(`${c.name}: ${engine} skipped: ${why}`);
      return why !== null;
    };
    if (got > 1) rs.push(seqgraphThreadsRunner(c, got));
    if (!skip('seqgraph+trace')) rs.push(seqgraphRunner(c, 'seqgraph+trace'));
    if (!traceCost && !skip('seqgraph-ts')) rs.push(seqgraphRunner(c, 'seqgraph-ts'));
    rs.push(ortRunner(c));
    if (ort2 && !traceCost) rs.push(ortRunner(c, o.ortThreads, (ort2 as { run: RunModel }).run));
    console.log(`bench: ${c.name}`);
    rows.push(...(await measure(c.name, c.flops, rs, o.quick ? QUICK : FULL, notes, settleFixed)));
  }
  notes.push('tfjs-wasm is not bundled into the bench page: its rows are in the Node bench');
  return {
    rows,
    notes,
    info: {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated,
      simd,
      kernels: wasmRuntime.kernelBackend(),
      fma: fmaStatus(),
      seqgraphThreads: got,
    },
  };
}

(window as unknown as { seqgraphBench: typeof seqgraphBench }).seqgraphBench = seqgraphBench;
document.title = 'seqgraph bench: ready';
