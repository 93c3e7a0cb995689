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
import { TrainStore } from './train-store';
import { UiStore } from './ui-store';
import { RecoveryStore } from './recovery-store';
import { lossesFor, trainingOf, withTraining } from './train-settings';
import type { DoneMsg, Prepared } from '../train-protocol';
import { LayoutStore } from './layout-store';
import { ImportStore } from './import-store';
import { lostWeights, nodeNames } from './weight-loss';

/** Above this many nodes the canvas draws only what is in view. */
export const LARGE_GRAPH = 250;
/** below this zoom a node's text (11.5 px ports) is too small to read */
export const READABLE_ZOOM = 0.65;
/** screen px kept free around a fitted graph */
const FIT_PAD = 40;

export class AppState {
  readonly graph: GraphStore;
  readonly ui = new UiStore();
  readonly run = new RunStore();
  readonly onnx = new OnnxStore();
  /** stored work that could not be opened, and whether autosave works (Recovery.tsx shows it) */
  readonly recovery = new RecoveryStore();
  /** stops autosave (set by main.tsx) */
  stopAutosave?: () => void;
  readonly train = new TrainStore();
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
    makeObservable(this, { apply: action, adoptPrepared: action, adoptTrained: action });
    this.train.onPrepared = (p) => this.adoptPrepared(p);
  }

  /** A data set was prepared: its mapping (and a loss per target) go into the graph's training section. */
  adoptPrepared(p: Prepared): void {
    const doc = this.graph.doc;
    const t = trainingOf(doc);
    const shapes = this.graph.analysis.edgeShapes;
    // what an Output receives is the shape on the edge into it
    const into = (id: string) => doc.edges.find((e) => e.target.node === id);
    const next = { ...t, data: p.spec, losses: lossesFor(doc, p.spec, (id) => shapes[into(id)?.id ?? ''], t.losses) };
    if (JSON.stringify(next) !== JSON.stringify(doc.training)) this.graph.commit(withTraining(doc, next), { coalesce: 'training-data' });
  }

  /** Training ended: its weights go into the graph (Save writes them, with the training section, to the file). */
  adoptTrained(m: DoneMsg): void {
    const doc = this.graph.doc;
    this.graph.commit({ ...doc, weights: { ...(doc.weights ?? {}), ...(m.weights ?? {}) } });
    this.run.reset();
    this.ui.toast(`${m.stopped ? 'Stopped' : 'Trained'} at step ${m.step}: the weights are in the graph now (Save keeps them in the file)`, 'success', 5000);
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
    if (!this.train.running) this.train.reset();
    this.ui.closeOverlays();
    setTimeout(() => this.fitWhenMeasured(), 0);
  }

  /** Fits the graph in view once the canvas has measured every node of it. */
  fitWhenMeasured(): void {
    // a large graph draws only the nodes in view (Canvas: onlyRenderVisibleElements), so the
    // others are never measured: fit as soon as some are, with estimated sizes for the rest;
    // a node inside a folded group is not drawn, so never measured
    const nodes = this.graph.doc.nodes;
    const hidden = this.view.annotations.hidden;
    const measured = () =>
      !!this.flow && (nodes.length > LARGE_GRAPH ? nodes.some((n) => this.ui.measured.has(n.id)) : nodes.every((n) => this.ui.measured.has(n.id) || hidden.has(n.id)));
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
    // too wide to read when fitted: the left end at the readable zoom, or, for a graph too tall
    // even for that (thousands of nodes), its top left at a smaller one, never below 0.4
    const zoom = fit >= minZoom ? fit : Math.max(0.4, Math.min(minZoom, (height - 2 * FIT_PAD) / Math.max(1, b.height)));
    const x = fit >= minZoom ? (width - b.width * zoom) / 2 : FIT_PAD;
    const y = b.height * zoom <= height - 2 * FIT_PAD ? (height - b.height * zoom) / 2 : FIT_PAD;
    void flow.setViewport({ x: x - b.x * zoom, y: y - b.y * zoom, zoom });
  }
}
