// Handlers that become layer nodes: Gather of a table by token ids (Embedding), Gemm and
// MatMul (+ Add) with a constant weight (Dense), Relu / Tanh / Sigmoid / HardSigmoid
// (Activation, or the Dense's own activation when it directly follows one in the same module),
// Softmax / LogSoftmax over an axis, ReduceMean / ReduceMax over time (Pool), Concat of features.
import * as A from './import-array';
import { axisIs, type Atom, type Layout } from './import-layout';
import type { HCtx, Handler } from './import-ctx';
import { describe, moduleOfParam, type PortSV, type StateSV, type SV } from './import-values';
import { concatStates, SHAPE_HANDLERS } from './import-shapes';
import { axesArg } from './import-fold';

/** the node name for a layer: its PyTorch module (from a parameter's name or the node's scope) */
export function layerName(c: HCtx, fallback: string, paramInput?: number): string {
  return moduleOfParam(paramInput !== undefined ? c.inNames[paramInput] : undefined) || c.scope || fallback;
}

/** which ONNX axis holds a port's features (its last canonical axis), or -1 */
export function featureAxis(x: PortSV): number {
  const F = x.canon.length - 1;
  return x.layout.findIndex((_, k) => axisIs(x.layout, k, F, x.canon));
}

const f32 = (a: A.Arr) => Float32Array.from(a.data);

// ---- Embedding

const gatherH: Handler = (c) => {
  const [table, idx] = c.ins;
  if (table?.k === 'const' && idx?.k === 'port' && idx.ptype === 'Tokens') {
    if (c.int('axis', 0) !== 0) return 'it gathers a table along an axis other than 0';
    if (table.a.dtype !== 'float' || table.a.shape.length < 2) return `its table is ${describe(table)}, not a float table of vectors`;
    const [V, ...rest] = table.a.shape;
    const E = A.numel(rest);
    const st = c.st;
    const id = st.b.add('Embedding', layerName(c, 'embedding', 0), { num_embeddings: V, embedding_dim: E, padding_idx: null });
    st.b.setWeight(id, 'weight', [V, E], f32(table.a));
    st.b.connect(idx.ref, id, 'tokens');
    st.tokenRows.set(idx.ref.node, Math.max(st.tokenRows.get(idx.ref.node) ?? 0, V));
    // token axes map to B and T of the sequence; a table of rank > 2 splits the features again
    const remap = (a: Atom): Atom => ({ ...a });
    let stride = E;
    const featAxes: Layout = rest.map((n) => [{ axis: 2, stride: (stride /= n), size: n }]);
    const layout: Layout = [...idx.layout.map((atoms) => atoms.map(remap)), ...featAxes];
    return [{ k: 'port', ref: { node: id, port: 'output' }, ptype: 'Sequence', canon: [idx.canon[0], idx.canon[1], E], layout, lengthsOf: idx.lengthsOf }];
  }
  return SHAPE_HANDLERS.Gather(c);
};

// ---- Dense

/** a Dense node on x, contracting ONNX axis k (which must hold x's features) with W [N,K] */
export function dense(c: HCtx, x: PortSV, k: number, W: Float32Array, N: number, bias: Float32Array | undefined, name: string): PortSV | string {
  if (x.ptype !== 'Sequence' && x.ptype !== 'Vector') return `it multiplies ${describe(x)}`;
  const F = x.canon.length - 1;
  if (!axisIs(x.layout, k, F, x.canon)) return 'it multiplies along an axis that is not the features';
  const K = x.canon[F] as number;
  if (W.length !== N * K) return `its weight has ${W.length} values, not ${N}×${K}`;
  const id = c.st.b.add('Dense', name, { units: N, activation: 'none', bias: !!bias });
  c.st.b.setWeight(id, 'weight', [N, K], W);
  if (bias) c.st.b.setWeight(id, 'bias', [N], bias);
  c.st.b.connect(x.ref, id, 'input');
  c.st.b.info.set(id, { scope: c.scope, fromMatMul: !bias });
  const layout = x.layout.map((atoms, i) => (i === k ? [{ axis: F, stride: 1, size: N }] : atoms));
  return { k: 'port', ref: { node: id, port: 'output' }, ptype: x.ptype, canon: [...x.canon.slice(0, F), N], layout, lengthsOf: x.lengthsOf };
}

