// Reverse-mode differentiation of a Program: forwardTrain() runs the ops as execute() does and
// records a tape (each op's inputs, outputs and what its backward needs); backward() walks the
// tape in reverse, calling each op's backward kernel from the kernel table (kernels/table.ts), and
// returns d(loss)/d(every weight) and d(loss)/d(every float graph input).
//
// Where the loss lives: not here. backward() takes seeds, d(loss)/d(value) for any IR values
// (usually the graph outputs, or a Softmax's input, so cross-entropy is taken on logits as PyTorch
// does); the trainer (src/train/) computes them from its losses.
//
// Gradient arrays are owned by the backward run: each array in the accumulator belongs to one
// value; a kernel may pass an incoming gradient through (Identity, Add), and a second owner gets a
// copy, so accumulating in place never changes another value's gradient (nor a caller's seed).
import type { Program } from '../ir/program';
import { OPS, type OpSpec } from '../ir/ops';
import { RunError, nodeOf } from './errors';
import { begin, buildTrace, checkFeeds, runOps, timeAxis, wrap } from './execute';
import type { GradTrace, GradTraceLayer, NodeGradTrace } from './grad-trace';
import type { BackwardCtx, KernelEntry, TapeEntry } from './kernels/types';
import type { Prepared } from './prepared';
import { now, trainProfile } from './profile';
import { allocLike, positionOf, size, type FArr, type Tensor } from './tensor';
import type { Trace } from './trace';
import type { OpName } from '../ir/ops';
import { dict, own } from '../doc/dict';

export interface TrainRunOptions {
  /** dropout masks and scheduled sampling; same seed, same masks */
  seed: number;
  /** apply dropout (Dropout ops, recurrent between-layer dropout); off: Dropout is the identity */
  dropout?: boolean;
  /** Decode with a target: P(feed the target) per step (1 = always) */
  teacherForcingRatio?: number;
  /** per recurrent IR op index: the state to start from (truncated BPTT), [D, B, H] each */
  initialStates?: Map<number, { h: Float32Array; c?: Float32Array }>;
  /** forward trace (as execute) + gradient trace in backward */
  trace?: boolean;
}

/** What backward() needs from a training forward pass. */
export interface Tape {
  program: Program;
  entries: TapeEntry[];
  values: Map<string, Tensor>;
  feeds: Record<string, Tensor>;
  /** @internal the prepared program and kernel table the forward ran on */
  prep: Prepared;
  table: Record<OpName, KernelEntry>;
  trace: boolean;
}

export interface ForwardTrainResult {
  outputs: Record<string, Tensor>;
  /** every IR value computed (and the weights and feeds), by name */
  values: Map<string, Tensor>;
  tape: Tape;
  /** per recurrent IR op index: its final h (and c) [D, B, H], to start the next chunk from (truncated BPTT) */
  finalStates: Map<number, { h: Float32Array; c?: Float32Array }>;
  /** with trace: the forward trace, as execute() returns it */
  trace?: Trace;
}

const RECURRENT = new Set(['RNN', 'LSTM', 'GRU', 'MGU']);

/** Run the program for training: outputs as execute() gives them (plus dropout when asked), and a tape. */
export function forwardTrain(program: Program, feeds: Record<string, Tensor>, opts: TrainRunOptions): ForwardTrainResult {
  checkFeeds(program, feeds);
  if (!Number.isFinite(opts.seed)) throw new RunError(`forwardTrain: seed must be a number, got ${opts.seed}`);
  const tfr = opts.teacherForcingRatio ?? 1;
  if (!(tfr >= 0 && tfr <= 1)) throw new RunError(`forwardTrain: teacherForcingRatio must be in [0, 1], got ${tfr}`);
  const B = program.inputs[0] ? own(feeds, program.inputs[0].name)?.shape[0] : undefined;
  for (const [k, s] of opts.initialStates ?? []) {
    const op = program.ops[k];
    if (!op || !RECURRENT.has(op.op)) throw new RunError(`forwardTrain: initialStates has op #${k}, which is not a recurrent layer`);
    const n = (op.attrs.direction === 'bidirectional' ? 2 : 1) * (B ?? 0) * (op.attrs.hidden_size as number);
    const who = `node ${nodeOf(program, op.node)} (${op.op}, layer ${op.attrs.layer ?? 0})`;
    if (s.h.length !== n) throw new RunError(`forwardTrain: the initial h for ${who} has ${s.h.length} values, [directions, batch, hidden_size] needs ${n}`, { node: op.node, op: op.op });
    if (op.op === 'LSTM' && s.c !== undefined && s.c.length !== n) throw new RunError(`forwardTrain: the initial c for ${who} has ${s.c.length} values, needs ${n}`, { node: op.node, op: op.op });
  }
  let t0 = now();
  const { prep, table } = begin(program);
  trainProfile.t.prepare += now() - t0;
  t0 = now();
  const trace = opts.trace === true;
  const st = runOps(program, feeds, prep, table, {
    trace, checkFinite: true, train: true, dropout: opts.dropout === true, seed: opts.seed, teacherForcingRatio: tfr,
    initialStates: opts.initialStates as Map<number, { h: FArr; c?: FArr }> | undefined,
  });
  trainProfile.t.forward += now() - t0;
  const outputs = dict<Tensor>(); // output names are the user's ("__proto__" too)
  for (const o of program.outputs) outputs[o.name] = st.env.get(o.value)!;
  const finalStates = new Map<number, { h: Float32Array; c?: Float32Array }>();
  for (const e of st.tape) {
    if (!RECURRENT.has(e.op.op)) continue;
    finalStates.set(e.k, { h: e.outs[1]!.data as Float32Array, ...(e.outs[2] ? { c: e.outs[2].data as Float32Array } : {}) });
  }
  return {
    outputs, values: st.env, finalStates,
    tape: { program, entries: st.tape, values: st.env, feeds, prep, table, trace },
    ...(trace ? { trace: buildTrace(program, feeds, st.env, st.traced) } : {}),
  };
}

