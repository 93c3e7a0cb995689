// The contract every node type (nodes/*.ts) fulfils. One declaration is read by the compiler
// (infer, init, lower), the canvas (ports, params, summary) and the docs (doc, help texts).
import type { DType, Dim, Shape, Tensor } from '../runtime/tensor';
import type { AttrValue } from '../ir/program';
import type { OpName } from '../ir/ops';
import type { TokenInputInfo, FloatInputInfo, GraphOutput } from '../ir/program';
import type { Rng } from './rng';

export type PortType = 'Tokens' | 'Sequence' | 'Vector' | 'State' | 'Mask';

export const PORT_TYPE_DOC: Record<PortType, string> = {
  Tokens: 'Tokens [B,T] int: token ids (padded at the end with the input\'s pad_token, when it pads)',
  Sequence: 'Sequence [B,T,D] float: one vector per timestep',
  Vector: 'Vector [B,D] float: one vector per batch row',
  State: 'State [L*D,B,H]: final hidden state h (and cell state c for LSTM) of every layer and direction',
  Mask: 'Mask [B,T]: which steps are real tokens (not padding)',
};

export interface PortSpec {
  name: string;
  /** port types this port takes (inputs) or makes (outputs, one type) */
  types: PortType[];
  optional?: boolean;
  help: string;
  /** a port that exists only for some params (e.g. an Input's `tokens` only when kind = tokens) */
  when?: (params: Record<string, unknown>) => boolean;
}

interface ParamBase {
  help: string;
  /** hide the param when it does not apply (e.g. merge_mode when not bidirectional) */
  when?: (params: Record<string, unknown>) => boolean;
  /** shown inline on the node on the canvas */
  inline?: boolean;
  /** a file must state it (no sensible default) */
  required?: boolean;
}
export type ParamSpec =
  | (ParamBase & { kind: 'int'; default: number | null; min?: number; max?: number; nullable?: boolean })
  | (ParamBase & { kind: 'float'; default: number | null; min?: number; max?: number; nullable?: boolean })
  | (ParamBase & { kind: 'bool'; default: boolean })
  | (ParamBase & { kind: 'enum'; options: readonly string[]; default: string })
  | (ParamBase & { kind: 'string'; default: string })
  | (ParamBase & { kind: 'strings'; default: string[]; minItems?: number });

export type Params = Record<string, unknown>;

/** What flows along an edge, as far as shapes go. */
export interface PortShape {
  type: PortType;
  dtype: DType;
  /** Tokens [B,T]; Sequence [B,T,D]; Vector [B,D]; State h [L*D,B,H]; Mask [B,T] */
  shape: Shape;
  /** State: whether a cell state c (same shape as h) comes along */
  cell?: boolean;
  /** Sequence/Tokens: whether per-row valid lengths come along (from a token input's padding) */
  masked?: boolean;
  /** Tokens: the vocabulary the ids index */
  vocab?: string[];
  /** Sequence/Vector: names of the classes along the last axis, when known */
  labels?: string[];
  /** probabilities or log-probabilities along the last axis */
  kind?: 'probs' | 'logprobs';
}

/** A port's value during lowering: its shape plus the IR values that hold it. */
export interface PortValue extends PortShape {
  value: string;
  /** State with cell: the IR value of c */
  c?: string;
  /** IR value of the valid lengths [B] */
  lengths?: string;
}

export interface Where {
  port?: string;
  param?: string;
}

export interface InferCtx<P extends Params = Params> {
  params: P;
  inputs: Record<string, PortShape | undefined>;
  /** the symbol for a time axis this node introduces (Input nodes): T, or T_<name> when the
   *  graph has several inputs with time axes, which may differ in length (source and target) */
  timeDim: string;
  /** report a problem; infer may go on to report more */
  error(where: Where, message: string): void;
}

export interface InitCtx<P extends Params = Params> {
  params: P;
  inputs: Record<string, PortShape | undefined>;
  rng: Rng;
}

export interface LowerCtx<P extends Params = Params> {
  node: { id: string; name: string; type: string };
  params: P;
  inputs: Record<string, PortValue | undefined>;
  /** what infer said the outputs are */
  outputs: Record<string, PortShape>;
  /** IR name of one of this node's weights (by its PyTorch name) */
  weight(name: string): string;
  /** a constant tensor (an initializer that is not a weight); returns its IR name */
  constant(label: string, t: Tensor): string;
  /** emit an op; returns the names of its outputs */
  op(op: OpName, inputs: string[], attrs: Record<string, AttrValue>, outs: { dtype: DType; shape: Shape }[]): string[];
  /** Input nodes: declare a graph input (named after the node unless `name` is given); returns its IR value */
  graphInput(dtype: DType, shape: Shape, info: TokenInputInfo | FloatInputInfo, name?: string): string;
  /** Output nodes: declare a graph output (named after the node unless `name` is given) */
  graphOutput(value: string, dtype: DType, shape: Shape, kind: GraphOutput['kind'], labels?: string[], name?: string): void;
  /** recurrent nodes: record this op (index returned by lastOpIndex) in the trace as `layer` */
  traceLayer(layer: number): void;
}

export type Category = 'Inputs' | 'Embedding' | 'Recurrent' | 'Attention' | 'Layers' | 'Sequence' | 'Outputs';
export const CATEGORIES: Category[] = ['Inputs', 'Embedding', 'Recurrent', 'Attention', 'Layers', 'Sequence', 'Outputs'];

export interface NodeDef<P extends Params = Params> {
  type: string;
  category: Category;
  label: string;
  /** short help with the formula it computes */
  doc: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  params: Record<keyof P & string, ParamSpec>;
  /** short text with the key params, shown on the node (e.g. "LSTM 256 ×2 bi") */
  summary?(params: P): string;
  /** output shapes, or errors through ctx.error naming the port or param */
  infer(ctx: InferCtx<P>): Record<string, PortShape> | null;
  /** the weights it holds, by PyTorch name, and their shapes (given the inferred input shapes) */
  weights?(ctx: { params: P; inputs: Record<string, PortShape | undefined> }): Record<string, number[]>;
  /** fresh weights, initialised as PyTorch initialises them */
  init?(ctx: InitCtx<P>, shapes: Record<string, number[]>): Record<string, Float32Array>;
  /** the IR ops it becomes; returns its output port values */
  lower(ctx: LowerCtx<P>): Record<string, PortValue>;
}

/** Helper so node files get their params typed from the declaration. */
export function defineNode<P extends Params>(def: NodeDef<P>): NodeDef<P> {
  return def;
}

/** Default values of every param. */
export function defaultParams(def: NodeDef): Params {
  const out: Params = {};
  for (const [k, spec] of Object.entries(def.params) as [string, ParamSpec][]) {
    out[k] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out;
}

export function activePorts(ports: PortSpec[], params: Params): PortSpec[] {
  return ports.filter((p) => !p.when || p.when(params));
}

export function dimStr(d: Dim): string {
  return String(d);
}
