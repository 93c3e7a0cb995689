// onnxruntime-web on N threads in Node, next to the 1-thread `runOnnx` in the same process.
//
// Why a second ort: ort reads env.wasm.numThreads once per module instance, at its first init,
// so one instance cannot give both the 1- and the 2-thread rows. And the instance runOnnx uses
// (onnxruntime-web/wasm, dist/ort.wasm.bundle.min.mjs) fails in Node with numThreads > 1
// ("no available backend found. ERR: [wasm] TypeError: fetch failed": its pthread glue does not
// load there; checked with 1.30 on Node 20). The package's node entry (`onnxruntime-web`,
// dist/ort.node.min.mjs, a separate module instance with its own env) loads the same
// ort-wasm-simd-threaded.wasm and does start its pthreads on worker_threads, so it gives the
// N-thread rows. The feeds the bench uses are float32 (layers) and int64 (token ids).
import type { RunModel } from './runners';
import type { Tensor } from '../runtime/tensor';

type Ort = typeof import('onnxruntime-web');

const loaded = new Map<number, Promise<Ort>>();

async function ortWith(numThreads: number): Promise<Ort> {
  // one instance can only have one thread count: refuse a second
  if (loaded.size && !loaded.has(numThreads)) throw new Error(`ort-node-threads: already initialised with ${[...loaded.keys()][0]} threads`);
  let p = loaded.get(numThreads);
  if (!p) {
    p = import('onnxruntime-web').then((ort) => {
      ort.env.wasm.numThreads = numThreads;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
      return ort;
    });
    loaded.set(numThreads, p);
  }
  return p;
}

/** A RunModel on `numThreads` ort threads; sessions are cached per bytes array. */
export function ortNodeThreads(numThreads: number): RunModel {
  const sessions = new Map<Uint8Array, Promise<import('onnxruntime-web').InferenceSession>>();
  return async (bytes, feeds) => {
    const ort = await ortWith(numThreads);
    let s = sessions.get(bytes);
    if (!s) {
      s = ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'], logSeverityLevel: 3 });
      sessions.set(bytes, s);
    }
    const session = await s;
    const ortFeeds: Record<string, import('onnxruntime-web').Tensor> = {};
    for (const m of session.inputMetadata) {
      const t = feeds[m.name];
      if (!t) throw new Error(`no feed for the model's input '${m.name}'`);
      const type = m.isTensor ? m.type : 'float32';
      ortFeeds[m.name] =
        type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(v)), t.shape)
        : type === 'int32' ? new ort.Tensor('int32', Int32Array.from(t.data), t.shape)
        : new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
    }
    const results = await session.run(ortFeeds);
    const out: Record<string, Tensor> = {};
    for (const name of session.outputNames) {
      const v = results[name];
      // int64 outputs (token ids) compare as numbers: the bench only diffs them
      const data = v.type === 'int64' ? Float32Array.from(v.data as BigInt64Array, Number) : Float32Array.from(v.data as Float32Array);
      out[name] = { dtype: 'float32', shape: [...v.dims], data };
    }
    return out;
  };
}
