// execute(program, feeds, { trace }): checks the feeds, runs the ops in order, checks every
// float result for NaN/Inf (naming the node and position), and records the trace. No DOM:
// it runs the same in Node, in the CLI and in the app's Web Worker.
import type { Op, Program } from '../ir/program';
import { positionOf, type Tensor } from './tensor';
import * as K from './kernels/basic';
import { transpose } from './kernels/gemm';
import { prepareLayer, runLayer, Workspace, type PreparedLayer, type CellKind } from './kernels/recurrent';
import { decodeIds } from './tokenize';
import type { NodeTrace, Trace } from './trace';
import { attentionTraces, runAttentionOp, runDecodeOp } from './kernels/decoder-op';
import type { DecodeResult, PreparedDecoder } from './kernels/decoder';
import { dict, own } from '../doc/dict';

export interface ExecuteOptions {
  trace?: boolean;
  /** check every float result for NaN and Inf (on by default; costs one pass over each result) */
  checkFinite?: boolean;
}

export interface ExecuteResult {
  outputs: Record<string, Tensor>;
  trace?: Trace;
}

/** A run-time error that names what went wrong and where. */
export class RunError extends Error {
  constructor(message: string, public readonly where: { input?: string; node?: string; op?: string } = {}) {
    super(message);
    this.name = 'RunError';
  }
}

/** What is prepared once per program: weights re-laid out, scratch buffers. */
class Prepared {
  layers = new Map<number, PreparedLayer>();
  linearWt = new Map<string, Float32Array>();
  decoders = new Map<number, PreparedDecoder>();
  ws = new Workspace();
  constructor(readonly program: Program) {
    program.ops.forEach((op, k) => {
      if (op.op === 'RNN' || op.op === 'LSTM' || op.op === 'GRU') this.layers.set(k, this.prepareRecurrent(op));
      if (op.op === 'Linear' && !this.linearWt.has(op.inputs[1])) {
        const W = program.initializers[op.inputs[1]];
        if (W) this.linearWt.set(op.inputs[1], transpose(W.data as Float32Array, W.shape[0], W.shape[1]));
      }
    });
  }
  private prepareRecurrent(op: Op): PreparedLayer {
    const w = (i: number) => this.program.initializers[op.inputs[i]]?.data as Float32Array;
    const bi = op.attrs.direction === 'bidirectional';
    const W_ih = this.program.initializers[op.inputs[1]];
    const H = op.attrs.hidden_size as number;
    const G = op.op === 'LSTM' ? 4 : op.op === 'GRU' ? 3 : 1;
    const bias = (i: number) => w(i) ?? new Float32Array(G * H);
    return prepareLayer(
      {
        cell: op.op as CellKind,
        inputSize: W_ih.shape[1],
        hiddenSize: H,
        bidirectional: bi,
        activation: (op.attrs.activation as 'tanh' | 'relu') ?? 'tanh',
        recurrentActivation: (op.attrs.recurrent_activation as 'sigmoid' | 'hard_sigmoid') ?? 'sigmoid',
        linearBeforeReset: (op.attrs.linear_before_reset as boolean | undefined) ?? true,
      },
      { w_ih: w(1), w_hh: w(2), b_ih: bias(3), b_hh: bias(4) },
      bi ? { w_ih: w(5), w_hh: w(6), b_ih: bias(7), b_hh: bias(8) } : undefined,
    );
  }
}

const prepared = new WeakMap<Program, Prepared>();
function preparedOf(p: Program): Prepared {
  let x = prepared.get(p);
  if (!x) prepared.set(p, (x = new Prepared(p)));
  return x;
}

