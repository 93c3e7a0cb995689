// Worker threads for the SIMD kernels (threads.ts): results with 2 threads against 1 thread, bit
// for bit, over random layers of every cell variant, bidirectional, reversed and ragged batches,
// traces, training's saved activations and BPTT's gradients; the PyTorch fixtures at 1e-5 with
// threads on; and a check that the workers really ran the work (not the calling thread alone).
// The size threshold is set to 0 so even the small test layers are split.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import type { Program } from '../../src/ir/program';
import { prepareLayer, runLayer, type CellKind, type DirectionWeights, type LayerResult, type LayerSpec } from '../../src/runtime/kernels/recurrent';
import { setKernelBackend, simdAvailable } from '../../src/runtime/kernels/wasm/runtime';
import { initThreads, setThreads, splitRanges, stopThreads, threadCount, threadStats, threadTuning } from '../../src/runtime/kernels/wasm/threads';
import { CallList, CTL_WORDS, runList, SHARED_BASE } from '../../src/runtime/kernels/wasm/call-list';
import { backward, forwardTrain } from '../../src/runtime/train';
import { gemmSimd } from '../../src/runtime/kernels/wasm/pack';
import { linearBackwardSimd } from '../../src/runtime/kernels/wasm/linear-simd';
import { expectClose } from '../helpers/fixtures';
import { layerProgram, variants, type Variant } from '../helpers/recurrent-programs';

const G_OF: Record<CellKind, number> = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 };
const tuning = { ...threadTuning };

beforeAll(async () => {
  setKernelBackend('simd');
  threadTuning.minFlops = 0;
  threadTuning.minStepFlops = 0;
  expect(await initThreads(2)).toBe(2);
});
afterAll(async () => {
  Object.assign(threadTuning, tuning);
  setKernelBackend('auto');
  await stopThreads();
});

/**
 * the same call with 2 and with 1 thread; asserts the workers ran lists for the threaded one.
 * Threaded first: the scratch then still holds the previous call's values, so a thread that
 * skipped part of its work (a band of the projection, say) shows, instead of reading what the
 * one-thread run of the same call just left there.
 */
function both<R>(f: () => R): [R, R] {
  setThreads(2);
  expect(threadCount()).toBe(2);
  const before = threadStats.posted;
  const two = f();
  expect(threadStats.posted, 'a worker ran part of the work').toBeGreaterThan(before);
  setThreads(1);
  const one = f();
  return [one, two];
}

function sameBits(what: string, a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): void {
  expect(b === undefined, `${what}: present in both`).toBe(a === undefined);
  if (!a || !b) return;
  expect(b.length, `${what}: length`).toBe(a.length);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) throw new Error(`${what}: 2 threads differ from 1 at ${i}: ${b[i]} vs ${a[i]}`);
  }
}

function sameLayerResult(a: LayerResult, b: LayerResult): void {
  sameBits('y', a.y, b.y);
  sameBits('h_n', a.hN, b.hN);
  sameBits('c_n', a.cN, b.cN);
  expect(b.trace?.length).toBe(a.trace?.length);
  a.trace?.forEach((t, d) => {
    sameBits(`trace[${d}].h`, t.h, b.trace![d].h);
    sameBits(`trace[${d}].c`, t.c, b.trace![d].c);
    for (const g of Object.keys(t.gates)) sameBits(`trace[${d}].${g}`, t.gates[g], b.trace![d].gates[g]);
  });
}

