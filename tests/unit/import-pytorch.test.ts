// Models made with real PyTorch (tests/python/import_models.py, Debian's torch 1.13): each is
// exported with torch.onnx.export (opsets 9, 13, 14, 17), imported, and run in seqgraph's runtime;
// and each state_dict (torch.save .pt, and safetensors) is loaded into a graph built by hand. The
// outputs match PyTorch's within 1e-5 on a batch with token id 0 and ragged rows (padded with 0,
// which these models read as a real token), at a length and batch other than the traced ones.
// The same script writes models in the styles of Keras converters and of the dynamo exporter
// (import_helper_models.py), checked here against PyTorch too. An imported model trains: one SGD
// step of the imported LSTM classifier gives PyTorch's loss and updated weights.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { checkGraph } from '../../src/doc/load';
import type { GraphDoc } from '../../src/doc/schema';
import { decodeWeightData } from '../../src/doc/weights';
import { importOnnx, type ImportResult } from '../../src/onnx/import';
import { externalFromBytes } from '../../src/onnx/import-read';
import { exportGraph } from '../../src/onnx/export-graph';
import { feedsFromOnnx, outputsToOnnx } from '../../src/onnx/import-io';
import { runOnnx } from '../../src/onnx/ort';
import { execute } from '../../src/runtime/execute';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { createTrainer } from '../../src/train/index';
import { applyWeights, matchWeights, readWeights } from '../../src/weights/index';
import { graphDoc } from '../helpers/graph';
import { maxDiff, nodeTypes, runImported } from '../helpers/import';
import { pytorchTest, runPythonJSON } from '../helpers/pytorch';

interface TJ { shape: number[]; data: number[] }
interface Ref { inputs: Record<string, TJ>; outputs: Record<string, TJ>; state_dict?: string[] }

const test = pytorchTest('onnx');
let dir = '';
let ref: Record<string, Ref> = {};
beforeAll(() => {
  if (!test.name) return;
  dir = mkdtempSync(path.join(tmpdir(), 'seqgraph-import-'));
  ref = runPythonJSON<Record<string, Ref>>('import_models.py', [dir], undefined, 300_000);
}, 300_000);

const bytesOf = (f: string) => new Uint8Array(readFileSync(path.join(dir, f)));
const tokens = (r: Ref): Record<string, Tensor> => Object.fromEntries(Object.entries(r.inputs).map(([k, t]) => [k, intTensor(t.shape, t.data)]));
const floats = (r: Ref): Record<string, Tensor> => Object.fromEntries(Object.entries(r.inputs).map(([k, t]) => [k, floatTensor(t.shape, t.data)]));

function expectOutputs(got: Record<string, Tensor>, r: Ref, what: string): void {
  for (const [k, t] of Object.entries(r.outputs)) expect(maxDiff(got[k], t, `${what} ${k}`), `${what} ${k}`).toBeLessThanOrEqual(1e-5);
}

const TORCH = ['lstm_classifier', 'gru_classifier', 'rnn_tagger', 'seq2seq_step'];
const EXPECTED: Record<string, string[]> = {
  lstm_classifier: ['Input', 'Embedding', 'LSTM', 'Dense', 'LogSoftmax', 'Output'],
  gru_classifier: ['Input', 'Embedding', 'GRU', 'LastStep', 'Pool', 'Concat', 'Dense', 'Softmax', 'Output'],
  rnn_tagger: ['Input', 'Embedding', 'RNN', 'Dense', 'LogSoftmax', 'Output'],
  seq2seq_step: ['Input', 'Input', 'Embedding', 'GRU', 'Embedding', 'GRU', 'Attention', 'Concat', 'Dense', 'Activation', 'Dense', 'LogSoftmax', 'LastStep', 'Output', 'Output', 'Output'],
};

