// Property test: a few hundred random valid graphs — cell type, layers, directions, merge modes,
// activations, sizes, batch, ragged token batches, different heads — each exported to ONNX and
// run in onnxruntime-web must give the TS runtime's outputs within 1e-4.
import { describe, it, expect, afterAll } from 'vitest';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { exportOnnx } from '../../src/onnx/export';
import { runOnnx, clearOrtSessions } from '../../src/onnx/ort';
import { Rng } from '../../src/compiler/rng';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';

const N = 300;
const rng = new Rng(20261123);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));

interface Case {
  label: string;
  doc: unknown;
  feeds: Record<string, Tensor>;
}

function randomCase(k: number): Case {
  const cell = pick(['RNN', 'LSTM', 'GRU'] as const);
  const params: Record<string, unknown> = {
    hidden_size: int(1, 12),
    num_layers: int(1, 3),
    bidirectional: rng.next() < 0.5,
    merge_mode: pick(['concat', 'sum', 'mul', 'ave']),
    bias: rng.next() < 0.85,
  };
  if (cell === 'RNN') params.nonlinearity = pick(['tanh', 'relu']);
  else {
    params.activation = rng.next() < 0.8 ? 'tanh' : 'relu';
    params.recurrent_activation = rng.next() < 0.7 ? 'sigmoid' : 'hard_sigmoid';
  }
  if (cell === 'GRU') params.linear_before_reset = rng.next() < 0.5;
  const tokens = rng.next() < 0.6;
  const B = int(1, 4);
  const T = int(1, 9);
  const I = int(1, 9);
  const nodes: unknown[] = [];
  const edges: unknown[] = [];
  const node = (id: string, type: string, p: Record<string, unknown> = {}) => nodes.push({ id, type, name: id, position: { x: 0, y: 0 }, params: p });
  const edge = (s: string, sp: string, t: string, tp: string) => edges.push({ id: `e${edges.length}`, source: { node: s, port: sp }, target: { node: t, port: tp } });
  const feeds: Record<string, Tensor> = {};
  const V = 4 + int(2, 10);
  if (tokens) {
    const vocab = ['<pad>', '<unk>', '<s>', '</s>', ...Array.from({ length: V - 4 }, (_, i) => `w${i}`)];
    node('x', 'Input', { kind: 'tokens', vocab, tokenizer: 'words' });
    node('emb', 'Embedding', { embedding_dim: I, padding_idx: rng.next() < 0.5 ? 0 : null });
    edge('x', 'tokens', 'emb', 'tokens');
    // ragged: each row a random length in 1..T, padded at the end with <pad> (id 0)
    const ids = intTensor([B, T]);
    const lens = Array.from({ length: B }, () => int(1, T));
    lens[int(0, B - 1)] = T;
    for (let b = 0; b < B; b++) for (let t = 0; t < lens[b]; t++) ids.data[b * T + t] = int(1, V - 1);
    feeds.x = ids;
  } else {
    node('x', 'Input', { kind: 'sequence', features: I });
    feeds.x = floatTensor([B, T, I], Array.from({ length: B * T * I }, () => rng.uniform(-2, 2)));
  }
  node('rnn', cell, params);
  edge(tokens ? 'emb' : 'x', tokens ? 'output' : 'sequence', 'rnn', 'input');
  const head = pick(['sequence', 'last', 'state', 'laststep', 'pool', 'dense-softmax', 'dense-seq-logsoftmax'] as const);
  node('out', 'Output');
  switch (head) {
    case 'sequence': edge('rnn', 'output', 'out', 'value'); break;
    case 'last': edge('rnn', 'last', 'out', 'value'); break;
    case 'state': edge('rnn', 'state', 'out', 'value'); break;
    case 'laststep': node('ls', 'LastStep'); edge('rnn', 'output', 'ls', 'input'); edge('ls', 'output', 'out', 'value'); break;
    case 'pool': node('pl', 'Pool', { mode: pick(['mean', 'max']) }); edge('rnn', 'output', 'pl', 'input'); edge('pl', 'output', 'out', 'value'); break;
    case 'dense-softmax':
      node('d', 'Dense', { units: int(1, 6), activation: pick(['none', 'tanh', 'relu', 'sigmoid']) });
      node('sm', 'Softmax');
      edge('rnn', 'last', 'd', 'input'); edge('d', 'output', 'sm', 'input'); edge('sm', 'output', 'out', 'value');
      break;
    case 'dense-seq-logsoftmax':
      node('d', 'Dense', { units: int(1, 6) });
      node('sm', 'LogSoftmax');
      edge('rnn', 'output', 'd', 'input'); edge('d', 'output', 'sm', 'input'); edge('sm', 'output', 'out', 'value');
      break;
  }
  const label = `#${k} ${cell} ${JSON.stringify(params)} ${tokens ? 'ragged tokens' : 'floats'} B=${B} T=${T} I=${I} head=${head}`;
  return { label, doc: { format: 'seqgraph', version: 1, name: `random-${k}`, seed: k, nodes, edges }, feeds };
}

let worst = 0;
afterAll(() => console.log(`random graphs: max abs diff TS vs onnxruntime ${worst}`));

describe(`${N} random graphs: ONNX export runs in onnxruntime-web with the runtime's numbers`, () => {
  const cases = Array.from({ length: N }, (_, k) => randomCase(k));
  it('all of them', async () => {
    for (const c of cases) {
      const loaded = checkGraph(c.doc);
      if (!loaded.ok) throw new Error(`${c.label}: ${JSON.stringify(loaded.diagnostics)}`);
      const r = compile(loaded.doc);
      if (!r.program) throw new Error(`${c.label}: ${JSON.stringify(r.diagnostics)}`);
      const want = execute(r.program, c.feeds).outputs;
      const bytes = exportOnnx(r.program);
      const got = await runOnnx(bytes, c.feeds);
      for (const [name, t] of Object.entries(want)) {
        expect(got[name]?.shape, `${c.label} ${name} shape`).toEqual(t.shape);
        let d = 0;
        for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - got[name].data[i]));
        worst = Math.max(worst, d);
        expect(d, `${c.label} ${name}`).toBeLessThanOrEqual(1e-4);
      }
      clearOrtSessions();
    }
  }, 240_000);
});