describe.runIf(simdAvailable())('threads: forward layers, 2 threads = 1 thread bit for bit', () => {
  const specs: Omit<LayerSpec, 'inputSize' | 'hiddenSize' | 'bidirectional'>[] = [
    { cell: 'RNN', activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true },
    { cell: 'RNN', activation: 'relu', recurrentActivation: 'sigmoid', linearBeforeReset: true },
    { cell: 'LSTM', activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true },
    { cell: 'LSTM', activation: 'tanh', recurrentActivation: 'hard_sigmoid', linearBeforeReset: true, peephole: true },
    { cell: 'GRU', activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true },
    { cell: 'GRU', activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: false },
    { cell: 'GRU', activation: 'relu', recurrentActivation: 'sigmoid', linearBeforeReset: true, updateGate: 'paper' },
    { cell: 'MGU', activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true },
  ];
  const rng = new Rng(5);
  const rand = (n: number, s = 0.5) => Float32Array.from({ length: n }, () => rng.uniform(-s, s));
  let n = 0;
  for (const base of specs) {
    for (const dirs of ['forward', 'reverse', 'bidirectional'] as const) {
      const i = n++;
      it(`${base.cell} ${base.activation}${base.peephole ? ' peephole' : ''}${base.cell === 'GRU' ? ` lbr=${base.linearBeforeReset}${base.updateGate ? ' paper' : ''}` : ''} ${dirs}`, () => {
        // sizes off the SIMD width; B from 2 (one row per thread) to 7 (uneven split)
        // H >= 32 with B < 8: the unit split (threads own slices of the hidden units) where the
        // cell has it; else (and for small H) the row split
        const B = [2, 3, 7][i % 3], T = 3 + (i % 5), I = 5 + (i % 4), H = [5, 12, 40, 33][i % 4], G = G_OF[base.cell];
        const bi = dirs === 'bidirectional', D = bi ? 2 : 1;
        const spec = { ...base, inputSize: I, hiddenSize: H, bidirectional: bi, reverse: dirs === 'reverse' } as LayerSpec;
        const dir = (): DirectionWeights => ({ w_ih: rand(G * H * I), w_hh: rand(G * H * H), b_ih: rand(G * H), b_hh: rand(G * H), ...(base.peephole ? { p: rand(3 * H) } : {}) });
        const layer = prepareLayer(spec, dir(), bi ? dir() : undefined);
        const x = rand(B * T * I, 1), h0 = rand(D * B * H), c0 = rand(D * B * H);
        // ragged: lengths out of order with a zero-length row; and a full batch
        const lengths = Int32Array.from({ length: B }, (_, b) => (b === 1 ? T : b === 2 ? 0 : 1 + ((b * 3) % T)));
        for (const opts of [{}, { lengths, h0, c0: base.cell === 'LSTM' ? c0 : undefined, trace: true }, { trace: true }]) {
          const [a, b] = both(() => runLayer(layer, x, B, T, opts));
          sameLayerResult(a, b);
        }
      });
    }
  }
});

describe.runIf(simdAvailable())('threads: one row (the unit split), 2 threads = 1 thread bit for bit', () => {
  const rng = new Rng(6);
  const rand = (n: number, s = 0.5) => Float32Array.from({ length: n }, () => rng.uniform(-s, s));
  for (const cell of ['LSTM', 'GRU', 'RNN'] as const) {
    it(`${cell} B=1 H=72, bidirectional, trace`, () => {
      const B = 1, T = 9, I = 7, H = 72, G = G_OF[cell];
      const dir = (): DirectionWeights => ({ w_ih: rand(G * H * I), w_hh: rand(G * H * H), b_ih: rand(G * H), b_hh: rand(G * H) });
      const layer = prepareLayer({ cell, activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true, inputSize: I, hiddenSize: H, bidirectional: true }, dir(), dir());
      const x = rand(B * T * I, 1);
      for (const opts of [{}, { trace: true, h0: rand(2 * B * H), c0: cell === 'LSTM' ? rand(2 * B * H) : undefined }]) {
        const [a, b] = both(() => runLayer(layer, x, B, T, opts));
        sameLayerResult(a, b);
      }
    });
  }
});

describe.runIf(simdAvailable())('threads: the unit split reuses its call lists only for a run of the same shape', () => {
  // the scratch is reused, so runs of one layer at other T, with or without a trace, or from
  // other lengths, find the same addresses: lists recorded for one of them must not run another
  it('LSTM B=1 H=40: traced, plain, shorter, ragged, traced again', () => {
    const rng = new Rng(8);
    const rand = (n: number, s = 0.5) => Float32Array.from({ length: n }, () => rng.uniform(-s, s));
    const B = 1, I = 6, H = 40;
    const layer = prepareLayer({ cell: 'LSTM', activation: 'tanh', recurrentActivation: 'sigmoid', linearBeforeReset: true, inputSize: I, hiddenSize: H, bidirectional: false },
      { w_ih: rand(4 * H * I), w_hh: rand(4 * H * H), b_ih: rand(4 * H), b_hh: rand(4 * H) });
    const x = rand(B * 12 * I, 1);
    const runs: [number, object][] = [[12, { trace: true }], [12, {}], [7, {}], [12, { lengths: Int32Array.of(5) }], [12, { trace: true }], [12, { trace: true }]];
    for (const [T, opts] of runs) {
      const [a, b] = both(() => runLayer(layer, x.subarray(0, B * T * I), B, T, opts));
      sameLayerResult(a, b);
    }
  });
});

