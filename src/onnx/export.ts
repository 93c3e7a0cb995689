// Program (IR + weights) -> ONNX ModelProto bytes.
//
// Each IR op maps to one ONNX op or a short subgraph (ir/ops.ts says which). The graph's inputs
// and outputs carry the Program's input/output names, so the same feeds run through the TS
// runtime and through onnxruntime. Dims that are strings become dim_param (dynamic), numbers
// dim_value. An op the exporter cannot map, or a graph that would come out malformed, is an
// Error naming the op and its node: no broken file is ever written.
import type { OpName } from '../ir/ops';
import type { GraphOutput, Op, Program } from '../ir/program';
import { verifyProgram } from '../ir/verify';
import type { DType, Shape, Tensor } from '../runtime/tensor';
import { ExportError, GraphBuilder, opError } from './export-builder';
import { emitAttention, emitConcatAttention, emitMultiHeadAttention } from './export-attention';
import { decoderMetadata, emitDecode } from './export-decoder';
import { guardInputs, guardOutput } from './export-guards';
import { emitRecurrent, type EmitContext } from './export-recurrent';
import { emitCumulative, emitLastStep, emitMaskSteps, emitMergeDirections, emitRepeatVector, emitSeqLengths, emitSeqPool, emitStateToVector } from './export-sequence';
import { attr, DataType, encodeModel, floatTensorProto, tensorToProto, type ModelProto, type ValueInfoProto } from './proto';

export interface ExportOptions {
  /** default opset of the ai.onnx domain: 17 (supported 13..21) */
  opset?: number;
  graphName?: string;
  /** written to ModelProto.metadata_props */
  metadata?: Record<string, string>;
  docString?: string;
  /**
   * 'greedy': export a Decode op that uses beam search as the greedy decoder (ONNX export has no
   * beam search); without it such a decoder is refused. The metadata records what was written
   * (seqgraph.decoder.<name>.strategy / .requested_strategy).
   */
  decodeStrategy?: 'greedy';
  /**
   * Refuse what the runtime refuses (default true): token ids out of range, padding that is not
   * at the end of a row, rows of only padding, empty axes, batch sizes that differ between inputs,
   * NaN/Inf in float inputs and outputs (export-guards.ts). Off, the model computes something for
   * such feeds where the runtime gives an error.
   */
  guards?: boolean;
}

export const DEFAULT_OPSET = 17;
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
export const IR_VERSION = 8;

type Emit = (ctx: EmitContext, op: Op) => void;

const unary = (opType: string, attrs: () => ReturnType<typeof attr.int>[] = () => []): Emit => ({ b, v }, op) => {
  b.op(opType, [v(op.inputs[0])], attrs(), v(op.outputs[0]));
};
const binary = (opType: string): Emit => ({ b, v }, op) => {
  b.op(opType, [v(op.inputs[0]), v(op.inputs[1])], [], v(op.outputs[0]));
};

function intAttr(ctx: EmitContext, op: Op, key: string): number {
  const a = op.attrs[key];
  if (typeof a !== 'number' || !Number.isInteger(a)) throw ctx.error(op, `attribute ${key} must be an integer, got ${String(a)}`);
  return a;
}

