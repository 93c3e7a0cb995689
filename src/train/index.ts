// The trainer: losses, optimisers, schedules, clipping and the training loop (docs/training.md).
export { createTrainer, type Trainer, type StepOptions } from './trainer';
export type { Batch, StepResult, Metrics, OutputMetrics, TrainerStateJSON } from './types';
export { TrainError } from './plan';
export type { TrainingSettings, TrainingSettingsInput } from '../doc/training';
export { TrainingSchema } from '../doc/training';
