// ONNX export and the onnxruntime check, from the editor: requests go to the ONNX worker
// (../onnx-worker.ts); the store keeps the last check's result for the run panel.
import { action, makeObservable, observable, observableRef, runInAction } from 'mobx';
import type { GraphDoc, SampleValue } from '../../doc/schema';
import type { OnnxRequest, OnnxResponse } from '../onnx-job';

class OnnxWorkerClient {
  private worker: Worker | null = null;
  private seq = 0;
  private waiting = new Map<number, (r: OnnxResponse) => void>();

  request(req: Omit<OnnxRequest, 'id'>): Promise<OnnxResponse> {
    if (!this.worker) {
      this.worker = new Worker(new URL('../onnx-worker.ts', import.meta.url), { type: 'module', name: 'seqgraph-onnx' });
      this.worker.onmessage = (ev: MessageEvent<OnnxResponse>) => {
        this.waiting.get(ev.data.id)?.(ev.data);
        this.waiting.delete(ev.data.id);
      };
      this.worker.onerror = (ev) => {
        for (const [id, resolve] of this.waiting) resolve({ id, ok: false, stage: 'onnxruntime', message: `the ONNX worker failed: ${ev.message || 'unknown error'}` });
        this.waiting.clear();
        this.worker?.terminate();
        this.worker = null;
      };
    }
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker!.postMessage({ ...req, id } satisfies OnnxRequest);
    });
  }
}

export type OnnxStatus = 'idle' | 'exporting' | 'checking' | 'done' | 'failed';

export class OnnxStore {
  status: OnnxStatus = 'idle';
  /** the last check (or export) answer */
  last: OnnxResponse | null = null;
  /** the document the last check ran on, to say when it is stale */
  lastDoc: GraphDoc | null = null;
  /** export (and check) beam-search Decoders as greedy, as `seqgraph export --greedy` does */
  greedy = false;
  private client = new OnnxWorkerClient();

  constructor() {
    makeObservable(this, { status: observable, last: observableRef, lastDoc: observableRef, greedy: observable, setGreedy: action, exportModel: action, check: action, reset: action });
  }

  /** Exports the graph; resolves to the model bytes and file name, or the failure. */
  async exportModel(doc: GraphDoc, greedy = false): Promise<OnnxResponse> {
    this.status = 'exporting';
    const res = await this.client.request({ doc, greedy });
    runInAction(() => {
      this.status = res.ok ? 'done' : 'failed';
      if (!res.ok) this.last = res;
    });
    return res;
  }

  /** Exports and runs the model in onnxruntime-web on `inputs`, against the TS runtime. */
  async check(doc: GraphDoc, inputs: Record<string, SampleValue>, greedy = false): Promise<OnnxResponse> {
    this.status = 'checking';
    this.last = null;
    const res = await this.client.request({ doc, check: inputs, greedy });
    runInAction(() => {
      this.status = res.ok ? 'done' : 'failed';
      this.last = res;
      this.lastDoc = doc;
    });
    return res;
  }

  setGreedy(on: boolean): void {
    this.greedy = on;
  }

  reset(): void {
    this.status = 'idle';
    this.last = null;
    this.lastDoc = null;
  }
}
