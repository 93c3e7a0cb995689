// The property test of backward: hundreds of random cases, each checked in float64 against
// central finite differences (tests/helpers/gradcheck.ts):
//   - every non-attention op with a backward, alone, at random shapes and attributes;
//   - RNN / LSTM / GRU / MGU layers in every variant the forward supports (tanh/relu, sigmoid/
//     hard_sigmoid, both GRU linear_before_reset and update-gate conventions, LSTM with and
//     without peepholes, uni/bidirectional), ragged lengths, with and without initial states;
//   - whole graphs through the compiler: stacked and bidirectional layers with every merge mode,
//     dropout between layers and Dropout nodes active (seeded), initial states from a State input,
//     token inputs with an Embedding (padding_idx) over ragged batches, and the heads after them.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { OpName } from '../../src/ir/ops';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { describeFailures, gradcheck, opProgram } from '../helpers/gradcheck';

const rng = new Rng(20240611);
const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const randn = (shape: number[], scale = 1) => floatTensor(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-scale, scale)));
const lengthsOf = (B: number, T: number) => intTensor([B], Array.from({ length: B }, () => int(1, T)));

function check(label: string, program: ReturnType<typeof opProgram>, feeds: Record<string, Tensor> = {}, dropout = false) {
  const r = gradcheck(program, feeds, { seed: int(1, 1e6), run: { seed: int(0, 1e6), dropout } });
  expect(r.ok, `${label}: ${describeFailures(r)}`).toBe(true);
  return r;
}

// ---------------------------------------------------------------- single ops
type OpCase = () => { label: string; ins: (Tensor | undefined)[]; attrs?: Record<string, number | string | boolean>; dropout?: boolean };
const OPS: Partial<Record<OpName, OpCase>> = {
  Gather: () => {
    const N = int(2, 6), D = int(1, 4), pad = pick([undefined, 0, 1]);
    const idx = intTensor([int(1, 3), int(1, 4)]);
    // ids other than padding_idx (whose row gets no gradient by definition, as nn.Embedding: train-runtime.test.ts checks that)
    idx.data.forEach((_, i) => { let id; do id = int(0, N - 1); while (id === pad); idx.data[i] = id; });
    return { label: `Gather N=${N} D=${D} pad=${pad}`, ins: [randn([N, D]), idx], attrs: pad === undefined ? {} : { padding_idx: pad as number } } as ReturnType<OpCase>;
  },
  Identity: () => ({ label: 'Identity', ins: [randn([int(1, 3), int(1, 4)])] }),
  Dropout: () => ({ label: 'Dropout', ins: [randn([int(1, 3), int(1, 4), int(1, 5)])], attrs: { ratio: pick([0.2, 0.5]) }, dropout: true }),
  Linear: () => {
    const K = int(1, 5), N = int(1, 5), lead = pick([[int(1, 3)], [int(1, 3), int(1, 4)]]);
    return { label: `Linear [${lead}],${K}->${N}`, ins: [randn([...lead, K]), randn([N, K]), rng.next() < 0.7 ? randn([N]) : undefined] };
  },
  MatMul: () => {
    const K = int(1, 5), N = int(1, 5), lead = pick([[int(1, 3)], [int(1, 3), int(1, 3)]]);
    return { label: `MatMul [${lead}],${K}x${N}`, ins: [randn([...lead, K]), randn([K, N])] };
  },
  Add: () => { const s = [int(1, 3), int(1, 4)]; return { label: 'Add', ins: [randn(s), randn(s)] }; },
  Mul: () => { const s = [int(1, 3), int(1, 4)]; return { label: 'Mul', ins: [randn(s), randn(s)] }; },
  Scale: () => ({ label: 'Scale', ins: [randn([int(1, 3), int(1, 4)])], attrs: { alpha: rng.uniform(-2, 2) } }),
  Tanh: () => ({ label: 'Tanh', ins: [randn([int(1, 3), int(1, 5)], 3)] }),
  Sigmoid: () => ({ label: 'Sigmoid', ins: [randn([int(1, 3), int(1, 5)], 3)] }),
  Relu: () => ({ label: 'Relu', ins: [randn([int(1, 3), int(1, 5)], 3)] }),
  HardSigmoid: () => ({ label: 'HardSigmoid', ins: [randn([int(1, 3), int(1, 5)], 4)] }),
  Softmax: () => ({ label: 'Softmax', ins: [randn([int(1, 3), int(1, 3), int(1, 5)], 2)] }),
  LogSoftmax: () => ({ label: 'LogSoftmax', ins: [randn([int(1, 3), int(1, 5)], 2)] }),
  Slice: () => {
    const shape = [int(1, 3), int(2, 4), int(1, 4)], axis = int(0, 2), n = shape[axis];
    const start = int(0, n - 1), end = int(start + 1, n);
    return { label: `Slice axis ${axis} [${start},${end})`, ins: [randn(shape)], attrs: { axis, start, end } };
  },
  Concat: () => {
    const axis = int(0, 2), base = [int(1, 3), int(1, 3), int(1, 3)];
    const parts = Array.from({ length: int(1, 3) }, () => { const s = [...base]; s[axis] = int(1, 3); return randn(s); });
    return { label: `Concat ${parts.length} on axis ${axis}`, ins: parts, attrs: { axis } };
  },
  LastStep: () => { const B = int(1, 3), T = int(1, 5); return { label: 'LastStep', ins: [randn([B, T, int(1, 4)]), rng.next() < 0.7 ? lengthsOf(B, T) : undefined] }; },
  SeqPool: () => {
    const B = int(1, 3), T = int(1, 5), mode = pick(['mean', 'max']);
    return { label: `SeqPool ${mode}`, ins: [randn([B, T, int(1, 4)]), rng.next() < 0.7 ? lengthsOf(B, T) : undefined], attrs: { mode } };
  },
  RepeatVector: () => ({ label: 'RepeatVector', ins: [randn([int(1, 3), int(1, 4)])], attrs: { n: int(1, 4) } }),
  MaskSteps: () => { const B = int(1, 3), T = int(1, 5); return { label: 'MaskSteps', ins: [randn([B, T, int(1, 4)]), lengthsOf(B, T)] }; },
  MergeDirections: () => {
    const mode = pick(['sum', 'mul', 'ave']);
    return { label: `MergeDirections ${mode}`, ins: [randn([int(1, 3), ...(rng.next() < 0.5 ? [int(1, 3)] : []), 2 * int(1, 3)])], attrs: { mode } };
  },
  StateToVector: () => ({ label: 'StateToVector', ins: [randn([int(1, 2), int(1, 3), int(1, 4)])] }),
};

