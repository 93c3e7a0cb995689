// Learning-rate schedules that give torch.optim.lr_scheduler's numbers exactly. PyTorch computes
// most of them recursively (the new lr from the group's current lr: "chainable form"), whose
// float64 rounding differs from the closed formula in the last bits, so this file follows the
// same objects step for step: a scheduler with last_epoch and _step_count over one param group,
// constructed with an initial step, stepped after every optimiser step (or every epoch).
// A warm-up is SequentialLR([LinearLR(start_factor, 1, total_iters), main], [total_iters]).
import type { ScheduleSettings } from '../doc/training';
import { cosCR as cos } from './cos';

interface Group {
  lr: number;
  initial_lr: number;
}

export interface SchedulerStateJSON {
  lr: number;
  initial_lr: number;
  /** per scheduler: [last_epoch, _step_count] (the warm-up first when there is one) */
  schedulers: [number, number][];
  /** SequentialLR's own last_epoch (warm-up only) */
  sequential?: number;
}

abstract class Scheduler {
  lastEpoch = -1;
  stepCount = 0;
  readonly baseLr: number;
  constructor(protected readonly group: Group) {
    this.baseLr = group.initial_lr;
  }
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }
  step(epoch?: number): void {
    this.stepCount++;
    this.updateLr(epoch);
  }
  updateLr(epoch?: number): void {
    if (epoch === undefined) {
      this.lastEpoch++;
      this.group.lr = this.getLr();
    } else {
      this.lastEpoch = epoch;
      this.group.lr = this.closedForm();
    }
  }
  protected abstract getLr(): number;
  protected abstract closedForm(): number;
}

class StepLR extends Scheduler {
  constructor(group: Group, private readonly stepSize: number, private readonly gamma: number) {
    super(group);
  }
  protected getLr(): number {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.group.lr;
    return this.group.lr * this.gamma;
  }
  protected closedForm(): number {
    return this.baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }
}

class ExponentialLR extends Scheduler {
  constructor(group: Group, private readonly gamma: number) {
    super(group);
  }
  protected getLr(): number {
    return this.lastEpoch === 0 ? this.group.lr : this.group.lr * this.gamma;
  }
  protected closedForm(): number {
    return this.baseLr * this.gamma ** this.lastEpoch;
  }
}

class CosineAnnealingLR extends Scheduler {
  constructor(group: Group, private readonly tMax: number, private readonly etaMin: number) {
    super(group);
  }
  protected getLr(): number {
    const { lastEpoch: e, tMax: T, etaMin: lo, baseLr: base } = this;
    const lr = this.group.lr;
    if (e === 0) return lr;
    if (this.stepCount === 1 && e > 0) return lo + ((base - lo) * (1 + cos((e * Math.PI) / T))) / 2;
    // Python's % takes the divisor's sign; e - 1 - T may be negative
    const k = e - 1 - T;
    if ((((k % (2 * T)) + 2 * T) % (2 * T)) === 0) return lr + ((base - lo) * (1 - cos(Math.PI / T))) / 2;
    return ((1 + cos((Math.PI * e) / T)) / (1 + cos((Math.PI * (e - 1)) / T))) * (lr - lo) + lo;
  }
  protected closedForm(): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + cos((Math.PI * this.lastEpoch) / this.tMax))) / 2;
  }
}

class LinearLR extends Scheduler {
  constructor(group: Group, private readonly start: number, private readonly end: number, private readonly total: number) {
    super(group);
  }
  protected getLr(): number {
    const lr = this.group.lr;
    if (this.lastEpoch === 0) return lr * this.start;
    if (this.lastEpoch > this.total) return lr;
    return lr * (1 + (this.end - this.start) / (this.total * this.start + (this.lastEpoch - 1) * (this.end - this.start)));
  }
  protected closedForm(): number {
    return this.baseLr * (this.start + ((this.end - this.start) * Math.min(this.total, this.lastEpoch)) / this.total);
  }
}

/** as constructing the PyTorch scheduler, which takes its initial step */
function construct<S extends Scheduler>(s: S): S {
  s.initialStep();
  return s;
}

function makeMain(group: Group, s: ScheduleSettings): Scheduler {
  switch (s.type) {
    case 'StepLR': return construct(new StepLR(group, s.step_size, s.gamma));
    case 'ExponentialLR': return construct(new ExponentialLR(group, s.gamma));
    case 'CosineAnnealingLR': return construct(new CosineAnnealingLR(group, s.T_max, s.eta_min));
    case 'LinearLR': return construct(new LinearLR(group, s.start_factor, s.end_factor, s.total_iters));
  }
}

/** The lr an optimiser uses, driven by an optional schedule (and warm-up). */
export class LrSchedule {
  private readonly group: Group;
  private readonly scheds: Scheduler[] = [];
  private seqEpoch = 0;
  private readonly milestone: number | null;

  constructor(baseLr: number, readonly settings?: ScheduleSettings) {
    this.group = { lr: baseLr, initial_lr: baseLr };
    this.milestone = settings?.warmup ? settings.warmup.total_iters : null;
    if (!settings) return;
    if (settings.warmup) {
      // as constructing LinearLR, main, then SequentialLR([...], milestones=[total_iters])
      const warm = construct(new LinearLR(this.group, settings.warmup.start_factor, 1, settings.warmup.total_iters));
      const main = makeMain(this.group, settings);
      this.scheds.push(warm, main);
      this.seqEpoch = 0; // SequentialLR: last_epoch = -1 + 1
      this.group.lr = this.group.initial_lr;
      for (const s of this.scheds) s.lastEpoch--;
      warm.initialStep();
    } else {
      this.scheds.push(makeMain(this.group, settings));
    }
  }

  /** the lr the next optimiser step uses (PyTorch: optimizer.param_groups[0]['lr']) */
  get lr(): number {
    return this.group.lr;
  }

  /** scheduler.step() */
  step(): void {
    if (!this.scheds.length) return;
    if (this.milestone === null) {
      this.scheds[0].step();
      return;
    }
    this.seqEpoch++;
    if (this.seqEpoch < this.milestone) this.scheds[0].step();
    else if (this.seqEpoch === this.milestone) this.scheds[1].updateLr(0);
    else this.scheds[1].step();
  }

  state(): SchedulerStateJSON {
    return {
      lr: this.group.lr,
      initial_lr: this.group.initial_lr,
      schedulers: this.scheds.map((s) => [s.lastEpoch, s.stepCount]),
      ...(this.milestone !== null ? { sequential: this.seqEpoch } : {}),
    };
  }

  restore(s: SchedulerStateJSON): void {
    if (s.schedulers.length !== this.scheds.length) throw new Error(`schedule state has ${s.schedulers.length} schedulers, the settings make ${this.scheds.length}`);
    this.group.lr = s.lr;
    this.group.initial_lr = s.initial_lr;
    s.schedulers.forEach(([e, c], i) => {
      this.scheds[i].lastEpoch = e;
      this.scheds[i].stepCount = c;
    });
    if (this.milestone !== null) this.seqEpoch = s.sequential ?? 0;
  }
}
