// The engines of the training rows: one training step each, from the same initial weights, the
// same batch and the same settings (MSELoss, clip_grad_norm_(1.0), Adam lr 1e-3).
//
// - seqgraph / seqgraph-ts: seqgraph's own trainer (createTrainer(...).step(batch): forwardTrain →
//   loss → backward → clip → Adam, with the trainer's transaction checks), on the SIMD kernels
//   or with the TS reference kernels pinned.
// - tfjs-cpu / tfjs-wasm: the same model and step written as fast TensorFlow.js code does: the
//   cell in tf ops (one matMul for the input projection of every step, one per step for the
//   recurrent product — tfjs-layers' GRU cannot express PyTorch's, see engines.ts), the loss and
//   its gradients by tf.valueAndGrads (tf.grads that also returns the value) over the four weight tensors, clip by global norm, tf.train.adam with PyTorch's eps.
//   Both biases are separate variables, as in PyTorch, so Adam updates the same parameters.
//
// Each runner's first two steps are its `probe`: the losses before step 1 and step 2, which every
// engine must agree on (the second checks the gradients and Adam's update through the loss).
import { createTrainer } from '../train';
import { transpose } from '../runtime/kernels/gemm';
import { setKernelBackend } from '../runtime/kernels/wasm/runtime';
import { loadTf } from './engines';
import type { TrainCase } from './train-cases';

export type TrainEngine = 'seqgraph' | 'seqgraph-ts' | 'tfjs-cpu' | 'tfjs-wasm';

export interface TrainRunner {
  engine: TrainEngine;
  /** losses of the first two steps (taken when the runner was made) */
  probe: Float32Array;
  /** one more training step; resolves with its loss */
  run(): Promise<number>;
}

export async function seqgraphTrainRunner(c: TrainCase, engine: 'seqgraph' | 'seqgraph-ts'): Promise<TrainRunner> {
  const trainer = createTrainer(c.program(), c.settings);
  const step = () => {
    if (engine === 'seqgraph-ts') setKernelBackend('ts');
    try {
      return trainer.step(c.batch).loss;
    } finally {
      if (engine === 'seqgraph-ts') setKernelBackend('auto');
    }
  };
  const probe = Float32Array.of(step(), step());
  return { engine, probe, run: async () => step() };
}

type TF = Awaited<ReturnType<typeof loadTf>>;
type T2 = import('@tensorflow/tfjs').Tensor2D;

export async function tfjsTrainRunner(c: TrainCase, backend: 'cpu' | 'wasm'): Promise<TrainRunner | string> {
  const tf: TF = await loadTf();
  if (!(await tf.setBackend(backend))) return `tfjs backend ${backend} did not initialise`;
  await tf.ready();
  const { B, T, I, H, cell } = c;
  const G = cell === 'LSTM' ? 4 : 3, GH = G * H;
  const p = c.program();
  const w = (name: string) => p.initializers[`rnn.${name}`].data as Float32Array;
  // trainable weights: W^T (the layout matMul wants; Adam is elementwise, so layout is free), both biases
  const wih = tf.variable(tf.tensor2d(transpose(w('weight_ih_l0'), GH, I), [I, GH]));
  const whh = tf.variable(tf.tensor2d(transpose(w('weight_hh_l0'), GH, H), [H, GH]));
  const bih = tf.variable(tf.tensor1d(w('bias_ih_l0')));
  const bhh = tf.variable(tf.tensor1d(w('bias_hh_l0')));
  const x = tf.tensor2d(c.batch.feeds.x.data as Float32Array, [B * T, I]);
  const target = tf.tensor3d(c.batch.targets.y.data as Float32Array, [B, T, H]);
  const opt = tf.train.adam(c.settings.optimizer.lr, 0.9, 0.999, 1e-8);
  const maxNorm = c.settings.clip_grad_norm!.max_norm;

  const loss = (Wih: T2, Whh: T2, Bih: T2, Bhh: T2) => {
    const xp = tf.add(tf.matMul(x, Wih), Bih).reshape([B, T, GH]);
    const steps = tf.unstack(xp, 1);
    let h = tf.zeros([B, H]) as T2;
    let cs = tf.zeros([B, H]) as T2;
    const ys: T2[] = [];
    for (let t = 0; t < T; t++) {
      const hh = tf.add(tf.matMul(h, Whh), Bhh);
      if (cell === 'LSTM') {
        const [i, f, g, o] = tf.split(tf.add(steps[t], hh), 4, 1);
        cs = tf.add(tf.mul(tf.sigmoid(f), cs), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(cs));
      } else {
        const [xr, xz, xn] = tf.split(steps[t], 3, 1);
        const [hr, hz, hn] = tf.split(hh, 3, 1);
        const r = tf.sigmoid(tf.add(xr, hr)), z = tf.sigmoid(tf.add(xz, hz));
        const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
        h = tf.add(n, tf.mul(z, tf.sub(h, n)));
      }
      ys.push(h);
    }
    return tf.mean(tf.square(tf.sub(tf.stack(ys, 1), target)));
  };
  // tf.grads' sibling that also returns the loss: one forward and one backward per step
  const valueAndGrads = tf.valueAndGrads((Wih, Whh, Bih, Bhh) => loss(Wih as T2, Whh as T2, Bih as T2, Bhh as T2));
  const vars = [wih, whh, bih, bhh];
  const step = async (): Promise<number> => {
    await tf.setBackend(backend); // both tfjs engines share the global engine: select per step
    const l = tf.tidy(() => {
      const { value, grads: g } = valueAndGrads(vars);
      const norm = tf.sqrt(tf.addN(g.map((t) => tf.sum(tf.square(t)))));
      const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
      opt.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, tf.mul(g[k], scale)])));
      return tf.keep(value);
    });
    const v = (await l.data())[0];
    l.dispose();
    return v;
  };
  const probe = Float32Array.of(await step(), await step());
  return { engine: backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm', probe, run: step };
}
