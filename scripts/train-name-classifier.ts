// Trains the weights of tests/fixtures/graphs/name-classifier.json on the small hand-written surname list in
// scripts/names-data.ts and writes them into the graph file:
//
//   npx tsx scripts/train-name-classifier.ts
//
// The model is the graph's exact maths written with TensorFlow.js ops (cpu backend, autograd),
// parameterised with PyTorch's tensor layouts so the weights drop in under the graph's names:
//   emb.weight [33,16] (row 0 = <pad>, kept zero)
//   gru.weight_ih_l0 [96,16], weight_hh_l0 [96,32], bias_ih_l0 [96], bias_hh_l0 [96], and *_reverse
//       (gate order r, z, n; n = tanh(W_in x + b_in + r*(W_hn h + b_hn)); h = (1-z)*n + z*h)
//   dense.weight [8,64], dense.bias [8]
// LastStep takes the GRU output at each row's last real step: [h_fwd after the whole name ;
// h_bwd at step len-1], and the reverse direction of a packed sequence starts at the last real
// step, so h_bwd there is one GRU step on the last character from a zero state. Batches group
// names of equal length, so there is no padding. Deterministic: fixed seeds throughout.
// At the end it runs the graph with our own runtime and checks that it agrees with this model.
// The graph is a test fixture, not a gallery example (the gallery holds only graphs trained by
// `seqgraph train`); this script stays as the record of how its weights, which
// tests/unit/trained-examples.test.ts checks, were made.
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parseGraphText } from '../src/doc/load';
import { compile } from '../src/compiler/compile';
import { execute } from '../src/runtime/execute';
import { encodeBatch, encodeText } from '../src/runtime/tokenize';
import { encodeWeight } from '../src/doc/weights';
import type { TokenInputInfo } from '../src/ir/program';
import { LABELS, TRAIN, TEST, type Example } from './names-data';

const GRAPH = 'tests/fixtures/graphs/name-classifier.json';
const EPOCHS = 40;
const BATCH = 16;
const LR = 0.01;
const SEED = 1234;

const E = 16;
const H = 32;
const C = LABELS.length;

// --- a tiny seeded RNG (mulberry32) for shuffling
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], r: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

