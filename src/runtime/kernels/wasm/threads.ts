// Worker threads for the SIMD kernels (work in progress: the API is fixed, the pool lands next).
//
// API (the bench and the app code against it):
// - threadsSupported(): SharedArrayBuffer + Atomics + a shared kernel Memory in this realm
// - initThreads(n?): start n-1 workers on the kernels' shared Memory; resolves the threads usable
//   (1 = single-threaded fallback; threadsNote() says why)
// - setThreads(n): use up to n threads from now on (1 = off); threadCount(): threads in use
// - stopThreads(): terminate the workers
import { simdRuntime } from './runtime';

let note: string | null = null;
let started = 1;
let using = 1;

export function threadsSupported(): boolean {
  const rt = simdRuntime();
  return rt !== null && rt.shared && typeof Atomics === 'object';
}

export function threadsNote(): string | null {
  return note;
}

export async function initThreads(n?: number): Promise<number> {
  void n;
  note = 'worker threads are not built yet';
  return started;
}

export function setThreads(n: number): void {
  using = Math.max(1, Math.min(n | 0, started));
}

export function threadCount(): number {
  return using;
}

export async function stopThreads(): Promise<void> {
  started = 1;
  using = 1;
}
