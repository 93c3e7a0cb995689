// One training run in the worker: the shared session (src/train/session.ts, the same loop the
// CLI's `seqgraph train` drives) stepped one optimiser step per turn of the worker's event loop,
// so a Pause, Resume or Stop message is handled before the next step, never after an epoch.
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import { encodeWeight } from '../doc/weights';
import { TrainingSchema } from '../doc/training';
import type { Table } from '../data';
import { createSession, type SessionCheckpoint, type TrainingSession } from '../train/session';
import { withoutDecoderTargets } from '../train/inference-doc';
import { compile } from '../compiler/compile';
import type { CheckpointMsg, Evaluation, StartRequest } from './train-protocol';
import { errorMessage, JobError, prepareOrThrow, type Post, type Yield } from './train-job';
import type { RunKeeper } from './train-keep';

/** node id -> weight name -> tensor, from the program's (trained) initializers */
export function programWeights(program: Program): NonNullable<GraphDoc['weights']> {
  const out: NonNullable<GraphDoc['weights']> = {};
  for (const [ir, ref] of Object.entries(program.weightRefs)) {
    const t = program.initializers[ir];
    (out[ref.node] ??= {})[ref.name] = encodeWeight(t.shape, t.data as Float32Array);
  }
  return out;
}

export type LoopState = 'running' | 'paused' | 'stopped' | 'done';

/** how long one 'interacting' hint from the page holds (ms); the page repeats it while the user moves */
const INTERACT_MS = 300;

export class TrainLoop {
  state: LoopState = 'paused';
  private readonly session: TrainingSession;
  private readonly checkpointEvery: number;
  private lastCheckpointAt = -Infinity;
  private step = 0;
  private totalSteps = 0;
  private epoch = 0;
  private readonly epochs: number;
  private scheduled = false;
  /** until when (performance.now()) the user is interacting with the page: see interacting() */
  private interactUntil = -Infinity;
  private lastStepMs = 0;

  constructor(
    private readonly program: Program,
    table: Table,
    req: StartRequest,
    private readonly post: Post,
    private readonly later: Yield,
    /** writes checkpoints (IndexedDB, from the worker); none: checkpoints are not kept */
    private readonly keeper: RunKeeper | null = null,
  ) {
    const parsed = TrainingSchema.safeParse(req.training);
    if (!parsed.success) throw new JobError('train', parsed.error.issues.map((i) => `training.${i.path.join('.')}: ${i.message}`).join('\n'));
    const settings = parsed.data;
    if (!settings.data) throw new JobError('data', 'pick a data set first (training.data is empty)');
    const data = prepareOrThrow(program, table, settings.data);
    if (!data.splits.train.length) throw new JobError('data', `no training rows are left (${data.report.total} read, all dropped): see the mapping's report`);
    // a seq2seq graph's error rates are measured decoding freely, as it is used
    const free = withoutDecoderTargets(req.doc);
    const inference = free !== req.doc ? compile(free).program ?? undefined : undefined;
    this.epochs = settings.epochs;
    this.session = createSession({ program, settings, data, inference, ...(req.resume ? { resume: req.resume as SessionCheckpoint } : {}) });
    this.checkpointEvery = Math.max(1, req.checkpointEvery ?? 50);
  }

  run(): void {
    this.state = 'running';
    this.schedule();
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.state = 'paused';
    this.post({ type: 'paused', step: this.step });
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.post({ type: 'resumed', step: this.step });
    this.schedule();
  }

  /** ends the run: the test split is evaluated and the weights sent as they are now */
  stop(): void {
    if (this.state === 'running' || this.state === 'paused') this.finish(true);
  }

