// The Web Worker that trains, so the canvas stays responsive while the optimiser runs.
// Messages: TrainRequest in, TrainResponse out (train-protocol.ts); the work is train-job.ts.
import type { TrainRequest, TrainResponse } from './train-protocol';
import { TrainJob } from './train-job';
import { clearCheckpoints, saveCheckpoint, saveFile } from './store/checkpoint-db';

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
// no kernel threads while training (as `seqgraph train`): the page needs a core to stay smooth,
// the gallery's models are too small to gain, and attention decoders trained slower with a pool
// (docs/performance.md, "Threads")
scope.onmessage = (ev) => void job.handle(ev.data);
