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

/** the step reached but not yet written (markRunning writes at most once a second) */
let pending: { graph: string; step: number } | null = null;
let lastWrite = 0;
let listening = false;

/**
 * The step a running training has reached. Written at most once a second, and at once when the
 * page goes away (pagehide: a reload or a closed tab), because reading and writing localStorage
 * at every step report (10 a second) was main-thread time taken from the canvas while training.
 */
export function markRunning(graph: string, step: number): void {
  pending = { graph, step };
  if (!listening && typeof addEventListener === 'function') {
    listening = true;
    addEventListener('pagehide', () => {
      if (pending) markProgress(pending.graph, pending.step, false);
    });
  }
  const now = Date.now();
  if (now - lastWrite >= 1000) markProgress(graph, step, false);
}

export function markProgress(graph: string, step: number, finished: boolean): void {
  pending = null;
  lastWrite = Date.now();
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
