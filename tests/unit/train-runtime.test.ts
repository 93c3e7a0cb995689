// The training runtime's contracts beyond the gradient values: nn.Embedding's padding_idx,
// dropout (seeded in training, identity at inference and in the ONNX export), truncated BPTT
// (initialStates in, finalStates out), the gradient trace (∂loss/∂h_t, ∂loss/∂c_t) and its JSON,
// and errors that name the node, the op and the position.
import { describe, expect, it } from 'vitest';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { Program } from '../../src/ir/program';
import { execute } from '../../src/runtime/execute';
import { backward, forwardTrain } from '../../src/runtime/train';
import { gradTraceFromJSON, gradTraceToJSON } from '../../src/runtime/grad-trace';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { exportOnnx } from '../../src/onnx/export';
import { runOnnx } from '../../src/onnx/ort';
import { expectClose } from '../helpers/fixtures';
import { opProgram } from '../helpers/gradcheck';
import { Rng } from '../../src/compiler/rng';

const at = { x: 0, y: 0 };
const rng = new Rng(5);
const rand = (shape: number[], s = 1) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-s, s)));

function build(nodes: object[], edges: [string, string, string, string][], seed = 3): Program {
  const doc = checkGraph({
    format: 'seqgraph', version: 2, name: 't', seed, samples: [], nodes,
    edges: edges.map(([s, sp, t, tp], i) => ({ id: `e${i}`, source: { node: s, port: sp }, target: { node: t, port: tp } })),
  });
  if (!doc.ok) throw new Error(JSON.stringify(doc.diagnostics));
  const c = compile(doc.doc);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('; '));
  return c.program;
}

/** x [B,T,I] -> <cell>(H, layers, bi) with an initial state input -> output, h_n */
function rnnGraph(cell: 'RNN' | 'LSTM' | 'GRU' | 'MGU', I: number, H: number, layers = 1, bi = false, extra: Record<string, unknown> = {}) {
  const D = bi ? 2 : 1;
  return build(
    [
      { id: 'x', type: 'Input', name: 'x', position: at, params: { kind: 'sequence', features: I } },
      { id: 'h0', type: 'Input', name: 'h0', position: at, params: { kind: 'state', layers: layers * D, features: H, cell: cell === 'LSTM' } },
      { id: 'rnn', type: cell, name: 'rnn', position: at, params: { hidden_size: H, num_layers: layers, bidirectional: bi, ...extra } },
      { id: 'out', type: 'Output', name: 'output', position: at, params: {} },
      { id: 'hn', type: 'Output', name: 'h_n', position: at, params: {} },
    ],
    [['x', 'sequence', 'rnn', 'input'], ['h0', 'state', 'rnn', 'initial_state'], ['rnn', 'output', 'out', 'value'], ['rnn', 'state', 'hn', 'value']],
  );
}

describe('Embedding (Gather) gradients as nn.Embedding', () => {
  it('rows of ids used get the sum of their gradients; unused rows and padding_idx get none', () => {
    const W = rand([5, 2]);
    const ids = intTensor([2, 3], [3, 0, 3, 1, 0, 0]); // 3 twice, 1 once, 0 (= padding_idx) three times; 2 and 4 unused
    const p = opProgram('Gather', [W, ids], { padding_idx: 0 });
    const f = forwardTrain(p, {}, { seed: 0 });
    const dY = Float32Array.from({ length: 12 }, (_, i) => i + 1);
    const g = backward(f.tape, new Map([['out0', dY]])).grads.get('in0')!;
    expect(Array.from(g)).toEqual([0, 0, /* id 1 */ 7, 8, /* id 2 */ 0, 0, /* id 3: rows 0 and 2 */ 1 + 5, 2 + 6, /* id 4 */ 0, 0]);
    // without padding_idx, id 0 is an ordinary row
    const q = opProgram('Gather', [W, ids]);
    const h = backward(forwardTrain(q, {}, { seed: 0 }).tape, new Map([['out0', dY]])).grads.get('in0')!;
    expect(Array.from(h.subarray(0, 2))).toEqual([3 + 9 + 11, 4 + 10 + 12]);
  });
});

