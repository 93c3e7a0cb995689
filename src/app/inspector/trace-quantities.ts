// What the inspector can draw from a Trace, and how to read one cell of it. A quantity is one
// [B, T, H] array of a node's layer and direction (h, c or a gate) with what kind of values it
// holds, which decides its colour scale and what "saturated" means for it. The inspector reads
// the trace's arrays in place (views with an offset and strides), never copying them, so a
// 1,000 × 512 trace costs no extra memory to show.
import type { AttentionTrace, NodeTrace, Trace, TraceLayer } from '../../runtime/trace';
import { divergingScale, sequentialScale, symmetricLimit, type ColourScale, type ThemeName } from './colour-scales';

/** state: h or c; sigmoid: a gate in 0..1; tanh: a candidate in −1..1; pre: a pre-activation (RNN's a) */
export type QuantityKind = 'state' | 'sigmoid' | 'tanh' | 'pre';

export interface Quantity {
  key: string;
  kind: QuantityKind;
  /** what it is, for titles and tooltips */
  label: string;
  data: Float32Array;
}

const GATE_INFO: Record<string, { kind: QuantityKind; label: string }> = {
  i: { kind: 'sigmoid', label: 'input gate' },
  f: { kind: 'sigmoid', label: 'forget gate' },
  g: { kind: 'tanh', label: 'cell candidate' },
  o: { kind: 'sigmoid', label: 'output gate' },
  r: { kind: 'sigmoid', label: 'reset gate' },
  z: { kind: 'sigmoid', label: 'update gate' },
  n: { kind: 'tanh', label: 'new gate (candidate)' },
  a: { kind: 'pre', label: 'pre-activation' },
};
/** where a cell's gate means something else than GATE_INFO says (the MGU's n is its candidate h̃) */
const CELL_GATE_INFO: Record<string, Record<string, { kind: QuantityKind; label: string }>> = {
  MGU: { n: { kind: 'tanh', label: 'candidate h̃' } },
};

/** h, then c (LSTM), then the gates in the order the runtime recorded them (LSTM i f g o, GRU r z n, MGU f n, RNN a). `cell`: the node's type. */
export function quantitiesOf(layer: TraceLayer, cell?: string): Quantity[] {
  const qs: Quantity[] = [{ key: 'h', kind: 'state', label: 'hidden state', data: layer.h }];
  if (layer.c) qs.push({ key: 'c', kind: 'state', label: 'cell state', data: layer.c });
  for (const [key, data] of Object.entries(layer.gates)) {
    const info = (cell ? CELL_GATE_INFO[cell]?.[key] : undefined) ?? GATE_INFO[key] ?? { kind: 'pre' as const, label: key };
    qs.push({ key, kind: info.kind, label: info.label, data });
  }
  return qs;
}

/** The [B, T, H] array of one quantity of a layer (h, c or a gate), if the layer has it. */
export function quantityData(layer: TraceLayer, key: string): Float32Array | undefined {
  return key === 'h' ? layer.h : key === 'c' ? layer.c : layer.gates[key];
}

export function isGate(q: Pick<Quantity, 'kind'>): boolean {
  return q.kind === 'sigmoid' || q.kind === 'tanh';
}

/** max |v| over the real steps of every row (padding is 0 and would not change it anyway) */
export function maxAbs(data: Float32Array): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const a = data[i] < 0 ? -data[i] : data[i];
    if (a > m) m = a;
  }
  return m;
}

/** [min, max] of the values, rounded outwards to 2 decimals (a legend's ends). */
export function dataRange(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  if (!(hi > lo)) return [0, 1];
  // the epsilon keeps a float32 0.3 (0.30000001…) from rounding out to 0.31
  return [Math.floor(lo * 100 + 1e-4) / 100, Math.ceil(hi * 100 - 1e-4) / 100];
}

/** fixed: each kind's natural range (the same colours mean the same values everywhere); fit: the data's own range, for contrast */
export type ColourRange = 'fixed' | 'fit';

/**
 * The colour scale a quantity gets: states diverge around 0 over −1..1 (wider only when the data
 * is, e.g. an LSTM's c or a ReLU RNN's h, so nothing is silently clipped); sigmoid gates are
 * sequential over 0..1; tanh candidates diverge over −1..1; pre-activations over their own range.
 * With `fit`, every scale spans just the data (an untrained model's small values get contrast).
 */
