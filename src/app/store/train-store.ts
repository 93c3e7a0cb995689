// The Train tab's state: the data set picked, the mapping's preview and report, the training
// run's progress and curves, the test results, and the checkpoints kept in IndexedDB. Training
// happens in a Web Worker (../train-worker.ts); this store only sends it messages and records
// what it reports. The curves are plain arrays (thousands of points) with a version counter
// the charts observe, so MobX does not wrap every number.
import { action, makeObservable, observable, observableRef, runInAction } from 'mobx';
import type { GraphDoc, SampleValue } from '../../doc/schema';
import type { GradTrace } from '../../runtime/grad-trace';
import type { CheckpointMsg, DoneMsg, EpochMsg, Evaluation, Prepared, StepMsg, TrainRequest, TrainResponse, TrainSource } from '../train-protocol';
import type { StoredCheckpoint } from './checkpoint-db';

export type TrainStatus = 'idle' | 'preparing' | 'ready' | 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

/** One point per optimiser step (x = step). */
export class StepSeries {
  step: number[] = [];
  loss: number[] = [];
  gradNorm: number[] = [];
  clippedNorm: number[] = [];
  lr: number[] = [];
}

/** One point per epoch (x = the step the epoch ended on). */
export class EpochSeries {
  step: number[] = [];
  trainLoss: number[] = [];
  valLoss: number[] = [];
  trainMetric: number[] = [];
  valMetric: number[] = [];
  metricName = '';
}

/** how often reported steps reach the page (ms): 10 updates a second reads as live */
const STEP_BATCH_MS = 100;

export class TrainStore {
  status: TrainStatus = 'idle';
  source: TrainSource | null = null;
  /** what the data set is called in the tab: a built-in's name or the file's */
  sourceLabel = '';
  prepared: Prepared | null = null;
  /** the document the preview was made for (a later edit makes it stale) */
  preparedDoc: GraphDoc | null = null;
  error: { stage: string; message: string } | null = null;
  progress: StepMsg | null = null;
  lastEpoch: EpochMsg | null = null;
  test: Evaluation | null = null;
  /** bumps on every new point, for the charts */
  version = 0;
  steps = new StepSeries();
  epochs = new EpochSeries();
  bestStep: number | null = null;
  /** the last checkpoint kept (IndexedDB), for "steps lost since" */
  lastCheckpointStep: number | null = null;
  /** why the last checkpoint could not be kept (the worker writes them), or null */
  checkpointError: string | null = null;
  /** the run's document (the graph trained), to put the weights back into */
  runDoc: GraphDoc | null = null;
  /** the inspector's ∂loss/∂h_t for the last run's input */
  grads: { id: number; forTrace: unknown; result?: { gradTrace: GradTrace; loss: number; targets: string[] }; error?: string } | null = null;
  /** a test example's target, so the inspector's gradients are taken against it (set by the results table) */
  gradTargets: { inputs: Record<string, string>; targets: Record<string, string> } | null = null;
  private gradSeq = 0;
  private worker: Worker | null = null;
  private onDone: ((m: DoneMsg) => void) | null = null;
  /** files larger than this are not kept for a reload (undefined: checkpoint-db's 50 MB); tests lower it */
  maxFileBytes: number | undefined = undefined;
  /** the app puts a prepared mapping into the graph's training section */
  onPrepared: ((p: Prepared) => void) | null = null;

  constructor() {
    makeObservable(this, {
      status: observable,
      source: observableRef,
      sourceLabel: observable,
      prepared: observableRef,
      preparedDoc: observableRef,
      error: observableRef,
      progress: observableRef,
      lastEpoch: observableRef,
      test: observableRef,
      version: observable,
      bestStep: observable,
      lastCheckpointStep: observable,
      checkpointError: observable,
      runDoc: observableRef,
      grads: observableRef,
      gradTargets: observableRef,
      receive: action,
      setSource: action,
      begin: action,
      reset: action,
    });
    // while training, panning, zooming or dragging anywhere on the page tells the worker, which
    // then leaves most of its core to the page for a moment (train-loop.ts, interacting())
    if (typeof document !== 'undefined') {
      const hint = (e: Event) => {
        if (e.type === 'pointermove' && (e as PointerEvent).buttons === 0) return;
        this.hintInteracting();
      };
      for (const type of ['wheel', 'pointerdown', 'pointermove']) document.addEventListener(type, hint, { capture: true, passive: true });
    }
  }

