// The ONNX project's operator conformance cases (tests/fixtures/onnx_node_tests), imported and run
// in seqgraph's own runtime: every output_N.pb reproduced within 1e-5, the layout=1 cases
// onnxruntime refuses included. Inputs a case feeds to weight slots (W, R, B, P of a recurrent op,
// the table of a Gather) are bound as constants, as a model's initializers would be; the rest are
// fed, through the import's input layouts (time-major X, an LSTM's c fed apart, no batch axis).
//
// test_lstm_with_peepholes: P becomes the LSTM's peephole weights. The case's P is one value
// repeated, which cannot tell the i, o, f blocks apart, so it is also run with a P whose blocks
// differ, ragged lengths and non-zero initial h, c against onnxruntime-web.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/onnx/import';
import { decodeModel, decodeTensor, encodeModel, readTensor } from '../../src/onnx/proto';
import { runOnnx } from '../../src/onnx/ort';
import type { Tensor } from '../../src/runtime/tensor';
import { maxDiff, nodeTypes, runImported } from '../helpers/import';

const DIR = fileURLToPath(new URL('../fixtures/onnx_node_tests/', import.meta.url));
const CASES = readdirSync(DIR).filter((c) => c.startsWith('test_')).sort();
const WEIGHT_SLOTS: Record<string, number[]> = { LSTM: [1, 2, 3, 7], GRU: [1, 2, 3], RNN: [1, 2, 3], Gather: [0] };

function load(c: string) {
  const bytes = new Uint8Array(readFileSync(`${DIR}${c}/model.onnx`));
  const weights = new Set<string>();
  for (const n of decodeModel(bytes).graph!.node ?? []) for (const s of WEIGHT_SLOTS[n.op_type ?? ''] ?? []) if (n.input?.[s]) weights.add(n.input[s]);
  const dir = `${DIR}${c}/test_data_set_0/`;
  const read = (prefix: string) =>
    readdirSync(dir)
      .filter((f) => f.startsWith(prefix))
      .map((f) => [decodeTensor(readFileSync(dir + f)).name!, readTensor(readFileSync(dir + f))] as const);
  const ins = read('input_');
  return {
    bytes,
    constants: Object.fromEntries(ins.filter(([k]) => weights.has(k))) as Record<string, Tensor>,
    feeds: Object.fromEntries(ins.filter(([k]) => !weights.has(k))) as Record<string, Tensor>,
    outputs: read('output_'),
  };
}

const EXPECTED_TYPES: Record<string, string> = {
  test_gather_0: 'Embedding',
  test_scan9_multi_state: 'Cumulative',
  test_scan9_scalar: 'Cumulative',
  test_scan9_sum: 'Cumulative',
  test_scan_sum: 'Cumulative',
};

describe('ONNX conformance cases imported and run in seqgraph', () => {
  it('covers all 32 cases', () => expect(CASES.length).toBe(32));
  it.each(CASES)('%s', (c) => {
    const { bytes, constants, feeds, outputs } = load(c);
    const r = importOnnx(bytes, { file: c, constants });
    const op = c.match(/^test_(gru|lstm|simple_rnn|rnn|softmax)/)?.[1];
    const want = EXPECTED_TYPES[c] ?? { gru: 'GRU', lstm: 'LSTM', simple_rnn: 'RNN', rnn: 'RNN', softmax: 'Softmax' }[op!];
    expect(nodeTypes(r)).toContain(want);
    // the expanded softmax (ReduceMax, Sub, Exp, ReduceSum, Div) comes back as one Softmax node
    if (c.includes('softmax')) expect(nodeTypes(r).filter((t) => t !== 'Input' && t !== 'Output')).toEqual(['Softmax']);
    const got = runImported(r, feeds);
    for (const [name, t] of outputs) expect(maxDiff(got[name], t, `${c} ${name}`), `${c} ${name}`).toBeLessThanOrEqual(1e-5);
  });

  it('test_lstm_with_peepholes with distinct i, o, f peepholes, sequence_lens and initial h, c fed as inputs: onnxruntime-web', async () => {
    const { bytes, constants, feeds } = load('test_lstm_with_peepholes');
    const P = constants.P;
    expect(P.shape).toEqual([1, 9]);
    const peep: Tensor = { ...P, data: Float32Array.from({ length: 9 }, (_, i) => 0.4 * Math.cos(1.7 * i) + (i < 3 ? 0.5 : i < 6 ? -0.6 : 0.2)) };
    // ragged lengths, non-zero initial states: more than the case's own data exercises
    const T = feeds.X.shape[0];
    const X: Tensor = { dtype: 'float32', shape: [3, 2, 4], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) };
    const h0: Tensor = { dtype: 'float32', shape: [1, 2, 3], data: Float32Array.from({ length: 6 }, (_, i) => 0.1 * i - 0.2) };
    const c0: Tensor = { dtype: 'float32', shape: [1, 2, 3], data: Float32Array.from({ length: 6 }, (_, i) => 0.3 - 0.1 * i) };
    const lens: Tensor = { dtype: 'int64', shape: [2], data: Int32Array.from([3, 1]) };
    expect(T).toBe(1);
    const r = importOnnx(bytes, { file: 'peepholes.onnx', constants: { ...constants, P: peep } });
    expect(r.doc.nodes.find((n) => n.type === 'Input' && n.params.kind === 'state')?.params.cell).toBe(true);
    expect(r.doc.nodes.find((n) => n.type === 'LSTM')?.params.peephole).toBe(true);
    const got = runImported(r, { X, initial_h: h0, initial_c: c0, sequence_lens: lens });
    // onnxruntime on the same model with W, R, B, P as feeds
    const m = decodeModel(bytes);
    m.graph!.input!.find((i) => i.name === 'X')!.type!.tensor_type!.shape!.dim![0] = { dim_param: 'T' }; // the case declares T = 1
    const want = await runOnnx(encodeModel(m), { X, W: constants.W, R: constants.R, B: constants.B, P: peep, initial_h: h0, initial_c: c0, sequence_lens: { ...lens, shape: [2] } });
    expect(Object.keys(want)).toContain('Y_h');
    for (const k of Object.keys(want)) expect(maxDiff(got[k], want[k], k), k).toBeLessThanOrEqual(1e-4);
  });
});
