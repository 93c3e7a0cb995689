// The Trace: for every recurrent node, layer and direction, h (and c) and every gate at every
// timestep. Arrays are [B, T, H] row-major; steps at or past a row's length are padding: they
// are 0 here and the inspector and JSON export skip them (lengths says where each row ends).
import type { Tensor } from './tensor';

export interface TraceLayer {
  layer: number;
  direction: 'forward' | 'reverse';
  h: Float32Array;
  c?: Float32Array;
  /** LSTM: i f g o; GRU: r z n; MGU: f n (n: the candidate h̃); RNN: a (pre-activation) */
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
  /** the input symbols along the time axis, per row, when the node reads a token input (a Decoder: the tokens it wrote) */
  tokens?: string[][];
  layers: TraceLayer[];
}

export interface Trace {
  nodes: NodeTrace[];
  /** every attention node's weights, and every decoder's attention over its memory (absent when none) */
  attention?: AttentionTrace[];
}

/** One attention's weights. A Decoder also appears in `nodes` (type Decoder: its steps' h, c, gates). */
export interface AttentionTrace {
  node: string;
  name: string;
  type: string;
  /** dot | scaled_dot | general | additive | concat | multi_head */
  score: string;
  batch: number;
  heads: number;
  /** query steps per row (1 for a vector query; a decoder's output steps) */
  queries: number;
  /** key positions per row (for concat, its max_length) */
  keys: number;
  /** [B, heads, queries, keys]; 0 for padded queries and keys */
  weights: Float32Array;
  query_lengths: number[];
  key_lengths: number[];
  /** symbols along the query axis (a decoder: the tokens it produced) and the key axis, when known */
  query_tokens?: string[][];
  key_tokens?: string[][];
}

export const GATE_NAMES: Record<string, string[]> = { LSTM: ['i', 'f', 'g', 'o'], GRU: ['r', 'z', 'n'], MGU: ['f', 'n'], RNN: ['a'] };

/** A [B, T, H] array as [b][t][unit] with each row's real steps only (n: batch, steps, hidden_size, lengths). */
export function traceRows(a: Float32Array, n: { batch: number; steps: number; hidden_size: number; lengths: number[] }): Nested {
  return Array.from({ length: n.batch }, (_, b) =>
    Array.from({ length: n.lengths[b] }, (_, t) => Array.from(a.subarray((b * n.steps + t) * n.hidden_size, (b * n.steps + t + 1) * n.hidden_size))),
  );
}

/** The trace as JSON: per node, layer and direction, per row, only the real steps: [t][unit]. */
export function traceToJSON(trace: Trace): ReturnType<typeof traceJSON<number[]>> {
  return traceJSON(trace, (a) => Array.from(a));
}

/**
 * The same document with Float32Array views where traceToJSON has number lists: nothing is
 * copied, and streamJSON (json-stream.ts) writes it as the same text, however large the trace.
 */
export function traceToJSONViews(trace: Trace): ReturnType<typeof traceJSON<Float32Array>> {
  return traceJSON(trace, (a) => a);
}

function traceJSON<L>(trace: Trace, leaf: (a: Float32Array) => L) {
  const rows = (a: Float32Array, n: NodeTrace) =>
    Array.from({ length: n.batch }, (_, b) =>
      Array.from({ length: n.lengths[b] }, (_, t) => leaf(a.subarray((b * n.steps + t) * n.hidden_size, (b * n.steps + t + 1) * n.hidden_size))),
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
    ...(trace.attention ? { attention: trace.attention.map((a) => attentionToJSON(a, leaf)) } : {}),
  };
}

/** weights[b][head][query][key], real queries and keys only */
function attentionToJSON<L>(a: AttentionTrace, leaf: (a: Float32Array) => L) {
  const { weights: w, heads: Hd, queries: Q, keys: S } = a;
  return {
    node: a.node,
    name: a.name,
    type: a.type,
    score: a.score,
    batch: a.batch,
    heads: Hd,
    query_lengths: a.query_lengths,
    key_lengths: a.key_lengths,
    query_tokens: a.query_tokens,
    key_tokens: a.key_tokens,
    weights: Array.from({ length: a.batch }, (_, b) =>
      Array.from({ length: Hd }, (_, h) =>
        Array.from({ length: a.query_lengths[b] }, (_, t) => leaf(w.subarray(((b * Hd + h) * Q + t) * S, ((b * Hd + h) * Q + t) * S + a.key_lengths[b]))),
      ),
    ),
  };
}

// --- reading a trace file back (the inspector's "Open trace…")

export type Nested = number[][][];

interface TraceJSON {
  format?: string;
  nodes?: {
    node: string; name: string; type: string; batch: number; steps: number; hidden_size: number; lengths: number[]; tokens?: string[][];
    layers: { layer: number; direction: 'forward' | 'reverse'; h: Nested; c?: Nested; gates: Record<string, Nested> }[];
  }[];
  attention?: (Omit<AttentionTrace, 'weights' | 'queries' | 'keys'> & { weights: number[][][][] })[];
}

/** [b][t][unit] with real steps only, back into a zero-padded [B, T, H] array. */
export function unpadRows(rows: Nested, B: number, T: number, H: number): Float32Array {
  const out = new Float32Array(B * T * H);
  rows.forEach((r, b) => r.forEach((step, t) => out.set(step, (b * T + t) * H)));
  return out;
}

/** Reads a trace file written by `seqgraph run --trace` (or the inspector's export). */
export function traceFromJSON(json: unknown): Trace {
  const j = json as TraceJSON;
  if (!j || j.format !== 'seqgraph-trace' || !Array.isArray(j.nodes)) throw new Error('not a seqgraph trace (expected "format": "seqgraph-trace")');
  const nodes: NodeTrace[] = j.nodes.map((n) => ({
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
      h: unpadRows(l.h, n.batch, n.steps, n.hidden_size),
      ...(l.c ? { c: unpadRows(l.c, n.batch, n.steps, n.hidden_size) } : {}),
      gates: Object.fromEntries(Object.entries(l.gates).map(([k, v]) => [k, unpadRows(v, n.batch, n.steps, n.hidden_size)])),
    })),
  }));
  const attention = j.attention?.map((a): AttentionTrace => {
    const Q = Math.max(1, ...a.query_lengths);
    const S = Math.max(1, ...a.key_lengths);
    const w = new Float32Array(a.batch * a.heads * Q * S);
    a.weights.forEach((heads, b) => heads.forEach((qs, h) => qs.forEach((ks, q) => w.set(ks, ((b * a.heads + h) * Q + q) * S))));
    const { weights: _w, ...rest } = a;
    return { ...rest, queries: Q, keys: S, weights: w };
  });
  return attention?.length ? { nodes, attention } : { nodes };
}

export type { Tensor };