export function scaleFor(q: Quantity, theme: ThemeName, range: ColourRange = 'fixed'): ColourScale {
  if (range === 'fit') {
    if (q.kind === 'sigmoid') return sequentialScale(...dataRange(q.data));
    return divergingScale(symmetricLimit(maxAbs(q.data), 0), theme);
  }
  switch (q.kind) {
    case 'sigmoid':
      return sequentialScale(0, 1);
    case 'tanh':
      return divergingScale(1, theme);
    case 'state':
      return divergingScale(symmetricLimit(maxAbs(q.data), 1), theme);
    case 'pre':
      return divergingScale(symmetricLimit(maxAbs(q.data), 0), theme);
  }
}

/**
 * A 2-D view into a flat array: value(r, c) = data[offset + r * rowStride + c * colStride].
 * Heatmap rows are units and columns steps ([B,T,H] row b: offset b*T*H, rowStride 1,
 * colStride H); attention rows are queries and columns keys.
 */
export interface MatrixView {
  data: Float32Array;
  offset: number;
  rowStride: number;
  colStride: number;
  rows: number;
  cols: number;
  /** columns at or past this are padding (a row's length) */
  validCols: number;
  /** rows at or past this are padding (attention: the query length) */
  validRows: number;
}

/** Units × steps of one batch row of a [B, T, H] quantity. */
export function unitsBySteps(data: Float32Array, node: Pick<NodeTrace, 'steps' | 'hidden_size' | 'lengths'>, row: number): MatrixView {
  const T = node.steps;
  const H = node.hidden_size;
  return { data, offset: row * T * H, rowStride: 1, colStride: H, rows: H, cols: T, validCols: node.lengths[row] ?? T, validRows: H };
}

/** Queries × keys of one batch row and head of an attention trace. */
export function queriesByKeys(a: AttentionTrace, row: number, head: number): MatrixView {
  const Q = a.queries;
  const S = a.keys;
  return {
    data: a.weights,
    offset: (row * a.heads + head) * Q * S,
    rowStride: S,
    colStride: 1,
    rows: Q,
    cols: S,
    validCols: a.key_lengths[row] ?? S,
    validRows: a.query_lengths[row] ?? Q,
  };
}

export function valueAt(m: MatrixView, r: number, c: number): number {
  return m.data[m.offset + r * m.rowStride + c * m.colStride];
}

/** The labels along a node's time axis for one row: its tokens, else the step numbers. */
export function stepLabels(node: Pick<NodeTrace, 'steps' | 'lengths' | 'tokens'>, row: number): string[] {
  const toks = node.tokens?.[row];
  return Array.from({ length: node.lengths[row] ?? node.steps }, (_, t) => toks?.[t] ?? String(t));
}

/** What the inspector can show for one node: its recurrent trace, its attention, or both (a Decoder). */
export interface InspectTarget {
  node: string;
  name: string;
  type: string;
  trace?: NodeTrace;
  attention?: AttentionTrace;
}

export function inspectTargets(trace: Trace | null): InspectTarget[] {
  if (!trace) return [];
  const out = new Map<string, InspectTarget>();
  for (const n of trace.nodes) out.set(n.node, { node: n.node, name: n.name, type: n.type, trace: n });
  for (const a of trace.attention ?? []) {
    const t = out.get(a.node);
    if (t) t.attention = a;
    else out.set(a.node, { node: a.node, name: a.name, type: a.type, attention: a });
  }
  return [...out.values()];
}

/** The (layer, direction) entries of a node, as pickers list them. */
export function layerNumbers(node: NodeTrace): number[] {
  return [...new Set(node.layers.map((l) => l.layer))].sort((a, b) => a - b);
}

export function layerOf(node: NodeTrace, layer: number, direction: TraceLayer['direction']): TraceLayer | undefined {
  return node.layers.find((l) => l.layer === layer && l.direction === direction);
}

export function isBidirectional(node: NodeTrace, layer: number): boolean {
  return node.layers.some((l) => l.layer === layer && l.direction === 'reverse');
}

/**
 * Shortest decimal that reads back as the same float32 (the exact value the runtime computed),
 * e.g. 0.1f prints as 0.1 rather than 0.10000000149011612.
 */
export function float32String(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}
