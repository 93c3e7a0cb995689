// The Web Worker that trains, so the canvas stays responsive while the optimiser runs.
// Messages: TrainRequest in, TrainResponse out (train-protocol.ts); the work is train-job.ts.
import type { TrainRequest, TrainResponse } from './train-protocol';
import { TrainJob } from './train-job';
import { clearCheckpoints, saveCheckpoint, saveFile } from './store/checkpoint-db';
import { hardwareThreads, initThreads } from '../runtime/kernels/wasm/threads';

const scope = self as unknown as { onmessage: ((ev: MessageEvent<TrainRequest>) => void) | null; postMessage(msg: TrainResponse, transfer?: Transferable[]): void };

// A MessageChannel hop yields to pending messages (Pause, Stop) without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
const queue: (() => void)[] = [];
channel.port1.onmessage = () => queue.shift()?.();
const later = (fn: () => void) => {
  queue.push(fn);
  channel.port2.postMessage(0);
};

// checkpoints are written to IndexedDB from here, not from the page (see train-keep.ts)
const job = new TrainJob((msg, transfer) => scope.postMessage(msg, transfer ?? []), later, { saveCheckpoint, saveFile, clearCheckpoints });
// kernel threads, leaving one core to the page (the canvas must stay responsive while training):
// none on a 2-core machine; where the page is not cross-origin isolated, none either
const threads = initThreads(Math.max(1, Math.min(hardwareThreads() - 1, 8)));
scope.onmessage = (ev) => void threads.then(() => job.handle(ev.data));
