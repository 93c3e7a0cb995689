// Training checkpoints in IndexedDB: per graph, the best one (by validation metric) and the
// last one, and the data file of the person's own that the run trains on. A reload mid-training
// finds the last one, says how many steps it is behind, and can continue from it (the session's
// checkpoint restores weights, optimiser, position and RNG).
//
// The training worker writes these itself (train-keep.ts): a checkpoint is megabytes of weights
// and optimiser state, and cloning it to the page and into IndexedDB on the main thread was a
// long task on the canvas every second. The page only reads them (after a reload) and clears them.
// No DOM here: IndexedDB is the same in a worker.
import type { GraphDoc } from '../../doc/schema';

/** A file of the person's own, as a checkpoint names it: the text itself is kept apart (keptFile). */
export interface StoredFileSource {
  file: string;
  /** SHA-256 of the file's UTF-8 bytes (hex): a file picked again must be the same file */
  sha256: string;
  bytes: number;
  /** the text is in IndexedDB (false: too large to keep, or no room; the person picks the file again) */
  kept: boolean;
  /** not kept because it is over this many bytes (absent: the browser's storage had no room) */
  limit?: number;
}

export type StoredSource = { builtin: string } | StoredFileSource;

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
  source: StoredSource;
  sourceLabel: string;
  totalSteps: number;
}

export interface KeptFile {
  graph: string;
  file: string;
  sha256: string;
  bytes: number;
  text: string;
}

/** files larger than this are not copied into the browser's storage (they are picked again) */
export const MAX_KEPT_FILE_BYTES = 50 * 1024 * 1024;

const DB = 'seqgraph-training';
const STORE = 'checkpoints';
const FILES = 'files';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('IndexedDB is not available'));
    // version 2 added the files store; an older database keeps its checkpoints
    const req = indexedDB.open(DB, 2);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
      if (!db.objectStoreNames.contains(FILES)) db.createObjectStore(FILES);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB failed to open'));
  });
}

function tx<T>(store: string, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const t = db.transaction(store, mode);
        const r = fn(t.objectStore(store));
        t.oncomplete = () => {
          db.close();
          resolve(r.result);
        };
        const fail = () => {
          db.close();
          reject(t.error ?? new Error('IndexedDB transaction failed'));
        };
        t.onerror = fail;
        t.onabort = fail; // a quota error aborts the transaction
      }),
  );
}

const key = (graph: string, which: string) => `${graph}\u0000${which}`;

/** Writes in order; a write still under way when the next comes is simply followed by it. */
let chain: Promise<unknown> = Promise.resolve();
function queued<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.catch(() => undefined).then(fn);
  chain = next;
  return next;
}

export function saveCheckpoint(c: StoredCheckpoint): Promise<unknown> {
  return queued(() => tx(STORE, 'readwrite', (s) => s.put(c, key(c.graph, c.which))));
}

/** the run's data file, one per graph (a new run's file replaces the last one's) */
export function saveFile(f: KeptFile): Promise<unknown> {
  return queued(() => tx(FILES, 'readwrite', (s) => s.put(f, f.graph)));
}

export function loadCheckpoint(graph: string, which: 'best' | 'last'): Promise<StoredCheckpoint | undefined> {
  return tx(STORE, 'readonly', (s) => s.get(key(graph, which)) as IDBRequest<StoredCheckpoint | undefined>).catch(() => undefined);
}

export function loadFile(graph: string): Promise<KeptFile | undefined> {
  return tx(FILES, 'readonly', (s) => s.get(graph) as IDBRequest<KeptFile | undefined>).catch(() => undefined);
}

/** Removes the graph's checkpoints and kept file (after writes queued before it). */
export function clearCheckpoints(graph: string): Promise<void> {
  return queued(async () => {
    await tx(STORE, 'readwrite', (s) => s.delete(key(graph, 'last'))).catch(() => undefined);
    await tx(STORE, 'readwrite', (s) => s.delete(key(graph, 'best'))).catch(() => undefined);
    await tx(FILES, 'readwrite', (s) => s.delete(graph)).catch(() => undefined);
  });
}

/** SHA-256 (hex) of a text's UTF-8 bytes: the identity of a data file */
export async function sha256Hex(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}
