// The graph file's optional `training` section: everything needed to train the graph again —
// a loss per output (and the data column that holds its target), the optimiser, the learning-rate
// schedule, gradient clipping, batch size, epochs, seed, teacher forcing and truncated BPTT.
// Names are PyTorch's (class names for losses, optimisers and schedules; their argument names
// and defaults), so a PyTorch user reads the section as the training script it stands for.
// `data` (the data set, which column feeds each input and which is each output's target) is the
// data layer's schema (src/data/spec.ts). Fitting the section to the graph (outputs exist, losses
// suit them, each trained output has a target) is src/train/check.ts.
import { z } from 'zod';
import { DataSpecSchema, issueMessage, type DataSpec, type DataSpecInput } from '../data/spec';

const num = () => z.number({ error: (iss) => (iss.input === undefined ? 'required' : 'must be a number') });
const finite = () => num().finite();
const nonneg = () => finite().min(0, 'must be ≥ 0');
const positive = () => finite().positive('must be > 0');
const int = () => num().int('must be a whole number');

/** a strict object whose unknown keys are reported with the keys it does take */
function obj<S extends z.ZodRawShape>(what: string, shape: S) {
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== 'unrecognized_keys') return undefined;
      // a loss's target column lives in the data mapping, beside the inputs' columns
      const moved = 'output' in shape && iss.keys.includes('target') ? '; the target column goes in training.data.targets.<output>' : '';
      return `${what} has no ${iss.keys.map((k) => `"${k}"`).join(', ')} (it takes: ${Object.keys(shape).join(', ')})${moved}`;
    },
  });
}
const output = z.string().min(1, 'name the Output node the loss reads');
const reduction = z.enum(['mean', 'sum']).default('mean');
/** Keras' compile(loss_weights=…): the total loss is Σ loss_weight · loss */
const lossWeight = positive().default(1);

export const LossSchema = z.discriminatedUnion(
  'loss',
  [
    obj('CrossEntropyLoss', {
      loss: z.literal('CrossEntropyLoss'),
      output,
      ignore_index: int().default(-100),
      label_smoothing: finite().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(0),
      reduction,
      loss_weight: lossWeight,
    }),
    obj('NLLLoss', { loss: z.literal('NLLLoss'), output, ignore_index: int().default(-100), reduction, loss_weight: lossWeight }),
    obj('MSELoss', { loss: z.literal('MSELoss'), output, reduction, loss_weight: lossWeight }),
  ],
  { error: 'loss must be "CrossEntropyLoss", "NLLLoss" or "MSELoss"' },
);

const beta = () => finite().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)');
const betas = z.tuple([beta(), beta()], { error: 'must be two numbers [beta1, beta2]' });

export const OptimizerSchema = z.discriminatedUnion(
  'type',
  [
    obj('SGD', {
      type: z.literal('SGD'),
      lr: positive().default(1e-3),
      momentum: nonneg().default(0),
      dampening: nonneg().default(0),
      nesterov: z.boolean().default(false),
      weight_decay: nonneg().default(0),
    }),
    obj('Adam', { type: z.literal('Adam'), lr: positive().default(1e-3), betas: betas.default([0.9, 0.999]), eps: nonneg().default(1e-8), weight_decay: nonneg().default(0), amsgrad: z.boolean().default(false) }),
    obj('AdamW', { type: z.literal('AdamW'), lr: positive().default(1e-3), betas: betas.default([0.9, 0.999]), eps: nonneg().default(1e-8), weight_decay: nonneg().default(1e-2), amsgrad: z.boolean().default(false) }),
    obj('RMSprop', {
      type: z.literal('RMSprop'),
      lr: positive().default(1e-2),
      alpha: nonneg().default(0.99),
      eps: nonneg().default(1e-8),
      weight_decay: nonneg().default(0),
      momentum: nonneg().default(0),
      centered: z.boolean().default(false),
    }),
    obj('Adagrad', {
      type: z.literal('Adagrad'),
      lr: positive().default(1e-2),
      lr_decay: nonneg().default(0),
      weight_decay: nonneg().default(0),
      initial_accumulator_value: nonneg().default(0),
      eps: nonneg().default(1e-10),
    }),
  ],
  { error: 'optimizer type must be "SGD", "Adam", "AdamW", "RMSprop" or "Adagrad"' },
).superRefine((o, ctx) => {
  // torch.optim.SGD refuses these too
  if (o.type === 'SGD' && o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    ctx.addIssue({ code: 'custom', path: ['nesterov'], message: 'Nesterov momentum needs momentum > 0 and dampening = 0 (as torch.optim.SGD)' });
  }
});

