// The Trace: for every recurrent node, layer and direction, h (and c) and every gate at every
// timestep. Arrays are [B, T, H] row-major; steps at or past a row's length are padding: they
// are 0 here and the inspector and JSON export skip them (lengths says where each row ends).
import type { Tensor } from './tensor';

export interface TraceLayer {
  layer: number;
  direction: 'forward' | 'reverse';
  h: Float32Array;
  c?: Float32Array;
  /** LSTM: i f g o; GRU: r z n; RNN: a (pre-activation) */
  gates: Record<string, Float32Array>;
}

export interface NodeTrace {
  node: string;
  name: string;
  type: string;
  batch: number;
  steps: number;
  hidden_size: number;
  lengths: number[];
  /** the input symbols along the time axis, per row, when the node reads a token input */
  tokens?: string[][];
  layers: TraceLayer[];
}

export interface Trace {
  nodes: NodeTrace[];
}

export const GATE_NAMES: Record<string, string[]> = { LSTM: ['i', 'f', 'g', 'o'], GRU: ['r', 'z', 'n'], RNN: ['a'] };

/** The trace as JSON: per node, layer and direction, per row, only the real steps: [t][unit]. */
export function traceToJSON(trace: Trace) {
  const rows = (a: Float32Array, n: NodeTrace) =>
    Array.from({ length: n.batch }, (_, b) =>
      Array.from({ length: n.lengths[b] }, (_, t) => Array.from(a.subarray((b * n.steps + t) * n.hidden_size, (b * n.steps + t + 1) * n.hidden_size))),
    );
  return {
    format: 'seqgraph-trace',
    version: 1,
    layout: 'values[b][t][unit], real steps only (a row has lengths[b] steps)',
    nodes: trace.nodes.map((n) => ({
      node: n.node,
      name: n.name,
      type: n.type,
      batch: n.batch,
      steps: n.steps,
      hidden_size: n.hidden_size,
      lengths: n.lengths,
      tokens: n.tokens,
      layers: n.layers.map((l) => ({
        layer: l.layer,
        direction: l.direction,
        h: rows(l.h, n),
        ...(l.c ? { c: rows(l.c, n) } : {}),
        gates: Object.fromEntries(Object.entries(l.gates).map(([k, v]) => [k, rows(v, n)])),
      })),
    })),
  };
}

export type { Tensor };
