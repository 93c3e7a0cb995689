// What the importer knows about each ONNX value (an "SV"), and the graph document it builds.
//
// An ONNX value is, as far as seqgraph is concerned, one of:
// - const:   numbers known at import time (initializers, Constant nodes, anything folded from them)
// - ints:    a 1-D integer vector whose entries may be symbols (what Shape() gives: [B, T:x, 16])
// - sym:     one such integer (Gather of a shape)
// - fill:    a tensor of one value and a (symbolic) shape (ConstantOfShape / Expand of a scalar:
//            the zero initial states exporters write)
// - port:    the value of a seqgraph node's output port, seen through a layout (import-layout.ts)
// - state:   some rows of a recurrent node's (or a State Input's) final states, through a layout
//            over the virtual shape [rows, B, H]: the exporters' h_n[-1], cat(h_n[-2], h_n[-1]), ...
// - lengths: the per-row lengths that travel with an Input's sequence
// - pattern: a partial match (the pieces of an expanded softmax, attention scores) that only the
//            right next op completes; anything else reading it is not understood
import type { DocEdge, DocNode } from '../doc/schema';
import type { Arr } from './import-array';
import type { Layout, SymDim } from './import-layout';

export type PortKind = 'Tokens' | 'Sequence' | 'Vector' | 'State';

export interface PortRef {
  node: string;
  port: string;
  /** a recurrent node's layer count when this was referenced (its output is the top layer's) */
  layers?: number;
}

export interface PortSV {
  k: 'port';
  ref: PortRef;
  ptype: PortKind;
  canon: SymDim[];
  layout: Layout;
  /** Input node whose per-row lengths travel with this sequence (masked), if any */
  lengthsOf?: string;
}

export interface StateSV {
  k: 'state';
  /** recurrent node or State Input */
  node: string;
  c: boolean;
  /** rows of the node's state [L·D, B, H] (index = layer·D + direction) */
  rows: number[];
  H: number;
  /** over the virtual shape [rows.length, B, H] */
  layout: Layout;
}

export type SV =
  | { k: 'const'; a: Arr }
  | { k: 'ints'; v: SymDim[] }
  | { k: 'sym'; v: SymDim }
  | { k: 'fill'; shape: SymDim[]; value: number }
  | PortSV
  | StateSV
  | { k: 'lengths'; input: string }
  | { k: 'pattern'; kind: string; data: Record<string, unknown> };

export function describe(v: SV | undefined): string {
  if (!v) return 'nothing';
  switch (v.k) {
    case 'const': return `a constant [${v.a.shape.join(', ')}]`;
    case 'ints': return `a shape [${v.v.join(', ')}]`;
    case 'sym': return `the size ${v.v}`;
    case 'fill': return `a tensor of ${v.value}s`;
    case 'port': return `${v.ptype} (${v.ref.port})`;
    case 'state': return `final states (${v.c ? 'c' : 'h'})`;
    case 'lengths': return 'sequence lengths';
    case 'pattern': return `part of a ${v.kind}`;
  }
}

export interface WeightArr {
  shape: number[];
  data: Float32Array;
}

const WEIGHTED = new Set(['Embedding', 'Dense', 'RNN', 'LSTM', 'GRU', 'Attention', 'Decoder']);

/** The graph document under construction. */
export class DocBuilder {
  readonly nodes: DocNode[] = [];
  readonly edges: DocEdge[] = [];
  readonly weights: Record<string, Record<string, WeightArr>> = {};
  /** per node: the importer's own bookkeeping (recurrent layers, where its name came from) */
  readonly info = new Map<string, Record<string, unknown>>();
  /** edges made from recurrent ports, checked against the node's final layer count */
  readonly layeredRefs: { edge: string; ref: PortRef }[] = [];
  private readonly names = new Set<string>();
  /** names layers with weights will want (their PyTorch modules): other nodes do not take them */
  readonly wanted = new Set<string>();
  private n = 0;

  /** reserve a name (graph inputs and outputs first, so they keep the ONNX names) */
  reserve(name: string): void {
    this.names.add(name);
  }

  uniqueName(hint: string, mayTakeWanted = true): string {
    const base = sanitizeName(hint);
    let name = base;
    for (let k = 1; this.names.has(name) || (!mayTakeWanted && this.wanted.has(name)); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  add(type: string, name: string, params: Record<string, unknown>, exactName = false): string {
    const id = `n${++this.n}`;
    const weighted = WEIGHTED.has(type);
    this.nodes.push({ id, type, name: exactName ? name : this.uniqueName(name, weighted), position: { x: 0, y: 0 }, params });
    return id;
  }

  node(id: string): DocNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`internal: no node ${id}`);
    return n;
  }

  connect(ref: PortRef, target: string, port: string): void {
    const id = `e${this.edges.length + 1}`;
    this.edges.push({ id, source: { node: ref.node, port: ref.port }, target: { node: target, port } });
    if (ref.layers !== undefined) this.layeredRefs.push({ edge: id, ref });
  }

  setWeight(node: string, name: string, shape: number[], data: Float32Array): void {
    (this.weights[node] ??= {})[name] = { shape: [...shape], data };
  }

  remove(id: string): void {
    const i = this.nodes.findIndex((x) => x.id === id);
    if (i >= 0) this.nodes.splice(i, 1);
    delete this.weights[id];
  }
}

/** a valid node name ([A-Za-z_][A-Za-z0-9_.-]*, at most 100 characters) close to the given text */
export function sanitizeName(s: string): string {
  let t = s.replace(/::/g, '_').replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[._-]+|[._-]+$/g, '');
  if (!/^[A-Za-z_]/.test(t)) t = `_${t}`;
  return t.slice(0, 100) || '_';
}

/** '/encoder/lstm/LSTM_1' -> 'encoder.lstm' (PyTorch's module path), 'gru_1/GRU' -> 'gru_1' (Keras' layer), '' at the top */
export function scopeOf(nodeName: string | undefined): string {
  const parts = (nodeName ?? '').split('/').filter(Boolean);
  return parts.slice(0, -1).join('.');
}

/** 'fc.weight' -> 'fc' (a PyTorch parameter name's module), else '' */
export function moduleOfParam(name: string | undefined): string {
  const m = /^(.+)\.(weight|bias)$/.exec(name ?? '');
  return m ? m[1] : '';
}
