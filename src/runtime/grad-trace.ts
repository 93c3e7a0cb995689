// The gradient trace: for every recurrent node, layer, direction and step, ∂loss/∂h_t (and
// ∂loss/∂c_t for an LSTM) — the total derivative, through the outputs and through every later
// step — as backward() computes it. It is what shows vanishing and exploding gradients: an RNN's
// ∂loss/∂h_t dying over 50 steps where an LSTM's survives.
//
// It sits beside the forward Trace (trace.ts) with the same header per node (batch, steps,
// hidden_size, lengths, tokens) and the same layout ([B, T, H] row-major arrays; padded steps 0
// and skipped in JSON), so the inspector can draw it with the heatmaps it draws h and c with.
import { traceRows, unpadRows, type Nested } from './trace';

export interface GradTraceLayer {
  layer: number;
  direction: 'forward' | 'reverse';
  /** ∂loss/∂h_t [B, T, H] */
  dh: Float32Array;
  /** LSTM: ∂loss/∂c_t [B, T, H] */
  dc?: Float32Array;
}

export interface NodeGradTrace {
  node: string;
  name: string;
  type: string;
  batch: number;
  steps: number;
  hidden_size: number;
  lengths: number[];
  tokens?: string[][];
  layers: GradTraceLayer[];
}

export interface GradTrace {
  nodes: NodeGradTrace[];
}

/** The gradient trace as JSON: per node, layer and direction, per row, only the real steps: [t][unit]. */
export function gradTraceToJSON(g: GradTrace) {
  return {
    format: 'seqgraph-grad-trace',
    version: 1,
    layout: 'values[b][t][unit], real steps only (a row has lengths[b] steps); dh = ∂loss/∂h_t, dc = ∂loss/∂c_t',
    nodes: g.nodes.map((n) => ({
      node: n.node,
      name: n.name,
      type: n.type,
      batch: n.batch,
      steps: n.steps,
      hidden_size: n.hidden_size,
      lengths: n.lengths,
      ...(n.tokens ? { tokens: n.tokens } : {}),
      layers: n.layers.map((l) => ({
        layer: l.layer,
        direction: l.direction,
        dh: traceRows(l.dh, n),
        ...(l.dc ? { dc: traceRows(l.dc, n) } : {}),
      })),
    })),
  };
}

interface GradTraceJSON {
  format?: string;
  nodes?: (Omit<NodeGradTrace, 'layers'> & { layers: { layer: number; direction: 'forward' | 'reverse'; dh: Nested; dc?: Nested }[] })[];
}

/** Reads what gradTraceToJSON wrote. */
export function gradTraceFromJSON(json: unknown): GradTrace {
  const j = json as GradTraceJSON;
  if (!j || j.format !== 'seqgraph-grad-trace' || !Array.isArray(j.nodes)) throw new Error('not a seqgraph gradient trace (expected "format": "seqgraph-grad-trace")');
  return {
    nodes: j.nodes.map((n) => ({
      node: n.node,
      name: n.name,
      type: n.type,
      batch: n.batch,
      steps: n.steps,
      hidden_size: n.hidden_size,
      lengths: n.lengths,
      ...(n.tokens ? { tokens: n.tokens } : {}),
      layers: n.layers.map((l) => ({
        layer: l.layer,
        direction: l.direction,
        dh: unpadRows(l.dh, n.batch, n.steps, n.hidden_size),
        ...(l.dc ? { dc: unpadRows(l.dc, n.batch, n.steps, n.hidden_size) } : {}),
      })),
    })),
  };
}