  /**
   * The page says the user is panning, zooming or dragging. For the next INTERACT_MS, each step
   * is followed by a pause twice as long as the step took (at most 50 ms): training goes on at
   * a third of its speed and leaves two thirds of its core to the page. On a 2-core machine the
   * worker otherwise holds one core while the page's main thread, the compositor and the
   * browser share the other, and the page's tasks while panning (20-30 ms of CPU) stretched to
   * 50-90 ms of wall clock: 2-5 long tasks in most 3.5-second windows of the frame test on a
   * busy day, 0-1 with the pause as long as the step, 0-1 and more often none with twice.
   */
  interacting(): void {
    this.interactUntil = performance.now() + INTERACT_MS;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      this.turn();
    };
    if (performance.now() < this.interactUntil) setTimeout(go, Math.min(50, Math.max(1, 2 * this.lastStepMs)));
    else this.later(go);
  }

  private turn(): void {
    if (this.state !== 'running') return;
    let r: ReturnType<TrainingSession['next']>;
    const t0 = performance.now();
    try {
      r = this.session.next();
      this.lastStepMs = performance.now() - t0;
    } catch (e) {
      this.state = 'stopped';
      this.post(errorMessage(e));
      return;
    }
    if (r.kind === 'step') {
      this.step = r.totalSteps;
      this.totalSteps = r.stepsPerEpoch * this.epochs;
      this.epoch = r.epoch;
      this.post({
        type: 'step',
        epoch: r.epoch,
        epochs: this.epochs,
        stepInEpoch: r.step,
        stepsPerEpoch: r.stepsPerEpoch,
        step: r.totalSteps,
        totalSteps: r.stepsPerEpoch * this.epochs,
        loss: r.loss,
        gradNorm: r.gradNorm,
        clippedNorm: r.clippedNorm,
        lr: r.lr,
        stepsPerSecond: r.stepsPerSecond,
        etaSeconds: r.etaSeconds,
      });
      // every checkpointEvery steps, but at most once a second: encoding the weights and the
      // optimiser state takes this thread's time, and a small model makes 100+ steps a second;
      // a reload still loses at most about a second of training
      const now = Date.now();
      if (r.totalSteps % this.checkpointEvery === 0 && now - this.lastCheckpointAt >= 1000) {
        this.lastCheckpointAt = now;
        this.postCheckpoint('last');
      }
    } else if (r.kind === 'epoch') {
      this.epoch = r.epoch;
      const m = (x: (typeof r)['train']) => ({ loss: x.loss, metric: { ...x.metric } });
      this.post({ type: 'epoch', epoch: r.epoch, step: this.step, train: m(r.train), validation: m(r.validation), best: r.best });
      if (r.best) this.postCheckpoint('best');
      this.postCheckpoint('last');
    } else {
      this.finish(false);
      return;
    }
    this.schedule();
  }

  /**
   * Keeps a checkpoint: taken now (the session's state and the weights are encoded into copies),
   * written to IndexedDB from here, and only then named to the page, so the page's "checkpoint at
   * step N" is one a reload can continue from. Nothing large crosses to the main thread.
   */
  private postCheckpoint(which: CheckpointMsg['which']): void {
    if (!this.keeper) return;
    const { step, epoch } = this;
    const data = { which, step, epoch, state: this.session.checkpoint(), weights: programWeights(this.program), totalSteps: this.totalSteps };
    this.keeper.save(data).then(
      async () => this.post({ type: 'checkpoint', which, step, epoch, source: await this.keeper!.source() }),
      (e: unknown) => this.post({ type: 'checkpoint', which, step, epoch, error: (e as Error)?.message ?? String(e) }),
    );
  }

  private finish(stopped: boolean): void {
    this.state = stopped ? 'stopped' : 'done';
    let test: Evaluation | undefined;
    try {
      const rep = this.session.evaluate('test', { examples: 200 });
      test = {
        metrics: { loss: rep.metrics.loss, metric: { ...rep.metrics.metric } },
        ...(rep.confusion ? { confusion: rep.confusion } : {}),
        rows: rep.rows,
        examples: rep.examples.map((x) => ({ ...x, loss: Number.isFinite(x.loss) ? x.loss : NaN })),
      };
    } catch (e) {
      this.post(errorMessage(e));
    }
    this.postCheckpoint('last');
    this.post({ type: 'done', stopped, step: this.step, weights: programWeights(this.program), ...(test ? { test } : {}) });
  }
}