function checkFeeds(program: Program, feeds: Record<string, Tensor>): void {
  const dims = new Map<string, { size: number; input: string }>();
  for (const name of Object.keys(feeds)) {
    if (!program.inputs.some((i) => i.name === name)) throw new RunError(`there is no input "${name}" (inputs: ${program.inputs.map((i) => i.name).join(', ')})`, { input: name });
  }
  for (const inp of program.inputs) {
    const t = own(feeds, inp.name);
    if (!t) throw new RunError(`input "${inp.name}" is missing`, { input: inp.name });
    if (t.dtype !== inp.dtype) throw new RunError(`input "${inp.name}" must be ${inp.dtype}, got ${t.dtype}`, { input: inp.name });
    if (t.shape.length !== inp.shape.length) throw new RunError(`input "${inp.name}" must have shape [${inp.shape.join(', ')}], got [${t.shape.join(', ')}]`, { input: inp.name });
    inp.shape.forEach((d, i) => {
      const got = t.shape[i];
      if (typeof d === 'number' && got !== d) throw new RunError(`input "${inp.name}" must have ${d} at axis ${i} (shape [${inp.shape.join(', ')}]), got [${t.shape.join(', ')}]`, { input: inp.name });
      if (got < 1) throw new RunError(`input "${inp.name}" is empty along axis ${i} (shape [${t.shape.join(', ')}])`, { input: inp.name });
      if (d === 'B') {
        const seen = dims.get(d);
        if (seen && seen.size !== got) throw new RunError(`input "${inp.name}" has batch size ${got} but "${seen.input}" has ${seen.size}`, { input: inp.name });
        dims.set(d, { size: got, input: inp.name });
      }
    });
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new RunError(`input "${inp.name}" has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}`, { input: inp.name });
    if (inp.info.kind === 'tokens') {
      const V = inp.info.vocab.length;
      for (let i = 0; i < t.data.length; i++) {
        const id = t.data[i];
        if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new RunError(`input "${inp.name}": token id ${id} at ${positionOf(t.shape, i)} is out of range (the vocabulary has ${V} symbols, ids 0..${V - 1})`, { input: inp.name });
      }
    } else {
      for (let i = 0; i < t.data.length; i++) {
        if (!Number.isFinite(t.data[i])) throw new RunError(`input "${inp.name}" has ${t.data[i]} at ${positionOf(t.shape, i)}`, { input: inp.name });
      }
    }
  }
}

export function execute(program: Program, feeds: Record<string, Tensor>, opts: ExecuteOptions = {}): ExecuteResult {
  if (program.shapeOnly) throw new RunError('internal: this program was compiled without weights (initWeights: false); compile it with weights to run it');
  checkFeeds(program, feeds);
  const prep = preparedOf(program);
  const checkFinite = opts.checkFinite ?? true;
  const env = new Map<string, Tensor>();
  for (const [k, v] of Object.entries(program.initializers)) env.set(k, v);
  for (const inp of program.inputs) env.set(inp.value, own(feeds, inp.name)!);
  const layerResults = new Map<number, ReturnType<typeof runLayer>>();
  const decodeResults = new Map<number, DecodeResult>();

  program.ops.forEach((op, k) => {
    const get = (i: number) => (op.inputs[i] ? env.get(op.inputs[i]) : undefined);
    const must = (i: number) => {
      const t = get(i);
      if (!t) throw new RunError(`internal: value "${op.inputs[i]}" is not computed before op ${op.op}`, { node: op.node, op: op.op });
      return t;
    };
    let outs: (Tensor | undefined)[];
    try {
      outs = runOp(op, k, must, get, prep, opts.trace === true, layerResults, decodeResults);
    } catch (e) {
      if (e instanceof RunError) throw e;
      const owner = program.inputs.find((i) => i.node === op.node)?.name;
      const who = owner ? `input "${owner}"` : `node ${nodeOf(program, op.node)}`;
      throw new RunError(`${who} (${op.op}): ${(e as Error).message}`, { node: op.node, op: op.op, input: owner });
    }
    op.outputs.forEach((name, i) => {
      const t = outs[i];
      if (!t) return;
      if (checkFinite && t.dtype === 'float32') {
        const d = t.data;
        for (let j = 0; j < d.length; j++) {
          const v = d[j];
          if (v - v !== 0) throw new RunError(`node ${nodeOf(program, op.node)} (${op.op}) produced ${v} at ${positionOf(t.shape, j)} of its result`, { node: op.node, op: op.op });
        }
      }
      env.set(name, t);
    });
  });
  const outputs = dict<Tensor>(); // output names are the user's: "__proto__" is a key like any other
  for (const o of program.outputs) outputs[o.name] = env.get(o.value)!;
  return { outputs, trace: opts.trace ? buildTrace(program, feeds, env, layerResults, decodeResults) : undefined };
}

function nodeOf(program: Program, id: string): string {
  return `"${program.nodeNames[id] ?? id}"`;
}

