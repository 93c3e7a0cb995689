// Mutated graph files and feeds files for the fuzz test: each case starts from an example graph
// (or the feeds of its first sample) and applies one to three mutations, drawn on a seeded RNG
// so that a case number always means the same file. Mutations are of two sorts: blind ones on
// the JSON (delete a key, change a value's type, an edge number, a key JavaScript treats
// specially, deep nesting) and ones that know the format (rewire an edge, change a node's type
// or a param, break a vocabulary, a sample, a weight; break a feed's dtype, shape or ids).
import { getNodeDef, nodeTypes } from '../../nodes/index';
import type { ParamSpec } from '../../src/compiler/node-def';

export class Rng {
  constructor(private s: number) {}
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type J = any;

export const SPECIAL_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', '__defineGetter__'];
const ODD_STRINGS = ['', ' ', 'a"b', 'a\\b', 'x\ny', '<script>alert(1)</script>', 'ünïcødé', '🙂', 'x'.repeat(300), '../etc/passwd', 'a.b', '0'];
const EDGE_NUMBERS = [0, -1, 1, 1.5, -0, 2 ** 31, 2 ** 32 + 4, 2 ** 53 + 2, 1e21, 1e308, -1e308, 3.5e38, 65536, 100_000, 1e7];

/** A key JavaScript treats specially, as an own property (JSON.stringify writes it). */
function setOwn(o: J, k: string, v: J): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
}

/** Every object and array in `v`, with its parent and key, skipping weight data lists. */
function containers(v: J): { o: J; parent: J; key: string | number | null }[] {
  const out: { o: J; parent: J; key: string | number | null }[] = [];
  const stack: { o: J; parent: J; key: string | number | null }[] = [{ o: v, parent: null, key: null }];
  while (stack.length) {
    const c = stack.pop()!;
    out.push(c);
    if (c.key === 'data' || c.key === 'vocab') continue; // long lists: mutated by the format-aware ones
    const entries: [string | number, J][] = Array.isArray(c.o) ? c.o.map((x: J, i: number) => [i, x]) : Object.entries(c.o);
    for (const [k, x] of entries) if (x && typeof x === 'object') stack.push({ o: x, parent: c.o, key: k });
  }
  return out;
}

function randomPrimitive(r: Rng): J {
  return r.pick<J>([r.pick(EDGE_NUMBERS), r.pick(ODD_STRINGS), true, false, null, [], {}, [1, 2], { a: 1 }]);
}

function paramValue(r: Rng, spec: ParamSpec): J {
  const valid = r.chance(0.6);
  switch (spec.kind) {
    case 'int': {
      if (!valid) return r.pick<J>([spec.min !== undefined ? spec.min - 1 : -5, (spec.max ?? 1e6) + 1, 2.5, '3', null, 2 ** 53 + 2]);
      const lo = spec.min ?? 0;
      return lo + r.int(Math.max(1, Math.min(spec.max ?? 64, 64) - lo + 1)); // small: the fuzz must stay fast
    }
    case 'float':
      return valid ? r.pick([0, 0.5, 1, spec.min ?? 0, Math.min(spec.max ?? 2, 2)]) : r.pick<J>([-1e9, 1e9, 'x', null]);
    case 'bool':
      return valid ? r.chance(0.5) : r.pick<J>(['true', 1, null]);
    case 'enum':
      return valid ? r.pick(spec.options) : r.pick<J>(['nope', '', 3]);
    case 'string':
      return valid ? r.pick(ODD_STRINGS) : 3;
    case 'strings':
      return valid ? ['<pad>', '<unk>', '<s>', '</s>', ...'abc'.split('')] : r.pick<J>([[], ['<pad>', '<pad>'], ['', 'a'], 'abc', [1, 2]]);
  }
}

type Mutation = (g: J, r: Rng) => string;

/** stands for a list nested 20,000 levels deep in the written file */
const DEEP = '\u0000deep\u0000';
const DEEP_TEXT = '['.repeat(20_000) + '1' + ']'.repeat(20_000);

