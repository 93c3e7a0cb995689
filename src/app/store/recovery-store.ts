// What the editor must tell the person about their stored work: graphs set aside because they
// could not be opened (kept, downloadable, until discarded), and a storage that can't be used
// (then nothing is autosaved, and leaving the page would lose the edits). No DOM here.
import { action, makeObservable, observable, observableRef } from 'mobx';
import type { SavedGraph } from './persistence';

export interface StorageProblem {
  /** newer-version: a newer seqgraph upgraded the database; unavailable: no storage at all
   *  (private browsing, blocked); write-failed: a write was refused (a full disk) */
  kind: 'newer-version' | 'unavailable' | 'write-failed';
  message: string;
  /** newer-version: the version the database is at */
  version?: number;
  /** write-failed: the browser said its storage is full (QuotaExceededError) */
  full?: boolean;
}

export class RecoveryStore {
  /** graphs set aside, oldest first */
  unreadable: SavedGraph[] = [];
  /** the notice about them is open */
  noticeOpen = false;
  storageProblem: StorageProblem | null = null;
  /** the graph changed since it was last stored or downloaded */
  unsaved = false;

  constructor() {
    makeObservable(this, {
      unreadable: observableRef,
      noticeOpen: observable,
      storageProblem: observableRef,
      unsaved: observable,
      setUnreadable: action,
      addUnreadable: action,
      dropUnreadable: action,
      setNotice: action,
      setStorageProblem: action,
      markUnsaved: action,
      markSaved: action,
    });
  }

  setUnreadable(list: SavedGraph[]): void {
    this.unreadable = list;
    this.noticeOpen = list.length > 0;
  }

  addUnreadable(g: SavedGraph): void {
    this.unreadable = [...this.unreadable, g];
    this.noticeOpen = true;
  }

  dropUnreadable(g: SavedGraph): void {
    this.unreadable = this.unreadable.filter((x) => x !== g);
    if (!this.unreadable.length) this.noticeOpen = false;
  }

  setNotice(open: boolean): void {
    this.noticeOpen = open && this.unreadable.length > 0;
  }

  setStorageProblem(p: StorageProblem | null): void {
    if (p === null && this.storageProblem === null) return;
    this.storageProblem = p;
    if (p === null) this.unsaved = false;
  }

  markUnsaved(): void {
    if (!this.unsaved) this.unsaved = true;
  }

  /** the graph was downloaded (Save) or stored */
  markSaved(): void {
    if (this.unsaved) this.unsaved = false;
  }
}

/** The browser's own messages end in a period: "(… exceeded.)." reads badly. */
function sentence(m: string): string {
  return `${m.replace(/\.\)$/, ')').replace(/\.$/, '')}.`;
}

/** What to tell the person about a storage problem: what happened, how to keep the work, how to get autosave back. */
export function storageAdvice(p: StorageProblem): { title: string; why: string; keep: string; fix: string } {
  const keep = 'Edits are not kept after a reload: use Save (Ctrl+S) to download the graph.';
  switch (p.kind) {
    case 'newer-version':
      return {
        title: 'Autosave is off: a newer seqgraph owns this browser’s storage',
        why: sentence(p.message),
        keep,
        fix: 'To autosave again, open the newer seqgraph; or clear this site’s data in the browser’s settings (that deletes what the newer version stored there).',
      };
    case 'unavailable':
      return { title: 'Autosave is off: no storage', why: sentence(p.message), keep, fix: 'Private windows and some privacy settings give pages no storage; a normal window keeps your graphs.' };
    case 'write-failed':
      return {
        title: p.full ? 'Autosave failed: storage is full' : 'Autosave failed',
        why: sentence(p.message),
        keep,
        fix: 'Free some disk space (or clear other sites’ data in the browser’s settings); the next edit tries again.',
      };
  }
}
