// The inspector's own state (MobX, no React): which node, layer, direction and batch row it
// shows, how units are ordered, which units are picked for the line plot, the pattern
// selection, compare mode, zoom and the cell under the mouse. It lives beside the app's stores
// (one per AppState) so switching tabs keeps it. Which node is shown follows the canvas: select
// a recurrent, attention or decoder node and the inspector shows it.
import { action, computed, makeObservable, observable, observableRef, reaction } from 'mobx';
import type { GraphDoc } from '../../doc/schema';
import type { NodeTrace, TraceLayer } from '../../runtime/trace';
import type { GraphStore } from '../store/graph-store';
import type { RunStore, TraceSnapshot } from '../store/run-store';
import type { UiStore } from '../store/ui-store';
import { inspectTargets, type ColourRange, isBidirectional, layerNumbers, layerOf, quantityData, unitsBySteps, type InspectTarget } from './trace-quantities';
import { patternMatches, unitsAboveThreshold, type PatternMatch, type StepRange, type UnitSort } from './unit-stats';

export type DirectionMode = 'forward' | 'reverse' | 'both';
export type CompareMode = 'off' | 'side' | 'diff';
export type Direction = TraceLayer['direction'];

/** What the mouse is over, as the readout shows it. */
export interface Hover {
  /** h, c, a gate, 'attention', or 'saturation:<gate>' */
  quantity: string;
  direction?: Direction;
  /** in compare: which run the cell belongs to */
  run?: 'A' | 'B' | 'diff';
  row: number;
  unit?: number;
  step?: number;
  token?: string;
  /** attention: the key position and its symbol */
  key?: number;
  keyToken?: string;
  value: number;
  /** extra words for the readout (saturation shares) */
  note?: string;
}

/** The pattern selection (LSTMVis): a range of steps on one quantity of one direction and row. */
export interface PatternRange extends StepRange {
  quantity: string;
  direction: Direction;
  row: number;
}

/** The parts of a document a run's numbers depend on: not positions, so moving nodes is not "stale". */
export function sameModel(a: GraphDoc, b: GraphDoc): boolean {
  if (a === b) return true;
  if (a.nodes.length !== b.nodes.length || a.seed !== b.seed || a.weights !== b.weights) return false;
  if (JSON.stringify(a.edges) !== JSON.stringify(b.edges)) return false;
  return a.nodes.every((n, i) => {
    const m = b.nodes[i];
    return n.id === m.id && n.type === m.type && n.name === m.name && (n.params === m.params || JSON.stringify(n.params) === JSON.stringify(m.params));
  });
}

export class InspectorState {
  /** the node picked in the inspector (the canvas selection wins when it is a traced node) */
  nodeId: string | null = null;
  layer = 0;
  directionMode: DirectionMode = 'forward';
  row = 0;
  head = 0;
  sort: UnitSort = 'index';
  sortQuantity = 'h';
  /** units picked for the line plot, in the order they were picked */
  selectedUnits: number[] = [];
  plotQuantity = 'h';
  plotDirection: Direction = 'forward';
  pattern: PatternRange | null = null;
  threshold = 0.3;
  minLength = 1;
  compare: CompareMode = 'off';
  baseline: 'previous' | 'pinned' = 'previous';
  colourRange: ColourRange = 'fixed';
  /** cell width in px; 0 fits the steps to the panel */
  zoom = 0;
  wide = true;
  hover: Hover | null = null;

  constructor(
    private readonly run: RunStore,
    private readonly graph: GraphStore,
    readonly ui: UiStore,
  ) {
    makeObservable(this, {
      nodeId: observable,
      layer: observable,
      directionMode: observable,
      row: observable,
      head: observable,
      sort: observable,
      sortQuantity: observable,
      selectedUnits: observableRef,
      plotQuantity: observable,
      plotDirection: observable,
      pattern: observableRef,
      threshold: observable,
      minLength: observable,
      compare: observable,
      baseline: observable,
      zoom: observable,
      colourRange: observable,
      wide: observable,
      hover: observableRef,
      targets: computed,
      target: computed,
      node: computed,
      layers: computed,
      layerNumber: computed,
      bidirectional: computed,
      directions: computed,
      batchRow: computed,
      stale: computed,
      baselineSnapshot: computed,
      plotUnits: computed,
      patternData: computed,
      patternUnits: computed,
      patternMatches: computed,
      set: action,
      pickNode: action,
      toggleUnit: action,
      setUnits: action,
      setPattern: action,
      applyPattern: action,
      setHover: action,
      resetView: action,
    });
    // a new trace: what the mouse was over belongs to the old one; no trace (another graph was
    // opened): so do the picked units, pattern and compare mode. Lives as long as the app.
    reaction(
      () => this.run.trace,
      (t) => (t ? this.setHover(null) : this.resetView()),
    );
  }

  get targets(): InspectTarget[] {
    return inspectTargets(this.run.trace);
  }

  /** The shown node: the canvas's selected node if traced, else the one picked here, else the first. */
  get target(): InspectTarget | null {
    const ts = this.targets;
    const sel = this.graph.selection.nodes.length === 1 ? this.graph.selection.nodes[0] : null;
    return ts.find((t) => t.node === sel) ?? ts.find((t) => t.node === this.nodeId) ?? ts[0] ?? null;
  }

