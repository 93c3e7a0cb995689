// The trainer: losses, optimisers, schedules, clipping and the training loop (docs/training.md).
export { createTrainer, type Trainer, type StepOptions } from './trainer';
export type { Batch, StepResult, Metrics, OutputMetrics, TrainerStateJSON } from './types';
export { TrainError } from './plan';
export type { TrainingSettings, TrainingSettingsInput } from '../doc/training';
export { TrainingSchema } from '../doc/training';
export { createSession, SessionError, type SessionInit, type TrainingSession, type StepReport, type EpochReport, type SessionEvent, type SessionCheckpoint, type EvaluationReport, type Task } from './session';
export type { Metrics as SessionMetrics } from './session-metrics';
export { withoutDecoderTargets } from './inference-doc';
