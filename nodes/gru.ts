import { recurrentNode } from '../src/compiler/recurrent-node';

export const GRU = recurrentNode('GRU', {
  linear_before_reset: { kind: 'bool', default: true, help: 'on: r multiplies (W_hn h + b_hn), as PyTorch and cuDNN (ONNX linear_before_reset=1); off: r multiplies h before W_hn, as the original paper and ONNX\'s default' },
  activation: { kind: 'enum', options: ['tanh', 'relu'], default: 'tanh', help: 'candidate n activation (tanh in PyTorch)' },
  recurrent_activation: { kind: 'enum', options: ['sigmoid', 'hard_sigmoid'], default: 'sigmoid', help: 'gate activation for r and z (sigmoid in PyTorch)' },
});
