import { softmaxNode } from '../src/compiler/softmax-node';

export const LogSoftmax = softmaxNode(true);
