// The registry: every node type, in palette order. Adding a node type is adding its file and
// one line here.
import type { NodeDef } from '../src/compiler/node-def';
import { Input } from './input';
import { Embedding } from './embedding';
import { RNN } from './rnn';
import { LSTM } from './lstm';
import { GRU } from './gru';
import { MGU } from './mgu';
import { Dense } from './dense';
import { Activation } from './activation';
import { Softmax } from './softmax';
import { LogSoftmax } from './log-softmax';
import { Dropout } from './dropout';
import { Concat } from './concat';
import { LastStep } from './last-step';
import { Pool } from './pool';
import { RepeatVector } from './repeat-vector';
import { Cumulative } from './cumulative';
import { Attention } from './attention';
import { Decoder } from './decoder';
import { Output } from './output';

export const NODE_TYPES: NodeDef[] = [Input, Embedding, RNN, LSTM, GRU, MGU, Dense, Activation, Softmax, LogSoftmax, Dropout, Concat, LastStep, Pool, RepeatVector, Cumulative, Attention, Decoder, Output] as NodeDef[];

const byType = new Map(NODE_TYPES.map((d) => [d.type, d]));

export function getNodeDef(type: string): NodeDef | undefined {
  return byType.get(type);
}

export function nodeTypes(): string[] {
  return NODE_TYPES.map((d) => d.type);
}
