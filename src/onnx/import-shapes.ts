// Handlers for the ops exporters wrap around recurrent layers: Transpose, Reshape, Flatten,
// Squeeze, Unsqueeze (they rearrange a port's layout), Identity / Cast / Dropout (nothing at
// inference), and Gather / Slice / Concat where they pick steps or final states: y[:, -1] becomes
// a LastStep node; h_n[-1] or cat(h_n[-2], h_n[-1]) become the recurrent node's final states.
import { intsOf, axesArg } from './import-fold';
import type { HCtx, Handler } from './import-ctx';
import { axisIs, reshapeLayout, squeezeLayout, transposeLayout, unsqueezeLayout, type Atom, type Layout } from './import-layout';
import { describe, type PortSV, type StateSV, type SV } from './import-values';
import { isAll, ints, type Arr } from './import-array';

const BIG = 2 ** 31 - 1;

function relayout(v: SV | undefined, f: (l: Layout) => Layout | string): SV | string {
  if (v?.k === 'port' || v?.k === 'state') {
    const l = f(v.layout);
    return typeof l === 'string' ? l : { ...v, layout: l };
  }
  return `it reads ${describe(v)}, which it cannot rearrange`;
}

const one = (r: SV | string): SV[] | string => (typeof r === 'string' ? r : [r]);

const passThrough: Handler = (c) => {
  const v = c.ins[0];
  if (!v) return 'no input';
  if (c.op === 'Cast') {
    const to = c.int('to', 1);
    if ((v.k === 'port' || v.k === 'state') && v.k === 'port' && v.ptype !== 'Tokens' && to !== 1 && to !== 11) return `a cast of floats to data type ${to}`;
  }
  if (c.op === 'Dropout' && c.ins[2] && !(c.ins[2].k === 'const' && isAll(c.ins[2].a, 0))) return 'dropout in training mode';
  return [v, undefined];
};

const transposeH: Handler = (c) => {
  const perm = c.attr('perm') as number[] | undefined;
  return one(relayout(c.ins[0], (l) => transposeLayout(l, perm ?? l.map((_, i) => l.length - 1 - i))));
};

const reshapeH: Handler = (c) => {
  const target = intsOf(c.ins[1]);
  if (!target) return `its target shape is ${describe(c.ins[1])}, not a shape the importer can follow`;
  if (c.int('allowzero', 0) === 1 && target.includes(0)) return 'allowzero with a 0 in the target shape';
  return one(relayout(c.ins[0], (l) => reshapeLayout(l, target, c.st.syms, c.label)));
};

const flattenH: Handler = (c) => {
  return one(relayout(c.ins[0], (l) => {
    const ax = c.int('axis', 1);
    const a = ax < 0 ? ax + l.length : ax;
    return [l.slice(0, a).flat(), l.slice(a).flat()];
  }));
};

/** the ONNX axis holds exactly the time axis of a Sequence port */
function timeAxis(v: SV | undefined, k: number): v is PortSV {
  return v?.k === 'port' && v.ptype === 'Sequence' && k >= 0 && k < v.layout.length && axisIs(v.layout, k, 1, v.canon);
}

/** a LastStep node on a sequence; the ONNX axis k (the time axis) is dropped or kept as size 1 */
function lastStep(c: HCtx, x: PortSV, k: number, keep: boolean): PortSV {
  const id = c.st.b.add('LastStep', c.scope || 'last_step', {});
  c.st.b.connect(x.ref, id, 'input');
  const remap = (a: Atom): Atom => ({ ...a, axis: a.axis === 2 ? 1 : a.axis });
  const layout = x.layout.map((atoms, i) => (i === k ? [] : atoms.map(remap)));
  return { k: 'port', ref: { node: id, port: 'output' }, ptype: 'Vector', canon: [x.canon[0], x.canon[2]], layout: keep ? layout : layout.filter((_, i) => i !== k) };
}

