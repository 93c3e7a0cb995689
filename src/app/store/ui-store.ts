// Everything the editor shows that is not the document: theme, panels, dialogs, messages, the
// connection being dragged, and node sizes the canvas measured.
import { action, makeObservable, observable, observableRef } from 'mobx';
import type { Diagnostic } from '../../doc/diagnostics';
import type { HandleRef } from './connections';
import type { XY } from './doc-ops';

export type Theme = 'light' | 'dark';
export type RightTab = 'params' | 'run' | 'train' | 'inspector';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  text: string;
  /** a button in the message (e.g. Undo); pressing it also dismisses the message */
  action?: ToastAction;
}

export interface ToastAction {
  label: string;
  run: () => void;
}

export interface ProblemReport {
  title: string;
  diagnostics: Diagnostic[];
}

/** The search box for adding a node at a spot (double-click, or a connection dropped on the pane). */
export interface QuickAdd {
  screen: XY;
  flow: XY;
  /** when opened by dropping a connection: connect the new node to this handle */
  from?: HandleRef;
}

export type SaveStatus = 'idle' | 'pending' | 'saved' | 'error';

const THEME_KEY = 'seqgraph.theme';

function initialTheme(): Theme {
  try {
    const t = localStorage.getItem(THEME_KEY);
    if (t === 'dark' || t === 'light') return t;
  } catch {
    /* storage may be unavailable */
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

let toastSeq = 0;

export class UiStore {
  theme: Theme = initialTheme();
  rightTab: RightTab = 'params';
  helpOpen = false;
  galleryOpen = false;
  problems: ProblemReport | null = null;
  quickAdd: QuickAdd | null = null;
  toasts: Toast[] = [];
  /** the handle a connection is being dragged from */
  connecting: HandleRef | null = null;
  /** node id -> size the canvas measured (React Flow needs it back on controlled nodes) */
  measured = observable.map<string, { width: number; height: number }>({}, { deep: false });
  saveStatus: SaveStatus = 'idle';
  savedAt: number | null = null;
  /** what the palette's search box holds */
  paletteFilter = '';
  /** the comment note whose text is being edited on the canvas */
  editingNote: string | null = null;

  constructor() {
    makeObservable(this, {
      theme: observable,
      rightTab: observable,
      helpOpen: observable,
      galleryOpen: observable,
      problems: observableRef,
      quickAdd: observableRef,
      toasts: observableRef,
      connecting: observableRef,
      saveStatus: observable,
      savedAt: observable,
      paletteFilter: observable,
      editingNote: observable,
      setEditingNote: action,
      setTheme: action,
      setTab: action,
      setHelp: action,
      setGallery: action,
      showProblems: action,
      setQuickAdd: action,
      toast: action,
      dismiss: action,
      setConnecting: action,
      setMeasured: action,
      setSaveStatus: action,
      setPaletteFilter: action,
      closeOverlays: action,
    });
    this.applyTheme();
  }

  setTheme(t: Theme): void {
    this.theme = t;
    try {
      localStorage.setItem(THEME_KEY, t);
    } catch {
      /* not remembered, still applied */
    }
    this.applyTheme();
  }

  private applyTheme(): void {
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = this.theme;
  }

  setTab(t: RightTab): void {
    this.rightTab = t;
  }

  setHelp(open: boolean): void {
    this.helpOpen = open;
  }

  setGallery(open: boolean): void {
    this.galleryOpen = open;
  }

  showProblems(p: ProblemReport | null): void {
    this.problems = p;
  }

  setQuickAdd(q: QuickAdd | null): void {
    this.quickAdd = q;
  }

  toast(text: string, kind: Toast['kind'] = 'info', ms = 6000, action?: ToastAction): void {
    const id = ++toastSeq;
    this.toasts = [...this.toasts.slice(-3), { id, kind, text, action }];
    if (ms > 0) setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  setConnecting(h: HandleRef | null): void {
    this.connecting = h;
  }

  setMeasured(id: string, size: { width: number; height: number } | null): void {
    if (!size) this.measured.delete(id);
    else {
      const old = this.measured.get(id);
      if (!old || old.width !== size.width || old.height !== size.height) this.measured.set(id, size);
    }
  }

  setSaveStatus(s: SaveStatus): void {
    this.saveStatus = s;
    if (s === 'saved') this.savedAt = Date.now();
  }

  setEditingNote(id: string | null): void {
    this.editingNote = id;
  }

  setPaletteFilter(f: string): void {
    this.paletteFilter = f;
  }

  /** Escape: close whatever floats over the editor. Returns whether something was open. */
  closeOverlays(): boolean {
    const open = this.helpOpen || this.galleryOpen || !!this.problems || !!this.quickAdd;
    this.helpOpen = false;
    this.galleryOpen = false;
    this.problems = null;
    this.quickAdd = null;
    return open;
  }
}
