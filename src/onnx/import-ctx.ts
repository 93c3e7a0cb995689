// What an op handler sees: the ONNX node, what the importer knows about its inputs, its
// attributes, and the import's shared state (the document under construction, symbols, notes).
import type { Arr } from './import-array';
import type { Layout, Symbols, SymDim } from './import-layout';
import type { DocBuilder, PortKind, PortSV, SV } from './import-values';
import type { NodeProto, TensorProto } from './proto';

/** an ONNX node the importer did not understand */
export interface Unmapped {
  op: string;
  name: string;
  inputs: string[];
  why: string;
}

/** a recurrent node being built: what layer merging and the final checks need */
export interface RecInfo {
  cell: 'RNN' | 'LSTM' | 'GRU';
  H: number;
  D: number;
  layers: number;
  /** params that must agree for the next ONNX op to become this node's next layer */
  signature: string;
  /** per layer: where its initial h (and c) came from; undefined = zeros */
  initial: ({ node: string; rows: number[] } | undefined)[];
  initialC: ({ node: string; rows: number[] } | undefined)[];
  /** per layer: whether ONNX gave a bias B */
  hasBias: boolean[];
  scope: string;
}

/** a graph input made into an Input node */
export interface InputInfo {
  onnx: string;
  node: string;
  kind: 'tokens' | 'sequence' | 'vector' | 'state';
  /** where the feed goes in seqgraph (state c: `<name>_c`, lengths: `<name>_lengths`) */
  feed: string;
  layout: Layout;
  rank: number;
}

export interface ImportState {
  b: DocBuilder;
  syms: Symbols;
  notes: string[];
  opset: number;
  /** recurrent nodes that must not take the next ONNX op as another layer (a retry after a conflict) */
  noMerge: Set<string>;
  recurrent: Map<string, RecInfo>;
  inputs: Map<string, InputInfo>;
  /** token Input node id -> rows its Embedding tables have */
  tokenRows: Map<string, number>;
  readTensor: (t: TensorProto, what: string) => Arr;
  /** ONNX graph input/output name -> its node name in seqgraph (reserved first) */
  ioNames: Map<string, string>;
  /** model metadata_props */
  metadata: Map<string, string>;
}

export interface HCtx {
  node: NodeProto;
  op: string;
  /** "LSTM '/lstm/LSTM'" for messages */
  label: string;
  /** PyTorch module path from the node's name ('' at the top) */
  scope: string;
  ins: (SV | undefined)[];
  inNames: string[];
  attr(name: string): unknown;
  int(name: string, d: number): number;
  float(name: string, d: number): number;
  str(name: string, d: string): string;
  consumers(outIndex: number): number;
  /** how many live nodes read input i's value (graph outputs count too) */
  inConsumers(inIndex: number): number;
  st: ImportState;
}

export type Handler = (c: HCtx) => (SV | undefined)[] | string;

/** a port value on a node's output port, laid out canonically unless told otherwise */
export function portSV(node: string, port: string, ptype: PortKind, canon: SymDim[], layout: Layout, extra: Partial<PortSV> = {}): PortSV {
  return { k: 'port', ref: { node, port, ...(extra.ref ?? {}) }, ptype, canon, layout, ...(extra.lengthsOf ? { lengthsOf: extra.lengthsOf } : {}) };
}