describe('dropout', () => {
  const p = rnnGraph('LSTM', 3, 4, 3, false, { dropout: 0.5 });
  const feeds = { x: rand([2, 6, 3]), h0: rand([3, 2, 4]), h0_c: rand([3, 2, 4]) };
  it('is lowered between stacked layers (not after the last) and is the identity outside training', () => {
    expect(p.ops.filter((o) => o.op === 'Dropout').map((o) => o.attrs.ratio)).toEqual([0.5, 0.5]);
    const inference = execute(p, feeds).outputs.output.data;
    expect(Array.from(forwardTrain(p, feeds, { seed: 1 }).outputs.output.data)).toEqual(Array.from(inference));
    expect(Array.from(forwardTrain(p, feeds, { seed: 1, dropout: false }).outputs.output.data)).toEqual(Array.from(inference));
  });
  it('in training: seeded (same seed, same masks), about a fraction p dropped, the rest scaled by 1/(1-p)', () => {
    const a = forwardTrain(p, feeds, { seed: 11, dropout: true });
    const b = forwardTrain(p, feeds, { seed: 11, dropout: true });
    const c = forwardTrain(p, feeds, { seed: 12, dropout: true });
    expect(Array.from(a.outputs.output.data)).toEqual(Array.from(b.outputs.output.data));
    expect(Array.from(a.outputs.output.data)).not.toEqual(Array.from(c.outputs.output.data));
    const op = p.ops.find((o) => o.op === 'Dropout')!;
    const x = a.values.get(op.inputs[0])!.data, y = a.values.get(op.outputs[0])!.data;
    let dropped = 0;
    x.forEach((v, i) => (y[i] === 0 ? dropped++ : expect(y[i]).toBeCloseTo(2 * v, 6)));
    expect(dropped / x.length).toBeGreaterThan(0.3);
    expect(dropped / x.length).toBeLessThan(0.7);
  });
  it('a big Dropout node drops close to p of its values', () => {
    const q = opProgram('Dropout', [rand([100, 100])], { ratio: 0.2 });
    const y = forwardTrain(q, {}, { seed: 3, dropout: true }).outputs.out0.data;
    const frac = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(frac - 0.2)).toBeLessThan(0.02);
  });
  it('the ONNX export keeps the meaning: Dropout nodes run as the identity in onnxruntime', async () => {
    const out = await runOnnx(exportOnnx(p), feeds);
    expectClose('onnx output', out.output.data, execute(p, feeds).outputs.output.data, 1e-4);
  });
});