describe.runIf(simdAvailable())('threads: training (saved activations + BPTT), 2 threads = 1 thread bit for bit', () => {
  const pick = variants().filter((v, i) => i % 2 === 0 || v.cell === 'GRU');
  // B = 6, H = 11: the row split; B = 2, H = 40: the unit split (for the cells that have it)
  for (const [B, T, I, H] of [[6, 7, 5, 11], [2, 5, 3, 40]]) for (const v of pick) {
    for (const bi of [false, true]) {
      it(`${v.cell} ${v.activation} ${v.ra}${v.cell === 'GRU' ? ` lbr=${v.lbr}` : ''}${bi ? ' bidirectional' : ''} B=${B} H=${H}, ragged + initial state, gradient trace`, () => {
        const p: Program = layerProgram(v as Variant, bi, true, true, new Rng(21), B, T, I, H);
        const seedRng = new Rng(8);
        const seeds = p.outputs.map((o, i) => [o.value, Float32Array.from({ length: i === 0 ? B * T * (bi ? 2 : 1) * H : (bi ? 2 : 1) * B * H }, () => seedRng.uniform(-1, 1))] as const);
        const [a, b] = both(() => {
          const f = forwardTrain(p, {}, { seed: 0, trace: true });
          const outs = Object.fromEntries(Object.entries(f.outputs).map(([k, t]) => [k, Float32Array.from(t.data as Float32Array)]));
          return { outs, res: backward(f.tape, new Map(seeds), { trace: true }) };
        });
        for (const k of Object.keys(a.outs)) sameBits(`output ${k}`, a.outs[k], b.outs[k]);
        expect([...b.res.grads.keys()].sort()).toEqual([...a.res.grads.keys()].sort());
        for (const [name, g] of a.res.grads) sameBits(`d${name}`, g, b.res.grads.get(name));
        for (const [name, g] of a.res.inputGrads) sameBits(`input d${name}`, g, b.res.inputGrads.get(name));
        a.res.gradTrace?.nodes.forEach((nt, i) => nt.layers.forEach((l, k) => {
          sameBits(`dL/dh ${nt.node} ${k}`, l.dh, b.res.gradTrace!.nodes[i].layers[k].dh);
          sameBits(`dL/dc ${nt.node} ${k}`, l.dc, b.res.gradTrace!.nodes[i].layers[k].dc);
        }));
      });
    }
  }
});

describe.runIf(simdAvailable())('threads: PyTorch fixtures (cells.json) at 1e-5 with 2 threads', () => {
  interface TJ { shape: number[]; data: number[] }
  const cells = JSON.parse(readFileSync(new URL('../fixtures/pytorch/cells.json', import.meta.url), 'utf8'));
  const KIND: Record<string, { cell: CellKind; activation: 'tanh' | 'relu' }> = {
    rnn_tanh: { cell: 'RNN', activation: 'tanh' }, rnn_relu: { cell: 'RNN', activation: 'relu' },
    lstm: { cell: 'LSTM', activation: 'tanh' }, gru: { cell: 'GRU', activation: 'tanh' },
  };
  const f32 = (t: TJ) => Float32Array.from(t.data);
  for (const c of cells.cases) {
    it.runIf(c.batch >= 2)(`cells.json ${c.name}`, () => {
      setThreads(2);
      const { cell, activation } = KIND[c.kind];
      const D = c.bidirectional ? 2 : 1, H = c.hidden_size, B = c.batch, T = c.seq_len, n = D * B * H;
      const w = c.weights as Record<string, TJ>;
      const dir = (l: number, sfx: string): DirectionWeights => ({
        w_ih: f32(w[`weight_ih_l${l}${sfx}`]), w_hh: f32(w[`weight_hh_l${l}${sfx}`]), b_ih: f32(w[`bias_ih_l${l}${sfx}`]), b_hh: f32(w[`bias_hh_l${l}${sfx}`]),
      });
      const before = threadStats.posted;
      let inp: Float32Array = f32(c.x);
      const hN = new Float32Array(c.num_layers * n), cN = new Float32Array(c.num_layers * n);
      const h0 = f32(c.h0), c0 = c.c0 ? f32(c.c0) : undefined;
      for (let l = 0; l < c.num_layers; l++) {
        const layer = prepareLayer({ cell, activation, recurrentActivation: 'sigmoid', linearBeforeReset: true, inputSize: l === 0 ? c.input_size : D * H, hiddenSize: H, bidirectional: D === 2 }, dir(l, ''), D === 2 ? dir(l, '_reverse') : undefined);
        const r = runLayer(layer, inp, B, T, { h0: h0.subarray(l * n, (l + 1) * n), c0: c0?.subarray(l * n, (l + 1) * n) });
        hN.set(r.hN, l * n);
        if (r.cN) cN.set(r.cN, l * n);
        inp = r.y;
      }
      setThreads(1);
      expect(threadStats.posted).toBeGreaterThan(before);
      expectClose(`${c.name} output`, inp, c.output.data, 1e-5);
      expectClose(`${c.name} h_n`, hN, c.h_n.data, 1e-5);
      if (c.c_n) expectClose(`${c.name} c_n`, cN, c.c_n.data, 1e-5);
    });
  }
});

