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
  it('activations seqgraph has are mapped, alpha/beta forms included', () => {
    expect(recurrentParams(model('LSTM', [attr.strings('activations', ['HardSigmoid', 'ScaledTanh', 'ScaledTanh']), attr.floats('activation_alpha', [0.2, 1, 1]), attr.floats('activation_beta', [0.5, 1, 1])]))).toMatchObject({
      recurrent_activation: 'hard_sigmoid', activation: 'tanh',
    });
    expect(recurrentParams(model('GRU', [attr.strings('activations', ['Sigmoid', 'Relu'])]))).toMatchObject({ recurrent_activation: 'sigmoid', activation: 'relu', linear_before_reset: false });
    expect(recurrentParams(model('RNN', [attr.strings('activations', ['Relu', 'Relu']), attr.string('direction', 'bidirectional')], 2))).toMatchObject({ nonlinearity: 'relu', bidirectional: true });
  });

  it('other activations are refused, naming the node and the activation', () => {
    expect(() => importOnnx(model('LSTM', [attr.strings('activations', ['Sigmoid', 'LeakyRelu', 'LeakyRelu'])]), { file: 'm.onnx' })).toThrow(
      /LSTM 'rnn_layer\/op' \(inputs: X, W, R\): its activation LeakyRelu\(alpha=0\.01\) \(direction 0\) is not one seqgraph's LSTM has \(Tanh or Relu, the same for g and h\)/,
    );
    expect(() => importOnnx(model('GRU', [attr.strings('activations', ['HardSigmoid', 'Tanh']), attr.floats('activation_alpha', [0.3])]), { file: 'm.onnx' })).toThrow(
      /GRU 'rnn_layer\/op' .*its gate activation HardSigmoid\(alpha=0\.3, beta=0\.5\) \(direction 0\) is not one seqgraph's GRU has/,
    );
    expect(() => importOnnx(model('LSTM', [attr.strings('activations', ['Sigmoid', 'Tanh', 'Relu'])]), { file: 'm.onnx' })).toThrow(/its activation Relu \(direction 0\) is not one .*the same for g and h/);
    expect(() => importOnnx(model('RNN', [attr.strings('activations', ['Relu', 'Tanh']), attr.string('direction', 'bidirectional')], 2), { file: 'm.onnx' })).toThrow(/its two directions use different activations/);
  });

  it('clip and input_forget are refused', () => {
    expect(() => importOnnx(model('LSTM', [attr.float('clip', 3)]), { file: 'm.onnx' })).toThrow(/LSTM 'rnn_layer\/op' .*it clips its cell at 3 \(attribute clip\); seqgraph's LSTM does not clip/);
    expect(() => importOnnx(model('LSTM', [attr.int('input_forget', 1)]), { file: 'm.onnx' })).toThrow(/couples the input and forget gates \(input_forget=1\)/);
  });

  it('weights fed as graph inputs must be bound as constants', () => {
    expect(() => importOnnx(model('GRU', [], 1, true), { file: 'm.onnx' })).toThrow(/its W is (a )?(Sequence|Vector|State|tensor|final states|.*): seqgraph holds weights in the node, so they must be constants/);
  });
});
