// Run ONNX model bytes with onnxruntime-web's wasm backend (1 thread, no proxy worker), in Node
// (vitest, the CLI) and in the browser (main thread or a Web Worker).
//
// How onnxruntime-web 1.30 loads (found by experiment, Node 20):
// - We import `onnxruntime-web/wasm`. Its export map has no "node" condition, so both Node and
//   Vite resolve it to dist/ort.wasm.bundle.min.mjs: the wasm backend only, with the emscripten
//   glue (ort-wasm-simd-threaded.mjs) inlined. That bundle finds its binary with
//   `new URL('ort-wasm-simd-threaded.wasm', import.meta.url)`, i.e. next to itself: in Node that
//   is node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm (14 MB), read from disk,
//   never fetched from a CDN. vitest externalises node_modules, so tests load it the same way.
// - Plain `onnxruntime-web` would also work in Node (the "node" condition gives
//   dist/ort.node.min.mjs, which dynamic-imports dist/ort-wasm-simd-threaded.mjs + .wasm), but in
//   a browser it resolves to ort.bundle.min.mjs, which wants the 28 MB JSEP/WebGPU binary
//   (ort-wasm-simd-threaded.jsep.wasm). `/wasm` keeps one small binary for both.
// - `env.wasm.numThreads = 1` by default: with more threads ort needs SharedArrayBuffer + workers
//   (and, in a page, cross-origin isolation); one thread is enough for our models and works
//   everywhere. `configureOrt({ numThreads })` asks for more (the bench's "ort-wasm x2" rows, in a
//   page or Web Worker of its own since the setting is per realm). In Node this bundle does NOT
//   run with numThreads > 1 (session creation fails with "fetch failed": its pthread glue
//   cannot load there); the node entry (`import 'onnxruntime-web'`, dist/ort.node.min.mjs) does,
//   which is what src/bench/ort-node-threads.ts uses.
//   `env.wasm.proxy = false`: the proxy runs ort in a Web Worker, which Node does not have.
// - These settings are read once, when the first session is created; later changes are ignored
//   by ort, so `configureOrt` refuses to change them after that.
// - Browser (checked in Chromium with a Vite 8 build and the Vite dev server): with no wasmPaths,
//   Vite sees `new URL('ort-wasm-simd-threaded.wasm', import.meta.url)` and serves / emits the
//   .wasm itself, so it works as is. To serve the file yourself, call `configureOrt` before the
//   first run with EITHER `{ wasmPaths: { wasm: '<url>/ort-wasm-simd-threaded.wasm' } }` (only
//   that one file needed: the glue is in the bundle) OR a folder string `'<url>/'`, in which case
//   ort imports the glue from there too, so serve BOTH ort-wasm-simd-threaded.mjs and
//   ort-wasm-simd-threaded.wasm (copies of node_modules/onnxruntime-web/dist/). If the app ever
//   pre-bundles onnxruntime-web (optimizeDeps), import.meta.url moves: pass wasmPaths then.
// - int64 tensors go in and out of ort as BigInt64Array; our int64 tensors are Int32Array.
import * as ort from 'onnxruntime-web/wasm';
import type { Tensor } from '../runtime/tensor';
import { dict, own } from '../doc/dict';

export interface OrtSettings {
  /**
   * where the browser gets ort's files: `{ wasm: url-of-ort-wasm-simd-threaded.wasm }`, or a folder
   * URL ending in '/' that serves both ort-wasm-simd-threaded.mjs and ort-wasm-simd-threaded.wasm
   */
  wasmPaths?: string | { wasm?: string; mjs?: string };
  /** sessions kept alive (LRU, keyed by the identity of the bytes array); default 8 */
  cacheSize?: number;
  /** ort's intra-op threads; default 1. Read once, at ort's first init (per realm). */
  numThreads?: number;
}

let initialised = false;
let settings: OrtSettings = {};

/** Set where the .wasm comes from (browser) and ort's thread count. Must be called before the first `runOnnx`. */
export function configureOrt(s: OrtSettings): void {
  if (initialised && s.wasmPaths !== undefined && JSON.stringify(s.wasmPaths) !== JSON.stringify(settings.wasmPaths)) {
    throw new Error('configureOrt: onnxruntime-web is already initialised; wasmPaths can only be set before the first run');
  }
  if (initialised && s.numThreads !== undefined && s.numThreads !== (settings.numThreads ?? 1)) {
    throw new Error('configureOrt: onnxruntime-web is already initialised; numThreads can only be set before the first run');
  }
  settings = { ...settings, ...s };
}

function initOnce(): void {
  if (initialised) return;
  ort.env.wasm.numThreads = settings.numThreads ?? 1;
  ort.env.wasm.proxy = false;
  if (settings.wasmPaths !== undefined) ort.env.wasm.wasmPaths = settings.wasmPaths;
  ort.env.logLevel = 'error';
  initialised = true;
}

interface Entry {
  session: Promise<ort.InferenceSession>;
  /** runs on one session are serialised */
  queue: Promise<unknown>;
}

