// The Web Worker that compiles and runs graphs, so a long run never freezes the canvas.
// Messages: RunRequest in, RunResponse out (see run-job.ts).
import { runJob, type RunRequest, type RunResponse } from './run-job';

const scope = self as unknown as { onmessage: ((ev: MessageEvent<RunRequest>) => void) | null; postMessage(msg: RunResponse, transfer?: Transferable[]): void };

scope.onmessage = (ev) => {
  let res: RunResponse;
  try {
    res = runJob(ev.data);
  } catch (e) {
    res = { id: ev.data.id, ok: false, stage: 'run', message: `unexpected failure: ${(e as Error).message}` };
  }
  const transfer: Transferable[] = res.ok ? [...new Set(res.outputs.map((o) => o.data.buffer as ArrayBuffer))] : [];
  scope.postMessage(res, transfer);
};