/** One entry per IR op: a missing op is a type error (the table is exhaustive over OpName). */
const EMIT: Record<OpName, Emit> = {
  Gather: ({ b, v }, op) => {
    b.op('Gather', [v(op.inputs[0]), v(op.inputs[1])], [attr.int('axis', 0)], v(op.outputs[0]));
  },
  Identity: unary('Identity'),
  // ONNX Dropout with its ratio and no training_mode: identity when run, as execute() is; the
  // ratio stays in the model for an importer
  Dropout: ({ b, v, error }, op) => {
    const ratio = op.attrs.ratio;
    if (typeof ratio !== 'number') throw error(op, `attribute ratio must be a number, got ${String(ratio)}`);
    b.op('Dropout', [v(op.inputs[0]), b.constFloat([ratio], [], 'ratio')], [], v(op.outputs[0]));
  },
  MatMul: binary('MatMul'),
  Linear: emitLinear,
  Add: binary('Add'),
  Mul: binary('Mul'),
  Scale: ({ b, v, error }, op) => {
    const alpha = op.attrs.alpha;
    if (typeof alpha !== 'number') throw error(op, `attribute alpha must be a number, got ${String(alpha)}`);
    b.op('Mul', [v(op.inputs[0]), b.constFloat([alpha], [], 'alpha')], [], v(op.outputs[0]));
  },
  Tanh: unary('Tanh'),
  Sigmoid: unary('Sigmoid'),
  Relu: unary('Relu'),
  HardSigmoid: unary('HardSigmoid', () => [attr.float('alpha', 0.2), attr.float('beta', 0.5)]),
  Softmax: ({ b, v }, op) => {
    b.op('Softmax', [v(op.inputs[0])], [attr.int('axis', typeof op.attrs.axis === 'number' ? op.attrs.axis : -1)], v(op.outputs[0]));
  },
  LogSoftmax: ({ b, v }, op) => {
    b.op('LogSoftmax', [v(op.inputs[0])], [attr.int('axis', typeof op.attrs.axis === 'number' ? op.attrs.axis : -1)], v(op.outputs[0]));
  },
  Slice: (ctx, op) => {
    const { b, v } = ctx;
    const [axis, start, end] = [intAttr(ctx, op, 'axis'), intAttr(ctx, op, 'start'), intAttr(ctx, op, 'end')];
    const ins = [v(op.inputs[0]), b.constInt64([start], [1], 'starts'), b.constInt64([end], [1], 'ends'), b.constInt64([axis], [1], 'axes')];
    b.op('Slice', ins, [], v(op.outputs[0]));
  },
  Concat: (ctx, op) => {
    const { b, v } = ctx;
    const ins = op.inputs.filter((i) => i !== '').map(v);
    b.op('Concat', ins, [attr.int('axis', intAttr(ctx, op, 'axis'))], v(op.outputs[0]));
  },
  SeqLengths: emitSeqLengths,
  CheckLengths: ({ b, v }, op) => {
    b.op('Identity', [v(op.inputs[1])], [], v(op.outputs[0]));
  },
  LastStep: emitLastStep,
  SeqPool: emitSeqPool,
  RepeatVector: emitRepeatVector,
  MaskSteps: emitMaskSteps,
  MergeDirections: emitMergeDirections,
  StateToVector: emitStateToVector,
  Cumulative: emitCumulative,
  RNN: emitRecurrent,
  LSTM: emitRecurrent,
  GRU: emitRecurrent,
  MGU: emitRecurrent,
  Attention: emitAttention,
  ConcatAttention: emitConcatAttention,
  MultiHeadAttention: emitMultiHeadAttention,
  Decode: emitDecode,
};

/** Linear: Gemm(transB=1) when X is 2-D, else MatMul(X, Wᵀ) + b (Wᵀ a transposed initializer). */
function emitLinear(ctx: EmitContext, op: Op): void {
  const { b, v, program } = ctx;
  const [x, w, bias = ''] = op.inputs;
  const out = v(op.outputs[0]);
  const rank = program.values[x]?.shape.length;
  if (rank === 2) {
    b.op('Gemm', [v(x), v(w), bias === '' ? '' : v(bias)], [attr.int('transB', 1)], out);
    return;
  }
  const W = program.initializers[w];
  let wt: string;
  if (W && W.dtype === 'float32' && W.shape.length === 2) {
    wt = b.addInitializer(floatTensorProto(b.fresh(`${w}_T`), [W.shape[1], W.shape[0]], transpose2d(W)));
  } else {
    wt = b.op('Transpose', [v(w)], [attr.ints('perm', [1, 0])]);
  }
  if (bias === '') b.op('MatMul', [v(x), wt], [], out);
  else b.op('Add', [b.op('MatMul', [v(x), wt]), v(bias)], [], out);
}

function transpose2d(t: Tensor): Float32Array {
  const [n, k] = t.shape;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[j * n + i] = t.data[i * k + j];
  return out;
}

const ELEM_TYPE: Record<DType, number> = { float32: DataType.FLOAT, int64: DataType.INT64 };

function valueInfo(name: string, dtype: DType, shape: Shape): ValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'string' ? { dim_param: d } : d >= 0 ? { dim_value: d } : {}));
  return { name, type: { tensor_type: { elem_type: ELEM_TYPE[dtype], shape: { dim } } } };
}

/** symbolic dims (other than the batch B) that more than one graph input declares */
function sharedDims(program: Program): Set<string> {
  const seen = new Map<string, string>();
  const shared = new Set<string>();
  for (const i of program.inputs) {
    for (const d of new Set(i.shape)) {
      if (typeof d !== 'string' || d === 'B') continue;
      if (seen.has(d) && seen.get(d) !== i.name) shared.add(d);
      seen.set(d, i.name);
    }
  }
  return shared;
}