const cache = new Map<Uint8Array, Entry>();

function sessionFor(bytes: Uint8Array): Entry {
  const hit = cache.get(bytes);
  if (hit) {
    cache.delete(bytes); // move to the most recent end
    cache.set(bytes, hit);
    return hit;
  }
  initOnce();
  const entry: Entry = {
    // ort may keep or transfer the buffer it is given: hand it a copy
    session: ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'], logSeverityLevel: 3 }),
    queue: Promise.resolve(),
  };
  entry.session.catch(() => cache.delete(bytes));
  cache.set(bytes, entry);
  const limit = settings.cacheSize ?? 8;
  while (cache.size > limit) {
    const [oldKey, old] = cache.entries().next().value as [Uint8Array, Entry];
    cache.delete(oldKey);
    release(old);
  }
  return entry;
}

function release(e: Entry): void {
  e.queue
    .catch(() => undefined)
    .then(() => e.session)
    .then((s) => s.release())
    .catch(() => undefined);
}

/** Release every cached session (frees their wasm memory). */
export function clearOrtSessions(): void {
  for (const e of cache.values()) release(e);
  cache.clear();
}

function toOrt(name: string, t: Tensor, want: string | undefined): ort.Tensor {
  const type = want ?? (t.dtype === 'int64' ? 'int64' : 'float32');
  const n = t.data.length;
  switch (type) {
    case 'float32':
      if (t.dtype !== 'float32') throw new Error(`feed '${name}': the model wants float32, got ${t.dtype}`);
      return new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
    case 'int64': {
      if (t.dtype !== 'int64') throw new Error(`feed '${name}': the model wants int64, got ${t.dtype}`);
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(t.data[i]);
      return new ort.Tensor('int64', out, t.shape);
    }
    case 'int32':
      if (t.dtype !== 'int64') throw new Error(`feed '${name}': the model wants int32, got ${t.dtype}`);
      return new ort.Tensor('int32', Int32Array.from(t.data), t.shape);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(t.data, (v) => (v ? 1 : 0)), t.shape);
    default:
      throw new Error(`feed '${name}': the model wants ${type}, which runOnnx does not feed`);
  }
}

function fromOrt(name: string, v: ort.Tensor): Tensor {
  const shape = [...v.dims];
  switch (v.type) {
    case 'float32':
      return { dtype: 'float32', shape, data: Float32Array.from(v.data as Float32Array) };
    case 'float64':
      return { dtype: 'float32', shape, data: Float32Array.from(v.data as Float64Array) };
    case 'int64': {
      const src = v.data as BigInt64Array;
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const x = src[i];
        if (x < -2147483648n || x > 2147483647n) throw new Error(`output '${name}': int64 value ${x} does not fit in 32 bits`);
        out[i] = Number(x);
      }
      return { dtype: 'int64', shape, data: out };
    }
    case 'int32':
    case 'int8':
    case 'uint8':
    case 'bool':
      return { dtype: 'int64', shape, data: Int32Array.from(v.data as ArrayLike<number>, Number) };
    default:
      throw new Error(`output '${name}': ort type ${v.type} is not supported`);
  }
}

/**
 * Run ONNX model bytes on named feeds; returns every model output by name. Feeds are converted
 * to what the model declares (int64 -> BigInt64Array; an int64 Tensor fed to an int32 input is
 * narrowed). The session is cached per bytes array (same array object -> same session).
 */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const entry = sessionFor(bytes);
  const run = entry.queue.catch(() => undefined).then(async () => {
    const session = await entry.session;
    // onnxruntime-web builds plain objects keyed by these names inside session.run(): a
    // "__proto__" there is lost (its error would be "At least one output should be requested")
    const proto = [...session.inputNames, ...session.outputNames].find((n) => n === '__proto__');
    if (proto) throw new Error('onnxruntime-web cannot run a model with an input or output named "__proto__" (its JavaScript API keys plain objects by these names); the model itself is valid ONNX: rename the node to check it here');
    const meta = new Map<string, string | undefined>();
    for (const m of session.inputMetadata) meta.set(m.name, m.isTensor ? m.type : undefined);
    for (const k of Object.keys(feeds)) {
      if (!meta.has(k)) throw new Error(`feed '${k}' is not an input of the model (inputs: ${session.inputNames.join(', ')})`);
    }
    // input and output names are the user's ("__proto__", "constructor"): null-prototype objects
    const ortFeeds = dict<ort.Tensor>();
    for (const name of session.inputNames) {
      const t = own(feeds, name);
      if (!t) throw new Error(`no feed for the model's input '${name}'`);
      ortFeeds[name] = toOrt(name, t, meta.get(name));
    }
    const results = await session.run(ortFeeds);
    const out = dict<Tensor>();
    for (const name of session.outputNames) {
      const v = own(results, name);
      if (v) out[name] = fromOrt(name, v);
    }
    for (const v of Object.values(results)) v.dispose();
    return out;
  });
  entry.queue = run;
  return run;
}
