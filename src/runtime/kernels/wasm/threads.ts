// Worker threads for the SIMD kernels: a pool of workers that instantiate the same kernel module
// on the same shared WebAssembly.Memory, and run lists of kernel calls that the calling thread
// prepared.
//
// API: threadsSupported(); initThreads(n) starts n-1 workers and resolves the threads usable
// (1 = the single-threaded fallback, threadsNote() says why); setThreads(n) uses up to n from now
// on (1 = off); threadCount(); stopThreads(). Kernels ask `threadCount()` and hand work to
// runCallLists().
//
// Why it is laid out this way:
// - The work crosses as CALL LISTS, not as layer logic: a list is an Int32Array of kernel calls
//   (export index, argument count, the i32 arguments: byte addresses and sizes), so a worker is a
//   ~30-line interpreter and every decision (which rows, which pointers) stays in one place, the
//   code that also runs the single-threaded path. The same kernel on the same element computes the
//   same sum in the same order whichever thread runs it, so threaded results are bit-identical.
// - Work is split so threads never wait on each other inside a run: a recurrent layer splits by
//   batch rows (each row's recurrence is independent), a product by output rows or columns. One
//   postMessage per worker per split, one join at the end (Atomics on a shared counter).
// - The joining thread blocks with Atomics.wait where the realm allows it (Node, Workers) and
//   spins on Atomics.load on a page's main thread (which may not block); lists are sized to be
//   milliseconds of work, so the spin is short.
// - The worker's source is a string (the interpreter's own toString()), started with `eval` in
//   Node's worker_threads and from a Blob URL in browsers: no worker file, no bundler config, and
//   it loads the same under Vite dev, the build, vitest and tsx.
import { CallList, CTL_WORDS, runList, SHARED_BASE, splitRanges, type Fn } from './call-list';
import { simdRuntime } from './runtime';

export { CallList, splitRanges };

/** The worker: instantiate on `init`, then run each list and count it done (ctl[0]); errors set ctl[1]. */
function workerMain(port: { post: (m: unknown) => void; on: (h: (m: any) => void) => void }, run: typeof runList): void {
  let fns: Fn[] = [];
  let ctl: Int32Array;
  port.on((m) => {
    if (m.init) {
      const inst = new WebAssembly.Instance(m.module, { env: { memory: m.memory } });
      fns = m.names.map((n: string) => (inst.exports as Record<string, Fn>)[n]);
      ctl = new Int32Array(m.ctl);
      port.post({ ready: true });
      return;
    }
    try {
      run(fns, m.list, ctl, true);
    } catch (e) {
      Atomics.store(ctl, 1, 1);
      port.post({ error: String((e as Error)?.message ?? e) });
    }
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  });
}

function workerSource(node: boolean): string {
  const port = node
    ? `{ post: (m) => require('node:worker_threads').parentPort.postMessage(m), on: (h) => require('node:worker_threads').parentPort.on('message', h) }`
    : `{ post: (m) => self.postMessage(m), on: (h) => { self.onmessage = (e) => h(e.data); } }`;
  // runList is passed in, not named inside workerMain: a bundler or vitest may rewrite a
  // reference to an imported function (e.g. __vi_import_0__.runList), which the worker lacks
  return `'use strict';\n(${workerMain.toString()})(${port}, ${runList.toString()});\n`;
}

interface PoolWorker { post(m: unknown, transfer?: Transferable[]): void; stop(): void; ready?(): void }

interface Pool {
  workers: PoolWorker[];
  ctl: Int32Array;
  /** lists finished so far (ctl[0] counts up forever) */
  done: number;
  names: string[];
  index: Map<string, number>;
  fns: Fn[];
  lastError: string | null;
}

/**
 * Below `minFlops` (2 x multiply-adds of the products) work stays on the calling thread: a
 * message round trip to a worker costs ~0.05 ms, about 1-2 MFLOP of kernel time. Tests set it to
 * 0 to thread every size.
 */
export const threadTuning = {
  minFlops: 4e6,
  /**
   * The unit split (recurrent layers with small batches) meets at two barriers per step (~0.3 µs
   * each in Node) and needs at least this many flops per step. In Node, with its call lists
   * recorded once per shape and the projection in them (recurrent-unit-split.ts), LSTM B=1 H=256
   * (0.5 M per step, 22 µs) runs 1.2-1.6x faster on two threads than on one. In Chromium it ran
   * at 0.5-0.64x (the browser's own threads take the second core here; a worker that fell asleep
   * at a barrier costs a wake-up), so there it starts at H = 512 (2 M per step: 1.8x).
   */
  minStepFlops: typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined' ? 0.3e6 : 1.5e6,
};