const nodesOf = (g: J): J[] => (Array.isArray(g?.nodes) ? g.nodes : []);
const edgesOf = (g: J): J[] => (Array.isArray(g?.edges) ? g.edges : []);

const GRAPH_MUTATIONS: Record<string, Mutation> = {
  deleteKey(g, r) {
    const c = r.pick(containers(g).filter((c) => !Array.isArray(c.o) && Object.keys(c.o).length));
    if (!c) return 'deleteKey(none)';
    const k = r.pick(Object.keys(c.o));
    delete c.o[k];
    return `deleteKey(${k})`;
  },
  unknownKey(g, r) {
    const c = r.pick(containers(g).filter((c) => !Array.isArray(c.o)));
    const k = r.pick(['parmas', 'colour', 'positon', 'handle', 'label', 'x2']);
    c.o[k] = randomPrimitive(r);
    return `unknownKey(${k})`;
  },
  protoKey(g, r) {
    const c = r.pick(containers(g).filter((c) => !Array.isArray(c.o)));
    setOwn(c.o, '__proto__', r.pick<J>([{ polluted: true }, { shape: [1], data: [0] }, [1, 2, 3], 'x', 1]));
    return 'protoKey';
  },
  retype(g, r) {
    const c = r.pick(containers(g).filter((c) => (Array.isArray(c.o) ? c.o.length : Object.keys(c.o).length)));
    if (!c) return 'retype(none)';
    const k = Array.isArray(c.o) ? r.int(c.o.length) : r.pick(Object.keys(c.o));
    c.o[k] = randomPrimitive(r);
    return `retype(${k})`;
  },
  edgeNumber(g, r) {
    const n = r.pick(nodesOf(g));
    if (!n?.params) return 'edgeNumber(none)';
    const k = r.pick(Object.keys(n.params).length ? Object.keys(n.params) : ['hidden_size']);
    n.params[k] = r.pick(EDGE_NUMBERS);
    return `edgeNumber(${k})`;
  },
  rename(g, r) {
    const n = r.pick(nodesOf(g));
    if (!n) return 'rename(none)';
    n.name = r.pick([...SPECIAL_NAMES, ...SPECIAL_NAMES, ...ODD_STRINGS]);
    for (const s of Array.isArray(g.samples) ? g.samples : []) {
      if (n.type === 'Input' && s?.inputs && typeof s.inputs === 'object' && n.name !== '__proto__') {
        const v = Object.values(s.inputs)[0];
        s.inputs = {};
        setOwn(s.inputs, n.name, v);
      }
    }
    return `rename(${JSON.stringify(n.name).slice(0, 20)})`;
  },
  reid(g, r) {
    const n = r.pick(nodesOf(g));
    if (!n) return 'reid(none)';
    const old = n.id;
    const id = r.pick([...SPECIAL_NAMES, 'a"b', 'a\\b', ' ', 'x'.repeat(199)]);
    n.id = id;
    if (r.chance(0.8)) {
      for (const e of edgesOf(g)) for (const end of [e?.source, e?.target]) if (end?.node === old) end.node = id;
      if (g.weights && typeof g.weights === 'object' && Object.hasOwn(g.weights, old)) {
        const w = g.weights[old];
        delete g.weights[old];
        setOwn(g.weights, id, w);
      }
    }
    return `reid(${JSON.stringify(id).slice(0, 12)})`;
  },
  nodeType(g, r) {
    const n = r.pick(nodesOf(g));
    if (!n) return 'nodeType(none)';
    n.type = r.chance(0.9) ? r.pick(nodeTypes()) : 'Transformer';
    return `nodeType(${n.type})`;
  },
  param(g, r) {
    const n = r.pick(nodesOf(g));
    const def = n && getNodeDef(n.type);
    if (!def || !n.params || typeof n.params !== 'object' || !Object.keys(def.params).length) return 'param(none)';
    const [k, spec] = r.pick(Object.entries(def.params) as [string, ParamSpec][]);
    n.params[k] = paramValue(r, spec);
    return `param(${n.type}.${k})`;
  },
  rewire(g, r) {
    const e = r.pick(edgesOf(g));
    const n = r.pick(nodesOf(g));
    if (!e?.source || !e?.target || !n) return 'rewire(none)';
    const def = getNodeDef(n.type);
    const end = r.chance(0.5) ? 'source' : 'target';
    const ports = def ? (end === 'source' ? def.outputs : def.inputs).map((p) => p.name) : ['x'];
    e[end] = { node: r.chance(0.9) ? n.id : 'ghost', port: r.chance(0.9) && ports.length ? r.pick(ports) : 'nope' };
    return `rewire(${end})`;
  },
  structure(g, r) {
    const nodes = nodesOf(g);
    const edges = edgesOf(g);
    const what = r.pick(['dropNode', 'dropEdge', 'dupNode', 'dupEdge', 'cycle']);
    if (what === 'dropNode' && nodes.length) nodes.splice(r.int(nodes.length), 1);
    if (what === 'dropEdge' && edges.length) edges.splice(r.int(edges.length), 1);
    if (what === 'dupNode' && nodes.length) nodes.push(structuredClone(r.pick(nodes)));
    if (what === 'dupEdge' && edges.length) edges.push({ ...structuredClone(r.pick(edges)), id: `dup${r.int(1000)}` });
    if (what === 'cycle' && edges.length > 1) {
      const last = edges[edges.length - 1];
      const first = edges[0];
      edges.push({ id: 'cyc', source: { ...(last?.source ?? {}) }, target: { ...(first?.target ?? {}) } });
    }
    return `structure(${what})`;
  },
  vocab(g, r) {
    const n = r.pick(nodesOf(g).filter((n) => Array.isArray(n?.params?.vocab)));
    if (!n) return 'vocab(none)';
    const v: J[] = n.params.vocab;
    const what = r.pick(['dropPad', 'dup', 'empty', 'long', 'number', 'shrink']);
    if (what === 'dropPad') n.params.vocab = v.filter((s) => s !== '<pad>');
    if (what === 'dup') v.push(v[v.length - 1]);
    if (what === 'empty') v.push('');
    if (what === 'long') v.push('y'.repeat(1000));
    if (what === 'number') v.push(7);
    if (what === 'shrink') n.params.vocab = v.slice(0, 3);
    return `vocab(${what})`;
  },
  sample(g, r) {
    const s: J = r.pick(Array.isArray(g.samples) ? g.samples : []);
    if (!s?.inputs || typeof s.inputs !== 'object') return 'sample(none)';
    const k = r.pick(Object.keys(s.inputs));
    const v = s.inputs[k];
    const what = r.pick(['ragged', 'empty', 'swap', 'extra', 'missing', 'deep', 'feature']);
    if (what === 'ragged' && Array.isArray(v) && Array.isArray(v[0])) v[v.length - 1] = Array.isArray(v[v.length - 1]) ? v[v.length - 1].slice(1) : v[v.length - 1];
    if (what === 'empty') s.inputs[k] = r.pick<J>([[], [[]], '', [[[]]]]);
    if (what === 'swap') s.inputs[k] = typeof v === 'string' || (Array.isArray(v) && typeof v[0] === 'string') ? [[1, 2, 3]] : 'text';
    if (what === 'extra') s.inputs.nope = 'x';
    if (what === 'missing') delete s.inputs[k];
    if (what === 'deep') s.inputs[k] = DEEP; // spliced in as text: JSON.stringify itself can't go that deep
    if (what === 'feature' && Array.isArray(v)) s.inputs[k] = v.map((x: J) => (Array.isArray(x) ? [...x, 0] : x));
    return `sample(${what})`;
  },
  weights(g, r) {
    const w = g.weights;
    const ids = w && typeof w === 'object' ? Object.keys(w) : [];
    const what = r.pick(['drop', 'shape', 'truncate', 'base64', 'nonfinite', 'foreign', 'member', 'missingNode']);
    if (what === 'foreign') {
      const n = r.pick(nodesOf(g).filter((n) => !getNodeDef(n?.type)?.weights));
      if (!n) return 'weights(none)';
      g.weights = { ...(w ?? {}), [n.id]: { weight: { shape: [1], data: [0] } } };
      return 'weights(foreign)';
    }
    if (what === 'missingNode') {
      g.weights = { ...(w ?? {}), ghost: { weight: { shape: [1], data: [0] } } };
      return 'weights(missingNode)';
    }
    if (!ids.length) return 'weights(none)';
    const id = r.pick(ids);
    const ws = w[id];
    const names = ws && typeof ws === 'object' ? Object.keys(ws) : [];
    if (!names.length) return 'weights(none)';
    const name = r.pick(names);
    const t = ws[name];
    if (what === 'drop') delete ws[name];
    if (what === 'shape' && t) t.shape = [...(t.shape ?? []), 2];
    if (what === 'truncate' && t) t.data = typeof t.data === 'string' ? t.data.slice(0, Math.max(0, t.data.length - 8)) : (t.data ?? []).slice(1);
    if (what === 'base64' && t) t.data = '!!not base64!!';
    if (what === 'nonfinite' && t) t.data = typeof t.data === 'string' ? 'AACAfw==' + t.data.slice(8) : [1e39, ...(t.data ?? []).slice(1)];
    if (what === 'member') setOwn(ws, r.pick(SPECIAL_NAMES), { shape: [1], data: [0] });
    return `weights(${what})`;
  },
  /** the training section (losses, optimiser, data mapping), added when the graph has none */
  training(g, r) {
    const outs = nodesOf(g).filter((n) => n?.type === 'Output').map((n) => n.name);
    const ins = nodesOf(g).filter((n) => n?.type === 'Input').map((n) => n.name);
    if (!g.training || typeof g.training !== 'object') g.training = { losses: [{ loss: 'CrossEntropyLoss', output: outs[0] ?? 'out' }], optimizer: { type: 'Adam' } };
    const t = g.training;
    const loss = Array.isArray(t.losses) && t.losses[0] && typeof t.losses[0] === 'object' ? t.losses[0] : null;
    const what = r.pick(['valid', 'typo', 'proto', 'output', 'number', 'data', 'dataProto', 'dataTypo']);
    if (what === 'valid') t.schedule = { type: 'StepLR', step_size: 1 + r.int(5), gamma: 0.5 };
    if (what === 'typo') (r.chance(0.5) && loss ? loss : t)[r.pick(['outptu', 'epoch', 'learning_rate', 'ignore_idx'])] = 1;
    if (what === 'proto') setOwn(r.chance(0.5) && loss ? loss : t, '__proto__', { lr: 1 });
    if (what === 'output' && loss) loss.output = r.pick<J>(['nope', '', 3, ...SPECIAL_NAMES, ...ins]);
    if (what === 'number') {
      const o = t.optimizer && typeof t.optimizer === 'object' ? t.optimizer : (t.optimizer = { type: 'SGD' });
      o[r.pick(['lr', 'momentum', 'weight_decay'])] = r.pick(EDGE_NUMBERS);
      t[r.pick(['batch_size', 'epochs', 'seed', 'teacher_forcing_ratio', 'bptt_steps'])] = r.pick(EDGE_NUMBERS);
    }
    if (what.startsWith('data')) {
      const col = r.pick<J>(['text', { column: 'text', vocab: 'data' }, { columns: ['a', 'b'] }, { zeros: true }, { one_hot: 'c' }]);
      t.data = { source: r.pick<J>([{ builtin: 'names' }, { file: 'x.csv' }, { builtin: 'nope' }]), inputs: Object.fromEntries(ins.map((n) => [n, col])), targets: Object.fromEntries(outs.map((n) => [n, 'label'])) };
      if (what === 'dataProto') setOwn(r.pick([t.data, t.data.inputs, t.data.targets, t.data.source]), '__proto__', 'x');
      if (what === 'dataTypo') (r.chance(0.5) ? t.data : t.data.source)[r.pick(['sourse', 'headers', 'splitt'])] = 1;
    }
    return `training(${what})`;
  },
  version(g, r) {
    g.version = r.pick<J>([1, 3, 99, '2', 2.5, null, -1]);
    return `version(${g.version})`;
  },
};