function transpose2(a: A.Arr): Float32Array {
  return f32(A.transpose(a, [1, 0]));
}

const gemmH: Handler = (c) => {
  const [x, w, b] = c.ins;
  if (x?.k !== 'port') return `its A is ${describe(x)}`;
  if (w?.k !== 'const' || w.a.shape.length !== 2) return `its B is ${describe(w)}, not a constant matrix`;
  if (c.int('transA', 0)) return 'transA=1 on a sequence or vector';
  const alpha = c.float('alpha', 1), beta = c.float('beta', 1);
  const Wnk = c.int('transB', 0) ? f32(w.a) : transpose2(w.a);
  const N = c.int('transB', 0) ? w.a.shape[0] : w.a.shape[1];
  if (alpha !== 1) for (let i = 0; i < Wnk.length; i++) Wnk[i] = Math.fround(Wnk[i] * alpha);
  let bias: Float32Array | undefined;
  if (b) {
    if (b.k !== 'const') return `its C is ${describe(b)}, not a constant`;
    if (A.numel(b.a.shape) !== N && A.numel(b.a.shape) !== 1) return `its C has shape [${b.a.shape.join(', ')}]; a bias of ${N} is needed`;
    bias = Float32Array.from(A.expand(A.reshape(b.a, [A.numel(b.a.shape)]), [N]).data, (v) => Math.fround(v * beta));
  }
  const r = dense(c, x, x.layout.length - 1, Wnk, N, bias, layerName(c, 'dense', 1));
  return typeof r === 'string' ? r : [r];
};

const matmulH: Handler = (c) => {
  const [x, w] = c.ins;
  if (x?.k === 'port' && w?.k === 'const' && w.a.shape.length === 2) {
    const r = dense(c, x, x.layout.length - 1, transpose2(w.a), w.a.shape[1], undefined, layerName(c, 'dense', 1));
    return typeof r === 'string' ? r : [r];
  }
  return ATTENTION_MATMUL(c);
};

/** Add(x, b) right after a MatMul made a bias-less Dense: that Dense's bias */
const addH: Handler = (c) => {
  const [p, q] = c.ins;
  // + 0 (a guard of seqgraph's exporter on int ids, or any constant zeros): the value itself
  const zeros = (v: SV | undefined) => v?.k === 'const' && A.numel(v.a.shape) <= 1 && A.isAll(v.a, 0);
  if ((p?.k === 'port' || p?.k === 'state') && zeros(q)) return [p];
  if ((q?.k === 'port' || q?.k === 'state') && zeros(p)) return [q];
  const [x, b, xi] = p?.k === 'port' ? [p, q, 0] : [q, p, 1];
  if (x?.k !== 'port' || b?.k !== 'const') return `it adds ${describe(p)} and ${describe(q)}; seqgraph adds only a bias to a Dense`;
  const info = c.st.b.info.get(x.ref.node);
  const node = c.st.b.node(x.ref.node);
  if (node.type !== 'Dense' || !info?.fromMatMul || x.ref.port !== 'output' || c.inConsumers(xi) !== 1) return 'it adds a constant to something other than a Dense\'s product';
  const N = node.params.units as number;
  if (A.numel(b.a.shape) !== N) return `it adds [${b.a.shape.join(', ')}] to a Dense of ${N} units`;
  node.params.bias = true;
  info.fromMatMul = false;
  c.st.b.setWeight(node.id, 'bias', [N], f32(b.a));
  return [x];
};

// ---- RepeatVector: Expand(Unsqueeze(v, 1), [1, n, 1])

const expandH: Handler = (c) => {
  const [x, shape] = c.ins;
  if (x?.k !== 'port' || x.ptype !== 'Vector' || shape?.k !== 'const') return `it expands ${describe(x)}`;
  const to = Array.from(shape.a.data);
  const ok = x.layout.length === 3 && axisIs(x.layout, 0, 0, x.canon) && x.layout[1].every((a) => a.size === 1) && axisIs(x.layout, 2, 1, x.canon) && to.length === 3 && to[0] === 1 && to[2] === 1 && to[1] >= 1;
  if (!ok) return 'it expands a vector other than to [B, n, D] (a RepeatVector)';
  const n = to[1];
  const id = c.st.b.add('RepeatVector', c.scope || 'repeat', { n });
  c.st.b.connect(x.ref, id, 'input');
  return [{ k: 'port', ref: { node: id, port: 'output' }, ptype: 'Sequence', canon: [x.canon[0], n, x.canon[1]], layout: [x.layout[0], [{ axis: 1, stride: 1, size: n }], [{ axis: 2, stride: 1, size: x.canon[1] }]] }];
};