describe('truncated BPTT: initialStates in, finalStates out', () => {
  // the MGU and the peephole LSTM (its c feeds the gates) carry their state as the others do
  for (const [cell, extra] of [['GRU', {}], ['LSTM', {}], ['MGU', {}], ['LSTM', { peephole: true }]] as const) {
    it(`${cell}${'peephole' in extra ? ' peephole' : ''}: two chunks from carried states give the whole sequence's outputs; the cut stops the gradient`, () => {
      const p = rnnGraph(cell, 3, 4, 2, true, extra);
      const B = 2, T = 7, t1 = 4, I = 3;
      const x = rand([B, T, I]);
      const h0 = rand([4, B, 4]), c0 = rand([4, B, 4]);
      const state = (h: Tensor, c?: Tensor): Record<string, Tensor> => (cell === 'LSTM' ? { h0: h, h0_c: c! } : { h0: h });
      const full = forwardTrain(p, { x, ...state(h0, c0) }, { seed: 0 });
      const slice = (a: Tensor, from: number, to: number) => {
        const out = new Float32Array(B * (to - from) * I);
        for (let b = 0; b < B; b++) out.set(a.data.subarray((b * T + from) * I, (b * T + to) * I), b * (to - from) * I);
        return floatTensor([B, to - from, I], out);
      };
      // a bidirectional layer's reverse direction sees the chunk's end as its start, so chunking is
      // only exact forwards; here the chunks' forward-direction results are compared
      const c1 = forwardTrain(p, { x: slice(x, 0, t1), ...state(h0, c0) }, { seed: 0 });
      const recurrentOps = [...c1.finalStates.keys()];
      expect(recurrentOps).toEqual(p.ops.flatMap((o, k) => (o.op === cell ? [k] : [])));
      const init = new Map(recurrentOps.map((k) => [k, c1.finalStates.get(k)!]));
      const c2 = forwardTrain(p, { x: slice(x, t1, T), ...state(rand([4, B, 4]), rand([4, B, 4])) }, { seed: 0, initialStates: init });
      // layer 0's forward direction at the steps of chunk 2 matches the full run
      const y0 = (r: typeof full) => r.values.get(p.ops[recurrentOps[0]].outputs[0])!.data;
      const Tc = T - t1;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < Tc; t++) {
          const got = y0(c2).subarray((b * Tc + t) * 8, (b * Tc + t) * 8 + 4), want = y0(full).subarray((b * T + t1 + t) * 8, (b * T + t1 + t) * 8 + 4);
          expectClose(`row ${b} step ${t1 + t}`, got, want, 1e-6);
        }
      }
      // the given state overrides the state input: it gets no gradient; weights do
      const seeds = new Map([[p.outputs[0].value, Float32Array.from(c2.outputs.output.data, () => 1)]]);
      const g = backward(c2.tape, seeds);
      expect(g.inputGrads.has(p.inputs.find((i) => i.name === 'h0')!.value)).toBe(false);
      expect(g.inputGrads.has('x')).toBe(true);
      expect(g.grads.size).toBe(Object.keys(p.weightRefs).length);
      // a trainer that does not need input gradients gets the same weight gradients without them
      const w = backward(c2.tape, seeds, { inputGrads: false });
      expect(w.inputGrads.size).toBe(0);
      for (const [n, v] of g.grads) expect(Array.from(w.grads.get(n)!)).toEqual(Array.from(v));
    });
  }
  it('refuses a state for an op that is not recurrent, or of the wrong size, naming it', () => {
    const p = rnnGraph('GRU', 3, 4);
    const feeds = { x: rand([2, 3, 3]), h0: rand([1, 2, 4]) };
    const other = p.ops.findIndex((o) => o.op !== 'GRU');
    expect(() => forwardTrain(p, feeds, { seed: 0, initialStates: new Map([[other, { h: new Float32Array(8) }]]) })).toThrow(/not a recurrent layer/);
    const k = p.ops.findIndex((o) => o.op === 'GRU');
    expect(() => forwardTrain(p, feeds, { seed: 0, initialStates: new Map([[k, { h: new Float32Array(5) }]]) })).toThrow(/node "rnn" \(GRU, layer 0\).*5 values.*needs 8/);
  });
});

