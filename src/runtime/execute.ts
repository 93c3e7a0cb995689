// execute(program, feeds, { trace }): checks the feeds, runs the ops in order through the kernel
// table, checks every float result for NaN/Inf (naming the node and position), and records the
// trace. No DOM: it runs the same in Node, in the CLI and in the app's Web Worker.
//
// runOps() is the one loop shared with training (train.ts forwardTrain): each op is a lookup in
// the resolved kernel table (backend.ts) and one forward() call; training also records a tape.
import { Rng } from '../compiler/rng';
import type { Op, Program } from '../ir/program';
import { activeTable } from './backend';
import { RunError, nodeOf } from './errors';
import type { ForwardCtx, KernelEntry, TapeEntry } from './kernels/types';
import type { LayerResult } from './kernels/recurrent';
import { attentionTraces } from './kernels/decoder-op';
import type { DecodeResult } from './kernels/decoder';
import { preparedOf, type Prepared } from './prepared';
import { firstNonFinite, positionOf, type FArr, type Tensor } from './tensor';
import { decodeIds, paddingProblem } from './tokenize';
import type { NodeTrace, Trace } from './trace';
import type { OpName } from '../ir/ops';
import { dict, own } from '../doc/dict';

export { RunError };

export interface ExecuteOptions {
  trace?: boolean;
  /** check every float result for NaN and Inf (on by default; costs one pass over each result) */
  checkFinite?: boolean;
}

export interface ExecuteResult {
  outputs: Record<string, Tensor>;
  trace?: Trace;
}

export function checkFeeds(program: Program, feeds: Record<string, Tensor>): void {
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
      const padding = paddingProblem(inp.name, inp.info, t);
      if (padding) throw new RunError(padding, { input: inp.name });
    } else {
      const i = firstNonFinite(t.data);
      if (i >= 0) throw new RunError(`input "${inp.name}" has ${t.data[i]} at ${positionOf(t.shape, i)}`, { input: inp.name });
    }
  }
}

export interface RunOptions {
  trace: boolean;
  checkFinite: boolean;
  /** record a tape for backward */
  train: boolean;
  dropout: boolean;
  seed: number;
  teacherForcingRatio: number;
  initialStates?: Map<number, { h: FArr; c?: FArr }>;
}

export interface RunState {
  env: Map<string, Tensor>;
  /** per op index, what a traced forward returned (LayerResult, DecodeResult) */
  traced: Map<number, unknown>;
  tape: TapeEntry[];
}

/** Prepare (or re-prepare after a weight update) and resolve the kernel table for a run. */
export function begin(program: Program): { prep: Prepared; table: Record<OpName, KernelEntry> } {
  // validate compiles without weights (shape-only placeholders): such a program never runs or trains
  if (program.shapeOnly) throw new RunError('internal: this program was compiled without weights (initWeights: false); compile it with weights to run it');
  const prep = preparedOf(program);
  const table = activeTable(prep.float64);
  prep.sync(table);
  return { prep, table };
}

/** a per-op seed: the run's seed mixed with the op index (so masks do not shift when ops are added elsewhere) */
const opSeed = (seed: number, k: number) => (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(k + 1, 0x165667b1)) >>> 0;

export function runOps(program: Program, feeds: Record<string, Tensor>, prep: Prepared, table: Record<OpName, KernelEntry>, o: RunOptions): RunState {
  const env = new Map<string, Tensor>();
  for (const [k, v] of Object.entries(program.initializers)) env.set(k, v);
  for (const inp of program.inputs) env.set(inp.value, own(feeds, inp.name)!);
  const traced = new Map<number, unknown>();
  const tape: TapeEntry[] = [];
  const checked = new WeakSet<object>();
  const cx: ForwardCtx = {
    op: program.ops[0], k: 0, prepared: undefined, train: o.train, trace: o.trace, dropout: o.dropout,
    rng: () => new Rng(opSeed(o.seed, cx.k)), teacherForcingRatio: o.teacherForcingRatio, initialState: undefined, ws: prep.ws,
  };
  program.ops.forEach((op, k) => {
    const ins = op.inputs.map((name) => {
      if (name === '') return undefined;
      const t = env.get(name);
      if (!t) throw new RunError(`internal: value "${name}" is not computed before op ${op.op}`, { node: op.node, op: op.op });
      return t;
    });
    cx.op = op;
    cx.k = k;
    cx.prepared = prep.states[k];
    cx.initialState = o.initialStates?.get(k);
    let res;
    try {
      res = table[op.op].forward(cx, ins);
    } catch (e) {
      throw wrap(program, op, e);
    }
    const outs = res.outs;
    op.outputs.forEach((name, i) => {
      const t = outs[i];
      if (!t) return;
      // an op that hands on its input's data (Identity, a reshape) has nothing new to check
      if (o.checkFinite && t.dtype === 'float32' && !checked.has(t.data)) {
        const j = firstNonFinite(t.data);
        if (j >= 0) throw new RunError(`node ${nodeOf(program, op.node)} (${op.op}) produced ${t.data[j]} at ${positionOf(t.shape, j)} of its result`, { node: op.node, op: op.op });
        checked.add(t.data);
      }
      env.set(name, t);
    });
    if (o.trace && res.traced !== undefined) traced.set(k, res.traced);
    if (o.train) tape.push({ op, k, ins, outs, saved: res.saved, prepared: cx.prepared, overrodeState: cx.initialState !== undefined });
  });
  return { env, traced, tape };
}