// ---- activations

const ACT: Record<string, string> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid', HardSigmoid: 'hard_sigmoid' };

const activationH: Handler = (c) => {
  const x = c.ins[0];
  if (x?.k !== 'port' || (x.ptype !== 'Sequence' && x.ptype !== 'Vector')) return `it reads ${describe(x)}`;
  const fn = ACT[c.op];
  if (c.op === 'HardSigmoid' && (Math.abs(c.float('alpha', 0.2) - 0.2) > 1e-7 || Math.abs(c.float('beta', 0.5) - 0.5) > 1e-7)) {
    return `HardSigmoid with alpha ${c.float('alpha', 0.2)}, beta ${c.float('beta', 0.5)}; seqgraph's hard_sigmoid is max(0, min(1, 0.2x + 0.5))`;
  }
  const node = c.st.b.node(x.ref.node);
  const info = c.st.b.info.get(node.id);
  // the Dense's own activation when it follows the Dense directly, in the Dense's module
  if (node.type === 'Dense' && node.params.activation === 'none' && fn !== 'hard_sigmoid' && c.inConsumers(0) === 1 && info?.scope === c.scope && c.scope !== '') {
    node.params.activation = fn;
    if (info) info.fromMatMul = false;
    return [x];
  }
  const id = c.st.b.add('Activation', c.scope ? `${c.scope}.${fn}` : fn, { fn });
  c.st.b.connect(x.ref, id, 'input');
  return [{ ...x, ref: { node: id, port: 'output' } }];
};

// ---- softmax over an axis

export function softmaxOn(c: HCtx, x: SV | undefined, axis: number, log: boolean): SV[] | string {
  if (x?.k !== 'port' || (x.ptype !== 'Sequence' && x.ptype !== 'Vector')) return `it normalises ${describe(x)}`;
  const k = axis < 0 ? axis + x.layout.length : axis;
  const canonAxis = x.canon.findIndex((_, ca) => axisIs(x.layout, k, ca, x.canon));
  if (canonAxis < 0) return `its axis ${axis} mixes several axes of the ${x.ptype.toLowerCase()}`;
  const type = log ? 'LogSoftmax' : 'Softmax';
  const dim = canonAxis === x.canon.length - 1 ? -1 : canonAxis;
  const id = c.st.b.add(type, c.scope ? `${c.scope}.${type.toLowerCase()}` : type.toLowerCase(), { dim });
  c.st.b.connect(x.ref, id, 'input');
  return [{ ...x, ref: { node: id, port: 'output' } }];
}

const softmaxH: Handler = (c) => {
  const x = c.ins[0];
  if (x?.k === 'pattern' && x.kind === 'scores') return ATTENTION_SOFTMAX(c);
  const rank = x?.k === 'port' ? x.layout.length : 0;
  const axis = c.int('axis', c.st.opset >= 13 ? -1 : 1);
  const k = axis < 0 ? axis + rank : axis;
  // before opset 13 the op normalised over all axes from `axis` on: the same when they are size 1
  if (c.st.opset < 13 && x?.k === 'port' && x.layout.slice(k + 1).some((atoms) => atoms.some((a) => a.size !== 1))) {
    return `opset ${c.st.opset} ${c.op} over axes ${k}.. together (flattened); seqgraph normalises over one axis`;
  }
  return softmaxOn(c, x, k, c.op === 'LogSoftmax');
};

// ---- pooling over time

const reduceH: Handler = (c) => {
  const x = c.ins[0];
  const keep = c.int('keepdims', 1) === 1;
  if (x?.k !== 'port' || x.ptype !== 'Sequence' || keep || c.op === 'ReduceSum') return SOFTMAX_PATTERN(c);
  const axes = c.st.opset >= 18 ? axesArg({ node: c.node, ins: c.ins, opset: c.st.opset, attr: c.attr, readTensor: c.st.readTensor }, 1) : (c.attr('axes') as number[] | undefined) ?? null;
  if (!Array.isArray(axes) || axes.length !== 1) return 'it reduces several axes (or axes not given as constants)';
  const r = pool(c, x, axes[0], false);
  return typeof r === 'string' ? r : [r];
};

