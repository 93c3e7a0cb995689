// Autosave: the graph goes to IndexedDB moments after every change, and comes back on the next
// load (after a reload, a closed tab or a crash). Stored as the file's own JSON text, read back
// through the same loader as any file, so a stored graph is never trusted blindly.
//
// A stored graph that can't be opened is never lost and never silently replaced: it is moved
// aside (key "unreadable:<time>") in the same transaction that clears the current slot, and the
// editor says so and offers it for download until the person discards it. When the storage
// itself is out of reach (a newer seqgraph upgraded the database, private browsing, a full
// disk) the editor says why, how to keep the work (Save) and how to get autosave back.
import { reaction } from 'mobx';
import { docToText } from './doc-ops';
import type { GraphStore } from './graph-store';
import type { UiStore } from './ui-store';
import type { RecoveryStore, StorageProblem } from './recovery-store';

const DB_NAME = 'seqgraph';
/** the database version this seqgraph reads and writes */
export const DB_VERSION = 1;
const STORE = 'autosave';
const KEY = 'current';
const ASIDE = 'unreadable:';
const DELAY_MS = 250;

class StorageError extends Error {
  constructor(readonly problem: StorageProblem) {
    super(problem.message);
  }
}

async function newerVersion(): Promise<number | null> {
  try {
    const dbs = await indexedDB.databases?.();
    return dbs?.find((d) => d.name === DB_NAME)?.version ?? null;
  } catch {
    return null;
  }
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let req: IDBOpenDBRequest;
    try {
      req = indexedDB.open(DB_NAME, DB_VERSION);
    } catch (e) {
      reject(new StorageError({ kind: 'unavailable', message: `this browser gives the page no storage (${(e as Error).message})` }));
      return;
    }
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => {
      const d = req.result;
      // a newer seqgraph in another tab wants to upgrade: let it (this tab then stops saving)
      d.onversionchange = (ev) => {
        d.close();
        // later writes say why they fail (not "the disk may be full")
        const message = `a newer seqgraph (in another tab) upgraded this browser's seqgraph storage${ev.newVersion ? ` (storage version ${ev.newVersion}; this one reads ${DB_VERSION})` : ''}`;
        dbPromise = Promise.reject(new StorageError({ kind: 'newer-version', version: ev.newVersion ?? undefined, message }));
        dbPromise.catch(() => {}); // said at the next write, not as an unhandled rejection
      };
      resolve(d);
    };
    req.onerror = () => {
      const err = req.error;
      if (err?.name === 'VersionError') {
        void newerVersion().then((v) =>
          reject(new StorageError({ kind: 'newer-version', version: v ?? undefined, message: `this browser's seqgraph storage was upgraded by a newer seqgraph${v ? ` (storage version ${v}; this one reads ${DB_VERSION})` : ''}` })),
        );
      } else reject(new StorageError({ kind: 'unavailable', message: `the browser refused the page its storage (${err?.name ?? 'unknown error'}: ${err?.message ?? ''})` }));
    };
    req.onblocked = () => reject(new StorageError({ kind: 'unavailable', message: 'another seqgraph tab holds the storage open with an older version; close it and reload' }));
  });
}

let dbPromise: Promise<IDBDatabase> | null = null;
function db(): Promise<IDBDatabase> {
  dbPromise ??= openDb();
  return dbPromise;
}

export interface SavedGraph {
  text: string;
  savedAt: number;
  /** set aside: why it could not be opened */
  problems?: string[];
  /** its key in the store (set aside ones) */
  key?: string;
}

export interface Stored {
  current: SavedGraph | null;
  /** graphs set aside because they could not be opened, oldest first, until discarded */
  unreadable: SavedGraph[];
  problem: StorageProblem | null;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('aborted'));
  });
}

