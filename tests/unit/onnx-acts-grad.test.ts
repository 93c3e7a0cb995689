// Backward (BPTT) of RNN / LSTM / GRU layers with ONNX's other activations (alpha/beta), clip and
// input_forget (issue 12), checked in float64 against central finite differences
// (tests/helpers/gradcheck.ts): every activation in the candidate role and, for the LSTM and GRU,
// in the gate and output roles; clip on and off; input_forget; forward, reverse, bidirectional;
// ragged token batches (padding) and initial states; through the compiler, so the node params and
// their lowering are what is checked. The forward of the same layers is checked against
// onnxruntime in onnx-acts.test.ts.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { ACTIVATIONS } from '../../src/runtime/kernels/activations';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { describeFailures, gradcheck } from '../helpers/gradcheck';
import { BACKENDS } from '../helpers/backends';
import { setKernelBackend } from '../../src/runtime/kernels/wasm/runtime';
import { backward, forwardTrain } from '../../src/runtime/train';
import { exportOnnx } from '../../src/onnx/export';

const rng = new Rng(20261202);
const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
const at = { x: 0, y: 0 };
const randAlpha = () => Math.round(rng.uniform(0.2, 1.4) * 100) / 100;

function graph(cell: 'RNN' | 'LSTM' | 'GRU', k: number, act: string) {
  const H = int(2, 4), bi = k % 3 === 2, reverse = k % 3 === 1, withState = k % 2 === 0;
  const gates = ACTIVATIONS.filter((a) => a !== act);
  const params: Record<string, unknown> = { hidden_size: H, bidirectional: bi, reverse: !bi && reverse, clip: k % 4 === 3 ? 0 : Math.round(rng.uniform(0.6, 2.5) * 10) / 10 };
  if (cell === 'RNN') Object.assign(params, { nonlinearity: act, nonlinearity_alpha: randAlpha(), nonlinearity_beta: randAlpha() - 0.7 });
  else {
    Object.assign(params, { activation: act, activation_alpha: randAlpha(), activation_beta: randAlpha() - 0.7, recurrent_activation: gates[k % gates.length], recurrent_activation_alpha: randAlpha(), recurrent_activation_beta: 0.5 });
    if (cell === 'GRU') params.linear_before_reset = k % 2 === 1;
    if (cell === 'LSTM') Object.assign(params, { output_activation: gates[(k + 3) % gates.length], output_activation_alpha: randAlpha(), input_forget: k % 2 === 1, peephole: k % 3 === 0 });
  }
  const vocab = ['<pad>', '<unk>', 'a', 'b', 'c', 'd'];
  const L = bi ? 2 : 1;
  const nodes: Record<string, unknown>[] = [
    { id: 'in', type: 'Input', name: 'x', position: at, params: { kind: 'tokens', vocab, tokenizer: 'chars' } },
    { id: 'emb', type: 'Embedding', name: 'emb', position: at, params: { embedding_dim: int(1, 3), padding_idx: 0 } },
    { id: 'rnn', type: cell, name: 'rnn', position: at, params },
    { id: 'out', type: 'Output', name: 'y', position: at, params: {} },
  ];
  const edges: Record<string, unknown>[] = [];
  const edge = (s: string, sp: string, t: string, tp: string) => edges.push({ id: `e${edges.length}`, source: { node: s, port: sp }, target: { node: t, port: tp } });
  edge('in', 'tokens', 'emb', 'tokens');
  edge('emb', 'output', 'rnn', 'input');
  edge('rnn', 'output', 'out', 'value');
  if (withState) {
    nodes.push({ id: 'h0', type: 'Input', name: 'h0', position: at, params: { kind: 'state', layers: L, features: H, cell: cell === 'LSTM' } });
    edge('h0', 'state', 'rnn', 'initial_state');
  }
  const doc = checkGraph({ format: 'seqgraph', version: 2, name: `acts${k}`, seed: k + 1, nodes, edges, samples: [] });
  if (!doc.ok) throw new Error(JSON.stringify(doc.diagnostics));
  const c = compile(doc.doc);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('; '));
  const B = int(2, 3), T = int(2, 5);
  const feeds: Record<string, Tensor> = {};
  for (const inp of c.program.inputs) {
    if (inp.info.kind === 'tokens') {
      const t = intTensor([B, T]);
      for (let b = 0; b < B; b++) { const n = b === 0 ? T : int(1, T); for (let s = 0; s < n; s++) t.data[b * T + s] = int(1, vocab.length - 1); }
      feeds[inp.name] = t;
    } else {
      const shape = inp.shape.map((d) => (d === 'B' ? B : (d as number)));
      feeds[inp.name] = floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.8, 0.8)));
    }
  }
  return { label: `${cell} ${JSON.stringify(params)} B=${B} T=${T}${withState ? ' +state' : ''}`, program: c.program, feeds };
}

