// Multi-op patterns that map back onto one seqgraph node:
// - an expanded softmax, as ONNX's function body and hand-written exporters write it:
//     m = ReduceMax(x, k, keepdims) ; e = Exp(Sub(x, m)) ; s = ReduceSum(e, k, keepdims) ; Div(e, s)
//   (or without the max), and the log form Sub(Sub(x, m), Log(s)), become Softmax / LogSoftmax
//   over axis k;
// - dot-product attention, as PyTorch writes torch.bmm(softmax(bmm(q, kᵀ) [· scale]), v): the
//   scores become a pending "scores" value; the Softmax over the keys makes an Attention node
//   (score dot, or scaled_dot when the scale is 1/√Dk) with its weights; the MatMul with the
//   values gives its context.
// Each step leaves a "pattern" value that only the next step of the pattern accepts, so a graph
// that computes something else with the pieces is reported, not imported half-way.
import * as A from './import-array';
import { axisIs, type Atom } from './import-layout';
import type { HCtx, Handler } from './import-ctx';
import { axesArg } from './import-fold';
import { describe, type PortSV, type SV } from './import-values';
import { pool, setPatternHandlers, softmaxOn } from './import-layers';

type Pattern = { k: 'pattern'; kind: string; data: Record<string, unknown> };
const pat = (kind: string, data: Record<string, unknown>): Pattern => ({ k: 'pattern', kind, data });
const isPat = (v: SV | undefined, kind: string): v is Pattern => v?.k === 'pattern' && v.kind === kind;
const sameValue = (a: SV | undefined, b: SV | undefined): boolean => a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

function reduceAxes(c: HCtx): number[] | string {
  const fromInput = c.op === 'ReduceSum' ? c.st.opset >= 13 : c.st.opset >= 18;
  const axes = fromInput ? axesArg({ node: c.node, ins: c.ins, opset: c.st.opset, attr: c.attr, readTensor: c.st.readTensor }, 1) : ((c.attr('axes') as number[] | undefined) ?? null);
  if (!Array.isArray(axes) || axes.length !== 1) return 'it reduces several axes, or axes that are not constant';
  return axes;
}

const norm = (x: SV, k: number) => (k < 0 && (x.k === 'port' || x.k === 'state') ? k + x.layout.length : k);

/** ReduceMax / ReduceSum / ReduceMean as steps of an expanded softmax (or a pooling over time kept as [B,1,D]) */
const reduceStep: Handler = (c) => {
  const x = c.ins[0];
  const axes = reduceAxes(c);
  if (typeof axes === 'string') return axes;
  const keep = c.int('keepdims', 1) === 1;
  if (c.op === 'ReduceMax' && x?.k === 'port' && keep) return [pat('rmax', { x, axis: norm(x, axes[0]) })];
  if (c.op === 'ReduceSum' && isPat(c.ins[0], 'exp') && keep) {
    const d = c.ins[0].data as { x: PortSV; axis?: number };
    const axis = norm(d.x, axes[0]);
    if (d.axis !== undefined && d.axis !== axis) return 'it sums the exponentials over another axis than the maximum was taken on';
    return [pat('sumexp', { x: d.x, axis })];
  }
  if ((c.op === 'ReduceMean' || c.op === 'ReduceMax') && x?.k === 'port' && x.ptype === 'Sequence') {
    const r = pool(c, x, axes[0], keep);
    return typeof r === 'string' ? r : [r];
  }
  return `it reduces ${describe(x)}`;
};

const subStep: Handler = (c) => {
  const [x, y] = c.ins;
  if (isPat(y, 'rmax') && sameValue(x, y.data.x as SV)) return [pat('shifted', { x, axis: y.data.axis })];
  if (isPat(x, 'shifted') && isPat(y, 'logsum') && sameValue(x.data.x as SV, y.data.x as SV) && x.data.axis === y.data.axis) {
    return softmaxOn(c, x.data.x as SV, x.data.axis as number, true);
  }
  return `it subtracts ${describe(y)} from ${describe(x)}`;
};

const expStep: Handler = (c) => {
  const x = c.ins[0];
  if (isPat(x, 'shifted')) return [pat('exp', { x: x.data.x, axis: x.data.axis })];
  if (x?.k === 'port') return [pat('exp', { x })];
  return `it exponentiates ${describe(x)}`;
};

const divStep: Handler = (c) => {
  const [e, s] = c.ins;
  if (isPat(e, 'exp') && isPat(s, 'sumexp') && sameValue(e.data.x as SV, s.data.x as SV) && (e.data.axis === undefined || e.data.axis === s.data.axis)) {
    return softmaxOn(c, e.data.x as SV, s.data.axis as number, false);
  }
  if (isPat(e, 'scores') && s?.k === 'const' && A.numel(s.a.shape) === 1) return scaleScores(e, 1 / s.a.data[0]);
  return `it divides ${describe(e)} by ${describe(s)}`;
};

const logStep: Handler = (c) => {
  const x = c.ins[0];
  if (isPat(x, 'sumexp')) return [pat('logsum', x.data)];
  return `it takes the log of ${describe(x)}`;
};

// ---- attention

function scaleScores(s: Pattern, by: number): SV[] {
  return [pat('scores', { ...s.data, scale: (s.data.scale as number) * by })];
}