  private lastHint = -Infinity;

  /** at most every 100 ms, and only to a worker that is training */
  private hintInteracting(): void {
    if (this.status !== 'running' || !this.worker) return;
    const now = performance.now();
    if (now - this.lastHint < 100) return;
    this.lastHint = now;
    this.send({ type: 'interacting' });
  }

  get running(): boolean {
    return this.status === 'running' || this.status === 'paused' || this.status === 'starting';
  }

  private spawn(): Worker {
    const w = new Worker(new URL('../train-worker.ts', import.meta.url), { type: 'module', name: 'seqgraph-train' });
    w.onmessage = (ev: MessageEvent<TrainResponse>) => this.receive(ev.data);
    w.onerror = (ev) => {
      runInAction(() => {
        this.status = 'failed';
        this.error = { stage: 'train', message: `the training worker failed: ${ev.message || 'unknown error'}` };
      });
      this.worker?.terminate();
      this.worker = null;
    };
    return w;
  }

  private send(req: TrainRequest): void {
    this.worker ??= this.spawn();
    this.worker.postMessage(req);
  }

  /** the latest prepare request (answers to earlier ones are dropped) */
  private prepareSeq = 0;

  setSource(source: TrainSource, label: string): void {
    this.source = source;
    this.sourceLabel = label;
    this.prepared = null;
    this.error = null;
  }

  /** Loads the data set and previews the mapping (the suggested one, or `spec`). */
  prepare(doc: GraphDoc, spec?: unknown): void {
    if (!this.source) return;
    runInAction(() => {
      if (!this.running) this.status = 'preparing';
      this.error = null;
      this.preparedDoc = doc;
    });
    this.send({ type: 'prepare', doc: plain(doc), source: this.source, seq: ++this.prepareSeq, ...(spec ? { spec: spec as never } : {}) });
  }

  begin(doc: GraphDoc, graphKey: string, onDone: (m: DoneMsg) => void, resume?: StoredCheckpoint): void {
    if (!this.source || !doc.training) return;
    this.status = 'starting';
    this.error = null;
    this.test = null;
    this.progress = null;
    this.lastEpoch = null;
    this.bestStep = null;
    this.lastCheckpointStep = resume?.step ?? null;
    this.checkpointError = null;
    this.pendingSteps = [];
    this.steps = new StepSeries();
    this.epochs = new EpochSeries();
    this.version++;
    this.runDoc = doc;
    this.onDone = onDone;
    const sent = plain(doc);
    // the worker keeps the checkpoints itself (train-keep.ts): the page gets only their steps
    const keep = { graph: graphKey, doc: sent, sourceLabel: this.sourceLabel, ...(this.maxFileBytes !== undefined ? { maxFileBytes: this.maxFileBytes } : {}) };
    this.send({ type: 'start', doc: sent, source: this.source, training: plain(doc.training) as never, checkpointEvery: 25, keep, ...(resume ? { resume: resume.state } : {}) });
  }

  /** ∂loss/∂h_t for `inputs` on `doc` (the trace it goes with is `forTrace`, to know when it is stale) */
  requestGradients(doc: GraphDoc, inputs: Record<string, SampleValue>, forTrace: unknown): void {
    const id = ++this.gradSeq;
    runInAction(() => (this.grads = { id, forTrace }));
    // a test example's target counts only while the run is still on that example's input
    const t = this.gradTargets;
    const same = !!t && Object.entries(t.inputs).every(([k, v]) => typeof inputs[k] === 'string' && (inputs[k] as string).trim() === v.trim());
    this.send({ type: 'gradients', id, doc: plain(doc), inputs: plain(inputs), ...(same ? { targets: { ...t!.targets } } : {}) });
  }