/** the index names the last step: -1, or T-1 when the model froze T */
function isLastIndex(c: HCtx, x: PortSV, i: number): boolean {
  if (i === -1) return true;
  const T = x.canon[1];
  const frozen = typeof T === 'string' ? c.st.syms.frozen.get(T) : T;
  if (frozen !== undefined && i === frozen - 1) {
    if (typeof T === 'string') c.st.syms.noteFrozen(T, frozen, `${c.label} takes step ${i}`);
    return true;
  }
  return false;
}

const squeezeH: Handler = (c) => {
  const axes = axesArg({ node: c.node, ins: c.ins, opset: c.st.opset, attr: c.attr, readTensor: c.st.readTensor }, 1);
  if (axes === 'dynamic') return `its axes are ${describe(c.ins[1])}`;
  const x = c.ins[0];
  const rank = x?.k === 'port' || x?.k === 'state' ? x.layout.length : 0;
  const list = axes ?? [];
  // a length-1 time axis (a decoder step traced with T = 1) squeezed away: its only step
  if (list.length === 1 && timeAxis(x, list[0] < 0 ? list[0] + rank : list[0])) {
    const k = list[0] < 0 ? list[0] + rank : list[0];
    const T = x.canon[1];
    const frozen = typeof T === 'string' ? c.st.syms.frozen.get(T) : T;
    if (frozen !== 1) return `it squeezes the time axis, which is ${T} long`;
    c.st.notes.push(`${c.label}: the model squeezes a time axis of length 1; imported as a LastStep (the graph then runs longer sequences too, taking their last step)`);
    return [lastStep(c, x, k, false)];
  }
  if (axes === null) return one(relayout(x, (l) => squeezeLayout(l, l.flatMap((atoms, i) => (atoms.every((a) => a.size === 1) ? [i] : [])))));
  return one(relayout(x, (l) => squeezeLayout(l, list)));
};

const unsqueezeH: Handler = (c) => {
  const axes = axesArg({ node: c.node, ins: c.ins, opset: c.st.opset, attr: c.attr, readTensor: c.st.readTensor }, 1);
  if (axes === 'dynamic' || axes === null) return 'its axes are not constant';
  return one(relayout(c.ins[0], (l) => unsqueezeLayout(l, axes)));
};

// ---- final states: picking rows (layers, directions)

/** the ONNX axis of a state value that holds its rows, or -1 */
function rowsAxis(s: StateSV): number {
  return s.layout.findIndex((atoms) => atoms.some((a) => a.axis === 0 && a.size !== 1));
}

function pickRows(s: StateSV, k: number, picks: number[], drop: boolean): StateSV | string {
  const rk = rowsAxis(s);
  if (rk !== k || !axisIs(s.layout, k, 0, [s.rows.length, 'B', s.H])) return 'it picks along an axis that is not the layers × directions axis of the final states';
  const rows = picks.map((i) => s.rows[i < 0 ? i + s.rows.length : i]);
  if (rows.some((r) => r === undefined)) return `index out of range (the states have ${s.rows.length} rows)`;
  const layout = s.layout.map((atoms, i) => (i === k ? (drop ? [] : [{ axis: 0, stride: 1, size: rows.length }]) : atoms));
  return { ...s, rows, layout: drop ? layout.filter((_, i) => i !== k) : layout };
}

const gatherH: Handler = (c) => {
  const [x, idx] = c.ins;
  if (idx?.k !== 'const') return `its indices are ${describe(idx)}`;
  const rank = x?.k === 'port' || x?.k === 'state' ? x.layout.length : 0;
  const ax = c.int('axis', 0) < 0 ? c.int('axis', 0) + rank : c.int('axis', 0);
  const list = ints(idx.a);
  const scalar = idx.a.shape.length === 0;
  if (x?.k === 'state') return one(pickRows(x, ax, list, scalar));
  if (timeAxis(x, ax)) {
    if (list.length === 1 && isLastIndex(c, x, list[0])) return [lastStep(c, x, ax, !scalar)];
    return `it takes step${list.length > 1 ? 's' : ''} ${list.join(', ')} of the sequence; seqgraph takes the last step only (LastStep)`;
  }
  return `it gathers from ${describe(x)} along axis ${ax}`;
};

