import { recurrentNode } from '../src/compiler/recurrent-node';

export const MGU = recurrentNode('MGU', {
  activation: { kind: 'enum', options: ['tanh', 'relu'], default: 'tanh', help: 'candidate h̃ activation (tanh in the MGU paper)' },
  recurrent_activation: { kind: 'enum', options: ['sigmoid', 'hard_sigmoid'], default: 'sigmoid', help: 'activation of the forget gate f (sigmoid in the paper; hard_sigmoid = max(0, min(1, 0.2x + 0.5)))' },
});