export interface BackwardOptions {
  /** the gradient trace (∂loss/∂h_t, ∂loss/∂c_t per recurrent node, layer, direction, step) */
  trace?: boolean;
  /** gradients of the float graph inputs too (default true; a trainer saves the first layer's dX with false) */
  inputGrads?: boolean;
}

export interface BackwardResult {
  /** per weight (IR initializer name, see program.weightRefs): d(loss)/d(weight). A weight the loss does not depend on is absent, as PyTorch leaves its .grad None. */
  grads: Map<string, Float32Array>;
  /** per float graph input (its IR value name): d(loss)/d(input) */
  inputGrads: Map<string, Float32Array>;
  gradTrace?: GradTrace;
}

/** values that carry a gradient: trainable weights (and float graph inputs when wanted), and what is computed from them */
const requiring = [new WeakMap<Program, Set<string>>(), new WeakMap<Program, Set<string>>()];
function requiresGrad(p: Program, inputs: boolean): Set<string> {
  let r = requiring[inputs ? 1 : 0].get(p);
  if (r) return r;
  r = new Set<string>([...Object.keys(p.weightRefs), ...(inputs ? p.inputs.filter((i) => i.dtype === 'float32').map((i) => i.value) : [])]);
  for (const op of p.ops) {
    if (!op.inputs.some((n) => n !== '' && r!.has(n))) continue;
    for (const o of op.outputs) if (p.values[o]?.dtype === 'float32') r.add(o);
  }
  requiring[inputs ? 1 : 0].set(p, r);
  return r;
}

const inputName = (op: string, i: number) => {
  const names = (OPS as Record<string, OpSpec>)[op].inputs;
  return (names[Math.min(i, names.length - 1)] ?? `#${i}`).replace(/[?*]$/, '');
};

/** d(loss)/d(weights and inputs), given d(loss)/d(some values) (the seeds). */
export function backward(tape: Tape, seeds: Map<string, Float32Array>, opts: BackwardOptions = {}): BackwardResult {
  const t0 = now();
  try {
    return backwardRun(tape, seeds, opts);
  } finally {
    trainProfile.t.backward += now() - t0;
  }
}

