// The Web Worker that compiles and runs graphs, so a long run never freezes the canvas.
// Messages: RunRequest in, RunResponse out (see run-job.ts).
import { runJob, type RunRequest, type RunResponse } from './run-job';
import { hardwareThreads, initThreads, threadCount, threadsNote } from '../runtime/kernels/wasm/threads';

const scope = self as unknown as { onmessage: ((ev: MessageEvent<RunRequest>) => void | Promise<void>) | null; postMessage(msg: RunResponse, transfer?: Transferable[]): void };

// kernel threads for big runs (small graphs stay on this thread: see threadTuning); where the
// page is not cross-origin isolated there are none, and the run panel says why
const threads = initThreads(Math.min(hardwareThreads(), 8));

scope.onmessage = async (ev) => {
  await threads;
  let res: RunResponse;
  try {
    res = runJob(ev.data);
  } catch (e) {
    res = { id: ev.data.id, ok: false, stage: 'run', message: `unexpected failure: ${(e as Error).message}` };
  }
  if (res.ok) {
    res.threads = threadCount();
    res.threadsNote = threadsNote() ?? undefined;
  }
  // copied, not transferred: a transfer detaches the buffers, and the first detach in a thread
  // makes V8's optimised code check every typed-array access from then on (the TypeScript kernels
  // of the next runs, decoder and attention, slow down by up to 1.7x); a copy is one memcpy
  scope.postMessage(res);
};
