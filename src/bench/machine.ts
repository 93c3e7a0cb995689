// The machine line of the bench's report (Node only; the browser page reports navigator's).
import os from 'node:os';

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, Node ${process.versions.node} (V8 ${process.versions.v8})`;
}

/**
 * Resolves once this process's threads are idle: less than 1 ms of CPU over a 5 ms window, or
 * after 300 ms at most (the bench's settle hook after a run on several threads; see measure.ts).
 * process.cpuUsage() counts every thread of the process, ort's pthreads and our workers included.
 */
export async function settleCpu(): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const u0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 5));
    const u = process.cpuUsage(u0);
    if ((u.user + u.system) / 1000 < 1 || performance.now() - t0 > 300) return;
  }
}
