// The engines that run in Node and in the browser bench page alike (no Node imports here):
// prepare once, then `run()` the same feeds many times and hand back the output.
//
// - seqgraph / seqgraph+trace: `execute()` with the default (SIMD) kernels, without and with the
//   per-timestep trace; seqgraph-ts: the same with the plain TS reference kernels pinned.
// - seqgraph xN: the SIMD kernels on N threads (threads.ts: setThreads(N) around each run, back
//   to 1 after, so the other rows stay single-threaded). Labelled by threadCount() in use.
// - ort-wasm / ort-wasm xN: the Program exported by `exportOnnx` and run by onnxruntime-web's
//   wasm backend: `runOnnx` (one thread), i.e. exactly the path the app and the parity tests
//   use, or a `run` function given for another thread count (ort's thread count is fixed per
//   realm at its first init: ort-node-threads.ts in Node, a Web Worker in the page).
import { exportOnnx } from '../onnx/export';
import { runOnnx } from '../onnx/ort';
import { execute } from '../runtime/execute';
import { setThreads, threadCount } from '../runtime/kernels/wasm/threads';
import { setKernelBackend } from '../runtime/kernels/wasm/runtime';
import type { Tensor } from '../runtime/tensor';
import type { Trace } from '../runtime/trace';
import type { BenchCase } from './layer-cases';

export type EngineName =
  | 'seqgraph' | 'seqgraph+trace' | 'seqgraph-ts' | `seqgraph x${number}`
  | 'ort-wasm' | `ort-wasm x${number}` | 'tfjs-cpu' | 'tfjs-wasm';

export interface Runner {
  engine: EngineName;
  /** threads the engine computes on: its ratio is taken against the ort row with as many */
  threads: number;
  /** one inference; resolves with the compared output's values */
  run(): Promise<Float32Array>;
  /** bytes of the trace of one run (seqgraph+trace) */
  traceBytes?: number;
}

export type RunModel = (bytes: Uint8Array, feeds: Record<string, Tensor>) => Promise<Record<string, Tensor>>;

export function traceBytes(t: Trace | undefined): number {
  let n = 0;
  for (const node of t?.nodes ?? []) {
    for (const l of node.layers) {
      n += l.h.byteLength + (l.c?.byteLength ?? 0);
      for (const g of Object.values(l.gates)) n += g.byteLength;
    }
  }
  for (const a of t?.attention ?? []) n += a.weights.byteLength;
  return n;
}

export function seqgraphRunner(c: BenchCase, engine: 'seqgraph' | 'seqgraph+trace' | 'seqgraph-ts'): Runner {
  const trace = engine === 'seqgraph+trace';
  const r: Runner = {
    engine,
    threads: 1,
    async run() {
      if (engine === 'seqgraph-ts') setKernelBackend('ts');
      try {
        const res = execute(c.program, c.feeds, { trace });
        if (trace && r.traceBytes === undefined) r.traceBytes = traceBytes(res.trace);
        return res.outputs[c.output].data as Float32Array;
      } finally {
        if (engine === 'seqgraph-ts') setKernelBackend('auto');
      }
    },
  };
  return r;
}

/**
 * seqgraph on `threads` threads (initThreads must have started them). The label is the thread
 * count actually in use, so a pool that gives fewer threads than asked shows as such.
 */
export function seqgraphThreadsRunner(c: BenchCase, threads: number): Runner {
  setThreads(threads);
  const got = threadCount();
  setThreads(1);
  return {
    engine: got === 1 ? 'seqgraph' : `seqgraph x${got}`,
    threads: got,
    async run() {
      setThreads(got);
      try {
        return execute(c.program, c.feeds).outputs[c.output].data as Float32Array;
      } finally {
        setThreads(1);
      }
    },
  };
}

export function ortRunner(c: BenchCase, threads = 1, run: RunModel = runOnnx): Runner {
  const bytes = exportOnnx(c.program);
  return {
    engine: threads === 1 ? 'ort-wasm' : `ort-wasm x${threads}`,
    threads,
    async run() {
      return (await run(bytes, c.feeds))[c.output].data as Float32Array;
    },
  };
}
