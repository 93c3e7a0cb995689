// The step a training run has reached, kept in localStorage (cheap, synchronous, survives a
// reload), so after a reload the Train tab can say how many steps the last IndexedDB checkpoint
// is behind. `finished` marks a run that ended (done, stopped, or discarded by the person).
const KEY = 'seqgraph.training.progress';

interface Progress {
  graph: string;
  step: number;
  finished: boolean;
}

function read(): Record<string, Progress> {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Record<string, Progress>;
  } catch {
    return {};
  }
}

export function markProgress(graph: string, step: number, finished: boolean): void {
  try {
    const all = read();
    all[graph] = { graph, step, finished };
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // storage full or disabled: only the "steps lost" count is affected
  }
}

/** The run on this graph that neither finished nor was discarded, if any. */
export function interruptedRun(graph: string): Progress | undefined {
  const p = read()[graph];
  return p && !p.finished ? p : undefined;
}
