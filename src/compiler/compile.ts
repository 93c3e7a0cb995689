// compile(doc): the ordered passes that turn a GraphDoc into a Program.
//   1. order     topological order; every cycle reported with its path
//   2. infer     port types and shapes node by node; each problem names node, port or param
//      (then the `training` section is checked against the outputs it names)
//   3. weights   the total bounded (budget.ts) before anything is allocated; the file's weights
//                checked against the shapes the node expects; missing ones initialised from the
//                graph's seed, as PyTorch would
//   4. lower     each node's IR ops (nodes/*.ts lower())
//   5. verify    every op checked against its spec in ir/ops.ts
//   6. samples   the graph's samples read as `run` reads them (samples.ts)
// Passes 1–3 run on every edit in the editor (for live shapes and errors); 4–5 only to run.
import type { GraphDoc, DocNode, WeightJSON } from '../doc/schema';
import type { Diagnostic } from '../doc/diagnostics';
import { getNodeDef } from '../../nodes/index';
import { activePorts, type NodeDef, type PortShape, type PortValue, type PortSpec } from './node-def';
import { withDefaults } from './params';
import { Rng } from './rng';
import type { Tensor } from '../runtime/tensor';
import { shapeStr } from '../runtime/tensor';
import { decodeWeightData } from '../doc/weights';
import { createLowering } from './lowering';
import { verifyProgram } from '../ir/verify';
import { dict, dictFrom, own } from '../doc/dict';
import { sampleProblems } from './samples';
import { budgetProblem, MAX_PARAMETERS } from './budget';
import type { Program } from '../ir/program';
import { checkTraining } from '../train/check';

export interface CompileResult {
  program: Program | null;
  diagnostics: Diagnostic[];
  /** node id -> output port -> what it carries */
  nodeShapes: Record<string, Record<string, PortShape>>;
  /** edge id -> what it carries */
  edgeShapes: Record<string, PortShape>;
  /** node id -> weight name -> values (from the file, or fresh when initWeights) */
  weights: Record<string, Record<string, Tensor>>;
  /** node id -> weight name -> the shape the node needs (always computed; cheap) */
  weightShapes: Record<string, Record<string, number[]>>;
  /** node ids in execution order */
  order: string[];
}

export function describePort(s: PortShape): string {
  return `${s.type} ${shapeStr(s.shape)}`;
}

const TYPE_HINT: Record<string, string> = {
  'Tokens->Sequence': ' (put an Embedding between them)',
  'Sequence->Vector': ' (use LastStep, Pool, or the recurrent node\'s "last" output)',
  'Vector->Sequence': ' (use RepeatVector to feed a vector at every step)',
  'State->Vector': ' (use the recurrent node\'s "last" output)',
};

/** Why an output of `src` can't go into input port `port`, or null when it can. */
export function connectionProblem(srcShape: PortShape | undefined, srcType: string, port: PortSpec, targetLabel: string): string | null {
  const t = srcShape?.type ?? srcType;
  if (port.types.includes(t as never)) return null;
  const want = port.types.join(' or ');
  const got = srcShape ? describePort(srcShape) : t;
  const hint = port.types.map((w) => TYPE_HINT[`${t}->${w}`]).find(Boolean) ?? '';
  return `${targetLabel}.${port.name} takes ${want}; got ${got}${hint}`;
}

function findCycle(start: string, next: Map<string, string[]>, inCycle: Set<string>): string[] {
  // DFS from start until we come back to it, through nodes that are all in some cycle
  const path: string[] = [start];
  const seen = new Set<string>([start]);
  const dfs = (n: string): boolean => {
    for (const m of next.get(n) ?? []) {
      if (m === start) return true;
      if (!inCycle.has(m) || seen.has(m)) continue;
      seen.add(m);
      path.push(m);
      if (dfs(m)) return true;
      path.pop();
    }
    return false;
  };
  return dfs(start) ? [...path, start] : [start];
}

