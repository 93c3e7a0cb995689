// The training-memory check inside a Node worker_threads Worker (started by memory.ts): trains the
// model of memory-model.ts and posts a sample (wasm memory, and the worker's JS heap after a full
// GC) every few steps, so the heap figures are live data, not garbage waiting to be collected.
import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import vm from 'node:vm';
import { runMemoryTraining, type MemoryConfig } from './memory-model';

// a full GC on demand (--expose-gc is a per-process flag a Worker cannot take; this is the same)
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

runMemoryTraining(workerData as MemoryConfig, (s) => {
  gc();
  const h = v8.getHeapStatistics();
  // typed arrays' contents live outside the JS heap (external memory): a leaked Float32Array per
  // step shows there, not in used_heap_size
  parentPort!.postMessage({ ...s, heapUsed: h.used_heap_size, heapTotal: h.total_heap_size, external: (h as v8.HeapInfo & { external_memory?: number }).external_memory });
}).then(
  () => parentPort!.postMessage({ done: true }),
  (e: Error) => parentPort!.postMessage({ error: e.stack ?? e.message }),
);