/** lists handed to workers so far (tests check that the workers really ran part of the work) */
export const threadStats = { posted: 0 };

let pool: Pool | null = null;
let using = 1;
let note: string | null = null;
let starting: Promise<number> | null = null;

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined';
/** a page's main thread may not block (Atomics.wait throws there) */
const canBlock = typeof window === 'undefined';

/** true where a pool can start: the kernels' Memory is shared and Atomics exist */
export function threadsSupported(): boolean {
  const rt = simdRuntime();
  return rt !== null && rt.shared && typeof Atomics === 'object';
}

/** why threads are off (null when on, or never asked for) */
export function threadsNote(): string | null {
  return note;
}

function whyUnsupported(): string {
  if (simdRuntime() === null) return 'WebAssembly SIMD is not available here';
  if (typeof crossOriginIsolated !== 'undefined' && !crossOriginIsolated) {
    return 'the page is not cross-origin isolated (it needs the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so there is no shared memory for worker threads';
  }
  return 'shared WebAssembly memory is not available here';
}

/** the number of CPU cores this realm reports (1 when unknown) */
export function hardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  return 1;
}

async function spawn(node: boolean, onMessage: (m: any) => void): Promise<PoolWorker> {
  if (node) {
    const spec = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ spec)) as typeof import('node:worker_threads');
    const w = new Worker(workerSource(true), { eval: true });
    w.on('message', onMessage);
    w.on('error', (e: Error) => onMessage({ error: String(e?.message ?? e) }));
    // once started, an idle pool never keeps a CLI or a test process alive (unref after the
    // listeners: adding a 'message' listener refs the worker again)
    return { post: (m, tr) => w.postMessage(m, tr as never), stop: () => void w.terminate(), ready: () => void w.unref() };
  }
  const url = URL.createObjectURL(new Blob([workerSource(false)], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => onMessage({ error: e.message });
  return { post: (m, tr) => w.postMessage(m, tr ?? []), stop: () => w.terminate() };
}

/**
 * Start a pool of n threads in all (n-1 workers; the caller is the nth). Resolves the number of
 * threads usable: 1 where threads cannot run here (threadsNote() says why). Calling it again with
 * another n restarts the pool. Threads are then in use (setThreads(1) turns them off).
 */
export function initThreads(n = hardwareThreads()): Promise<number> {
  n = Math.max(1, Math.floor(n));
  if (pool && pool.workers.length + 1 === n) return Promise.resolve((using = n));
  if (starting) return starting.then(() => initThreads(n));
  starting = (async () => {
    await stopThreads();
    if (n === 1) { note = null; return 1; }
    const rt = simdRuntime();
    if (!threadsSupported() || rt === null) {
      note = whyUnsupported();
      return 1;
    }
    const names = Object.keys(rt.k);
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4)); // done, failed, barrier arrivals, barrier generation, shared-block counters
    const p: Pool = { workers: [], ctl, done: 0, names, index: new Map(names.map((s, i) => [s, i])), fns: names.map((s) => rt.k[s]), lastError: null };
    try {
      const ready: Promise<void>[] = [];
      for (let i = 1; i < n; i++) {
        let ok!: () => void, fail!: (e: Error) => void;
        ready.push(new Promise<void>((res, rej) => { ok = res; fail = rej; }));
        const w = await spawn(isNode, (m) => {
          if (m?.ready) ok();
          else if (m?.error) { p.lastError = m.error; fail(new Error(m.error)); }
        });
        p.workers.push(w);
        w.post({ init: true, module: rt.module, memory: rt.memory, names, ctl: ctl.buffer });
      }
      await Promise.all(ready);
      p.workers.forEach((w) => w.ready?.());
    } catch (e) {
      p.workers.forEach((w) => w.stop());
      note = `worker threads could not start: ${(e as Error).message}`;
      return 1;
    }
    pool = p;
    note = null;
    return (using = n);
  })().finally(() => { starting = null; });
  return starting;
}

/** use up to n threads from now on (1 = single-threaded), at most the pool's size */
export function setThreads(n: number): void {
  using = Math.max(1, Math.min(Math.floor(n), pool ? pool.workers.length + 1 : 1));
}

/** threads in use now (1 when there is no pool) */
export function threadCount(): number {
  return pool ? using : 1;
}

export async function stopThreads(): Promise<void> {
  if (pool) pool.workers.forEach((w) => w.stop());
  pool = null;
  using = 1;
}

/** a fresh call list per thread in use (lists[0] runs on the calling thread) */
export function callLists(threads = threadCount()): CallList[] {
  const p = pool;
  if (!p) throw new Error('threads: no pool (initThreads first)');
  return Array.from({ length: threads }, () => new CallList(p.index));
}