/** Mutations of a feeds file ({ "<input>": { dtype, shape, data } }). */
const FEEDS_MUTATIONS: Record<string, Mutation> = {
  dtype(f, r) {
    const t = r.pick(Object.values(f) as J[]);
    if (t) t.dtype = t.dtype === 'int64' ? 'float32' : r.pick(['int64', 'float64', 'int32']);
    return 'dtype';
  },
  shape(f, r) {
    const t = r.pick(Object.values(f) as J[]);
    if (!t) return 'shape(none)';
    const what = r.pick(['grow', 'drop', 'zero', 'negative', 'rank']);
    if (what === 'grow') t.shape = t.shape.map((d: number, i: number) => (i === 0 ? d + 1 : d));
    if (what === 'drop') t.data = t.data.slice(1);
    if (what === 'zero') t.shape = t.shape.map((d: number, i: number) => (i === t.shape.length - 1 ? 0 : d));
    if (what === 'negative') t.shape = [-1, ...t.shape.slice(1)];
    if (what === 'rank') t.shape = [...t.shape, 1];
    return `shape(${what})`;
  },
  value(f, r) {
    const t = r.pick(Object.values(f) as J[]);
    if (!t?.data?.length) return 'value(none)';
    const v = r.pick<J>([2 ** 32 + 4, 2 ** 31, -(2 ** 31) - 1, -1, 1e9, 0.5, 1e39, -1e39, 2 ** 53 + 2, 'x', null, 40]);
    t.data[r.int(t.data.length)] = v;
    return `value(${v})`;
  },
  names(f, r) {
    const k = r.pick(Object.keys(f));
    const what = r.pick(['proto', 'extra', 'missing', 'special']);
    if (what === 'proto') setOwn(f, '__proto__', f[k]);
    if (what === 'extra') f.extra = f[k];
    if (what === 'missing') delete f[k];
    if (what === 'special') setOwn(f, r.pick(SPECIAL_NAMES.slice(1)), f[k]);
    return `names(${what})`;
  },
  field(f, r) {
    const t = r.pick(Object.values(f) as J[]);
    if (t) t[r.pick(['dtyp', 'strides', '__proto__'])] = 1;
    return 'field';
  },
};

