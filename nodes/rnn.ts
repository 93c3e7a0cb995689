import { recurrentNode } from '../src/compiler/recurrent-node';

export const RNN = recurrentNode('RNN', {
  nonlinearity: { kind: 'enum', options: ['tanh', 'relu'], default: 'tanh', inline: true, help: 'h_t = nonlinearity(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)' },
});
