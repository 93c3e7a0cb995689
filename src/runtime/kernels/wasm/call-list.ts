// Call lists: the unit of work a kernel thread runs (threads.ts). A list is an Int32Array of
// kernel calls (export index, argument count, the i32 arguments: byte addresses and sizes) and
// barriers, built by the calling thread and run by runList, here or in a worker.
//
// Why a list and not layer logic in the worker: every decision (which rows, which pointers)
// stays in the code that also runs the single-threaded path, and the worker is this interpreter.
// runList is self-contained on purpose: the worker's source is its toString().

export type Fn = (...a: number[]) => void;

/** ctl words: lists done, failed, barrier arrivals, barrier generation, then the shared blocks' counters */
export const CTL_WORDS = 16;
/** the first counter of a shared block (CallList.shared) in ctl; runCallLists zeroes them all */
export const SHARED_BASE = 4;

/**
 * Run a call list: [fn, argc, ...args] repeated; fn = -1 is a barrier of args[0] threads (ctl[2]
 * counts arrivals, ctl[3] is the generation; a thread that failed sets ctl[1], which releases
 * the others with an error instead of a hang); fn = -2 is a shared block [slot, n, stride] and
 * then n calls of `stride` ints each, which every list that has the block holds alike: each
 * thread takes the next call from the counter ctl[SHARED_BASE + slot] until none is left, so a
 * thread that starts late (a worker's wake-up takes ~0.1 ms here) leaves its share to the
 * others instead of making them wait. Self-contained: it is also the worker's code.
 */
export function runList(fns: Fn[], l: Int32Array, ctl: Int32Array, mayWait: boolean): void {
  // no nested functions: under tsx (esbuild's keepNames) they would call a __name helper that
  // the worker, which runs this function's source, does not have
  let i = 0;
  const n = l.length;
  while (i < n) {
    let fi = l[i], c = l[i + 1], a = i + 2;
    if (fi === -1) {
      const gen = Atomics.load(ctl, 3);
      if (Atomics.add(ctl, 2, 1) === l[a] - 1) {
        Atomics.store(ctl, 2, 0);
        Atomics.add(ctl, 3, 1);
        Atomics.notify(ctl, 3);
      } else {
        // spin first (a step is tens of microseconds; a wake-up costs as much), then sleep
        for (let spins = 0; Atomics.load(ctl, 3) === gen; spins++) {
          if (Atomics.load(ctl, 1) !== 0) throw new Error('another thread failed');
          if (mayWait && spins > 20000) Atomics.wait(ctl, 3, gen, 1);
        }
      }
      i = a + c;
      continue;
    }
    if (fi === -2) {
      // a shared block: take its next call (counter ctl[4 + slot], SHARED_BASE), run it below and
      // come back to this entry; past the block once every call is taken
      const j = Atomics.add(ctl, 4 + l[a], 1);
      if (j >= l[a + 1]) { i = a + c; continue; }
      const b = a + 3 + j * l[a + 2];
      fi = l[b]; c = l[b + 1]; a = b + 2;
    } else {
      i = a + c;
    }
    const f = fns[fi];
    switch (c) {
      case 6: f(l[a], l[a + 1], l[a + 2], l[a + 3], l[a + 4], l[a + 5]); break;
      case 7: f(l[a], l[a + 1], l[a + 2], l[a + 3], l[a + 4], l[a + 5], l[a + 6]); break;
      case 8: f(l[a], l[a + 1], l[a + 2], l[a + 3], l[a + 4], l[a + 5], l[a + 6], l[a + 7]); break;
      case 9: f(l[a], l[a + 1], l[a + 2], l[a + 3], l[a + 4], l[a + 5], l[a + 6], l[a + 7], l[a + 8]); break;
      case 10: f(l[a], l[a + 1], l[a + 2], l[a + 3], l[a + 4], l[a + 5], l[a + 6], l[a + 7], l[a + 8], l[a + 9]); break;
      case 11: f(l[a], l[a + 1], l[a + 2], l[a + 3], l[a + 4], l[a + 5], l[a + 6], l[a + 7], l[a + 8], l[a + 9], l[a + 10]); break;
      default: f(...Array.from(l.subarray(a, a + c)));
    }
  }
}

/** Builds one thread's list of kernel calls. */
export class CallList {
  private buf = new Int32Array(256);
  private n = 0;
  constructor(readonly index: Map<string, number>) {}
  call(name: string, ...args: number[]): void {
    const fi = this.index.get(name);
    if (fi === undefined) throw new Error(`threads: no kernel named ${name}`);
    this.call0(fi, args);
  }
  private call0(fi: number, args: number[]): void {
    const need = this.n + 2 + args.length;
    if (need > this.buf.length) {
      const b = new Int32Array(Math.max(need, this.buf.length * 2));
      b.set(this.buf.subarray(0, this.n));
      this.buf = b;
    }
    this.buf[this.n++] = fi;
    this.buf[this.n++] = args.length;
    for (const x of args) this.buf[this.n++] = x;
  }
  /**
   * Calls that the threads share out as they come (see runList): give every list the same block,
   * with a slot (0..11) no other block of the same run uses. All calls must take as many
   * arguments as each other.
   */
  shared(slot: number, calls: [string, ...number[]][]): void {
    if (!(slot >= 0 && slot < CTL_WORDS - SHARED_BASE)) throw new Error(`threads: shared-block slot ${slot} is out of range`);
    if (calls.length === 0) return;
    const stride = calls[0].length + 1;
    const block = new CallList(this.index);
    for (const [name, ...args] of calls) {
      if (args.length + 2 !== stride) throw new Error('threads: the calls of a shared block must take as many arguments as each other');
      block.call(name, ...args);
    }
    const body = block.done();
    this.call0(-2, [slot, calls.length, stride, ...body]);
  }
  /** all `threads` lists must reach this point before any goes on (same count in every list) */
  barrier(threads: number): void {
    this.push3(-1, 1, threads);
  }
  private push3(a: number, b: number, c: number): void {
    if (this.n + 3 > this.buf.length) {
      const nb = new Int32Array(this.buf.length * 2);
      nb.set(this.buf.subarray(0, this.n));
      this.buf = nb;
    }
    this.buf[this.n++] = a;
    this.buf[this.n++] = b;
    this.buf[this.n++] = c;
  }
  get length(): number { return this.n; }
  done(): Int32Array { return this.buf.slice(0, this.n); }
}

/**
 * Split n items (rows) into at most `parts` contiguous ranges of at least `min` items, weighting
 * item i by w(i) (e.g. a row's length, so ragged batches balance). Returns the range starts plus n.
 */
export function splitRanges(n: number, parts: number, min = 1, w?: (i: number) => number): number[] {
  parts = Math.max(1, Math.min(parts, Math.floor(n / Math.max(1, min))));
  if (parts <= 1) return [0, n];
  let total = 0;
  const wt = (i: number) => (w ? w(i) : 1);
  for (let i = 0; i < n; i++) total += wt(i);
  const cuts = [0];
  let acc = 0, i = 0;
  for (let p = 1; p < parts; p++) {
    const goal = (total * p) / parts;
    while (i < n && acc + wt(i) / 2 < goal) acc += wt(i++);
    cuts.push(Math.max(cuts[cuts.length - 1], i));
  }
  cuts.push(n);
  return cuts;
}