/** Everything stored, read once at start; a storage that can't be opened is a problem, not a crash. */
export async function readStored(): Promise<Stored> {
  try {
    const d = await db();
    const st = d.transaction(STORE, 'readonly').objectStore(STORE);
    const [current, keys] = await Promise.all([request(st.get(KEY)), request(st.getAllKeys())]);
    const aside = keys.map(String).filter((k) => k.startsWith(ASIDE)).sort();
    const unreadable = await Promise.all(aside.map(async (k) => ({ ...((await request(d.transaction(STORE, 'readonly').objectStore(STORE).get(k))) as SavedGraph), key: k })));
    const ok = (x: unknown): x is SavedGraph => !!x && typeof (x as SavedGraph).text === 'string';
    // a record that is not even a record is unreadable too, with what there is of it
    const cur = current === undefined ? null : ok(current) ? current : { text: JSON.stringify(current) ?? String(current), savedAt: 0 };
    return { current: cur, unreadable: unreadable.filter(ok), problem: null };
  } catch (e) {
    const problem = e instanceof StorageError ? e.problem : { kind: 'unavailable' as const, message: `the stored graph could not be read (${(e as Error).message})` };
    return { current: null, unreadable: [], problem };
  }
}

/** Moves the current record aside (with why it can't be opened) and empties the current slot, in one transaction. */
export async function setAside(g: SavedGraph): Promise<SavedGraph> {
  const key = `${ASIDE}${String(Date.now()).padStart(15, '0')}`;
  const record: SavedGraph = { text: g.text, savedAt: g.savedAt, problems: g.problems };
  const d = await db();
  const tx = d.transaction(STORE, 'readwrite');
  tx.objectStore(STORE).put(record, key);
  tx.objectStore(STORE).delete(KEY);
  await done(tx);
  return { ...record, key };
}

export async function discardAside(key: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(STORE, 'readwrite');
  tx.objectStore(STORE).delete(key);
  await done(tx);
}

export async function writeAutosave(text: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(STORE, 'readwrite');
  tx.objectStore(STORE).put({ text, savedAt: Date.now() } satisfies SavedGraph, KEY);
  await done(tx);
}

/** A refused write, said as what it most likely is: a full storage says so by name. */
export function writeProblem(e: unknown): StorageProblem {
  const name = (e as Error)?.name ?? 'Error';
  const detail = `${name}: ${(e as Error)?.message ?? String(e)}`;
  if (name === 'QuotaExceededError') return { kind: 'write-failed', full: true, message: `this browser's storage for the site is full (${detail})` };
  return { kind: 'write-failed', message: `the browser refused to store the graph (${detail}); the disk may be full` };
}

/** Saves the document shortly after each change; returns a function that stops it. */
export function startAutosave(graph: GraphStore, ui: UiStore, recovery: RecoveryStore): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let latest = graph.doc;
  let stopped = false;
  const flush = async () => {
    timer = null;
    if (stopped) return;
    const doc = latest;
    try {
      await writeAutosave(docToText(doc));
      if (doc === latest && !timer) ui.setSaveStatus('saved');
      recovery.setStorageProblem(null);
    } catch (e) {
      ui.setSaveStatus('error');
      const problem = e instanceof StorageError ? e.problem : writeProblem(e);
      recovery.setStorageProblem(problem);
    }
  };
  const stop = reaction(
    () => graph.doc,
    (doc) => {
      latest = doc;
      recovery.markUnsaved();
      ui.setSaveStatus('pending');
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, DELAY_MS);
    },
  );
  const onHide = () => {
    if (timer) {
      clearTimeout(timer);
      void flush();
    }
  };
  // with autosave out of reach, leaving the page would lose the edits: the browser asks first
  const onLeave = (e: BeforeUnloadEvent) => {
    if (!stopped && recovery.storageProblem && recovery.unsaved) e.preventDefault();
  };
  window.addEventListener('pagehide', onHide);
  window.addEventListener('beforeunload', onLeave);
  document.addEventListener('visibilitychange', onHide);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    stop();
    window.removeEventListener('pagehide', onHide);
    window.removeEventListener('beforeunload', onLeave);
    document.removeEventListener('visibilitychange', onHide);
  };
}
