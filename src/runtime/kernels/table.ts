// The kernel table: every IR op's forward, backward and prepare, in one exhaustive record (a new
// op in ir/ops.ts without an entry here is a type error). These are the TypeScript reference
// kernels; a backend (runtime/backend.ts) overrides entries per op.
import type { OpName } from '../../ir/ops';
import { BASIC_KERNELS } from './basic';
import { ATTENTION_KERNELS } from './decoder-op';
import { RECURRENT_KERNEL } from './recurrent-op';
import { SEQUENCE_KERNELS } from './sequence';
import type { KernelEntry } from './types';

export const TS_KERNELS: Record<OpName, KernelEntry> = {
  ...BASIC_KERNELS,
  ...SEQUENCE_KERNELS,
  RNN: RECURRENT_KERNEL,
  LSTM: RECURRENT_KERNEL,
  GRU: RECURRENT_KERNEL,
  MGU: RECURRENT_KERNEL,
  ...ATTENTION_KERNELS,
};