export interface CompileOptions {
  /** run passes 4–5 and return a Program (default true) */
  lower?: boolean;
  /** make fresh weights for those the file lacks (default: as lower). The editor's live
   *  analysis turns this off: shapes are all it needs, and a large hidden_size would otherwise
   *  allocate its weights on every keystroke. `validate` lowers without them too: the Program
   *  then holds shape-only placeholders (empty data) that execute() and export refuse. */
  initWeights?: boolean;
  /** the most weight values (float32) a graph may hold; default MAX_PARAMETERS */
  maxParameters?: number;
  /** kept by the caller across compiles of successive versions of a document (the editor): a
   *  node whose params, name, type and inputs are the same objects as last time is not inferred
   *  again, so an edit costs the nodes it touches and what is downstream of them */
  memo?: CompileMemo;
}

/** What infer saw and made for one node (see CompileOptions.memo). */
interface NodeMemo {
  type: string;
  name: string;
  rawParams: DocNode['params'];
  params: Record<string, unknown>;
  timeDim: string;
  /** incoming edges, their source shapes and the source nodes' names, in order */
  key: unknown[];
  inputs: Record<string, PortShape | undefined>;
  out: Record<string, PortShape> | undefined;
  diagnostics: Diagnostic[];
  weightShapes?: Record<string, number[]>;
}

export class CompileMemo {
  readonly nodes = new Map<string, NodeMemo>();
}

