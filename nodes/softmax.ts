import { softmaxNode } from '../src/compiler/softmax-node';

export const Softmax = softmaxNode(false);
