// One optimisation step after the gradients are known, in PyTorch's order:
//   clip_grad_value_ → clip_grad_norm_ → optimizer.step() (with the schedule's lr) → scheduler.step()
// The trainer and the tests that compare against torch.optim both go through here.
import type { TrainingSettings } from '../doc/training';
import { clipGradNorm, clipGradValue, totalNorm } from './clip';
import { Optimizer, type OptimizerStateJSON, type Param } from './optimizers';
import { LrSchedule, type SchedulerStateJSON } from './schedules';

export type UpdateSettings = Pick<TrainingSettings, 'optimizer' | 'schedule' | 'clip_grad_norm' | 'clip_grad_value'>;

export interface UpdateResult {
  /** L2 norm of all gradients before clipping */
  gradNorm: number;
  /** L2 norm after clipping (= gradNorm without clipping) */
  clippedNorm: number;
  /** the learning rate this step used */
  lr: number;
}

export interface UpdaterStateJSON {
  optimizer: OptimizerStateJSON;
  schedule: SchedulerStateJSON;
}

export class Updater {
  readonly optimizer: Optimizer;
  readonly schedule: LrSchedule;
  private scheduleBackup: SchedulerStateJSON | null = null;

  constructor(readonly settings: UpdateSettings) {
    this.optimizer = new Optimizer(settings.optimizer);
    this.schedule = new LrSchedule(settings.optimizer.lr, settings.schedule);
  }

  get lr(): number {
    return this.schedule.lr;
  }

  /** Clip `grads` in place and update `params`. Only params with a gradient take part, as in PyTorch. */
  apply(params: readonly Param[], grads: Map<string, Float32Array>, onClipped?: (grads: ReadonlyMap<string, Float32Array>) => void): UpdateResult {
    const gs = params.map((p) => grads.get(p.name)).filter((g): g is Float32Array => !!g);
    const gradNorm = totalNorm(gs);
    if (this.settings.clip_grad_value) clipGradValue(gs, this.settings.clip_grad_value.clip_value);
    if (this.settings.clip_grad_norm) clipGradNorm(gs, this.settings.clip_grad_norm.max_norm, this.settings.clip_grad_norm.norm_type);
    const clippedNorm = this.settings.clip_grad_norm || this.settings.clip_grad_value ? totalNorm(gs) : gradNorm;
    onClipped?.(grads);
    const lr = this.schedule.lr;
    this.optimizer.lr = lr;
    this.optimizer.step(params, grads);
    if ((this.settings.schedule?.interval ?? 'step') === 'step') this.schedule.step();
    return { gradNorm, clippedNorm, lr };
  }

  /** the end of an epoch: a schedule with interval 'epoch' steps here */
  endEpoch(): void {
    if (this.settings.schedule?.interval === 'epoch') this.schedule.step();
  }

  checkpoint(): void {
    this.optimizer.checkpoint();
    this.scheduleBackup = this.schedule.state();
  }

  rollback(): void {
    this.optimizer.rollback();
    if (this.scheduleBackup) this.schedule.restore(this.scheduleBackup);
  }

  state(): UpdaterStateJSON {
    return { optimizer: this.optimizer.state(), schedule: this.schedule.state() };
  }

  restore(s: UpdaterStateJSON, sizes: ReadonlyMap<string, number>): void {
    this.optimizer.restore(s.optimizer, sizes);
    this.schedule.restore(s.schedule);
  }
}