describe('gradcheck: every op alone, random shapes', () => {
  for (const [op, make] of Object.entries(OPS)) {
    it(op, () => {
      for (let k = 0; k < 8; k++) {
        const c = make!();
        check(c.label, opProgram(op as OpName, c.ins, c.attrs ?? {}), {}, c.dropout);
      }
    });
  }
});

// ---------------------------------------------------------------- recurrent layers
interface Variant { cell: 'RNN' | 'LSTM' | 'GRU' | 'MGU'; act: 'tanh' | 'relu'; ract: 'sigmoid' | 'hard_sigmoid'; lbr: boolean; bi: boolean; paper?: boolean; peephole?: boolean }
const VARIANTS: Variant[] = [];
for (const bi of [false, true]) {
  for (const act of ['tanh', 'relu'] as const) VARIANTS.push({ cell: 'RNN', act, ract: 'sigmoid', lbr: true, bi });
  for (const ract of ['sigmoid', 'hard_sigmoid'] as const) {
    for (const act of ['tanh', 'relu'] as const) {
      for (const peephole of [false, true]) VARIANTS.push({ cell: 'LSTM', act, ract, lbr: true, bi, peephole });
      for (const lbr of [true, false]) for (const paper of [false, true]) VARIANTS.push({ cell: 'GRU', act, ract, lbr, bi, paper });
      VARIANTS.push({ cell: 'MGU', act, ract, lbr: true, bi });
    }
  }
}