describe('the gradient trace', () => {
  it('∂loss/∂h_t per node, layer, direction and step: the future part equals the gradient of the state a later chunk starts from', () => {
    // L = Σ R·output. ∂L/∂h_t = R[t] + ∂(loss of steps after t)/∂h_t, and the latter is what a run of the
    // steps after t, started from h_t as its (fed) initial state, gives as d/dh0. Same for c.
    for (const cell of ['RNN', 'GRU', 'LSTM'] as const) {
      const p = rnnGraph(cell, 2, 3);
      const B = 2, T = 6, t = 2;
      const x = rand([B, T, 2]);
      const st = (h: Tensor, c?: Tensor): Record<string, Tensor> => (cell === 'LSTM' ? { h0: h, h0_c: c! } : { h0: h });
      const R = rand([B, T, 3]);
      const full = forwardTrain(p, { x, ...st(rand([1, B, 3]), rand([1, B, 3])) }, { seed: 0, trace: true });
      const g = backward(full.tape, new Map([[p.outputs[0].value, R.data as Float32Array]]), { trace: true });
      const node = g.gradTrace!.nodes[0];
      expect([node.name, node.type, node.batch, node.steps, node.hidden_size, node.layers.length]).toEqual(['rnn', cell, B, T, 3, 1]);
      const tr = full.trace!.nodes[0].layers[0];
      // the state at step t, and the rest of the sequence
      const pick = (a: Float32Array, tt: number) => Float32Array.from({ length: B * 3 }, (_, i) => a[(Math.floor(i / 3) * T + tt) * 3 + (i % 3)]);
      const rest = (a: Tensor, w: number) => floatTensor([B, T - t - 1, w], Float32Array.from({ length: B * (T - t - 1) * w }, (_, i) => {
        const b = Math.floor(i / ((T - t - 1) * w)), r = i % ((T - t - 1) * w);
        return a.data[(b * T + t + 1) * w + r];
      }));
      const later = forwardTrain(p, { x: rest(x, 2), ...st(floatTensor([1, B, 3], pick(tr.h, t)), tr.c ? floatTensor([1, B, 3], pick(tr.c, t)) : undefined) }, { seed: 0 });
      const gl = backward(later.tape, new Map([[p.outputs[0].value, rest(R, 3).data as Float32Array]]));
      const dh0 = gl.inputGrads.get(p.inputs.find((i) => i.name === 'h0')!.value)!;
      const want = dh0.map((v, i) => v + pick(R.data as Float32Array, t)[i]);
      expectClose(`${cell} ∂L/∂h_${t}`, pick(node.layers[0].dh, t), want, 1e-6);
      if (cell === 'LSTM') {
        // ∂L/∂c_t = ∂(later loss)/∂c0 + ∂L/∂h_t · o_t · tanh'(c_t)
        const dc0 = gl.inputGrads.get(p.inputs.find((i) => i.name === 'h0_c')!.value)!;
        const o = pick(tr.gates.o, t), c = pick(tr.c!, t), dh = pick(node.layers[0].dh, t);
        const wantC = dc0.map((v, i) => v + dh[i] * o[i] * (1 - Math.tanh(c[i]) ** 2));
        expectClose(`${cell} ∂L/∂c_${t}`, pick(node.layers[0].dc!, t), wantC, 1e-6);
      }
    }
  });

  it('covers every layer and direction, is 0 at padded steps, and survives a JSON round trip', () => {
    const vocab = ['<pad>', '<unk>', 'a', 'b'];
    const p = build(
      [
        { id: 'in', type: 'Input', name: 'text', position: at, params: { kind: 'tokens', vocab, tokenizer: 'chars' } },
        { id: 'emb', type: 'Embedding', name: 'emb', position: at, params: { embedding_dim: 3, padding_idx: 0 } },
        { id: 'rnn', type: 'LSTM', name: 'enc', position: at, params: { hidden_size: 2, num_layers: 2, bidirectional: true } },
        { id: 'out', type: 'Output', name: 'y', position: at, params: {} },
      ],
      [['in', 'tokens', 'emb', 'tokens'], ['emb', 'output', 'rnn', 'input'], ['rnn', 'last', 'out', 'value']],
    );
    const ids = intTensor([2, 4], [2, 3, 2, 0, 3, 0, 0, 0]);
    const f = forwardTrain(p, { text: ids }, { seed: 0, trace: true });
    const g = backward(f.tape, new Map([[p.outputs[0].value, Float32Array.from({ length: 8 }, (_, i) => i - 3)]]), { trace: true });
    const n = g.gradTrace!.nodes[0];
    expect(n.layers.map((l) => `${l.layer}${l.direction[0]}`)).toEqual(['0f', '0r', '1f', '1r']);
    expect(n.lengths).toEqual([3, 1]);
    expect(n.tokens).toEqual([['a', 'b', 'a'], ['b']]);
    for (const l of n.layers) {
      for (let t = 1; t < 4; t++) expect(Array.from(l.dh.subarray((4 + t) * 2, (4 + t + 1) * 2))).toEqual([0, 0]); // row 1 is 1 step long
      expect(l.dh.some((v) => v !== 0)).toBe(true);
      expect(l.dc!.some((v) => v !== 0)).toBe(true);
    }
    const json = JSON.parse(JSON.stringify(gradTraceToJSON(g.gradTrace!)));
    expect(json.nodes[0].layers[0].dh[1]).toHaveLength(1);
    const back = gradTraceFromJSON(json);
    back.nodes[0].layers.forEach((l, i) => {
      expectClose(`dh layer ${i}`, l.dh, n.layers[i].dh, 1e-7);
      expectClose(`dc layer ${i}`, l.dc!, n.layers[i].dc!, 1e-7);
    });
    expect(() => gradTraceFromJSON({ format: 'seqgraph-trace', nodes: [] })).toThrow(/not a seqgraph gradient trace/);
  });
});

