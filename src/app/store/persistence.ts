// Autosave: the graph goes to IndexedDB moments after every change, and comes back on the next
// load (after a reload, a closed tab or a crash). Stored as the file's own JSON text, read back
// through the same loader as any file, so a stored graph is never trusted blindly.
import { reaction } from 'mobx';
import { docToText } from './doc-ops';
import type { GraphStore } from './graph-store';
import type { UiStore } from './ui-store';

const DB_NAME = 'seqgraph';
const STORE = 'autosave';
const KEY = 'current';
const DELAY_MS = 250;

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB is unavailable'));
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
}

export async function readAutosave(): Promise<SavedGraph | null> {
  try {
    const d = await db();
    return await new Promise((resolve, reject) => {
      const req = d.transaction(STORE, 'readonly').objectStore(STORE).get(KEY);
      req.onsuccess = () => resolve((req.result as SavedGraph | undefined) ?? null);
      req.onerror = () => reject(req.error);
    });
  } catch {
    return null;
  }
}

export async function writeAutosave(text: string): Promise<void> {
  const d = await db();
  await new Promise<void>((resolve, reject) => {
    const tx = d.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put({ text, savedAt: Date.now() } satisfies SavedGraph, KEY);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('aborted'));
  });
}

/** Saves the document shortly after each change; returns a function that stops it. */
export function startAutosave(graph: GraphStore, ui: UiStore): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let latest = graph.doc;
  const flush = async () => {
    timer = null;
    const doc = latest;
    try {
      await writeAutosave(docToText(doc));
      if (doc === latest && !timer) ui.setSaveStatus('saved');
    } catch (e) {
      ui.setSaveStatus('error');
      console.error('autosave failed', e);
    }
  };
  const stop = reaction(
    () => graph.doc,
    (doc) => {
      latest = doc;
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
  window.addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', onHide);
  return () => {
    stop();
    window.removeEventListener('pagehide', onHide);
    document.removeEventListener('visibilitychange', onHide);
  };
}