  pause(): void {
    if (this.status === 'running') this.send({ type: 'pause' });
  }

  resume(): void {
    if (this.status === 'paused') this.send({ type: 'resume' });
  }

  stop(): void {
    if (this.running) this.send({ type: 'stop' });
  }

  reset(): void {
    this.worker?.terminate();
    this.worker = null;
    this.pendingSteps = [];
    this.status = 'idle';
    this.prepared = null;
    this.preparedDoc = null;
    this.error = null;
    this.progress = null;
    this.test = null;
  }

  /** steps reported but not yet applied (see receive) */
  private pendingSteps: StepMsg[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * The worker reports every step, which for a small model is 100+ times a second. Applying each
   * one (a new `progress` re-renders the progress bar, `version` wakes the charts, the progress
   * mark goes to localStorage) kept the main thread busy enough to drop frames on the canvas, so
   * steps are applied in batches at most every STEP_BATCH_MS, and any other message applies the
   * steps before it first, so the order the worker sent is the order seen.
   */
  receive(m: TrainResponse): void {
    if (m.type === 'step') {
      this.pendingSteps.push(m);
      this.flushTimer ??= setTimeout(() => this.flushSteps(), STEP_BATCH_MS);
      return;
    }
    this.flushSteps();
    this.apply(m);
  }

  /** Applies the steps received so far (tests and pause call it to see the latest). */
  flushSteps(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.pendingSteps;
    if (!batch.length) return;
    this.pendingSteps = [];
    runInAction(() => {
      for (const m of batch) this.apply(m);
    });
  }

  private apply(m: TrainResponse): void {
    switch (m.type) {
      case 'prepared':
        // an answer to an earlier prepare (another data set) that arrived after a later one's
        if (m.seq !== undefined && m.seq !== this.prepareSeq) return;
        this.prepared = m;
        if (!this.running) this.status = 'ready';
        this.onPrepared?.(m);
        return;
      case 'step': {
        if (this.status === 'starting') this.status = 'running';
        this.progress = m;
        const s = this.steps;
        s.step.push(m.step);
        s.loss.push(m.loss);
        s.gradNorm.push(m.gradNorm);
        s.clippedNorm.push(m.clippedNorm);
        s.lr.push(m.lr);
        this.version++;
        return;
      }
      case 'epoch': {
        this.lastEpoch = m;
        const e = this.epochs;
        e.metricName = m.validation.metric.name;
        e.step.push(m.step);
        e.trainLoss.push(m.train.loss);
        e.valLoss.push(m.validation.loss);
        e.trainMetric.push(m.train.metric.value);
        e.valMetric.push(m.validation.metric.value);
        if (m.best) this.bestStep = m.step;
        this.version++;
        return;
      }
      case 'checkpoint':
        this.keep(m);
        return;
      case 'paused':
        this.status = 'paused';
        return;
      case 'resumed':
        this.status = 'running';
        return;
      case 'done':
        this.status = m.stopped ? 'stopped' : 'done';
        this.test = m.test ?? null;
        this.onDone?.(m);
        this.onDone = null;
        return;
      case 'status':
        return;
      case 'gradients':
        if (this.grads?.id === m.id) this.grads = { ...this.grads, result: { gradTrace: m.gradTrace, loss: m.loss, targets: m.targets } };
        return;
      case 'gradients-error':
        if (this.grads?.id === m.id) this.grads = { ...this.grads, error: m.message };
        return;
      case 'error':
        if (m.seq !== undefined && m.seq !== this.prepareSeq) return;
        this.error = { stage: m.stage, message: m.message };
        this.status = this.status === 'preparing' || this.status === 'ready' ? 'idle' : 'failed';
        if (this.prepared && m.stage === 'data') this.prepared = null;
        return;
    }
  }

  private keep(m: CheckpointMsg): void {
    if (m.error) {
      this.checkpointError = m.error;
      return;
    }
    this.checkpointError = null;
    if (m.which === 'last') this.lastCheckpointStep = m.step;
  }
}

/** a structured-clonable copy (MobX observables and frozen objects become plain data) */
function plain<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}