function recurrentCase(v: Variant) {
  const B = int(1, 3), T = int(1, 5), I = int(1, 4), H = int(1, 4), D = v.bi ? 2 : 1, G = { RNN: 1, LSTM: 4, GRU: 3, MGU: 2 }[v.cell];
  const scale = 1 / Math.sqrt(H) + 0.3;
  const dir = () => [randn([G * H, I], scale), randn([G * H, H], scale), randn([G * H], scale), randn([G * H], scale)];
  const ins: (Tensor | undefined)[] = [randn([B, T, I]), ...dir(), ...(v.bi ? dir() : [undefined, undefined, undefined, undefined])];
  const withState = rng.next() < 0.6, ragged = rng.next() < 0.6;
  ins.push(withState ? randn([D, B, H]) : undefined);
  if (v.cell === 'LSTM') ins.push(withState && rng.next() < 0.8 ? randn([D, B, H]) : undefined);
  ins.push(ragged ? lengthsOf(B, T) : undefined);
  const lengths = ins[ins.length - 1];
  if (v.peephole) ins.push(randn([3 * H], scale), v.bi ? randn([3 * H], scale) : undefined); // ONNX's P per direction
  const attrs: Record<string, number | string | boolean> = { hidden_size: H, direction: v.bi ? 'bidirectional' : 'forward', activation: v.act };
  if (v.cell !== 'RNN') attrs.recurrent_activation = v.ract;
  if (v.cell === 'GRU') {
    attrs.linear_before_reset = v.lbr;
    attrs.update_gate = v.paper ? 'paper' : 'pytorch';
  }
  const label = `${v.cell} ${v.act}/${v.ract}${v.cell === 'GRU' ? ` lbr=${v.lbr} update_gate=${attrs.update_gate}` : ''}${v.peephole ? ' peephole' : ''}${v.bi ? ' bi' : ''} B=${B} T=${T} I=${I} H=${H}${withState ? ' h0' : ''}${lengths ? ` lengths=${Array.from(lengths.data)}` : ''}`;
  return { label, program: opProgram(v.cell, ins, attrs, v.cell === 'LSTM' ? 3 : 2) };
}

describe('gradcheck: recurrent layers in every variant (ragged, initial states)', () => {
  for (const v of VARIANTS) {
    const name = `${v.cell} ${v.act}/${v.ract}${v.cell === 'GRU' ? ` linear_before_reset=${v.lbr}${v.paper ? ' update_gate=paper' : ''}` : ''}${v.peephole ? ' peephole' : ''}${v.bi ? ' bidirectional' : ''}`;
    it(name, () => {
      for (let k = 0; k < 6; k++) {
        const c = recurrentCase(v);
        check(c.label, c.program);
      }
    });
  }
});

