// The run panel's state: what was typed for each input, the chosen sample, and the last run's
// outputs, failure and Trace (kept for the inspector). Runs go to the Web Worker (../worker.ts),
// which compiles the GraphDoc and executes it, so the canvas never freezes.
import { action, makeObservable, observable, observableRef, runInAction } from 'mobx';
import type { GraphDoc, Sample, SampleValue } from '../../doc/schema';
import type { Trace } from '../../runtime/trace';
import type { RunFailure, RunRequest, RunResponse, RunSuccess } from '../run-job';
import { parseRunInput, runInputFields, sampleValueToText, type RunInputField } from './run-inputs';
import { dict, own } from '../../doc/dict';

/**
 * Talks to the run worker (../worker.ts): one request at a time, answered by id. A new run
 * while one is under way stops the old one (the worker is replaced), so a runaway run never
 * blocks the next.
 */
export class RunWorkerClient {
  private worker: Worker | null = null;
  private seq = 0;
  private pending: { id: number; resolve: (r: RunResponse) => void } | null = null;

  private spawn(): Worker {
    const w = new Worker(new URL('../worker.ts', import.meta.url), { type: 'module', name: 'seqgraph-run' });
    w.onmessage = (ev: MessageEvent<RunResponse>) => {
      const p = this.pending;
      if (p && ev.data.id === p.id) {
        this.pending = null;
        p.resolve(ev.data);
      }
    };
    w.onerror = (ev) => {
      const p = this.pending;
      this.pending = null;
      this.worker?.terminate();
      this.worker = null;
      p?.resolve({ id: p.id, ok: false, stage: 'run', message: `the run worker failed: ${ev.message || 'unknown error'}` });
    };
    return w;
  }

  run(req: Omit<RunRequest, 'id'>): Promise<RunResponse> {
    if (this.pending) this.cancel();
    this.worker ??= this.spawn();
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending = { id, resolve };
      this.worker!.postMessage({ ...req, id } satisfies RunRequest);
    });
  }

  cancel(): void {
    const p = this.pending;
    this.pending = null;
    this.worker?.terminate();
    this.worker = null;
    p?.resolve({ id: p.id, ok: false, stage: 'run', message: 'the run was stopped' });
  }

  get busy(): boolean {
    return this.pending !== null;
  }
}

export type RunStatus = 'idle' | 'running' | 'done' | 'failed';

/** A run's trace with what produced it, kept so the inspector can compare two runs. */
export interface TraceSnapshot {
  trace: Trace;
  /** the document it came from (null: a trace file opened in the inspector) */
  doc: GraphDoc | null;
  /** the inputs it ran on (null when unknown) */
  inputs: Record<string, SampleValue> | null;
  /** a short description of the input, e.g. the text typed */
  label: string;
}

/** A short description of a run's inputs, for the inspector's compare view. */
export function describeInputs(inputs: Record<string, SampleValue>): string {
  return Object.entries(inputs)
    .map(([k, v]) => {
      if (typeof v === 'string') return `${k}: “${v}”`;
      if (v.every((x) => typeof x === 'string')) return `${k}: ${(v as string[]).map((x) => `“${x}”`).join(', ')}`;
      const dims: number[] = [];
      for (let a: unknown = v; Array.isArray(a); a = a[0]) dims.push(a.length);
      return `${k}: [${dims.join('×')}] numbers`;
    })
    .join(' · ');
}

export class RunStore {
  /** input name -> the text typed for it (absent: the first sample's value is shown) */
  texts = observable.map<string, string>();
  sampleName: string | null = null;
  status: RunStatus = 'idle';
  result: RunSuccess | null = null;
  failure: RunFailure | null = null;
  /** the last successful run's trace, for the inspector */
  trace: Trace | null = null;
  /** the document the last result came from */
  resultDoc: GraphDoc | null = null;
  /** the inputs the trace was recorded on, and a short description of them */
  traceInputs: Record<string, SampleValue> | null = null;
  traceLabel = '';
  /** the run before the last one, and a run pinned by the person: the inspector compares against them */
  previous: TraceSnapshot | null = null;
  pinned: TraceSnapshot | null = null;
  private client: RunWorkerClient | null = null;
  private seq = 0;

