// A compiled graph: the IR ops in execution order, every value's type, the weights, and what
// the graph's inputs and outputs are (with the vocabularies and labels a person reads them by).
import type { DType, Shape, Tensor } from '../runtime/tensor';
import type { OpName } from './ops';

export type AttrValue = number | string | boolean | number[];

export interface Op {
  op: OpName;
  /** value names; '' for an absent optional input (as ONNX) */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** the graph node this op came from (its id), so run-time errors name it */
  node: string;
}

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Shape;
}

/**
 * A token input: how text becomes ids, and which ids are special. Every special id is explicit
 * and may be absent: without `pad` the input has no padding (every id is a real token, all rows
 * of a batch have the same length, no lengths travel along); without `unk` a symbol missing from
 * the vocabulary is an error rather than a silent <unk>.
 */
export interface TokenInputInfo {
  kind: 'tokens';
  vocab: string[];
  tokenizer: 'chars' | 'words';
  /** the padding id; undefined: no padding */
  pad?: number;
  /** what unknown symbols become; undefined: they are an error */
  unk?: number;
  bos?: number;
  eos?: number;
  add_bos: boolean;
  add_eos: boolean;
  lowercase: boolean;
}
export interface FloatInputInfo {
  kind: 'float';
  features: number;
}

export interface GraphInput {
  /** the Input node's name: the feed's key and the ONNX input's name */
  name: string;
  node: string;
  value: string;
  dtype: DType;
  shape: Shape;
  info: TokenInputInfo | FloatInputInfo;
}

export interface GraphOutput {
  name: string;
  node: string;
  value: string;
  dtype: DType;
  shape: Shape;
  /** class labels along the last axis, when the output is over classes or a vocabulary */
  labels?: string[];
  /** 'probs' when the values are a softmax, 'logprobs' for log-softmax, else 'values' */
  kind: 'probs' | 'logprobs' | 'values' | 'tokens';
}

/** Which recurrent ops to record, and how the trace names them. */
export interface TraceTarget {
  node: string;
  name: string;
  type: string;
  /** IR op index -> layer */
  layers: { opIndex: number; layer: number }[];
  /** the token input whose symbols label the time axis, if any */
  tokensFrom?: string;
}

/** Where a weight (an initializer the person can train) comes from: its node and PyTorch name. */
export interface WeightRef {
  /** the node's id */
  node: string;
  /** the weight's PyTorch state_dict name within the node (weight_ih_l0, bias, ...) */
  name: string;
}

export interface Program {
  name: string;
  inputs: GraphInput[];
  outputs: GraphOutput[];
  ops: Op[];
  values: Record<string, ValueInfo>;
  initializers: Record<string, Tensor>;
  traced: TraceTarget[];
  /** node id -> node name, so run-time errors name nodes as the person named them */
  nodeNames: Record<string, string>;
  /** compiled without weight values (compile's initWeights: false, as `validate` does): the
   *  initializers are shape-only placeholders, so it can be checked but not run or exported */
  shapeOnly?: boolean;
  /**
   * IR initializer name -> the node and PyTorch name of the weight it holds. Only trainable
   * weights appear (constants the lowering made, such as zero biases for bias=False, do not):
   * these are what backward() returns gradients for.
   */
  weightRefs: Record<string, WeightRef>;
}
