// The root of the app's state: the graph store, the UI store, the run store and the canvas's
// view, plus perform(), through which every action goes. Still no React here.
import { action, makeObservable, when } from 'mobx';
import type { ReactFlowInstance } from '@xyflow/react';
import { parseGraphText } from '../../doc/load';
import type { GraphDoc } from '../../doc/schema';
import { getAction } from '../actions/registry';
import type { ActionResult, EditorState } from '../actions/types';
import type { Fragment } from './doc-ops';
import { FlowView, type CanvasNode, type SeqFlowEdge } from './flow-view';
import { GraphStore } from './graph-store';
import { RunStore } from './run-store';
import { OnnxStore } from './onnx-store';
import { LayoutStore } from './layout-store';
import { UiStore } from './ui-store';
import { ImportStore } from './import-store';
import { lostWeights, nodeNames } from './weight-loss';

/** below this zoom a node's text (11.5 px ports) is too small to read */
export const READABLE_ZOOM = 0.65;
/** screen px kept free around a fitted graph */
const FIT_PAD = 40;

export class AppState {
  readonly graph: GraphStore;
  readonly ui = new UiStore();
  readonly run = new RunStore();
  readonly onnx = new OnnxStore();
  /** ONNX import and weights loading in progress (their dialogs) */
  readonly imports = new ImportStore();
  readonly layout = new LayoutStore();
  readonly view: FlowView;
  /** the canvas, once it is mounted (for fit view, screen ↔ flow coordinates) */
  flow: ReactFlowInstance<CanvasNode, SeqFlowEdge> | null = null;
  clipboard: { fragment: Fragment; pastes: number } | null = null;
  /** the document as last opened or saved to a file (null: restored from autosave, never saved) */
  savedDoc: GraphDoc | null;

  constructor(doc: GraphDoc, opts: { restored?: boolean } = {}) {
    this.graph = new GraphStore(doc);
    this.savedDoc = opts.restored ? null : doc;
    this.view = new FlowView(this.graph, this.ui);
    makeObservable(this, { apply: action });
  }

  get state(): EditorState {
    return { doc: this.graph.doc, selection: this.graph.selection };
  }

  isEnabled(name: string): boolean {
    const a = getAction(name);
    return !!a && (a.enabled?.(this.state, this) ?? true);
  }

  /** Runs an action by name; returns whether it did something. */
  perform(name: string, value?: unknown): boolean {
    const a = getAction(name);
    if (!a) throw new Error(`no action "${name}"`);
    if (a.enabled && !a.enabled(this.state, this)) return false;
    let r: ReturnType<typeof a.perform>;
    try {
      r = a.perform(this.state, this, value as never);
    } catch (e) {
      this.ui.toast(`${a.label} failed: ${(e as Error).message}`, 'error');
      return false;
    }
    if (r instanceof Promise) {
      r.then((res) => res && this.apply(res)).catch((e: Error) => this.ui.toast(`${a.label} failed: ${e.message}`, 'error'));
      return true;
    }
    if (r) this.apply(r);
    return true;
  }

  apply(r: ActionResult): void {
    const before = this.graph.doc;
    if (r.doc) this.graph.commit(r.doc, { history: r.history, coalesce: r.coalesce, selection: r.selection, load: r.load });
    else if (r.selection) this.graph.select(r.selection);
    if (r.doc && !r.load) this.sayLostWeights(before);
  }

  /** After an edit: if it dropped trained weights that no longer fit, say so and offer Undo. */
  private sayLostWeights(before: GraphDoc): void {
    const after = this.graph.doc;
    const lost = lostWeights(before, after);
    if (!lost.length) return;
    const undo = () => {
      if (this.graph.doc === after) this.perform('undo');
      else this.ui.toast('The graph changed since; undo (Ctrl+Z) step by step to bring the weights back', 'info');
    };
    this.ui.toast(`The trained weights of ${nodeNames(before, lost)} no longer fit and were dropped (fresh ones are used).`, 'info', 15000, { label: 'Undo', run: undo });
  }

  /** Reads a file's text; a bad file shows every problem and leaves the graph as it was. */
  openText(text: string, source: string): boolean {
    const r = parseGraphText(text);
    if (!r.ok) {
      this.ui.showProblems({ title: `${source} was not opened`, diagnostics: r.diagnostics });
      return false;
    }
    this.perform('openDoc', { doc: r.doc, source });
    return true;
  }

  /** Whether the graph holds work that opening another one would replace. */
  hasUnsavedWork(): boolean {
    return this.graph.doc !== this.savedDoc;
  }

  /**
   * Before a new or opened graph replaces this one: remember it as saved, and when the one
   * it replaces held unsaved work, say that Undo brings it back (the replacement is one undo
   * step), with the button in the message.
   */
  replacing(next: GraphDoc, what: string, quiet = false): void {
    const before = this.graph.doc;
    const unsaved = this.hasUnsavedWork();
    this.savedDoc = next;
    this.afterOpen();
    if (!unsaved) {
      if (!quiet) this.ui.toast(what, 'success', 2500);
      return;
    }
    const undo = () => {
      if (this.graph.doc !== next) return this.ui.toast('The graph changed since; undo (Ctrl+Z) step by step to go back', 'info');
      this.perform('undo');
    };
    this.ui.toast(`${what}. Your unsaved work on “${before.name}” is kept: Undo brings it back.`, 'info', 15000, { label: 'Undo', run: undo });
  }

  /** After a different graph is opened: fresh run panel, graph in view. */
  afterOpen(): void {
    this.run.reset();
    this.onnx.reset();
    this.ui.closeOverlays();
    setTimeout(() => this.fitWhenMeasured(), 0);
  }

  /** Fits the graph in view once the canvas has measured every node of it. */
  fitWhenMeasured(): void {
    // (a node inside a folded group is not drawn, so never measured)
    const measured = () => !!this.flow && this.graph.doc.nodes.every((n) => this.ui.measured.has(n.id) || this.view.annotations.hidden.has(n.id));
    void when(measured, { timeout: 5000 })
      .then(() => requestAnimationFrame(() => this.fitReadable()))
      .catch(() => undefined);
  }

  /**
   * Fits the graph in the canvas (centred, at most 110%), unless that would make its text too
   * small to read: then it shows the graph from its left end (where the inputs are) at the
   * smallest readable zoom. "." fits it all whatever the zoom.
   */
  fitReadable(minZoom = READABLE_ZOOM): void {
    const flow = this.flow;
    const el = document.querySelector('.sg-canvas');
    const ids = this.view.items.filter((n) => !n.hidden).map((n) => n.id); // nodes, frames and notes
    if (!flow || !el || !ids.length) return;
    const { width, height } = el.getBoundingClientRect();
    const b = flow.getNodesBounds(ids);
    const fit = Math.min((width - 2 * FIT_PAD) / Math.max(1, b.width), (height - 2 * FIT_PAD) / Math.max(1, b.height), 1.1);
    const zoom = Math.max(fit, minZoom);
    const x = fit >= minZoom ? (width - b.width * zoom) / 2 : FIT_PAD;
    const y = b.height * zoom <= height - 2 * FIT_PAD ? (height - b.height * zoom) / 2 : FIT_PAD;
    void flow.setViewport({ x: x - b.x * zoom, y: y - b.y * zoom, zoom });
  }
}