  get node(): NodeTrace | null {
    return this.target?.trace ?? null;
  }

  get layers(): number[] {
    return this.node ? layerNumbers(this.node) : [];
  }

  /** the picked layer, or the first when the node has no such layer */
  get layerNumber(): number {
    return this.layers.includes(this.layer) ? this.layer : (this.layers[0] ?? 0);
  }

  get bidirectional(): boolean {
    return !!this.node && isBidirectional(this.node, this.layerNumber);
  }

  /** the directions shown, forward first */
  get directions(): Direction[] {
    if (!this.bidirectional) return ['forward'];
    return this.directionMode === 'both' ? ['forward', 'reverse'] : [this.directionMode];
  }

  /** the picked batch row, or the last one when the batch is smaller */
  get batchRow(): number {
    const B = this.node?.batch ?? this.target?.attention?.batch ?? 1;
    return Math.max(0, Math.min(this.row, B - 1));
  }

  layerTrace(direction: Direction): TraceLayer | undefined {
    return this.node ? layerOf(this.node, this.layerNumber, direction) : undefined;
  }

  /** The graph changed (beyond moving nodes) since the trace was recorded. */
  get stale(): boolean {
    const d = this.run.resultDoc;
    return !!this.run.trace && !!d && !sameModel(d, this.graph.doc);
  }

  /** The run the current one is compared with: the pinned one when chosen and present, else the previous. */
  get baselineSnapshot(): TraceSnapshot | null {
    if (this.baseline === 'pinned' && this.run.pinned) return this.run.pinned;
    return this.run.previous ?? this.run.pinned;
  }

  get current(): TraceSnapshot | null {
    return this.run.currentSnapshot;
  }

  /** the picked units that the shown node has (a new run may have fewer units than the last) */
  get plotUnits(): number[] {
    const H = this.node?.hidden_size ?? 0;
    return this.selectedUnits.filter((u) => u < H);
  }

  /** the values the pattern selection reads: its quantity in its direction */
  get patternData(): Float32Array | null {
    const p = this.pattern;
    const layer = p && this.layerTrace(p.direction);
    return (layer && quantityData(layer, p.quantity)) ?? null;
  }

  /** The units at or above the threshold over the whole picked range (LSTMVis). */
  get patternUnits(): number[] {
    const p = this.pattern;
    const data = this.patternData;
    if (!p || !data || !this.node || p.row >= this.node.batch) return [];
    return unitsAboveThreshold(unitsBySteps(data, this.node, p.row), p, this.threshold);
  }

  /** Every stretch, in every row, where those units are all on together. */
  get patternMatches(): PatternMatch[] {
    const p = this.pattern;
    const data = this.patternData;
    if (!p || !data || !this.node) return [];
    return patternMatches(data, this.node, this.patternUnits, this.threshold, Math.max(1, this.minLength), p);
  }

  /** Sets any plain field (pickers, fields). */
  set<K extends keyof this>(key: K, value: this[K]): void {
    this[key] = value;
  }

  /** Shows a node and selects it on the canvas too, so Params and Inspector agree. */
  pickNode(id: string): void {
    this.nodeId = id;
    if (this.graph.nodeById.has(id)) this.graph.select({ nodes: [id], edges: [] });
    else if (this.graph.selection.nodes.length) this.graph.select({ nodes: [], edges: [] });
  }

  /** Adds a unit to the line plot, or takes it off. Switching quantity or direction starts a new plot. */
  toggleUnit(unit: number, quantity: string, direction: Direction): void {
    if (quantity !== this.plotQuantity || direction !== this.plotDirection) {
      this.plotQuantity = quantity;
      this.plotDirection = direction;
      this.selectedUnits = [unit];
      return;
    }
    const has = this.selectedUnits.includes(unit);
    this.selectedUnits = has ? this.selectedUnits.filter((u) => u !== unit) : [...this.selectedUnits, unit];
  }

  setUnits(units: number[], quantity?: string, direction?: Direction): void {
    this.selectedUnits = units;
    if (quantity) this.plotQuantity = quantity;
    if (direction) this.plotDirection = direction;
  }

  setPattern(p: PatternRange | null): void {
    this.pattern = p;
  }

  /** Picks the units the pattern selects, for the line plot and the marks in every heatmap. */
  applyPattern(): void {
    const p = this.pattern;
    if (!p) return;
    this.setUnits(this.patternUnits, p.quantity, p.direction);
  }

  setHover(h: Hover | null): void {
    this.hover = h;
  }

  /** Another graph was opened (the run store forgot its trace): forget what belonged to the old one. */
  resetView(): void {
    this.nodeId = null;
    this.layer = 0;
    this.row = 0;
    this.head = 0;
    this.selectedUnits = [];
    this.pattern = null;
    this.compare = 'off';
    this.hover = null;
  }
}

const states = new WeakMap<object, InspectorState>();

/** The inspector state of an app (made on first use), so it survives switching tabs. */
export function inspectorStateFor(app: { run: RunStore; graph: GraphStore; ui: UiStore }): InspectorState {
  let s = states.get(app);
  if (!s) states.set(app, (s = new InspectorState(app.run, app.graph, app.ui)));
  return s;
}