/** q [B,T,D] (or a vector [B,1,D]) · keysᵀ [B,D,S] */
const attentionMatMul: Handler = (c) => {
  const [q, kT] = c.ins;
  if (q?.k === 'port' && q.ref.port === 'weights' && c.st.b.node(q.ref.node).type === 'Attention' && kT?.k === 'port') return attentionContext(c, q, kT);
  if (q?.k !== 'port' || kT?.k !== 'port' || kT.ptype !== 'Sequence' || (q.ptype !== 'Sequence' && q.ptype !== 'Vector')) return `it multiplies ${describe(q)} by ${describe(kT)}; seqgraph multiplies by constant weights (Dense) or scores attention`;
  const seq = q.ptype === 'Sequence';
  const qOk = q.layout.length === 3 && axisIs(q.layout, 0, 0, q.canon) && axisIs(q.layout, 2, q.canon.length - 1, q.canon) && (seq ? axisIs(q.layout, 1, 1, q.canon) : q.layout[1].every((a) => a.size === 1));
  const kOk = kT.layout.length === 3 && axisIs(kT.layout, 0, 0, kT.canon) && axisIs(kT.layout, 1, 2, kT.canon) && axisIs(kT.layout, 2, 1, kT.canon);
  if (!qOk || !kOk) return 'it multiplies two sequences in a way that is not attention scores (batch-first q · kᵀ)';
  if (q.canon[q.canon.length - 1] !== kT.canon[2]) return 'query and keys have different sizes';
  return [pat('scores', { q, keys: kT, scale: 1 })];
};

const mulStep: Handler = (c) => {
  const [x, y] = c.ins;
  // × 1 (a guard of seqgraph's exporter, or any constant ones): the value itself
  const ones = (v: SV | undefined) => v?.k === 'const' && A.numel(v.a.shape) <= 1 && A.isAll(v.a, 1);
  if ((x?.k === 'port' || x?.k === 'state') && ones(y)) return [x];
  if ((y?.k === 'port' || y?.k === 'state') && ones(x)) return [y];
  const [s, k] = isPat(x, 'scores') ? [x, y] : [y, x];
  if (isPat(s, 'scores') && k?.k === 'const' && A.numel(k.a.shape) === 1) return scaleScores(s, k.a.data[0]);
  return `it multiplies ${describe(x)} by ${describe(y)}`;
};

/** softmax over the keys of the scores: an Attention node and its weights */
const attentionSoftmax: Handler = (c) => {
  const s = c.ins[0] as Pattern;
  const { q, keys, scale } = s.data as { q: PortSV; keys: PortSV; scale: number };
  const axis = c.int('axis', -1);
  if (c.op !== 'Softmax' || (axis !== -1 && axis !== 2)) return 'it normalises attention scores over another axis than the keys';
  if (keys.lengthsOf) return 'the keys carry padding, which seqgraph\'s attention would mask and this model does not';
  const Dk = keys.canon[2] as number;
  const rule = Math.abs(scale - 1) < 1e-6 ? 'dot' : Math.abs(scale - 1 / Math.sqrt(Dk)) < 1e-6 * scale ? 'scaled_dot' : null;
  if (!rule) return `the scores are scaled by ${scale}; seqgraph's attention scales by 1 (dot) or 1/√${Dk} (scaled_dot)`;
  const id = c.st.b.add('Attention', c.scope ? `${c.scope}.attention` : 'attention', { score: rule });
  c.st.b.connect(q.ref, id, 'query');
  c.st.b.connect(keys.ref, id, 'keys');
  c.st.b.info.set(id, { keys: keys.ref, q });
  const seq = q.ptype === 'Sequence';
  const S = keys.canon[1];
  const sAtom: Atom = { axis: seq ? 2 : 1, stride: 1, size: S };
  const layout = [q.layout[0], seq ? q.layout[1] : [], [sAtom]];
  const canon = seq ? [q.canon[0], q.canon[1], S] : [q.canon[0], S];
  return [{ k: 'port', ref: { node: id, port: 'weights' }, ptype: q.ptype, canon, layout }];
};

/** weights · values: the Attention node's context */
function attentionContext(c: HCtx, w: PortSV, v: PortSV): SV[] | string {
  const id = w.ref.node;
  const info = c.st.b.info.get(id) as { keys: PortSV['ref']; q: PortSV; values?: boolean };
  if (info.values) return 'the attention weights are applied to values twice';
  if (v.ptype !== 'Sequence' || !(v.layout.length === 3 && axisIs(v.layout, 0, 0, v.canon) && axisIs(v.layout, 1, 1, v.canon) && axisIs(v.layout, 2, 2, v.canon))) return 'it applies attention weights to something other than a batch-first sequence';
  const w0 = JSON.stringify(w.layout.map((atoms) => atoms.filter((a) => a.size !== 1)));
  const seq = w.ptype === 'Sequence';
  if (w0 !== JSON.stringify([w.layout[0].filter((a) => a.size !== 1), seq ? w.layout[1].filter((a) => a.size !== 1) : [], [{ axis: seq ? 2 : 1, stride: 1, size: w.canon[w.canon.length - 1] }]])) return 'the attention weights were rearranged before use';
  if (v.canon[1] !== w.canon[w.canon.length - 1]) return 'the values have another number of steps than the keys';
  info.values = true;
  if (v.ref.node !== info.keys.node || v.ref.port !== info.keys.port) c.st.b.connect(v.ref, id, 'values');
  const q = info.q;
  const Dv = v.canon[2];
  const canon = seq ? [q.canon[0], q.canon[1], Dv] : [q.canon[0], Dv];
  const layout = [q.layout[0], seq ? q.layout[1] : [], [{ axis: seq ? 2 : 1, stride: 1, size: Dv }]];
  return [{ k: 'port', ref: { node: id, port: 'context' }, ptype: q.ptype, canon, layout }];
}

setPatternHandlers({ matmul: attentionMatMul, softmax: attentionSoftmax, reduce: reduceStep });

export const PATTERN_HANDLERS: Record<string, Handler> = {
  Sub: subStep,
  Exp: expStep,
  Div: divStep,
  Log: logStep,
  Mul: mulStep,
};