function backwardRun(tape: Tape, seeds: Map<string, Float32Array>, opts: BackwardOptions): BackwardResult {
  const { program, values, prep, table } = tape;
  const need = requiresGrad(program, opts.inputGrads !== false);
  const grads = new Map<string, FArr>();
  const owned = new Set<FArr>();
  const add = (name: string, g: FArr) => {
    const have = grads.get(name);
    if (have === undefined) {
      const mine = owned.has(g) ? g.slice() : g;
      grads.set(name, mine);
      owned.add(mine);
    } else for (let i = 0; i < have.length; i++) have[i] += g[i];
  };
  for (const [name, g] of seeds) {
    const v = values.get(name);
    if (!v) throw new RunError(`backward: there is no value "${name}" to seed (seed a graph output or another IR value of this program)`);
    if (v.dtype !== 'float32') throw new RunError(`backward: value "${name}" is ${v.dtype}; only float values have gradients`);
    const n = size(v.shape);
    if (g.length !== n) throw new RunError(`backward: the seed for "${name}" has ${g.length} values, its shape [${v.shape.join(', ')}] needs ${n}`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(g[i])) throw new RunError(`backward: the seed for "${name}" has ${g[i]} at ${positionOf(v.shape, i)}`);
    add(name, (g as FArr).slice()); // a copy, never the caller's array
  }
  const collected = new Map<number, { dh: FArr; dc?: FArr }[]>();
  const cx: BackwardCtx = { entry: tape.entries[0], need: [], ws: prep.ws, gradTrace: null };

  for (let e = tape.entries.length - 1; e >= 0; e--) {
    const entry = tape.entries[e];
    const op = entry.op;
    const dOuts = op.outputs.map((n) => grads.get(n));
    if (dOuts.every((g) => g === undefined)) continue;
    const needs = op.inputs.map((n) => n !== '' && need.has(n));
    for (const n of op.outputs) {
      const g = grads.get(n);
      if (g) owned.delete(g);
      grads.delete(n);
    }
    if (!needs.some(Boolean)) continue;
    cx.entry = entry;
    cx.need = needs;
    cx.gradTrace = opts.trace ? (B, T, H, D, withC) => {
      // in the precision of the op's float inputs (a Decode op may have no memory: its weights decide)
      const like = entry.ins.find((t) => t?.dtype === 'float32')?.data;
      const dirs = Array.from({ length: D }, () => ({ dh: allocLike(like, B * T * H), ...(withC ? { dc: allocLike(like, B * T * H) } : {}) }));
      collected.set(entry.k, dirs);
      return dirs;
    } : null;
    let dIns;
    try {
      dIns = table[op.op].backward(cx, dOuts);
    } catch (err) {
      const w = wrap(program, op, err);
      throw new RunError(`backward: ${w.message}`, w.where);
    }
    op.inputs.forEach((name, i) => {
      const g = dIns[i];
      if (!needs[i] || g === undefined) return;
      for (let j = 0; j < g.length; j++) {
        if (g[j] - g[j] !== 0) {
          const shape = values.get(name)?.shape ?? [g.length];
          throw new RunError(`backward: node ${nodeOf(program, op.node)} (${op.op}) produced ${g[j]} in the gradient of its input ${inputName(op.op, i)} ("${name}") at ${positionOf(shape, j)}`, { node: op.node, op: op.op });
        }
      }
      add(name, g);
    });
  }

  const out: BackwardResult = { grads: new Map(), inputGrads: new Map() };
  for (const name of Object.keys(program.weightRefs)) {
    const g = grads.get(name);
    if (g) out.grads.set(name, g as Float32Array);
  }
  for (const inp of program.inputs) {
    const g = grads.get(inp.value);
    if (g && inp.dtype === 'float32') out.inputGrads.set(inp.value, g as Float32Array);
  }
  if (opts.trace) out.gradTrace = gradTraceOf(tape, collected);
  return out;
}

/** the collected ∂loss/∂h_t arrays arranged as the forward Trace arranges h (zeros where no gradient reached a layer) */
function gradTraceOf(tape: Tape, collected: Map<number, { dh: FArr; dc?: FArr }[]>): GradTrace {
  const { program, values, feeds } = tape;
  const nodes: NodeGradTrace[] = [];
  for (const target of program.traced) {
    const first = program.ops[target.layers[0].opIndex];
    if (!RECURRENT.has(first.op)) continue;
    const { B, T, lengths, tokens } = timeAxis(program, feeds, values, first);
    const H = first.attrs.hidden_size as number;
    const layers: GradTraceLayer[] = [];
    for (const { opIndex, layer } of target.layers) {
      const op = program.ops[opIndex];
      const D = op.attrs.direction === 'bidirectional' ? 2 : 1;
      const got = collected.get(opIndex);
      for (let d = 0; d < D; d++) {
        const g = got?.[d];
        layers.push({
          layer, direction: d === 0 ? 'forward' : 'reverse',
          dh: (g?.dh ?? new Float32Array(B * T * H)) as Float32Array,
          ...(op.op === 'LSTM' ? { dc: (g?.dc ?? new Float32Array(B * T * H)) as Float32Array } : {}),
        });
      }
    }
    nodes.push({ node: target.node, name: target.name, type: target.type, batch: B, steps: T, hidden_size: H, lengths, ...(tokens ? { tokens } : {}), layers });
  }
  // Decoders trained with a target: one record per layer (kernels/decoder-op.ts), steps as the
  // decoder's outputs (the target's T), each row's real steps = its target length
  for (const e of tape.entries) {
    const got = collected.get(e.k);
    if (e.op.op !== 'Decode' || !got) continue;
    const [B, T] = e.outs[1]!.shape;
    const H = e.op.attrs.hidden_size as number;
    nodes.push({
      node: e.op.node, name: program.nodeNames[e.op.node] ?? e.op.node, type: 'Decoder', batch: B, steps: T, hidden_size: H, lengths: Array.from(e.outs[3]!.data),
      layers: got.map((g, l) => ({ layer: l, direction: 'forward' as const, dh: g.dh as Float32Array, ...(g.dc ? { dc: g.dc as Float32Array } : {}) })),
    });
  }
  return { nodes };
}