/** Pool (mean or max over time) of x on ONNX axis `axis`, which must be the time axis */
export function pool(c: HCtx, x: PortSV, axis: number, keep: boolean): PortSV | string {
  const k = axis < 0 ? axis + x.layout.length : axis;
  if (!axisIs(x.layout, k, 1, x.canon)) return `it reduces axis ${axis}, which is not the time axis`;
  const mode = c.op === 'ReduceMean' ? 'mean' : 'max';
  const id = c.st.b.add('Pool', c.scope ? `${c.scope}.pool` : 'pool', { mode });
  c.st.b.connect(x.ref, id, 'input');
  const remap = (atoms: Atom[]) => atoms.map((a) => ({ ...a, axis: a.axis === 2 ? 1 : a.axis }));
  const layout = x.layout.map((atoms, i) => (i === k ? [] : remap(atoms)));
  return { k: 'port', ref: { node: id, port: 'output' }, ptype: 'Vector', canon: [x.canon[0], x.canon[2]], layout: keep ? layout : layout.filter((_, i) => i !== k) };
}

// ---- Concat of features (or of final states)

const concatH: Handler = (c) => {
  const parts = c.ins.filter((v): v is SV => v !== undefined);
  const axis = c.int('axis', 0);
  if (parts.every((p) => p.k === 'state')) {
    const r = concatStates(c, parts as StateSV[], axis);
    return typeof r === 'string' ? r : [r];
  }
  if (!parts.every((p): p is PortSV => p.k === 'port')) return `it joins ${parts.map(describe).join(', ')}`;
  const [p0] = parts;
  const rank = p0.layout.length;
  const k = axis < 0 ? axis + rank : axis;
  if (parts.some((p) => p.ptype !== p0.ptype || (p.ptype !== 'Sequence' && p.ptype !== 'Vector'))) return 'it joins values of different kinds';
  const F = p0.canon.length - 1;
  for (const p of parts) {
    if (!axisIs(p.layout, k, F, p.canon)) return 'it joins along an axis that is not the features';
    const same = p.layout.every((atoms, i) => i === k || JSON.stringify(atoms) === JSON.stringify(p0.layout[i]));
    if (!same) return 'its parts are laid out differently';
  }
  if (parts.length === 1) return [p0];
  // Concat takes two to four parts; more become a chain
  let acc: PortSV | undefined;
  let i = 0;
  while (i < parts.length) {
    const take = acc ? [acc, ...parts.slice(i, i + 3)] : parts.slice(0, 4);
    i += acc ? 3 : 4;
    const id = c.st.b.add('Concat', c.scope ? `${c.scope}.concat` : 'concat', {});
    take.forEach((p, j) => c.st.b.connect(p.ref, id, 'abcd'[j]));
    const total = take.reduce((s, p) => s + (p.canon[F] as number), 0);
    acc = { k: 'port', ref: { node: id, port: 'output' }, ptype: p0.ptype, canon: [...p0.canon.slice(0, F), total], layout: p0.layout.map((atoms, j) => (j === k ? [{ axis: F, stride: 1, size: total }] : atoms)), lengthsOf: parts.find((p) => p.lengthsOf)?.lengthsOf };
  }
  return [acc!];
};

// filled in by import-patterns.ts (a cycle of imports otherwise)
let ATTENTION_MATMUL: Handler = () => 'not understood';
let ATTENTION_SOFTMAX: Handler = () => 'not understood';
let SOFTMAX_PATTERN: Handler = () => 'not understood';
export function setPatternHandlers(h: { matmul: Handler; softmax: Handler; reduce: Handler }): void {
  ATTENTION_MATMUL = h.matmul;
  ATTENTION_SOFTMAX = h.softmax;
  SOFTMAX_PATTERN = h.reduce;
}

export const LAYER_HANDLERS: Record<string, Handler> = {
  Gather: gatherH,
  Gemm: gemmH,
  MatMul: matmulH,
  Add: addH,
  Relu: activationH,
  Tanh: activationH,
  Sigmoid: activationH,
  HardSigmoid: activationH,
  Softmax: softmaxH,
  LogSoftmax: softmaxH,
  ReduceMean: reduceH,
  ReduceMax: reduceH,
  ReduceSum: reduceH,
  Concat: concatH,
  Expand: expandH,
};
