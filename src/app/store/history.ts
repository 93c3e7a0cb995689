// Undo/redo as snapshots of the (immutable) document and the selection. One user action is one
// entry, however many nodes it touches; edits that repeat quickly on the same thing (typing a
// number digit by digit, nudging with the arrow keys) share one entry through a coalesce key.
import { makeObservable, observableShallow, action, computed } from 'mobx';
import type { GraphDoc } from '../../doc/schema';

export interface Selection {
  /** node ids, and the canvas ids of selected group frames (group:<id>) and notes (comment:<id>) */
  nodes: readonly string[];
  edges: readonly string[];
}

export const NO_SELECTION: Selection = { nodes: [], edges: [] };

export interface Snapshot {
  doc: GraphDoc;
  selection: Selection;
}

const LIMIT = 200;
const COALESCE_MS = 1500;

export class History {
  undoStack: Snapshot[] = [];
  redoStack: Snapshot[] = [];
  private lastKey: string | undefined;
  private lastAt = 0;

  constructor() {
    makeObservable<History, 'lastKey' | 'lastAt'>(this, {
      undoStack: observableShallow,
      redoStack: observableShallow,
      lastKey: false,
      lastAt: false,
      canUndo: computed,
      canRedo: computed,
      record: action,
      undo: action,
      redo: action,
      clear: action,
    });
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** `before` is the state the user can come back to with undo. */
  record(before: Snapshot, coalesce?: string): void {
    const now = Date.now();
    this.redoStack.splice(0);
    if (coalesce && coalesce === this.lastKey && now - this.lastAt < COALESCE_MS && this.undoStack.length) {
      this.lastAt = now;
      return;
    }
    this.undoStack.push(before);
    if (this.undoStack.length > LIMIT) this.undoStack.shift();
    this.lastKey = coalesce;
    this.lastAt = now;
  }

  undo(current: Snapshot): Snapshot | null {
    const s = this.undoStack.pop();
    if (!s) return null;
    this.redoStack.push(current);
    this.lastKey = undefined;
    return s;
  }

  redo(current: Snapshot): Snapshot | null {
    const s = this.redoStack.pop();
    if (!s) return null;
    this.undoStack.push(current);
    this.lastKey = undefined;
    return s;
  }

  clear(): void {
    this.undoStack.splice(0);
    this.redoStack.splice(0);
    this.lastKey = undefined;
  }
}
