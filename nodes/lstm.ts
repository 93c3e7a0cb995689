import { recurrentNode } from '../src/compiler/recurrent-node';
import { activationParams } from '../src/compiler/recurrent-acts';

export const LSTM = recurrentNode('LSTM', {
  ...activationParams('LSTM', {
    activation: 'candidate g and output activation (tanh in PyTorch; Keras `activation`)',
    recurrent: 'gate activation for i, f, o (sigmoid in PyTorch; hard_sigmoid is the cheap "hard gate" max(0, min(1, 0.2x + 0.5)))',
  }),
  peephole: {
    kind: 'bool', default: false,
    help: 'peephole connections (Gers & Schmidhuber 2000; ONNX LSTM\'s P): i = σ(… + p_i⊙c_{t-1}), f = σ(… + p_f⊙c_{t-1}), o = σ(… + p_o⊙c_t). Adds weight_peephole_l{k} (and _reverse) [3H], order i, f, o (ONNX\'s P is i, o, f). nn.LSTM has none',
  },
});
