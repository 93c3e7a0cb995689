// Training checkpoints in IndexedDB: per graph, the best one (by validation metric) and the
// last one. A reload mid-training finds the last one, says how many steps it is behind, and can
// continue from it (the session's checkpoint restores weights, optimiser, position and RNG).
import type { GraphDoc } from '../../doc/schema';
import type { TrainSource } from '../train-protocol';

export interface StoredCheckpoint {
  /** which graph (its name) the checkpoint belongs to */
  graph: string;
  which: 'best' | 'last';
  step: number;
  epoch: number;
  savedAt: number;
  /** the session's checkpoint */
  state: unknown;
  weights: GraphDoc['weights'];
  /** the document trained (its training section included) */
  doc: GraphDoc;
  source: TrainSource;
  sourceLabel: string;
  totalSteps: number;
}

const DB = 'seqgraph-training';
const STORE = 'checkpoints';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('IndexedDB is not available'));
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB failed to open'));
  });
}

function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const t = db.transaction(STORE, mode);
        const r = fn(t.objectStore(STORE));
        t.oncomplete = () => {
          db.close();
          resolve(r.result);
        };
        t.onerror = () => {
          db.close();
          reject(t.error ?? new Error('IndexedDB transaction failed'));
        };
      }),
  );
}

const key = (graph: string, which: string) => `${graph}\u0000${which}`;

/** Saves writes in order; a save still under way when the next comes is simply followed by it. */
let chain: Promise<unknown> = Promise.resolve();
export function saveCheckpoint(c: StoredCheckpoint): Promise<unknown> {
  chain = chain.catch(() => undefined).then(() => tx('readwrite', (s) => s.put(c, key(c.graph, c.which))));
  return chain;
}

export function loadCheckpoint(graph: string, which: 'best' | 'last'): Promise<StoredCheckpoint | undefined> {
  return tx('readonly', (s) => s.get(key(graph, which)) as IDBRequest<StoredCheckpoint | undefined>).catch(() => undefined);
}

export async function clearCheckpoints(graph: string): Promise<void> {
  await chain.catch(() => undefined);
  await tx('readwrite', (s) => s.delete(key(graph, 'last'))).catch(() => undefined);
  await tx('readwrite', (s) => s.delete(key(graph, 'best'))).catch(() => undefined);
}