describe('torch.onnx.export models import and reproduce PyTorch', () => {
  const imported = new Map<string, ImportResult>();
  for (const name of TORCH) {
    test(name, () => {
      const r = importOnnx(bytesOf(`${name}.onnx`), { file: `${name}.onnx` });
      imported.set(name, r);
      expect(r.via).toBe('structure');
      expect(nodeTypes(r)).toEqual(EXPECTED[name]);
      expectOutputs(runImported(r, tokens(ref[name])), ref[name], name);
      // PyTorch's module names, so its state_dict loads by name
      const withWeights = r.doc.nodes.filter((n) => r.doc.weights?.[n.id]).map((n) => n.name).sort();
      expect(withWeights).toEqual([...new Set(ref[name].state_dict!.map((k) => k.slice(0, k.lastIndexOf('.'))))].sort());
    });
  }
  test('stacked layers become one node with num_layers (the LSTM: 2 layers, bidirectional)', () => {
    const lstm = imported.get('lstm_classifier')!.doc.nodes.find((n) => n.type === 'LSTM')!;
    expect(lstm.params).toMatchObject({ hidden_size: 5, num_layers: 2, bidirectional: true });
    const rnn = imported.get('rnn_tagger')!.doc.nodes.find((n) => n.type === 'RNN')!;
    expect(rnn.params).toMatchObject({ num_layers: 2, nonlinearity: 'relu' });
  });
  test('an imported model exports again and runs in onnxruntime-web with the same numbers', async () => {
    const r = imported.get('seq2seq_step')!;
    const c = compile(r.doc);
    const feeds = tokens(ref.seq2seq_step);
    const ours = execute(c.program!, feeds).outputs;
    const theirs = await runOnnx(exportGraph(c.program!, r.doc), feeds);
    for (const k of Object.keys(ours)) expect(maxDiff(theirs[k], ours[k], k)).toBeLessThanOrEqual(1e-4);
  });
});

/** the four models built by hand, node names = PyTorch module names */
function handBuilt(name: string): GraphDoc {
  const vocab = Array.from({ length: 13 }, (_, i) => String(i));
  const tok = (id: string): [string, string, Record<string, unknown>] => [id, 'Input', { kind: 'tokens', tokenizer: 'words', vocab, padding: false, unk_token: '' }];
  const raw = {
    lstm_classifier: graphDoc(
      [tok('tokens'), ['emb', 'Embedding', { embedding_dim: 6 }], ['lstm', 'LSTM', { hidden_size: 5, num_layers: 2, bidirectional: true }], ['fc', 'Dense', { units: 3 }], ['ls', 'LogSoftmax'], ['logprobs', 'Output']],
      [['tokens.tokens', 'emb.tokens'], ['emb.output', 'lstm.input'], ['lstm.last', 'fc.input'], ['fc.output', 'ls.input'], ['ls.output', 'logprobs.value']],
    ),
    gru_classifier: graphDoc(
      [tok('tokens'), ['emb', 'Embedding', { embedding_dim: 6 }], ['gru', 'GRU', { hidden_size: 5 }], ['last', 'LastStep'], ['mean', 'Pool', { mode: 'mean' }], ['cat', 'Concat'], ['fc', 'Dense', { units: 4 }], ['sm', 'Softmax'], ['probs', 'Output']],
      [['tokens.tokens', 'emb.tokens'], ['emb.output', 'gru.input'], ['gru.output', 'last.input'], ['gru.output', 'mean.input'], ['last.output', 'cat.a'], ['mean.output', 'cat.b'], ['cat.output', 'fc.input'], ['fc.output', 'sm.input'], ['sm.output', 'probs.value']],
    ),
    rnn_tagger: graphDoc(
      [tok('tokens'), ['emb', 'Embedding', { embedding_dim: 6 }], ['rnn', 'RNN', { hidden_size: 5, num_layers: 2, nonlinearity: 'relu' }], ['fc', 'Dense', { units: 4 }], ['ls', 'LogSoftmax'], ['tags', 'Output']],
      [['tokens.tokens', 'emb.tokens'], ['emb.output', 'rnn.input'], ['rnn.output', 'fc.input'], ['fc.output', 'ls.input'], ['ls.output', 'tags.value']],
    ),
    seq2seq_step: graphDoc(
      [tok('src'), tok('prev'), ['enc_emb', 'Embedding', { embedding_dim: 6 }], ['encoder', 'GRU', { hidden_size: 5 }], ['dec_emb', 'Embedding', { embedding_dim: 6 }], ['decoder', 'GRU', { hidden_size: 5 }],
        ['att', 'Attention', { score: 'dot' }], ['cat', 'Concat'], ['concat', 'Dense', { units: 5, activation: 'tanh' }], ['out', 'Dense', { units: 13 }], ['ls', 'LogSoftmax'], ['step', 'LastStep'],
        ['logprobs', 'Output'], ['attention', 'Output'], ['hidden', 'Output']],
      [['src.tokens', 'enc_emb.tokens'], ['enc_emb.output', 'encoder.input'], ['prev.tokens', 'dec_emb.tokens'], ['dec_emb.output', 'decoder.input'], ['encoder.state', 'decoder.initial_state'],
        ['decoder.output', 'att.query'], ['encoder.output', 'att.keys'], ['decoder.output', 'cat.a'], ['att.context', 'cat.b'], ['cat.output', 'concat.input'], ['concat.output', 'out.input'],
        ['out.output', 'ls.input'], ['ls.output', 'step.input'], ['step.output', 'logprobs.value'], ['att.weights', 'attention.value'], ['decoder.state', 'hidden.value']],
    ),
  }[name];
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.doc;
}