function runOp(
  op: Op,
  k: number,
  must: (i: number) => Tensor,
  get: (i: number) => Tensor | undefined,
  prep: Prepared,
  trace: boolean,
  layerResults: Map<number, ReturnType<typeof runLayer>>,
  decodeResults: Map<number, DecodeResult>,
): (Tensor | undefined)[] {
  const a = op.attrs;
  switch (op.op) {
    case 'Gather': return [K.gather(must(0), must(1))];
    case 'Identity': return [must(0)];
    case 'MatMul': throw new Error('MatMul is lowered to Linear by the nodes; no kernel yet');
    case 'Linear': {
      const W = must(1);
      const Wt = prep.linearWt.get(op.inputs[1]) ?? transpose(W.data as Float32Array, W.shape[0], W.shape[1]);
      return [K.linear(must(0), Wt, W.shape[0], get(2))];
    }
    case 'Add': return [K.binary(must(0), must(1), 'add')];
    case 'Mul': return [K.binary(must(0), must(1), 'mul')];
    case 'Scale': return [K.map(must(0), 'scale', a.alpha as number)];
    case 'Tanh': return [K.map(must(0), 'tanh')];
    case 'Sigmoid': return [K.map(must(0), 'sigmoid')];
    case 'Relu': return [K.map(must(0), 'relu')];
    case 'HardSigmoid': return [K.map(must(0), 'hard_sigmoid')];
    case 'Softmax': return [K.softmax(must(0), false)];
    case 'LogSoftmax': return [K.softmax(must(0), true)];
    case 'Slice': return [K.slice(must(0), a.axis as number, a.start as number, a.end as number)];
    case 'Concat': return [K.concat(op.inputs.map((_, i) => must(i)), a.axis as number)];
    case 'SeqLengths': return [K.seqLengths(must(0), a.pad as number)];
    case 'LastStep': return [K.lastStep(must(0), get(1))];
    case 'SeqPool': return [K.seqPool(must(0), get(1), a.mode as string)];
    case 'RepeatVector': return [K.repeatVector(must(0), a.n as number)];
    case 'MaskSteps': return [K.maskSteps(must(0), must(1))];
    case 'MergeDirections': return [K.mergeDirections(must(0), a.mode as string)];
    case 'StateToVector': return [K.stateToVector(must(0))];
    case 'RNN':
    case 'LSTM':
    case 'GRU': {
      const x = must(0);
      const [B, T] = x.shape;
      const lstm = op.op === 'LSTM';
      const h0 = get(9);
      const c0 = lstm ? get(10) : undefined;
      const lengths = get(lstm ? 11 : 10);
      const r = runLayer(prep.layers.get(k)!, x.data as Float32Array, B, T, {
        h0: h0?.data as Float32Array | undefined,
        c0: c0?.data as Float32Array | undefined,
        lengths: lengths?.data as Int32Array | undefined,
        trace,
        workspace: prep.ws,
      });
      if (trace) layerResults.set(k, r);
      const D = op.attrs.direction === 'bidirectional' ? 2 : 1;
      const H = op.attrs.hidden_size as number;
      return [
        { dtype: 'float32', shape: [B, T, D * H], data: r.y },
        { dtype: 'float32', shape: [D, B, H], data: r.hN },
        ...(lstm ? [{ dtype: 'float32' as const, shape: [D, B, H], data: r.cN! }] : []),
      ];
    }
    case 'Attention':
    case 'ConcatAttention':
    case 'MultiHeadAttention': return runAttentionOp(op, get, must);
    case 'Decode': {
      const { outs, result } = runDecodeOp(op, k, get, must, prep.decoders, trace);
      if (trace) decodeResults.set(k, result);
      return outs;
    }
  }
}

function buildTrace(program: Program, feeds: Record<string, Tensor>, env: Map<string, Tensor>, results: Map<number, ReturnType<typeof runLayer>>, decodes: Map<number, DecodeResult>): Trace {
  const nodes: NodeTrace[] = [];
  for (const target of program.traced) {
    const first = program.ops[target.layers[0].opIndex];
    const x = env.get(first.inputs[0])!;
    const [B, T] = x.shape;
    const lstm = first.op === 'LSTM';
    const lenName = first.inputs[lstm ? 11 : 10];
    const lengths = lenName ? Array.from(env.get(lenName)!.data) : new Array(B).fill(T);
    // the time axis is labelled with the symbols of the token input the lengths came from
    let tokens: string[][] | undefined;
    const src = lenName ? program.ops.find((o) => o.op === 'SeqLengths' && o.outputs[0] === lenName) : undefined;
    const inp = src && program.inputs.find((i) => i.value === src.inputs[0]);
    if (inp && inp.info.kind === 'tokens') {
      const ids = feeds[inp.name];
      const Ti = ids.shape[1];
      tokens = Array.from({ length: B }, (_, b) => decodeIds(ids.data.subarray(b * Ti, b * Ti + lengths[b]), (inp.info as { vocab: string[] }).vocab));
    }
    const node: NodeTrace = { node: target.node, name: target.name, type: target.type, batch: B, steps: T, hidden_size: first.attrs.hidden_size as number, lengths, tokens, layers: [] };
    for (const { opIndex, layer } of target.layers) {
      const r = results.get(opIndex);
      r?.trace?.forEach((t, d) => node.layers.push({ layer, direction: d === 0 ? 'forward' : 'reverse', h: t.h, c: t.c, gates: t.gates }));
    }
    nodes.push(node);
  }
  const extra = attentionTraces(program, feeds, env, decodes);
  nodes.push(...extra.nodes);
  return extra.attention.length ? { nodes, attention: extra.attention } : { nodes };
}