export interface FuzzCase {
  id: number;
  base: string;
  kind: 'graph' | 'feeds';
  mutations: string[];
  graph: string;
  feeds?: string;
}

/** Case `id` of the stream seeded by `seed`: the same numbers always give the same files. */
export function makeCase(seed: number, id: number, bases: { name: string; text: string; feeds: string }[]): FuzzCase {
  const r = new Rng((seed * 1_000_003 + id) | 0);
  for (let i = 0; i < 3; i++) r.next();
  const base = r.pick(bases);
  const kind = r.chance(0.25) ? 'feeds' : 'graph';
  const n = 1 + r.int(3);
  const mutations: string[] = [];
  if (kind === 'graph') {
    const g = JSON.parse(base.text);
    const names = Object.keys(GRAPH_MUTATIONS);
    for (let i = 0; i < n; i++) {
      const m = r.pick(names);
      mutations.push(GRAPH_MUTATIONS[m](g, r));
    }
    return { id, base: base.name, kind, mutations, graph: JSON.stringify(g).replaceAll(JSON.stringify(DEEP), DEEP_TEXT) };
  }
  const f = JSON.parse(base.feeds);
  const names = Object.keys(FEEDS_MUTATIONS);
  for (let i = 0; i < n; i++) mutations.push(FEEDS_MUTATIONS[r.pick(names)](f, r));
  return { id, base: base.name, kind, mutations, graph: base.text, feeds: JSON.stringify(f) };
}