/** Program -> ModelProto (plain object, before encoding). */
export function buildModel(program: Program, opts: ExportOptions = {}): ModelProto {
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) throw new ExportError(`ONNX export: opset ${opset} is not supported (${MIN_OPSET}..${MAX_OPSET})`);
  // the IR verifier checks every op against its spec (ir/ops.ts) and that values are defined
  if (program.shapeOnly) throw new ExportError('ONNX export: this program was compiled without weights (initWeights: false); compile it with weights to export it');
  const problems = verifyProgram(program);
  if (problems.length > 0) throw new ExportError(`ONNX export: the program is not valid IR:\n  ${problems.join('\n  ')}`);
  const b = new GraphBuilder(opset);

  // --- names: graph inputs/outputs keep the Program's names; IR values keep theirs unless they clash
  const rename = new Map<string, string>();
  const ioNames = new Set<string>();
  for (const io of [...program.inputs, ...program.outputs]) {
    if (ioNames.has(io.name)) throw new ExportError(`ONNX export: two graph inputs/outputs are both named '${io.name}'`);
    ioNames.add(io.name);
    b.reserve(io.name);
  }
  for (const inp of program.inputs) {
    if (rename.has(inp.value)) throw new ExportError(`ONNX export: value '${inp.value}' is fed by two inputs`);
    rename.set(inp.value, inp.name);
  }
  const guards = opts.guards ?? true;
  const viaIdentity: { from: string; to: string }[] = [];
  const checkedOutputs: { out: GraphOutput; value: string }[] = [];
  for (const out of program.outputs) {
    if (rename.has(out.value) || program.initializers[out.value]) viaIdentity.push({ from: out.value, to: out.name });
    else if (guards && out.dtype === 'float32') {
      // the op writes a value of its own; the guard turns it into the graph output
      const value = b.fresh(`${out.name}_unchecked`);
      rename.set(out.value, value);
      checkedOutputs.push({ out, value });
    } else rename.set(out.value, out.name);
  }
  const irNames = new Set<string>([...Object.keys(program.values), ...Object.keys(program.initializers)]);
  for (const op of program.ops) for (const n of [...op.inputs, ...op.outputs]) if (n !== '') irNames.add(n);
  for (const n of irNames) {
    if (rename.has(n)) continue;
    if (b.isUsed(n)) rename.set(n, b.fresh(n));
    else {
      b.reserve(n);
      rename.set(n, n);
    }
  }
  const emitted = new Set<string>();
  const v = (name: string): string => {
    if (name === '') return '';
    const mapped = rename.get(name);
    if (mapped === undefined) throw new ExportError(`ONNX export: unknown value '${name}'`);
    const init = program.initializers[name];
    if (init && !emitted.has(name)) {
      emitted.add(name);
      b.addInitializer(tensorToProto(mapped, init));
    }
    return mapped;
  };
  const error = (op: Op, why: string) => opError(op, why, program.nodeNames);
  if (opts.decodeStrategy !== undefined && opts.decodeStrategy !== 'greedy') throw new ExportError(`ONNX export: decodeStrategy must be 'greedy', got '${String(opts.decodeStrategy)}'`);
  const ctx: EmitContext = { b, program, v, error, options: { decodeStrategy: opts.decodeStrategy } };

  // --- guards on the inputs: the graph reads each input through its checks
  if (guards) for (const [name, checked] of guardInputs(b, program.inputs)) rename.set(program.inputs.find((i) => i.name === name)!.value, checked);

  // --- ops, in order
  for (const op of program.ops) {
    b.current = op;
    const emit = (EMIT as Partial<Record<string, Emit>>)[op.op];
    if (!emit) throw error(op, 'has no ONNX mapping');
    emit(ctx, op);
  }
  b.current = undefined;
  for (const { from, to } of viaIdentity) {
    const out = program.outputs.find((o) => o.name === to)!;
    if (guards && out.dtype === 'float32') guardOutput(b, out, v(from));
    else b.op('Identity', [v(from)], [], to);
  }
  for (const { out, value } of checkedOutputs) guardOutput(b, out, value);

  // ort plans buffers by symbolic dims: two inputs declaring the same 'T' would be taken to have
  // the same length (the compiler names every token input's time axis T, so a source and a target
  // of different lengths would break the run). A symbol other than B that two inputs share is made
  // per input ('T_src'), and an output dim with such a symbol is left unnamed.
  const shared = sharedDims(program);
  const inputs = program.inputs.map((i) => valueInfo(i.name, i.dtype, i.shape.map((d) => (typeof d === 'string' && shared.has(d) ? `${d}_${i.name}` : d))));
  const outputs = program.outputs.map((o) => valueInfo(o.name, o.dtype, o.shape.map((d) => (typeof d === 'string' && shared.has(d) ? -1 : d))));
  b.check(
    program.inputs.map((i) => i.name),
    program.outputs.map((o) => o.name),
  );

  return {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'seqgraph',
    ...(opts.docString ? { doc_string: opts.docString } : {}),
    graph: {
      name: opts.graphName ?? (program.name || 'seqgraph'),
      node: b.nodes,
      initializer: b.initializers,
      input: inputs,
      output: outputs,
    },
    // what each decoder holds (greedy / forced) is a fact of this file: it wins over given metadata
    metadata_props: Object.entries({ ...opts.metadata, ...decoderMetadata(program) }).map(([key, value]) => ({ key, value })),
  };
}

/** Program -> ONNX ModelProto bytes (opset 17 by default, IR version 8, producer 'seqgraph'). */
export function exportOnnx(program: Program, opts: ExportOptions = {}): Uint8Array {
  return encodeModel(buildModel(program, opts));
}
