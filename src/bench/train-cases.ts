// The benchmark's training cases: one training step of a recurrent layer — forward, loss,
// backward (BPTT), gradient clipping, Adam — as seqgraph's trainer runs it (createTrainer →
// forwardTrain → MSELoss → backward → clip_grad_norm_ → Adam), and the same model and step
// written in TensorFlow.js (train-engines.ts).
//
// The model is Input(x, [B, T, I]) → LSTM/GRU(H) → Output y, trained with MSELoss against a
// fixed random target and Adam (lr 1e-3, PyTorch's betas and eps), clip_grad_norm_(1.0). The
// input x gets no gradient (it is data), so backward computes dW_ih, dW_hh, both biases and BPTT
// through every step, but no dX — as PyTorch does for a first layer.
import { TrainingSchema, type TrainingSettings } from '../doc/training';
import { layerDoc } from './layer-cases';
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import { floatTensor } from '../runtime/tensor';
import type { Batch } from '../train';
import { compileOrThrow } from './cases';

export interface TrainCase {
  name: string;
  cell: 'LSTM' | 'GRU';
  B: number; T: number; I: number; H: number;
  /** a fresh program with the seeded initial weights (every engine trains its own copy) */
  program(): Program;
  settings: TrainingSettings;
  batch: Batch;
  /** multiply-adds × 2 of the step's matrix products: forward, BPTT's dh·W_hh, dW_ih, dW_hh */
  flops: number;
  /** the split of `flops`: forward, backward */
  flopsForward: number;
}

/** Input(sequence, I) → cell(H) → Output "y"; weights are the compiler's seeded init (PyTorch's). */
export function trainDoc(cell: 'LSTM' | 'GRU', I: number, H: number): GraphDoc {
  return { ...layerDoc(cell, I, H), name: `${cell.toLowerCase()}-train-bench` };
}

/** deterministic values in [-scale, scale) */
export function uniform(n: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 31 - 1) * scale;
  }
  return a;
}

export const TRAIN_SETTINGS = {
  losses: [{ loss: 'MSELoss', output: 'y' }],
  optimizer: { type: 'Adam', lr: 1e-3 },
  clip_grad_norm: { max_norm: 1 },
} as const;

export function trainCase(cell: 'LSTM' | 'GRU', B: number, T: number, I: number, H: number): TrainCase {
  const G = cell === 'LSTM' ? 4 : 3;
  const doc = trainDoc(cell, I, H);
  const flopsForward = 2 * B * T * (I + H) * G * H;
  return {
    name: `${cell} B=${B} T=${T} I=${I} H=${H}`,
    cell, B, T, I, H,
    program: () => compileOrThrow(doc, `${cell} training case`),
    settings: TrainingSchema.parse(TRAIN_SETTINGS),
    batch: {
      feeds: { x: floatTensor([B, T, I], uniform(B * T * I, B * 7919 + T)) },
      targets: { y: floatTensor([B, T, H], uniform(B * T * H, 4242, 0.5)) },
      size: B,
    },
    flops: flopsForward + 2 * B * T * G * H * (I + 2 * H),
    flopsForward,
  };
}