/** SequentialLR([LinearLR(start_factor, 1.0, total_iters), <schedule>], milestones=[total_iters]) */
export const WarmupSchema = obj('warmup', { total_iters: int().min(1, 'must be ≥ 1'), start_factor: finite().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(1 / 3) });

const scheduleCommon = {
  warmup: WarmupSchema.optional(),
  /** when the schedule steps: after every optimiser step (default) or at the end of every epoch */
  interval: z.enum(['step', 'epoch']).default('step'),
};

export const ScheduleSchema = z.discriminatedUnion(
  'type',
  [
    obj('StepLR', { type: z.literal('StepLR'), step_size: int().min(1, 'must be ≥ 1'), gamma: positive().default(0.1), ...scheduleCommon }),
    obj('ExponentialLR', { type: z.literal('ExponentialLR'), gamma: positive(), ...scheduleCommon }),
    obj('CosineAnnealingLR', { type: z.literal('CosineAnnealingLR'), T_max: int().min(1, 'must be ≥ 1'), eta_min: nonneg().default(0), ...scheduleCommon }),
    obj('LinearLR', {
      type: z.literal('LinearLR'),
      start_factor: finite().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').default(1 / 3),
      end_factor: finite().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(1),
      total_iters: int().min(1, 'must be ≥ 1').default(5),
      ...scheduleCommon,
    }),
  ],
  { error: 'schedule type must be "StepLR", "ExponentialLR", "CosineAnnealingLR" or "LinearLR"' },
);

/** the data layer's spec, its problems worded by the data layer (which forms a mapping takes) */
const DataSchema = z.unknown().transform((v, ctx) => {
  const r = DataSpecSchema.safeParse(v);
  if (r.success) return r.data;
  for (const iss of r.error.issues) ctx.addIssue({ code: 'custom', path: iss.path, message: issueMessage(iss) });
  return z.NEVER;
}) as unknown as z.ZodType<DataSpec, DataSpecInput>;

export const TrainingSchema = obj('training', {
    losses: z.array(LossSchema).min(1, 'a training setup needs at least one loss'),
    optimizer: OptimizerSchema,
    schedule: ScheduleSchema.optional(),
    /** torch.nn.utils.clip_grad_norm_ over every weight together, after clip_grad_value */
    clip_grad_norm: obj('clip_grad_norm', { max_norm: positive(), norm_type: z.union([z.literal(2), z.literal('inf')], { error: 'must be 2 or "inf"' }).default(2) }).optional(),
    /** torch.nn.utils.clip_grad_value_ */
    clip_grad_value: obj('clip_grad_value', { clip_value: positive() }).optional(),
    batch_size: int().min(1, 'must be ≥ 1').default(32),
    epochs: int().min(1, 'must be ≥ 1').default(10),
    /** dropout masks, scheduled sampling, shuffling */
    seed: int().default(0),
    /** Decoders with a target: P(feed the target) per step; 1 = always (teacher forcing), 0 = never */
    teacher_forcing_ratio: finite().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]').default(1),
    /** truncated BPTT: cut the time axis into chunks of this many steps, carry the state across */
    bptt_steps: int().min(1, 'must be ≥ 1').optional(),
    /** the data set and its column mapping: data.targets names each trained output's target */
    data: DataSchema.optional(),
});

/** The section as a file may write it (defaults optional). */
export type TrainingSettingsInput = z.input<typeof TrainingSchema>;
/** The section with every default filled in: what createTrainer takes. */
export type TrainingSettings = z.output<typeof TrainingSchema>;
export type LossSettings = TrainingSettings['losses'][number];
export type OptimizerSettings = TrainingSettings['optimizer'];
export type ScheduleSettings = NonNullable<TrainingSettings['schedule']>;