describe('gradcheck: ONNX activations with alpha/beta, clip, input_forget', () => {
  for (const cell of ['RNN', 'LSTM', 'GRU'] as const) {
    it(`${cell}: every activation as the candidate, with other gate / output activations`, () => {
      ACTIVATIONS.forEach((act, i) => {
        for (let r = 0; r < 2; r++) {
          const c = graph(cell, 2 * i + r, act);
          const res = gradcheck(c.program, c.feeds, { seed: int(1, 1e6), run: { seed: 1, dropout: false } });
          expect(res.ok, `${c.label}: ${describeFailures(res)}`).toBe(true);
        }
      });
    });
  }
});

describe('training such a layer in float32 on either kernel backend', () => {
  it('the SIMD backend routes it to the TS loops: the same gradients as the TS backend', () => {
    for (const cell of ['RNN', 'LSTM', 'GRU'] as const) {
      const c = graph(cell, 5, 'elu');
      const grads = BACKENDS.map((backend) => {
        setKernelBackend(backend);
        try {
          const f = forwardTrain(c.program, c.feeds, { seed: 1 });
          const seeds = new Map(c.program.outputs.map((o) => [o.value, Float32Array.from(f.values.get(o.value)!.data, (_, i) => Math.sin(i))]));
          return backward(f.tape, seeds).grads;
        } finally {
          setKernelBackend('auto');
        }
      });
      expect([...grads[1].keys()].sort()).toEqual([...grads[0].keys()].sort());
      for (const [k, g] of grads[0]) expect(Math.max(...g.map((v, i) => Math.abs(v - grads[1].get(k)![i]))), `${cell} ${k}`).toBeLessThan(1e-6);
    }
  });
});

describe('bad params and exports name the node and the param', () => {
  const raw = (params: Record<string, unknown>, type = 'LSTM') => ({
    format: 'seqgraph', version: 2, name: 'bad', seed: 1, samples: [],
    nodes: [
      { id: 'in', type: 'Input', name: 'x', position: at, params: { kind: 'sequence', features: 2 } },
      { id: 'rnn', type, name: 'enc', position: at, params: { hidden_size: 2, ...params } },
      { id: 'out', type: 'Output', name: 'y', position: at, params: {} },
    ],
    edges: [{ id: 'e0', source: { node: 'in', port: 'sequence' }, target: { node: 'rnn', port: 'input' } }, { id: 'e1', source: { node: 'rnn', port: 'output' }, target: { node: 'out', port: 'value' } }],
  });
  it('an unknown activation, a negative clip', () => {
    const r = checkGraph(raw({ activation: 'gelu', clip: -1 }));
    if (r.ok) throw new Error('accepted');
    const text = r.diagnostics.map((d) => d.message).join('\n');
    expect(text).toMatch(/enc \(LSTM\): activation must be one of tanh, relu, sigmoid, hard_sigmoid, affine/);
    expect(text).toMatch(/enc \(LSTM\): clip must be at least 0/);
    expect(r.diagnostics.map((d) => [d.node, d.param])).toEqual([['rnn', 'activation'], ['rnn', 'clip']]);
  });
  it('ONNX export of a paper-update GRU needs a gate activation with g(−a) = 1 − g(a)', () => {
    const r = checkGraph(raw({ update_gate: 'paper', recurrent_activation: 'softsign' }, 'GRU'));
    if (!r.ok) throw new Error('refused');
    const c = compile(r.doc);
    expect(() => exportOnnx(c.program!)).toThrow(/GRU.*update_gate 'paper' exports as ONNX's GRU with z negated.*not softsign/);
  });
});
