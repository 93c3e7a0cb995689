// The root of the app's state: the graph store, the UI store, the run store and the canvas's
// view, plus perform(), through which every action goes. Still no React here.
import { action, makeObservable, when } from 'mobx';
import type { ReactFlowInstance } from '@xyflow/react';
import { parseGraphText } from '../../doc/load';
import type { GraphDoc } from '../../doc/schema';
import { getAction } from '../actions/registry';
import type { ActionResult, EditorState } from '../actions/types';
import type { Fragment } from './doc-ops';
import { FlowView, type SeqFlowEdge, type SeqFlowNode } from './flow-view';
import { GraphStore } from './graph-store';
import { RunStore } from './run-store';
import { OnnxStore } from './onnx-store';
import { UiStore } from './ui-store';
import { RecoveryStore } from './recovery-store';

/** Above this many nodes the canvas draws only what is in view. */
export const LARGE_GRAPH = 250;

export class AppState {
  readonly graph: GraphStore;
  readonly ui = new UiStore();
  readonly run = new RunStore();
  readonly onnx = new OnnxStore();
  /** stored work that could not be opened, and whether autosave works (Recovery.tsx shows it) */
  readonly recovery = new RecoveryStore();
  /** stops autosave (set by main.tsx) */
  stopAutosave?: () => void;
  readonly view: FlowView;
  /** the canvas, once it is mounted (for fit view, screen ↔ flow coordinates) */
  flow: ReactFlowInstance<SeqFlowNode, SeqFlowEdge> | null = null;
  clipboard: { fragment: Fragment; pastes: number } | null = null;

  constructor(doc: GraphDoc) {
    this.graph = new GraphStore(doc);
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
    if (r.doc) this.graph.commit(r.doc, { history: r.history, coalesce: r.coalesce, selection: r.selection, load: r.load });
    else if (r.selection) this.graph.select(r.selection);
  }

  /** Reads a file's text; a bad file shows every problem and leaves the graph as it was. */
  openText(text: string, source: string): boolean {
    const r = parseGraphText(text);
    if (!r.ok) {
      this.ui.showProblems({ title: `${source} was not opened`, diagnostics: r.diagnostics });
      return false;
    }
    this.perform('openDoc', r.doc);
    this.ui.toast(`Opened ${source}`, 'success', 2500);
    return true;
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
    // a large graph draws only the nodes in view (Canvas: onlyRenderVisibleElements), so the
    // others are never measured: fit as soon as some are, with estimated sizes for the rest
    const measured = () =>
      !!this.flow && (this.graph.doc.nodes.length > LARGE_GRAPH ? this.graph.doc.nodes.some((n) => this.ui.measured.has(n.id)) : this.graph.doc.nodes.every((n) => this.ui.measured.has(n.id)));
    void when(measured, { timeout: 5000 })
      .then(() => requestAnimationFrame(() => this.fitReadable()))
      .catch(() => undefined);
  }

  /**
   * Fits the graph in view, unless that would make it too small to read: then it shows the
   * graph from its left end (where the inputs are) at a readable zoom; "." fits it all.
   */
  fitReadable(minZoom = 0.7): void {
    const flow = this.flow;
    const el = document.querySelector('.sg-canvas');
    if (!flow || !el || !this.graph.doc.nodes.length) return;
    const { width, height } = el.getBoundingClientRect();
    const b = flow.getNodesBounds(this.graph.doc.nodes.map((n) => n.id));
    const pad = 48;
    const fit = Math.min((width - 2 * pad) / Math.max(1, b.width), (height - 2 * pad) / Math.max(1, b.height), 1.1);
    if (fit >= minZoom) {
      void flow.fitView({ padding: 0.15, maxZoom: 1.1 });
      return;
    }
    // never so small that nothing can be read (a graph of thousands of nodes): then its top left
    const zoom = Math.max(0.4, Math.min(minZoom, (height - 2 * pad) / Math.max(1, b.height)));
    const y = b.height * zoom <= height - 2 * pad ? (height - b.height * zoom) / 2 - b.y * zoom : pad - b.y * zoom;
    void flow.setViewport({ x: pad - b.x * zoom, y, zoom });
  }
}