async function main() {
  await tf.setBackend('cpu');
  const t0 = Date.now();
  const text = readFileSync(GRAPH, 'utf8');
  const raw = JSON.parse(text);
  const loaded = parseGraphText(text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const base = compile(loaded.doc).program;
  if (!base) throw new Error('graph does not compile');
  const info = base.inputs[0].info as TokenInputInfo;
  const V = info.vocab.length;
  const labels: string[] = raw.nodes.find((n: { id: string }) => n.id === 'out').params.labels;
  if (labels.join() !== LABELS.join()) throw new Error(`labels differ: ${labels} vs ${LABELS}`);

  // --- parameters, initialised as PyTorch does (Embedding N(0,1); GRU and Linear U(-k, k))
  let s = SEED;
  const u = (shape: number[], k: number) => tf.variable(tf.randomUniform(shape, -k, k, 'float32', s++));
  const kg = 1 / Math.sqrt(H);
  const kd = 1 / Math.sqrt(2 * H);
  const embInit = tf.randomNormal([V, E], 0, 1, 'float32', s++);
  const padMask = tf.tensor2d(Array.from({ length: V }, (_, i) => (i === info.pad ? 0 : 1)), [V, 1]);
  const P = {
    emb: tf.variable(tf.mul(embInit, padMask)),
    w_ih: u([3 * H, E], kg),
    w_hh: u([3 * H, H], kg),
    b_ih: u([3 * H], kg),
    b_hh: u([3 * H], kg),
    w_ih_r: u([3 * H, E], kg),
    w_hh_r: u([3 * H, H], kg),
    b_ih_r: u([3 * H], kg),
    b_hh_r: u([3 * H], kg),
    dw: u([C, 2 * H], kd),
    db: u([C], kd),
  };

  const cell = (x: tf.Tensor2D, h: tf.Tensor2D, wih: tf.Variable, whh: tf.Variable, bih: tf.Variable, bhh: tf.Variable) => {
    const gi = tf.add(tf.matMul(x, wih, false, true), bih);
    const gh = tf.add(tf.matMul(h, whh, false, true), bhh);
    const [ir, iz, inn] = tf.split(gi, 3, 1);
    const [hr, hz, hn] = tf.split(gh, 3, 1);
    const r = tf.sigmoid(tf.add(ir, hr));
    const z = tf.sigmoid(tf.add(iz, hz));
    const n = tf.tanh(tf.add(inn, tf.mul(r, hn)));
    return tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h)) as tf.Tensor2D;
  };

  /** logits [B, C] for a batch of names that all have the same length */
  const forward = (ids: number[][]) => {
    const B = ids.length;
    const L = ids[0].length;
    const x = tf.gather(P.emb, tf.tensor2d(ids, [B, L], 'int32')); // [B, L, E]
    const steps = tf.unstack(x, 1) as tf.Tensor2D[];
    let h = tf.zeros([B, H]) as tf.Tensor2D;
    for (const xt of steps) h = cell(xt, h, P.w_ih, P.w_hh, P.b_ih, P.b_hh);
    const hb = cell(steps[L - 1], tf.zeros([B, H]) as tf.Tensor2D, P.w_ih_r, P.w_hh_r, P.b_ih_r, P.b_hh_r);
    const feat = tf.concat([h, hb], 1);
    return tf.add(tf.matMul(feat, P.dw, false, true), P.db) as tf.Tensor2D;
  };

  const encode = (name: string) => encodeText(name, info);
  const batches = (data: Example[], r: () => number, size: number) => {
    const byLen = new Map<number, Example[]>();
    for (const ex of data) {
      const L = encode(ex.name).length;
      byLen.set(L, [...(byLen.get(L) ?? []), ex]);
    }
    const out: Example[][] = [];
    for (const group of byLen.values()) {
      const g = shuffle(group, r);
      for (let i = 0; i < g.length; i += size) out.push(g.slice(i, i + size));
    }
    return shuffle(out, r);
  };

  const accuracy = (data: Example[]) =>
    tf.tidy(() => {
      let right = 0;
      for (const b of batches(data, rng(1), 1024)) {
        const pred = forward(b.map((e) => encode(e.name))).argMax(1).dataSync();
        b.forEach((e, i) => (right += pred[i] === e.label ? 1 : 0));
      }
      return right / data.length;
    });

  const opt = tf.train.adam(LR);
  const r = rng(SEED);
  const vars = Object.values(P);
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    let total = 0;
    for (const b of batches(TRAIN, r, BATCH)) {
      const ids = b.map((e) => encode(e.name));
      const y = tf.oneHot(tf.tensor1d(b.map((e) => e.label), 'int32'), C);
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(ids)) as tf.Scalar, true, vars);
      total += cost!.dataSync()[0] * b.length;
      cost!.dispose();
      y.dispose();
      // <pad> (row 0) stays zero: it never appears in a batch, so its gradient is zero, but make sure
      tf.tidy(() => P.emb.assign(tf.mul(P.emb, padMask)));
    }
    if (epoch % 10 === 0 || epoch === 1) {
      console.log(`epoch ${epoch}: loss ${(total / TRAIN.length).toFixed(4)}  train ${(100 * accuracy(TRAIN)).toFixed(1)}%  test ${(100 * accuracy(TEST)).toFixed(1)}%`);
    }
  }
  const trainSecs = (Date.now() - t0) / 1000;

  // --- write the weights into the graph under the node ids, with PyTorch's names
  const w = (v: tf.Variable) => encodeWeight(v.shape, v.dataSync() as Float32Array);
  const embData = new Float32Array(P.emb.dataSync());
  embData.fill(0, info.pad * E, (info.pad + 1) * E); // exactly +0 (the masking above can leave -0)
  raw.description =
    'N\u21921: reads a name character by character and says which language it most likely comes from. ' +
    'Embedding \u2192 bidirectional GRU \u2192 LastStep \u2192 Dense \u2192 Softmax. ' +
    'The weights were trained by scripts/train-name-classifier.ts on a small hand-written list of surnames ' +
    '(about 55 per language), so its predictions are plausible but not reliable.';
  raw.weights = {
    emb: { weight: encodeWeight(P.emb.shape, embData) },
    gru: {
      weight_ih_l0: w(P.w_ih),
      weight_hh_l0: w(P.w_hh),
      bias_ih_l0: w(P.b_ih),
      bias_hh_l0: w(P.b_hh),
      weight_ih_l0_reverse: w(P.w_ih_r),
      weight_hh_l0_reverse: w(P.w_hh_r),
      bias_ih_l0_reverse: w(P.b_ih_r),
      bias_hh_l0_reverse: w(P.b_hh_r),
    },
    dense: { weight: w(P.dw), bias: w(P.db) },
  };
  // the file's style: 2-space indent, shapes on one line, non-ASCII as \u escapes, no final newline
  const outText = JSON.stringify(raw, null, 2)
    .replace(/"shape": \[[\d,\s]*\]/g, (m) => m.replace(/\s+/g, ' ').replace('[ ', '[').replace(' ]', ']'))
    .replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

  // --- check with our runtime: same probabilities as the tfjs model, and the accuracies
  const again = parseGraphText(outText);
  if (!again.ok) throw new Error(JSON.stringify(again.diagnostics));
  const c = compile(again.doc);
  if (!c.program) throw new Error(JSON.stringify(c.diagnostics));
  const prog = c.program;
  const ours = (names: string[]) => {
    const probs = execute(prog, { [prog.inputs[0].name]: encodeBatch(names, info) }).outputs[prog.outputs[0].name];
    return names.map((_, b) => Array.from(probs.data.subarray(b * C, (b + 1) * C)));
  };
  let maxDiff = 0;
  const check = ['nakamura', 'ivanov', 'rossi', 'schmidt', "o'neill", 'al', 'dubois', 'gonzalez', 'haddad', 'smith'];
  const mine = ours(check); // one padded batch: exercises the packed-sequence handling as well
  check.forEach((name, b) => {
    const p = tf.tidy(() => Array.from(tf.softmax(forward([encode(name)])).dataSync()));
    for (let k = 0; k < C; k++) maxDiff = Math.max(maxDiff, Math.abs(p[k] - mine[b][k]));
    const top = mine[b].indexOf(Math.max(...mine[b]));
    console.log(`  ${name.padEnd(10)} -> ${LABELS[top]} (${(100 * mine[b][top]).toFixed(1)}%)`);
  });
  console.log(`tfjs vs our runtime: max |difference| of probabilities ${maxDiff.toExponential(2)} over ${check.length} names`);
  if (!(maxDiff < 1e-4)) throw new Error('our runtime disagrees with the tfjs model: weights not written');
  const acc = (data: Example[]) => {
    const p = ours(data.map((e) => e.name));
    return data.filter((e, i) => p[i].indexOf(Math.max(...p[i])) === e.label).length / data.length;
  };
  console.log(`our runtime: train ${(100 * acc(TRAIN)).toFixed(1)}% of ${TRAIN.length}, test ${(100 * acc(TEST)).toFixed(1)}% of ${TEST.length}`);
  writeFileSync(GRAPH, outText);
  console.log(`wrote ${GRAPH} (training took ${trainSecs.toFixed(1)} s)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