describe('errors during backward name the node, the op and the position', () => {
  it('a gradient that overflows to Inf', () => {
    const p = build(
      [
        { id: 'x', type: 'Input', name: 'x', position: at, params: { kind: 'vector', features: 2 } },
        { id: 'd', type: 'Dense', name: 'proj', position: at, params: { units: 2 } },
        { id: 'out', type: 'Output', name: 'y', position: at, params: {} },
      ],
      [['x', 'vector', 'd', 'input'], ['d', 'output', 'out', 'value']],
    );
    const w = Object.keys(p.weightRefs).find((n) => p.weightRefs[n].name === 'weight')!;
    p.initializers[w].data.set([1e30, 0, 0, 1]);
    const f = forwardTrain(p, { x: floatTensor([1, 2], [1e-20, 1]) }, { seed: 0 });
    expect(() => backward(f.tape, new Map([[p.outputs[0].value, new Float32Array([1e20, 1])]]))).toThrow(
      /backward: node "proj" \(Linear\) produced Infinity in the gradient of its input W \("proj\.weight"\) at \[0, 1\]|backward: node "proj" \(Linear\) produced -?Infinity in the gradient of its input X .* at \[0, 0\]/,
    );
  });
  it('a bad seed: unknown value, wrong size, NaN', () => {
    const p = rnnGraph('RNN', 2, 2);
    const f = forwardTrain(p, { x: rand([1, 3, 2]), h0: rand([1, 1, 2]) }, { seed: 0 });
    expect(() => backward(f.tape, new Map([['nope', new Float32Array(1)]]))).toThrow(/no value "nope"/);
    expect(() => backward(f.tape, new Map([[p.outputs[0].value, new Float32Array(5)]]))).toThrow(/has 5 values, its shape \[1, 3, 2\] needs 6/);
    const bad = new Float32Array(6);
    bad[4] = NaN;
    expect(() => backward(f.tape, new Map([[p.outputs[0].value, bad]]))).toThrow(/the seed for ".*" has NaN at \[0, 2, 0\]/);
  });
  it('backward through a decoder that chose its own tokens (no target) says which, and why', () => {
    // a 1-layer GRU decoder (V 5, E 2, H 2) started from a given state, decoding greedily
    const ins = new Array(19).fill(undefined);
    [ins[2], ins[9], ins[10], ins[11]] = [rand([1, 1, 2]), rand([5, 2]), rand([5, 2]), rand([5])];
    ins.push(rand([6, 2]), rand([6, 2]), rand([6]), rand([6]));
    const attrs = { cell: 'GRU', hidden_size: 2, num_layers: 1, attention: 'none', bos: 2, eos: 3, pad: 0, max_len: 3, strategy: 'greedy' };
    const p = opProgram('Decode', ins, attrs, 5, ['int64', 'float32', 'float32', 'int64', 'float32']);
    const f = forwardTrain(p, {}, { seed: 0 });
    expect(() => backward(f.tape, new Map([['out1', new Float32Array(f.values.get('out1')!.data.length)]]))).toThrow(/node "Decode" \(Decode\): the decoder decodes freely here .*give it a target/);
  });
});