/** a kernel's error as a RunError that names the node (or the input it reads) and the op */
export function wrap(program: Program, op: Op, e: unknown): RunError {
  if (e instanceof RunError) return e;
  const owner = program.inputs.find((i) => i.node === op.node)?.name;
  const who = owner ? `input "${owner}"` : `node ${nodeOf(program, op.node)}`;
  return new RunError(`${who} (${op.op}): ${(e as Error).message}`, { node: op.node, op: op.op, input: owner });
}

export function execute(program: Program, feeds: Record<string, Tensor>, opts: ExecuteOptions = {}): ExecuteResult {
  checkFeeds(program, feeds);
  const { prep, table } = begin(program);
  const trace = opts.trace === true;
  const st = runOps(program, feeds, prep, table, { trace, checkFinite: opts.checkFinite ?? true, train: false, dropout: false, seed: 0, teacherForcingRatio: 1 });
  const outputs = dict<Tensor>(); // output names are the user's: "__proto__" is a key like any other
  for (const o of program.outputs) outputs[o.name] = st.env.get(o.value)!;
  return { outputs, trace: trace ? buildTrace(program, feeds, st.env, st.traced) : undefined };
}

/** a recurrent node's lengths per row and the symbols along its time axis (from the token input its lengths came from) */
export function timeAxis(program: Program, feeds: Record<string, Tensor>, env: Map<string, Tensor>, first: Op): { B: number; T: number; lengths: number[]; tokens?: string[][] } {
  const x = env.get(first.inputs[0])!;
  const [B, T] = x.shape;
  const lenName = first.inputs[first.op === 'LSTM' ? 11 : 10];
  const lengths = lenName ? Array.from(env.get(lenName)!.data) : new Array(B).fill(T);
  let tokens: string[][] | undefined;
  const src = lenName ? program.ops.find((o) => o.op === 'SeqLengths' && o.outputs[0] === lenName) : undefined;
  const inp = src ? program.inputs.find((i) => i.value === src.inputs[0]) : tokenSource(program, first.inputs[0]);
  const fed = inp && own(feeds, inp.name);
  if (inp && fed && inp.info.kind === 'tokens' && fed.shape[1] === T) {
    const ids = fed;
    const Ti = ids.shape[1];
    tokens = Array.from({ length: B }, (_, b) => decodeIds(ids.data.subarray(b * Ti, b * Ti + lengths[b]), (inp.info as { vocab: string[] }).vocab));
  }
  return { B, T, lengths, tokens };
}

/**
 * The token input a sequence was embedded from (a token input without padding has no lengths to
 * find it by): back through the ops that keep the time axis, to a Gather by a token input's ids.
 */
function tokenSource(program: Program, value: string): Program['inputs'][number] | undefined {
  const keeps = new Set(['Identity', 'Dropout', 'Linear', 'Tanh', 'Sigmoid', 'Relu', 'HardSigmoid', 'Concat', 'MaskSteps', 'MergeDirections', 'RNN', 'LSTM', 'GRU']);
  let v = value;
  for (let hop = 0; hop < 32; hop++) {
    const op = program.ops.find((o) => o.outputs[0] === v);
    if (!op) return undefined;
    if (op.op === 'Gather') return program.inputs.find((i) => i.value === op.inputs[1] && i.info.kind === 'tokens');
    if (!keeps.has(op.op)) return undefined;
    v = op.inputs[0];
  }
  return undefined;
}

export function buildTrace(program: Program, feeds: Record<string, Tensor>, env: Map<string, Tensor>, traced: Map<number, unknown>): Trace {
  const nodes: NodeTrace[] = [];
  for (const target of program.traced) {
    const first = program.ops[target.layers[0].opIndex];
    const { B, T, lengths, tokens } = timeAxis(program, feeds, env, first);
    const node: NodeTrace = { node: target.node, name: target.name, type: target.type, batch: B, steps: T, hidden_size: first.attrs.hidden_size as number, lengths, tokens, layers: [] };
    for (const { opIndex, layer } of target.layers) {
      const r = traced.get(opIndex) as LayerResult | undefined;
      const reverseOnly = program.ops[opIndex].attrs.direction === 'reverse';
      r?.trace?.forEach((t, d) => node.layers.push({ layer, direction: d === 0 && !reverseOnly ? 'forward' : 'reverse', h: t.h, c: t.c, gates: t.gates }));
    }
    nodes.push(node);
  }
  const decodes = new Map<number, DecodeResult>();
  program.ops.forEach((op, k) => {
    if (op.op === 'Decode' && traced.has(k)) decodes.set(k, traced.get(k) as DecodeResult);
  });
  const extra = attentionTraces(program, feeds, env, decodes);
  nodes.push(...extra.nodes);
  return extra.attention.length ? { nodes, attention: extra.attention } : { nodes };
}