const sameKey = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function compile(doc: GraphDoc, opts: CompileOptions = {}): CompileResult {
  const lower = opts.lower ?? true;
  const initWeights = opts.initWeights ?? lower;
  const diagnostics: Diagnostic[] = [];
  const error = (message: string, extra: Partial<Diagnostic> = {}) => diagnostics.push({ severity: 'error', message, ...extra });
  const warn = (message: string, extra: Partial<Diagnostic> = {}) => diagnostics.push({ severity: 'warning', message, ...extra });

  const nodes = new Map<string, DocNode>();
  const defs = new Map<string, NodeDef>();
  const params = new Map<string, Record<string, unknown>>();
  for (const n of doc.nodes) {
    const def = getNodeDef(n.type);
    if (!def) {
      error(`${n.name}: unknown node type "${n.type}"`, { node: n.id });
      continue;
    }
    nodes.set(n.id, n);
    defs.set(n.id, def);
    const m = opts.memo?.nodes.get(n.id);
    params.set(n.id, m && m.rawParams === n.params && m.type === n.type ? m.params : withDefaults(def, n.params));
  }
  const label = (id: string) => nodes.get(id)?.name ?? id;

  // --- 1. order
  const incoming = new Map<string, Map<string, GraphDoc['edges'][number]>>();
  const next = new Map<string, string[]>();
  const indeg = new Map<string, number>();
  for (const id of nodes.keys()) indeg.set(id, 0);
  for (const e of doc.edges) {
    if (!nodes.has(e.source.node) || !nodes.has(e.target.node)) continue;
    let m = incoming.get(e.target.node);
    if (!m) incoming.set(e.target.node, (m = new Map()));
    m.set(e.target.port, e);
    // push, not spread: a node with many outgoing edges must not cost their square
    const out = next.get(e.source.node);
    if (out) out.push(e.target.node);
    else next.set(e.source.node, [e.target.node]);
    indeg.set(e.target.node, indeg.get(e.target.node)! + 1);
  }
  const order: string[] = [];
  const queue = [...nodes.keys()].filter((id) => indeg.get(id) === 0);
  // a read index rather than shift() (which moves the whole queue each time)
  for (let qi = 0; qi < queue.length; qi++) {
    const id = queue[qi];
    order.push(id);
    for (const m of next.get(id) ?? []) {
      indeg.set(m, indeg.get(m)! - 1);
      if (indeg.get(m) === 0) queue.push(m);
    }
  }
  const ordered = new Set(order);
  const cyclic = new Set([...nodes.keys()].filter((id) => !ordered.has(id)));
  const reported = new Set<string>();
  for (const id of cyclic) {
    if (reported.has(id)) continue;
    const cyc = findCycle(id, next, cyclic);
    if (cyc.length > 1) cyc.forEach((n) => reported.add(n));
    for (const n of cyc.length > 1 ? cyc.slice(0, -1) : [id]) {
      error(`${label(n)} is part of a cycle: ${cyc.map(label).join(' → ')}. Recurrence lives inside RNN/LSTM/GRU nodes; the graph itself must not loop`, { node: n });
    }
  }

  // --- 2. infer
  // inputs with a time axis of their own get distinct symbols when there are several of them
  const timed = new Set(doc.nodes.filter((n) => n.type === 'Input' && ['tokens', 'sequence'].includes(String(params.get(n.id)?.kind))).map((n) => n.id));
  const timeDim = (id: string) => (timed.size > 1 && timed.has(id) ? `T_${nodes.get(id)!.name}` : 'T');
  // keyed by user-chosen ids: null-prototype objects (src/doc/dict.ts)
  const nodeShapes = dict<Record<string, PortShape>>();
  const edgeShapes = dict<PortShape>();
  const inferredInputs = new Map<string, Record<string, PortShape | undefined>>();
  const memo = opts.memo;
  const fresh = new Set<string>(); // inferred this time (not from the memo)
  for (const id of order) {
    const node = nodes.get(id)!;
    const def = defs.get(id)!;
    const p = params.get(id)!;
    const td = timeDim(id);
    let key: unknown[] = [];
    if (memo) {
      for (const e of incoming.get(id)?.values() ?? []) {
        const src = nodeShapes[e.source.node]?.[e.source.port];
        // without a shape, whether the source still has that port decides the message (below)
        const srcDef = src ? undefined : defs.get(e.source.node);
        key.push(e, src, label(e.source.node), srcDef && activePorts(srcDef.outputs, params.get(e.source.node)!).some((x) => x.name === e.source.port));
      }
      const m = memo.nodes.get(id);
      if (m && m.type === node.type && m.name === node.name && m.rawParams === node.params && m.timeDim === td && sameKey(m.key, key)) {
        for (const d of m.diagnostics) diagnostics.push(d);
        inferredInputs.set(id, m.inputs);
        if (m.out) nodeShapes[id] = m.out;
        continue;
      }
    }
    fresh.add(id);
    const first = diagnostics.length;
    const inputs = dict<PortShape | undefined>();
    let blocked = false;
    const ports = activePorts(def.inputs, p);
    for (const port of ports) {
      const e = incoming.get(id)?.get(port.name);
      if (!e) {
        if (!port.optional) error(`${node.name}.${port.name} is not connected (${port.types.join(' or ')} needed: ${port.help})`, { node: id, port: port.name });
        continue;
      }
      const src = nodeShapes[e.source.node]?.[e.source.port];
      const srcDef = defs.get(e.source.node);
      if (!src && srcDef && !activePorts(srcDef.outputs, params.get(e.source.node)!).some((x) => x.name === e.source.port)) {
        // e.g. an Input's mask after its padding was turned off: say so rather than stall silently
        error(`${label(e.source.node)} has no output "${e.source.port}" with these params, so ${node.name}.${port.name} gets nothing: reconnect or remove the edge`, { node: id, port: port.name, edge: e.id });
        blocked = true;
        continue;
      }
      if (!src) {
        blocked = true; // the upstream node has its own error
        continue;
      }
      edgeShapes[e.id] = src;
      const why = connectionProblem(src, src.type, port, node.name);
      if (why) {
        error(`${why} from ${label(e.source.node)}.${e.source.port}`, { node: id, port: port.name, edge: e.id });
        blocked = true;
        continue;
      }
      inputs[port.name] = src;
    }
    for (const [port, e] of incoming.get(id) ?? []) {
      if (!ports.some((x) => x.name === port)) error(`${node.name} has no input "${port}" with these params`, { node: id, edge: e.id });
    }
    inferredInputs.set(id, inputs);
    const remember = (out: Record<string, PortShape> | undefined) =>
      memo?.nodes.set(id, { type: node.type, name: node.name, rawParams: node.params, params: p, timeDim: td, key, inputs, out, diagnostics: diagnostics.slice(first) });
    if (blocked) {
      remember(undefined);
      continue;
    }
    let failed = false;
    const out = def.infer({
      params: p,
      inputs,
      timeDim: td,
      error: (where, message) => {
        failed = true;
        error(`${node.name}${where.port ? '.' + where.port : ''}${where.param ? ' (' + where.param + ')' : ''}: ${message}`, { node: id, port: where.port, param: where.param });
      },
    });
    if (out && !failed) nodeShapes[id] = out;
    remember(out && !failed ? out : undefined);
  }
  if (memo) for (const id of memo.nodes.keys()) if (!nodes.has(id)) memo.nodes.delete(id);
  // edges out of nodes that failed get no shape; fill the rest
  for (const e of doc.edges) {
    const s = nodeShapes[e.source.node]?.[e.source.port];
    if (s) edgeShapes[e.id] = s;
  }

  // reachability: a node whose result reaches no Output does not run. An Output with nothing
  // connected is not an output of the model while another one is connected.
  const outputs = [...nodes.values()].filter((n) => n.type === 'Output');
  if (!outputs.length) error('the graph has no Output node: add one to say what the model returns');
  if (![...nodes.values()].some((n) => n.type === 'Input')) error('the graph has no Input node');
  const fedOutputs = outputs.filter((n) => incoming.get(n.id)?.size);
  const roots = fedOutputs.length ? fedOutputs : outputs;
  const reaches = new Set<string>();
  const prev = new Map<string, string[]>();
  for (const e of doc.edges) {
    const ins = prev.get(e.target.node);
    if (ins) ins.push(e.source.node);
    else prev.set(e.target.node, [e.source.node]);
  }
  const stack = roots.map((n) => n.id);
  while (stack.length) {
    const id = stack.pop()!;
    if (reaches.has(id)) continue;
    reaches.add(id);
    stack.push(...(prev.get(id) ?? []));
  }
  const stray = (id: string | undefined) => !!id && outputs.length > 0 && !reaches.has(id);
  // first in the list: why a stray node's own problems do not stop the graph
  const strayNotes: Diagnostic[] = [];
  for (const id of nodes.keys()) {
    if (!stray(id)) continue;
    const n = nodes.get(id)!;
    const message = n.type === 'Output' ? `${n.name} has nothing connected, so it is not an output of the model` : `${label(id)} does not lead to any Output, so it does not run`;
    strayNotes.push({ severity: 'warning', message, node: id });
  }
  diagnostics.unshift(...strayNotes);

  // the training section against the outputs it names (src/train/check.ts)
  diagnostics.push(...checkTraining(doc, (id) => inferredInputs.get(id)?.value));

  // --- 3. weights
  const weights = dict<Record<string, Tensor>>();
  const weightShapes = dict<Record<string, number[]>>();
  const rng = new Rng(doc.seed ?? 0);
  // what every node needs, summed and bounded before anything is allocated
  let total = 0;
  const biggest: { name: string; count: number }[] = [];
  for (const id of order) {
    const def = defs.get(id)!;
    if (!def.weights || !nodeShapes[id]) continue;
    const m = memo?.nodes.get(id);
    const expected = (!fresh.has(id) && m?.weightShapes) || dictFrom(Object.entries(def.weights({ params: params.get(id)!, inputs: inferredInputs.get(id)! })));
    if (m) m.weightShapes = expected;
    weightShapes[id] = expected;
    const count = Object.values(expected).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    total += count;
    biggest.push({ name: nodes.get(id)!.name, count });
  }
  const tooBig = budgetProblem(total, biggest, opts.maxParameters ?? MAX_PARAMETERS);
  if (tooBig) error(tooBig);
  for (const id of tooBig ? [] : order) {
    const def = defs.get(id)!;
    if (!weightShapes[id]) continue;
    const node = nodes.get(id)!;
    const ctx = { params: params.get(id)!, inputs: inferredInputs.get(id)! };
    const expected = weightShapes[id];
    const given = own(doc.weights, id) ?? dict<WeightJSON>();
    const w = dict<Tensor>();
    const missing = dict<number[]>();
    let bad = false;
    for (const [name, shape] of Object.entries(expected)) {
      const g = own(given, name);
      if (!g) {
        missing[name] = shape;
        continue;
      }
      if (g.shape.length !== shape.length || g.shape.some((d, i) => d !== shape[i])) {
        error(`${node.name}.${name} has shape [${g.shape.join(', ')}] in the file, but ${node.type} with these params and inputs needs [${shape.join(', ')}]`, { node: id, path: `weights.${id}.${name}` });
        bad = true;
        continue;
      }
      const data = decodeWeightData(g);
      if (typeof data === 'string') {
        error(`${node.name}.${name}: ${data}`, { node: id, path: `weights.${id}.${name}` });
        bad = true;
        continue;
      }
      w[name] = { dtype: 'float32', shape: [...shape], data };
    }
    for (const name of Object.keys(given)) {
      if (!Object.hasOwn(expected, name)) {
        error(`${node.name} (${node.type}) has no weight "${name}" (it has: ${Object.keys(expected).join(', ')})`, { node: id, path: `weights.${id}.${name}` });
        bad = true;
      }
    }
    if (Object.keys(missing).length && Object.keys(given).length) {
      warn(`${node.name}: the file lacks ${Object.keys(missing).join(', ')}; they were initialised fresh`, { node: id });
    }
    if (Object.keys(missing).length && def.init && !bad) {
      if (initWeights) {
        // init sees every shape (fan-in of a bias comes from its weight) and draws what a fresh
        // graph would: a missing bias gets the values it has when no weight is given at all
        const fresh = def.init({ ...ctx, rng: rng.fork(id) }, expected);
        for (const [name, shape] of Object.entries(missing)) {
          const data = own(fresh, name);
          if (!data || data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`internal: ${node.type}.init made no ${name} of ${shape.join('×')} values`);
          w[name] = { dtype: 'float32', shape, data };
        }
      } else if (lower) {
        // lowering needs every weight's shape, not its values: placeholders with no data
        for (const [name, shape] of Object.entries(missing)) w[name] = { dtype: 'float32', shape, data: new Float32Array(0) };
      }
    }
    weights[id] = w;
  }

  // a stray node's problems (an unconnected input, a bad param) can't change what runs: they
  // stay visible as warnings, and the connected part that reaches the outputs still runs
  // (a copy, not in place: the memo shares these objects with the next compile, where the node
  // may be connected again)
  diagnostics.forEach((d, i) => {
    if (d.severity === 'error' && stray(d.node)) diagnostics[i] = { ...d, severity: 'warning' };
  });

  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  if (!lower || hasErrors) return { program: null, diagnostics, nodeShapes, edgeShapes, weights, weightShapes, order };

  // --- 4. lower
  const L = createLowering(doc.name);
  const values = new Map<string, Record<string, PortValue>>();
  for (const id of order) {
    if (!reaches.has(id)) continue;
    const node = nodes.get(id)!;
    const def = defs.get(id)!;
    const inputs = dict<PortValue | undefined>();
    for (const [port, e] of incoming.get(id) ?? []) inputs[port] = values.get(e.source.node)?.[e.source.port];
    const outs = def.lower(L.context(node, def, params.get(id)!, inputs, nodeShapes[id], weights[id] ?? dict<Tensor>()));
    values.set(id, outs);
  }
  const program = L.finish();
  if (!initWeights) program.shapeOnly = true;

  // --- 5. verify
  for (const problem of verifyProgram(program)) error(`internal: ${problem}`);
  // --- 6. samples: read as run will read them
  diagnostics.push(...sampleProblems(doc, program));
  return { program: diagnostics.some((d) => d.severity === 'error') ? null : program, diagnostics, nodeShapes, edgeShapes, weights, weightShapes, order };
}