  constructor() {
    makeObservable(this, {
      sampleName: observable,
      status: observable,
      result: observableRef,
      failure: observableRef,
      trace: observableRef,
      resultDoc: observableRef,
      traceInputs: observableRef,
      traceLabel: observable,
      previous: observableRef,
      pinned: observableRef,
      pinTrace: action,
      unpinTrace: action,
      showTrace: action,
      setText: action,
      useSample: action,
      reset: action,
      run: action,
      cancel: action,
    });
  }

  /** What the field for `field` shows. */
  textFor(doc: GraphDoc, field: RunInputField): string {
    const t = this.texts.get(field.name);
    if (t !== undefined) return t;
    const s = this.sampleName ? doc.samples.find((x) => x.name === this.sampleName) : doc.samples[0];
    return sampleValueToText(own(s?.inputs, field.name));
  }

  setText(name: string, text: string): void {
    this.texts.set(name, text);
  }

  useSample(sample: Sample | null): void {
    this.sampleName = sample?.name ?? null;
    this.texts.clear();
    if (sample) for (const [k, v] of Object.entries(sample.inputs)) this.texts.set(k, sampleValueToText(v));
  }

  /** A different graph was opened: forget inputs and results. */
  reset(): void {
    this.seq++;
    this.client?.cancel();
    this.texts.clear();
    this.sampleName = null;
    this.status = 'idle';
    this.result = null;
    this.failure = null;
    this.trace = null;
    this.resultDoc = null;
    this.traceInputs = null;
    this.traceLabel = '';
    this.previous = null;
    this.pinned = null;
  }

  /** The current trace as a snapshot (null before any run). */
  get currentSnapshot(): TraceSnapshot | null {
    return this.trace ? { trace: this.trace, doc: this.resultDoc, inputs: this.traceInputs, label: this.traceLabel } : null;
  }

  /** Keeps the current run for comparing later runs against it. */
  pinTrace(): void {
    this.pinned = this.currentSnapshot;
  }

  unpinTrace(): void {
    this.pinned = null;
  }

  /** Shows a trace that did not come from a run here (a trace file from `seqgraph run --trace`). */
  showTrace(trace: Trace, label: string): void {
    if (this.trace) this.previous = this.currentSnapshot;
    this.trace = trace;
    this.resultDoc = null;
    this.traceInputs = null;
    this.traceLabel = label;
  }

  async run(doc: GraphDoc): Promise<void> {
    const inputs = dict<SampleValue>(); // input names are the user's ("__proto__" too)
    for (const f of runInputFields(doc)) {
      const parsed = parseRunInput(f, this.textFor(doc, f));
      if (!parsed.ok) {
        this.status = 'failed';
        this.failure = { id: 0, ok: false, stage: 'input', message: parsed.message, where: { input: f.name } };
        return;
      }
      inputs[f.name] = parsed.value;
    }
    this.status = 'running';
    this.failure = null;
    this.client ??= new RunWorkerClient();
    const mine = ++this.seq;
    const res = await this.client.run({ doc, inputs, trace: true });
    runInAction(() => {
      if (mine !== this.seq) return; // a later run replaced this one
      if (res.ok) {
        this.status = 'done';
        this.result = res;
        if (this.trace && res.trace) this.previous = this.currentSnapshot;
        this.trace = res.trace ?? null;
        this.resultDoc = doc;
        this.traceInputs = inputs;
        this.traceLabel = describeInputs(inputs);
        this.failure = null;
      } else {
        this.status = 'failed';
        this.failure = res;
      }
    });
  }

  cancel(): void {
    this.seq++;
    this.client?.cancel();
    this.status = 'idle';
  }
}
