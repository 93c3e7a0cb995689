import { recurrentNode } from '../src/compiler/recurrent-node';
import { activationParams } from '../src/compiler/recurrent-acts';

export const RNN = recurrentNode('RNN', activationParams('RNN', { activation: '' }));
