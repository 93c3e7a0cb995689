// The engines the benchmark compares, each behind one small interface: prepare once (load,
// export, upload weights), then `run()` the same feeds many times and hand back the output.
//
// - seqgraph / seqgraph+trace: `execute()` with the default (SIMD) kernels, without and with the
//   per-timestep trace; seqgraph-ts: the same with the plain TS reference kernels pinned.
// - seqgraph x2, ort-wasm, ort-wasm x2: see runners.ts (no Node imports: the browser page uses them)
//   and ort-node-threads.ts (ort on 2 threads in Node).
// - tfjs-cpu / tfjs-wasm: TensorFlow.js on the same weights. tfjs-layers' GRU has no
//   reset_after (PyTorch's GRU), so both cells are written with tf ops the way fast RNN code
//   does it: one matMul for every timestep's input projection, then per step one matMul and the
//   gate math. The wasm backend's binary is read from node_modules (setWasmPaths with a file
//   path; never a CDN) and runs single-threaded like ort.
import { createRequire } from 'node:module';
import path from 'node:path';
import { transpose } from '../runtime/kernels/gemm';
import type { BenchCase, LayerWeights } from './cases';
import type { Runner } from './runners';

export { ortRunner, seqgraphRunner, seqgraphThreadsRunner, traceBytes, type EngineName, type Runner } from './runners';

// ---- TensorFlow.js ----

type TF = typeof import('@tensorflow/tfjs');
let tfLoaded: Promise<TF> | null = null;

/** tfjs with its cpu backend and the wasm backend registered (binary from node_modules). */
export function loadTf(): Promise<TF> {
  tfLoaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    wasm.setWasmPaths(dist + path.sep);
    // one thread, like ort: never pick the threaded binary
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.enableProdMode(); // no debug checks (and no "install tfjs-node" banner): tfjs at its fastest
    tfWasm = wasm;
    return tf;
  })();
  return tfLoaded;
}

let tfWasm: typeof import('@tensorflow/tfjs-backend-wasm') | null = null;

/** tfjs-wasm's thread count as its backend reports it (after the wasm backend was used) */
export function tfThreads(): string {
  try {
    const n = tfWasm?.getThreadsCount();
    return n === undefined ? 'with an unknown thread count' : `on ${n} thread${n === 1 ? '' : 's'} (getThreadsCount())`;
  } catch (e) {
    return `(getThreadsCount: ${(e as Error).message})`;
  }
}

export async function tfjsRunner(c: BenchCase, backend: 'cpu' | 'wasm'): Promise<Runner | string> {
  if (!c.layer) return 'whole graphs are not ported to tfjs';
  const tf = await loadTf();
  if (!(await tf.setBackend(backend))) return `tfjs backend ${backend} did not initialise`;
  await tf.ready();
  const L: LayerWeights = c.layer;
  const { B, T, I, H } = L;
  const G = L.cell === 'LSTM' ? 4 : 3;
  // weights as the math wants them: W^T, biases folded the way PyTorch defines the cells
  const wihT = tf.tensor2d(transpose(L.w_ih, G * H, I), [I, G * H]);
  const whhT = tf.tensor2d(transpose(L.w_hh, G * H, H), [H, G * H]);
  const bx = new Float32Array(G * H), bh = new Float32Array(G * H);
  for (let j = 0; j < G * H; j++) {
    // GRU: b_hn stays inside r * (W_hn h + b_hn); everything else folds into the projection
    if (L.cell === 'GRU' && j >= 2 * H) { bx[j] = L.b_ih[j]; bh[j] = L.b_hh[j]; } else bx[j] = L.b_ih[j] + L.b_hh[j];
  }
  const bxT = tf.tensor1d(bx), bhT = tf.tensor1d(bh);
  const x = tf.tensor2d(c.feeds.x.data as Float32Array, [B * T, I]);
  const forward = () => tf.tidy(() => {
    const xp = tf.add(tf.matMul(x, wihT), bxT).reshape([B, T, G * H]);
    const steps = tf.unstack(xp, 1);
    let h = tf.zeros([B, H]) as import('@tensorflow/tfjs').Tensor2D;
    let cs = tf.zeros([B, H]) as import('@tensorflow/tfjs').Tensor2D;
    const ys = [];
    for (let t = 0; t < T; t++) {
      if (L.cell === 'LSTM') {
        const z = tf.add(steps[t], tf.matMul(h, whhT));
        const [i, f, g, o] = tf.split(z, 4, 1);
        cs = tf.add(tf.mul(tf.sigmoid(f), cs), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(cs));
      } else {
        const hh = tf.add(tf.matMul(h, whhT), bhT);
        const [xr, xz, xn] = tf.split(steps[t], 3, 1);
        const [hr, hz, hn] = tf.split(hh, 3, 1);
        const r = tf.sigmoid(tf.add(xr, hr)), z = tf.sigmoid(tf.add(xz, hz));
        const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
        h = tf.add(n, tf.mul(z, tf.sub(h, n)));
      }
      ys.push(h);
    }
    return tf.stack(ys, 1);
  });
  return {
    engine: backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm',
    threads: 1,
    async run() {
      await tf.setBackend(backend); // both tfjs engines share the global engine: select per run
      const y = forward();
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data;
    },
  };
}
