import { recurrentNode } from '../src/compiler/recurrent-node';

export const LSTM = recurrentNode('LSTM', {
  activation: { kind: 'enum', options: ['tanh', 'relu'], default: 'tanh', help: 'candidate g and output activation (tanh in PyTorch; Keras `activation`)' },
  recurrent_activation: { kind: 'enum', options: ['sigmoid', 'hard_sigmoid'], default: 'sigmoid', help: 'gate activation for i, f, o (sigmoid in PyTorch; hard_sigmoid is the cheap "hard gate" max(0, min(1, 0.2x + 0.5)))' },
});