/** whether lists built earlier can still run: made for the pool running now (a restarted pool
 *  numbers its kernels afresh) and no more of them than the threads in use */
export function listsRunnable(lists: CallList[]): boolean {
  return pool !== null && lists.length <= using && lists.every((l) => l.index === pool!.index);
}

/**
 * The longest a join waits for workers before it reports them stuck. Generous: one call is one
 * layer run (B=64 T=100 H=1024 takes ~1.5 s here), and a slow machine must not lose its pool.
 */
const JOIN_LIMIT_MS = 600_000;

/**
 * Run lists[i] on thread i (0 = here) and return when all are done. A kernel that traps in a
 * worker (an out-of-bounds address) is reported here as an Error, as it would be single-threaded.
 */
export function runCallLists(lists: CallList[]): void {
  const p = pool;
  if (!p) throw new Error('threads: no pool (initThreads first)');
  if (lists.length - 1 > p.workers.length) throw new Error(`threads: ${lists.length} lists for ${p.workers.length + 1} threads`);
  Atomics.store(p.ctl, 1, 0);
  Atomics.store(p.ctl, 2, 0);
  for (let i = SHARED_BASE; i < CTL_WORDS; i++) Atomics.store(p.ctl, i, 0);
  let sent = 0;
  for (let i = 1; i < lists.length; i++) {
    if (lists[i].length === 0) continue;
    // copied, not transferred: detaching any ArrayBuffer invalidates V8's ArrayBufferDetaching
    // protector for the whole thread, after which optimised code checks for detached buffers on
    // every typed-array access (measured: G2P training's TypeScript backward ~20% slower, a plain
    // Float64Array loop 1.7x). A list is a few hundred bytes; copying it costs nothing.
    p.workers[i - 1].post({ list: lists[i].done() });
    sent++;
    threadStats.posted++;
  }
  const target = p.done + sent;
  let ownError: unknown = null;
  try {
    runList(p.fns, lists[0].done(), p.ctl, canBlock);
  } catch (e) {
    ownError = e;
    Atomics.store(p.ctl, 1, 1); // releases workers waiting at a barrier
  }
  const t0 = Date.now();
  for (;;) {
    const v = Atomics.load(p.ctl, 0);
    if (v >= target) break;
    if (canBlock) Atomics.wait(p.ctl, 0, v, 1000);
    if (Date.now() - t0 > JOIN_LIMIT_MS) {
      void stopThreads();
      note = 'worker threads stopped answering; back to one thread';
      throw new Error(`threads: workers did not finish in ${JOIN_LIMIT_MS / 1000} s`);
    }
  }
  p.done = target;
  if (ownError) throw ownError;
  if (Atomics.load(p.ctl, 1) !== 0) throw new Error(`threads: a kernel failed in a worker${p.lastError ? `: ${p.lastError}` : ''}`);
}

/** a kernel call by export name: made directly, or recorded into a thread's call list */
export type Emit = (kernel: string, ...args: number[]) => void;

/**
 * Run work over n items (rows, bands of columns) as kernel calls: emitBand(i0, i1, emit, t)
 * emits the calls for items [i0, i1). On the calling thread when threads are off or the work
 * (flops) is not worth a message; else split into contiguous ranges of at least `min` items
 * (weighted by `weight`), one per thread, and joined. Bands must not write the same memory.
 */
export function runSplit(
  k: Record<string, Fn>, n: number,
  emitBand: (i0: number, i1: number, emit: Emit, thread: number) => void,
  opts: { flops: number; min?: number; weight?: (i: number) => number },
): void {
  if (pool !== null && using > 1 && opts.flops >= threadTuning.minFlops && runThreaded(n, emitBand, opts)) return;
  emitBand(0, n, directEmit(k), 0);
}

const direct = new WeakMap<object, Emit>();

/** one direct-call emitter per kernel table: hot single-threaded paths see one closure */
function directEmit(k: Record<string, Fn>): Emit {
  let e = direct.get(k);
  if (!e) {
    e = (name, ...args) => k[name](...args);
    direct.set(k, e);
  }
  return e;
}

/** The threaded branch of runSplit, out of line (hot small products inline runSplit). False when the work does not split. */
function runThreaded(
  n: number,
  emitBand: (i0: number, i1: number, emit: Emit, thread: number) => void,
  opts: { flops: number; min?: number; weight?: (i: number) => number },
): boolean {
  const cuts = splitRanges(n, using, opts.min ?? 1, opts.weight);
  if (cuts.length <= 2) return false;
  const lists = callLists(cuts.length - 1);
  for (let t = 0; t < lists.length; t++) {
    const l = lists[t];
    emitBand(cuts[t], cuts[t + 1], (name, ...args) => l.call(name, ...args), t);
  }
  runCallLists(lists);
  return true;
}
