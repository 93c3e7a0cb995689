import { recurrentNode } from '../src/compiler/recurrent-node';
import { activationParams } from '../src/compiler/recurrent-acts';

export const GRU = recurrentNode('GRU', {
  linear_before_reset: { kind: 'bool', default: true, help: 'on: r multiplies (W_hn h + b_hn), as PyTorch and cuDNN (ONNX linear_before_reset=1); off: r multiplies h before W_hn, as the original paper and ONNX\'s default' },
  ...activationParams('GRU', { activation: 'candidate n activation (tanh in PyTorch)', recurrent: 'gate activation for r and z (sigmoid in PyTorch)' }),
  update_gate: {
    kind: 'enum', options: ['pytorch', 'paper'], default: 'pytorch',
    help: 'what z keeps. pytorch: h_t = (1−z)⊙n + z⊙h_{t-1} (nn.GRU, ONNX, Keras, cuDNN: z keeps the old state); paper: h_t = z⊙n + (1−z)⊙h_{t-1} (Chung et al. 2014, Wikipedia and many tutorials: z lets the candidate in; Cho et al. 2014 wrote the PyTorch form). Same weights, opposite z: weights trained under one convention need it',
  },
});