function sliceArgs(c: HCtx): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } | string {
  if (c.st.opset < 10) {
    const starts = c.attr('starts') as number[], ends = c.attr('ends') as number[];
    return { starts, ends, axes: (c.attr('axes') as number[] | undefined) ?? starts.map((_, i) => i), steps: starts.map(() => 1) };
  }
  const arg = (i: number): number[] | undefined | string => {
    const v = c.ins[i];
    if (!v) return undefined;
    return v.k === 'const' ? ints(v.a as Arr) : `its ${['', 'starts', 'ends', 'axes', 'steps'][i]} are ${describe(v)}`;
  };
  const [starts, ends, axes, steps] = [arg(1), arg(2), arg(3), arg(4)];
  for (const a of [starts, ends, axes, steps]) if (typeof a === 'string') return a;
  const s = starts as number[];
  return { starts: s, ends: ends as number[], axes: (axes as number[] | undefined) ?? s.map((_, i) => i), steps: (steps as number[] | undefined) ?? s.map(() => 1) };
}

const sliceH: Handler = (c) => {
  const x = c.ins[0];
  const a = sliceArgs(c);
  if (typeof a === 'string') return a;
  if (a.starts.length !== 1) return 'it slices several axes at once';
  const rank = x?.k === 'port' || x?.k === 'state' ? x.layout.length : 0;
  const ax = a.axes[0] < 0 ? a.axes[0] + rank : a.axes[0];
  const [s, e, step] = [a.starts[0], a.ends[0], a.steps[0]];
  if (x?.k === 'state') {
    const n = x.rows.length;
    const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    if (step !== 1) return 'a strided slice of the final states';
    const picks = Array.from({ length: Math.max(0, norm(e) - norm(s)) }, (_, i) => norm(s) + i);
    return one(pickRows(x, ax, picks, false));
  }
  if (timeAxis(x, ax) && step === 1 && e >= BIG) {
    if (isLastIndex(c, x, s)) return [lastStep(c, x, ax, true)];
  }
  if (timeAxis(x, ax) && step === 1 && s === 0 && e >= BIG) return [x];
  return `it slices ${describe(x)} on axis ${ax} [${s}:${e}${step !== 1 ? ':' + step : ''}]`;
};

/** Concat of final states: more rows (axis of rows) or rows side by side (axis of H) */
export function concatStates(c: HCtx, parts: StateSV[], ax: number): StateSV | string {
  const [p0] = parts;
  if (parts.some((p) => p.node !== p0.node || p.c !== p0.c)) return 'it joins final states of different layers\' nodes';
  const rank = p0.layout.length;
  const a = ax < 0 ? ax + rank : ax;
  const rows = parts.flatMap((p) => p.rows);
  if (parts.every((p) => rowsAxis(p) === a)) {
    const layout = p0.layout.map((atoms, i) => (i === a ? [{ axis: 0, stride: 1, size: rows.length }] : atoms));
    return { ...p0, rows, layout };
  }
  // single rows side by side along H: [B, H] + [B, H] -> [B, 2H], rows outer, H inner
  if (parts.every((p) => p.rows.length === 1 && rowsAxis(p) < 0 && axisIs(p.layout, a, 2, [1, 'B', p.H]))) {
    const layout = p0.layout.map((atoms, i) => (i === a ? [{ axis: 0, stride: 1, size: rows.length }, { axis: 2, stride: 1, size: p0.H }] : atoms));
    return { ...p0, rows, layout };
  }
  return 'it joins final states along an axis that is neither their rows nor their features';
}

export const SHAPE_HANDLERS: Record<string, Handler> = {
  Identity: passThrough,
  Cast: passThrough,
  Dropout: passThrough,
  Transpose: transposeH,
  Reshape: reshapeH,
  Flatten: flattenH,
  Squeeze: squeezeH,
  Unsqueeze: unsqueezeH,
  Gather: gatherH,
  Slice: sliceH,
};