describe('state_dicts (torch.save .pt and safetensors) load into hand-built graphs', () => {
  for (const name of TORCH) {
    for (const ext of ['pt', 'safetensors']) {
      test(`${name}.${ext}`, () => {
        const doc = handBuilt(name);
        const { tensors } = readWeights(bytesOf(`${name}.${ext}`), `${name}.${ext}`);
        const m = matchWeights(doc, tensors);
        expect(m.leftover).toEqual([]);
        expect(m.wrongShape).toEqual([]);
        expect(m.missing).toEqual([]);
        expect(m.matched.map((x) => x.key).sort()).toEqual([...ref[name].state_dict!].sort());
        const c = compile(applyWeights(doc, m, tensors));
        expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expectOutputs(execute(c.program!, tokens(ref[name])).outputs, ref[name], `${name}.${ext}`);
      });
    }
  }
});

describe('the .pt reader: views and dtypes as torch.save writes them', () => {
  test('a transposed and a sliced view, float16, float64, an int64 tensor, inside a checkpoint', () => {
    const { tensors, notes } = readWeights(bytesOf('views.pt'), 'views.pt');
    expect(notes.join()).toMatch(/a checkpoint; read its 'model_state_dict'/);
    const want = ref.views as unknown as Record<string, TJ>;
    for (const name of ['transposed', 'sliced', 'half', 'double']) {
      const t = tensors.find((x) => x.name === name)!;
      expect(t.shape, name).toEqual(want[name].shape);
      expect(maxDiff({ dtype: 'float32', shape: t.shape, data: t.data! }, want[name], name), name).toBeLessThanOrEqual(1e-6);
    }
    const steps = tensors.find((x) => x.name === 'steps')!;
    expect(steps).toMatchObject({ dtype: 'int64', shape: [5], data: null });
  });
});