describe.runIf(simdAvailable())('threads: Dense forward and backward, 2 threads = 1 thread bit for bit', () => {
  it('gemm (Y = X·W + b) and Linear backward (dX, dW, db) on uneven sizes', () => {
    const rng = new Rng(9);
    const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    for (const [M, K, N] of [[37, 33, 29], [101, 40, 17], [64, 24, 40]]) {
      const X = rand(M * K), Wt = rand(K * N), b = rand(N), W = rand(N * K), dY = rand(M * N);
      const [y1, y2] = both(() => {
        const Y = new Float32Array(M * N);
        expect(gemmSimd(X, 0, M, K, Wt, N, b, Y, 0)).toBe(true);
        return Y;
      });
      sameBits(`Y ${M}x${K}x${N}`, y1, y2);
      const [g1, g2] = both(() => linearBackwardSimd(X, W, dY, M, K, N, [true, true, true])!);
      ['dX', 'dW', 'db'].forEach((n, i) => sameBits(`${n} ${M}x${K}x${N}`, g1[i] as Float32Array, g2[i] as Float32Array));
    }
  });
});

describe.runIf(simdAvailable())('threads: call lists are copied to the workers, never transferred', () => {
  // A transfer detaches the list's buffer, and the first detach in a thread makes V8's optimised
  // code check every typed-array access from then on: G2P training's TypeScript ran ~20% slower
  // with a pool than without. Every message the pool posts must come without a transfer list.
  it('posts each list without a transfer list', () => {
    const sent: unknown[][] = [];
    const real = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, ...a: unknown[]) {
      sent.push(a);
      return real.apply(this, a as [unknown]);
    };
    try {
      const rng = new Rng(3);
      const X = Float32Array.from({ length: 64 * 32 }, () => rng.uniform(-1, 1)), Wt = Float32Array.from({ length: 32 * 48 }, () => rng.uniform(-1, 1));
      both(() => {
        const Y = new Float32Array(64 * 48);
        expect(gemmSimd(X, 0, 64, 32, Wt, 48, null, Y, 0)).toBe(true);
        return Y;
      });
    } finally {
      Worker.prototype.postMessage = real;
    }
    expect(sent.length, 'the pool posted lists').toBeGreaterThan(0);
    for (const a of sent) expect(a[1], 'a transfer list').toBeUndefined();
  });
});

describe('splitRanges', () => {
  it('balances weighted rows into contiguous ranges', () => {
    expect(splitRanges(10, 2)).toEqual([0, 5, 10]);
    expect(splitRanges(1, 2)).toEqual([0, 1]);
    expect(splitRanges(8, 2, 4)).toEqual([0, 4, 8]);
    expect(splitRanges(6, 4, 4)).toEqual([0, 6]);
    // rows sorted longest first: the long first row gets a range nearly to itself
    const len = [10, 2, 2, 2, 2, 2];
    expect(splitRanges(6, 2, 1, (i) => len[i])).toEqual([0, 1, 6]);
  });
});

describe('call lists: shared blocks', () => {
  // runList's shared block is what lets the unit split's projection go to whichever thread is
  // free: two lists that hold the same block must run each of its calls exactly once between
  // them, whatever order the threads reach it in, and a thread that comes late finds none left.
  const index = new Map([['k', 0]]);
  const block = (n: number): [string, ...number[]][] => Array.from({ length: n }, (_, i) => ['k', i, 10 * i, 7, 7, 7, 7]);
  it('runs each call once between two lists, then goes on past the block', () => {
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
    const ran: number[][] = [[], []];
    const lists = [new CallList(index), new CallList(index)];
    lists.forEach((l, t) => { l.call('k', -1, t, 0, 0, 0, 0); l.shared(3, block(5)); l.call('k', -2, t, 0, 0, 0, 0); });
    const fns = (t: number) => [(a: number, b: number) => ran[t].push(a === -1 || a === -2 ? a * 100 - b : b / 10)];
    // thread 0 takes three calls before thread 1 starts (as if its wake-up were slow), thread 1 the rest
    const l0 = lists[0].done(), l1 = lists[1].done();
    let took = 0;
    const slow = [(a: number, b: number) => { ran[0].push(a === -1 || a === -2 ? a * 100 - b : b / 10); if (a >= 0 && ++took === 3) runList(fns(1), l1, ctl, false); }];
    runList(slow, l0, ctl, false);
    expect(ran[1]).toEqual([-100 - 1, 3, 4, -200 - 1]);
    expect(ran[0]).toEqual([-100, 0, 1, 2, -200]);
    expect(Atomics.load(ctl, SHARED_BASE + 3)).toBeGreaterThanOrEqual(5);
  });
  it('refuses a block whose calls take different numbers of arguments, or a slot out of range', () => {
    const l = new CallList(index);
    expect(() => l.shared(0, [['k', 1, 2], ['k', 1]])).toThrow(/as many arguments/);
    expect(() => l.shared(CTL_WORDS - SHARED_BASE, block(1))).toThrow(/slot/);
  });
});
