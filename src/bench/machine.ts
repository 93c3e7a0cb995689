// The machine line of the bench's report (Node only; the browser page reports navigator's).
import os from 'node:os';

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, Node ${process.versions.node} (V8 ${process.versions.v8})`;
}