describe('other exporters\' styles (onnx helper API) import and reproduce PyTorch', () => {
  test('Keras-converter GRU: layout=1, reverse, linear_before_reset=0, HardSigmoid gates, initial state as an input', () => {
    const r = importOnnx(bytesOf('keras_gru.onnx'), { file: 'keras_gru.onnx' });
    const gru = r.doc.nodes.find((n) => n.type === 'GRU')!;
    expect(gru.params).toMatchObject({ reverse: true, linear_before_reset: false, recurrent_activation: 'hard_sigmoid' });
    expectOutputs(runImported(r, floats(ref.keras_gru)), ref.keras_gru, 'keras_gru');
  });
  test('Keras-converter bidirectional LSTM: Transpose to time-major around a layout-0 op, explicit activations, max over time', () => {
    const r = importOnnx(bytesOf('keras_lstm.onnx'), { file: 'keras_lstm.onnx' });
    expect(nodeTypes(r)).toEqual(['Input', 'LSTM', 'Pool', 'Output', 'Output']);
    expectOutputs(runImported(r, floats(ref.keras_lstm)), ref.keras_lstm, 'keras_lstm');
  });
  test('dynamo-style LSTM: opset 18, external data, weights re-laid out in the graph, B and T frozen at 2 and 7 run at 3 and 5', () => {
    const external = externalFromBytes({ 'dynamo_lstm.onnx.data': bytesOf('dynamo_lstm.onnx.data') });
    const r = importOnnx(bytesOf('dynamo_lstm.onnx'), { file: 'dynamo_lstm.onnx', external });
    expect(nodeTypes(r)).toEqual(['Input', 'Embedding', 'LSTM', 'Dense', 'Output']);
    expect(r.notes.join('\n')).toMatch(/traced with batch size 2 .*dynamic B/);
    expect(r.notes.join('\n')).toMatch(/traced with length of 'ids' 7 .*dynamic T/);
    expectOutputs(runImported(r, tokens(ref.dynamo_lstm)), ref.dynamo_lstm, 'dynamo_lstm');
    expect(() => importOnnx(bytesOf('dynamo_lstm.onnx'), { file: 'dynamo_lstm.onnx' })).toThrow(/its data is in the external file 'dynamo_lstm.onnx.data', which was not given/);
  });
});

describe('an imported model trains', () => {
  // The ONNX file of PyTorch's LSTM classifier, imported, given a training section (NLLLoss on its
  // log-probabilities, SGD lr 0.5): compile accepts it and one step gives PyTorch's loss, PyTorch's
  // updated weights (every state_dict tensor) and PyTorch's outputs after the step.
  test('the imported LSTM classifier takes one SGD step as PyTorch does', () => {
    const want = (ref as unknown as Record<string, { targets: number[]; lr: number; loss: number; weights: Record<string, TJ>; outputs_after: TJ }>).lstm_classifier_sgd;
    const r = importOnnx(bytesOf('lstm_classifier.onnx'), { file: 'lstm_classifier.onnx' });
    const out = r.outputs.find((o) => o.onnx === 'logprobs')!.seqgraph;
    const checked = checkGraph({ ...r.doc, training: { losses: [{ loss: 'NLLLoss', output: out }], optimizer: { type: 'SGD', lr: want.lr }, batch_size: 3 } });
    if (!checked.ok) throw new Error(checked.diagnostics.map((d) => d.message).join('\n'));
    const c = compile(checked.doc);
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const feeds = feedsFromOnnx(r.inputs, tokens(ref.lstm_classifier));
    const trainer = createTrainer(c.program!, checked.doc.training!);
    const step = trainer.step({ feeds, targets: { [out]: intTensor([3], want.targets) }, size: 3 });
    expect(Math.abs(step.loss - want.loss)).toBeLessThanOrEqual(1e-5);
    const byName = new Map(checked.doc.nodes.map((n) => [n.name, n.id]));
    const got = trainer.weights();
    for (const [key, t] of Object.entries(want.weights)) {
      const dot = key.lastIndexOf('.');
      const w = got[byName.get(key.slice(0, dot))!][key.slice(dot + 1)];
      expect(maxDiff(floatTensor(w.shape, decodeWeightData(w) as Float32Array), t, key), key).toBeLessThanOrEqual(1e-5);
    }
    const after = outputsToOnnx(r.outputs, execute(c.program!, feeds).outputs);
    expect(maxDiff(after.logprobs, want.outputs_after, 'after the step')).toBeLessThanOrEqual(1e-5);
  });
});