// ---------------------------------------------------------------- whole graphs
const at = { x: 0, y: 0 };
function graphCase(k: number) {
  const cell = pick(['RNN', 'LSTM', 'GRU', 'MGU'] as const);
  const tokens = rng.next() < 0.5;
  const bi = rng.next() < 0.6, layers = int(1, 3), H = int(2, 4);
  const merge = bi ? pick(['concat', 'sum', 'mul', 'ave'] as const) : 'concat';
  const params: Record<string, unknown> = { hidden_size: H, num_layers: layers, bidirectional: bi, merge_mode: merge, dropout: layers > 1 ? 0.3 : 0 };
  if (cell === 'RNN') params.nonlinearity = pick(['tanh', 'relu']);
  else { params.activation = pick(['tanh', 'relu']); params.recurrent_activation = pick(['sigmoid', 'hard_sigmoid']); }
  if (cell === 'GRU') {
    params.linear_before_reset = rng.next() < 0.5;
    params.update_gate = pick(['pytorch', 'paper']);
  }
  if (cell === 'LSTM') params.peephole = rng.next() < 0.5;
  const withState = rng.next() < 0.4;
  const head = pick(['output', 'last', 'laststep', 'pool_mean', 'pool_max', 'dense_seq'] as const);
  const vocab = ['<pad>', '<unk>', 'a', 'b', 'c', 'd'];
  const nodes: Record<string, unknown>[] = [
    tokens
      ? { id: 'in', type: 'Input', name: 'x', position: at, params: { kind: 'tokens', vocab, tokenizer: 'chars' } }
      : { id: 'in', type: 'Input', name: 'x', position: at, params: { kind: 'sequence', features: int(1, 3) } },
    { id: 'rnn', type: cell, name: 'rnn', position: at, params },
    { id: 'out', type: 'Output', name: 'y', position: at, params: {} },
  ];
  const edges: Record<string, unknown>[] = [];
  const edge = (s: string, sp: string, t: string, tp: string) => edges.push({ id: `e${edges.length}`, source: { node: s, port: sp }, target: { node: t, port: tp } });
  if (tokens) {
    nodes.push({ id: 'emb', type: 'Embedding', name: 'emb', position: at, params: { embedding_dim: int(1, 3), padding_idx: 0 } });
    edge('in', 'tokens', 'emb', 'tokens');
    edge('emb', 'output', 'rnn', 'input');
  } else edge('in', 'sequence', 'rnn', 'input');
  if (withState) {
    nodes.push({ id: 'h0', type: 'Input', name: 'h0', position: at, params: { kind: 'state', layers: layers * (bi ? 2 : 1), features: H, cell: cell === 'LSTM' } });
    edge('h0', 'state', 'rnn', 'initial_state');
  }
  if (head === 'output' || head === 'last') edge('rnn', head, 'out', 'value');
  else if (head === 'laststep') {
    nodes.push({ id: 'ls', type: 'LastStep', name: 'ls', position: at, params: {} }, { id: 'sm', type: 'LogSoftmax', name: 'sm', position: at, params: {} });
    edge('rnn', 'output', 'ls', 'input');
    edge('ls', 'output', 'sm', 'input');
    edge('sm', 'output', 'out', 'value');
  } else if (head === 'dense_seq') {
    nodes.push({ id: 'd', type: 'Dense', name: 'd', position: at, params: { units: int(1, 3), activation: pick(['none', 'tanh', 'sigmoid', 'relu']) } }, { id: 'dr', type: 'Dropout', name: 'dr', position: at, params: { p: 0.25 } });
    edge('rnn', 'output', 'dr', 'input');
    edge('dr', 'output', 'd', 'input');
    edge('d', 'output', 'out', 'value');
  } else {
    nodes.push({ id: 'p', type: 'Pool', name: 'p', position: at, params: { mode: head === 'pool_max' ? 'max' : 'mean' } }, { id: 'sm', type: 'Softmax', name: 'sm', position: at, params: {} });
    edge('rnn', 'output', 'p', 'input');
    edge('p', 'output', 'sm', 'input');
    edge('sm', 'output', 'out', 'value');
  }
  const doc = checkGraph({ format: 'seqgraph', version: 2, name: `case${k}`, seed: k + 1, nodes, edges, samples: [] });
  if (!doc.ok) throw new Error(JSON.stringify(doc.diagnostics));
  const c = compile(doc.doc);
  if (!c.program) throw new Error(`case ${k}: ${c.diagnostics.map((d) => d.message).join('; ')}`);
  const program = c.program;
  const B = int(1, 3), T = int(1, 5);
  const feeds: Record<string, Tensor> = {};
  for (const inp of program.inputs) {
    if (inp.info.kind === 'tokens') {
      const t = intTensor([B, T]);
      for (let b = 0; b < B; b++) { const L = int(1, T); for (let s = 0; s < L; s++) t.data[b * T + s] = int(1, vocab.length - 1); }
      feeds[inp.name] = t;
    } else feeds[inp.name] = randn(inp.shape.map((d) => (d === 'B' ? B : d === 'T' ? T : (d as number))));
  }
  const label = `${cell} ${JSON.stringify(params)} ${tokens ? 'tokens' : 'floats'}${withState ? ' +state' : ''} head=${head} B=${B} T=${T}`;
  return { label, program, feeds };
}

describe('gradcheck: whole graphs (stacked, bidirectional merges, dropout, states, ragged tokens)', () => {
  for (let g = 0; g < 6; g++) {
    it(`graphs ${g * 10}..${g * 10 + 9}`, () => {
      for (let k = g * 10; k < g * 10 + 10; k++) {
        const c = graphCase(k);
        const r = gradcheck(c.program, c.feeds, { seed: k, run: { seed: k, dropout: true } });
        expect(r.ok, `${c.label}: ${describeFailures(r)}`).toBe(true);
      }
    });
  }
});
