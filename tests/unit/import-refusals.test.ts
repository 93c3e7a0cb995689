// Recurrent-op attributes seqgraph's cells do not have are refused naming the node and the
// attribute (activations with their alpha/beta, clip, input_forget, mixed directions); those
// they have are mapped, alpha/beta forms included.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/onnx/import';
import { attr, encodeModel, floatTensorProto, type AttributeProto, type ModelProto } from '../../src/onnx/proto';

const H = 3, I = 2;
const G = { LSTM: 4, GRU: 3, RNN: 1 } as const;

function model(cell: keyof typeof G, attrs: AttributeProto[], D = 1, weightsAsInputs = false): Uint8Array {
  const n = (k: number) => Array.from({ length: k }, (_, i) => Math.sin(i + 1) * 0.3);
  const W = floatTensorProto('W', [D, G[cell] * H, I], n(D * G[cell] * H * I));
  const R = floatTensorProto('R', [D, G[cell] * H, H], n(D * G[cell] * H * H));
  const vi = (name: string, dims: (number | string)[]) => ({ name, type: { tensor_type: { elem_type: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } });
  const m: ModelProto = {
    ir_version: 8,
    opset_import: [{ domain: '', version: 14 }],
    graph: {
      name: 'g',
      node: [{ op_type: cell, name: 'rnn_layer/op', input: ['X', 'W', 'R'], output: ['Y', 'Y_h'], attribute: [attr.int('hidden_size', H), ...attrs] }],
      initializer: weightsAsInputs ? [] : [W, R],
      input: [vi('X', ['T', 'N', I]), ...(weightsAsInputs ? [vi('W', [D, G[cell] * H, I]), vi('R', [D, G[cell] * H, H])] : [])],
      output: [vi('Y_h', [D, 'N', H])],
    },
  };
  return encodeModel(m);
}
const recurrentParams = (bytes: Uint8Array) => importOnnx(bytes, { file: 'm.onnx' }).doc.nodes.find((x) => ['LSTM', 'GRU', 'RNN'].includes(x.type))!.params;

describe('recurrent attributes', () => {
  it('every ONNX activation is mapped with its alpha/beta (issue 12); the defaults leave the params empty', () => {
    expect(recurrentParams(model('LSTM', [attr.strings('activations', ['HardSigmoid', 'ScaledTanh', 'ScaledTanh']), attr.floats('activation_alpha', [0.2, 1, 1]), attr.floats('activation_beta', [0.5, 1, 1])]))).toMatchObject({
      recurrent_activation: 'hard_sigmoid', activation: 'scaled_tanh',
    });
    expect(recurrentParams(model('GRU', [attr.strings('activations', ['Sigmoid', 'Relu'])]))).toMatchObject({ recurrent_activation: 'sigmoid', activation: 'relu', linear_before_reset: false });
    expect(recurrentParams(model('RNN', [attr.strings('activations', ['Relu', 'Relu']), attr.string('direction', 'bidirectional')], 2))).toMatchObject({ nonlinearity: 'relu', bidirectional: true });
    // alpha/beta are consumed in order by the activations that take them; float32 0.3 reads back as 0.3
    const p = recurrentParams(model('LSTM', [attr.strings('activations', ['HardSigmoid', 'LeakyRelu', 'Elu']), attr.floats('activation_alpha', [0.3, 0.1, 0.7]), attr.floats('activation_beta', [0.4])]));
    expect(p).toMatchObject({ recurrent_activation: 'hard_sigmoid', recurrent_activation_alpha: 0.3, recurrent_activation_beta: 0.4, activation: 'leaky_relu', activation_alpha: 0.1, output_activation: 'elu', output_activation_alpha: 0.7 });
    expect(recurrentParams(model('GRU', [attr.strings('activations', ['HardSigmoid', 'Softsign']), attr.floats('activation_alpha', [0.3])]))).toMatchObject({ recurrent_activation_alpha: 0.3, activation: 'softsign' });
  });

  it('activations outside ONNX\'s list, and directions that differ, are refused naming the node', () => {
    expect(() => importOnnx(model('LSTM', [attr.strings('activations', ['Sigmoid', 'Gelu', 'Tanh'])]), { file: 'm.onnx' })).toThrow(
      /LSTM 'rnn_layer\/op' \(inputs: X, W, R\): its activation Gelu is not one of ONNX's \(Tanh, Relu, Sigmoid, HardSigmoid, Affine/,
    );
    expect(() => importOnnx(model('RNN', [attr.strings('activations', ['Relu', 'Tanh']), attr.string('direction', 'bidirectional')], 2), { file: 'm.onnx' })).toThrow(/its two directions use different activations/);
  });

  it('clip and input_forget are mapped; a clip that is not positive is refused', () => {
    expect(recurrentParams(model('LSTM', [attr.float('clip', 3), attr.int('input_forget', 1)]))).toMatchObject({ clip: 3, input_forget: true });
    expect(recurrentParams(model('GRU', [attr.float('clip', 0.7)]))).toMatchObject({ clip: 0.7 });
    expect(() => importOnnx(model('RNN', [attr.float('clip', 0)]), { file: 'm.onnx' })).toThrow(/RNN 'rnn_layer\/op' .*its clip is 0; ONNX's clip is a positive threshold/);
  });

  it('weights fed as graph inputs must be bound as constants', () => {
    expect(() => importOnnx(model('GRU', [], 1, true), { file: 'm.onnx' })).toThrow(/its W is (a )?(Sequence|Vector|State|tensor|final states|.*): seqgraph holds weights in the node, so they must be constants/);
  });
});
