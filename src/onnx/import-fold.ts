// Folding what an ONNX graph computes from constants and from shapes: weight re-layouts written
// as ops (the dynamo exporter splits, reorders and concatenates gate blocks in the graph), and
// the shape arithmetic around recurrent ops (Shape → Gather → Unsqueeze → Concat →
// ConstantOfShape for a zero initial state). Symbols (B, T) pass through as symbols.
import * as A from './import-array';
import type { Arr } from './import-array';
import { attrValue, type NodeProto, type TensorProto } from './proto';
import { shapeOf, type SymDim } from './import-layout';
import type { SV } from './import-values';

export type FoldResult = SV[] | string | null; // null: not a fold (the op's handler decides)

export interface FoldCtx {
  node: NodeProto;
  ins: (SV | undefined)[];
  opset: number;
  attr: (name: string) => unknown;
  readTensor: (t: TensorProto, what: string) => Arr;
}

const isConst = (v: SV | undefined): v is { k: 'const'; a: Arr } => v?.k === 'const';
const num = (d: SymDim) => typeof d === 'number';

/** the int vector a value holds, with symbols, or null */
export function intsOf(v: SV | undefined): SymDim[] | null {
  if (!v) return null;
  if (v.k === 'ints') return v.v;
  if (v.k === 'sym') return [v.v];
  if (v.k === 'const' && v.a.dtype !== 'float') return A.ints(v.a);
  return null;
}

/** the (symbolic) shape of a value, where known */
export function shapeOfSV(v: SV | undefined): SymDim[] | null {
  if (!v) return null;
  switch (v.k) {
    case 'const': return v.a.shape;
    case 'ints': return [v.v.length];
    case 'sym': return [];
    case 'fill': return v.shape;
    case 'port':
    case 'state': return shapeOf(v.layout);
    default: return null;
  }
}

const c = (a: Arr): SV => ({ k: 'const', a });

function constInputs(f: FoldCtx): Arr[] | null {
  const out: Arr[] = [];
  for (const v of f.ins) {
    if (v === undefined) out.push(A.arr('int', [0]));
    else if (isConst(v)) out.push(v.a);
    else return null;
  }
  return out;
}

/** axes from the attribute (older opsets) or the second input (newer) */
export function axesArg(f: FoldCtx, inputIndex: number): number[] | null | 'dynamic' {
  const a = f.attr('axes');
  if (Array.isArray(a)) return a as number[];
  const v = f.ins[inputIndex];
  if (v === undefined) return null;
  const i = intsOf(v);
  if (!i || !i.every(num)) return 'dynamic';
  return i as number[];
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Max: Math.max, Min: Math.min, Pow: Math.pow,
  Equal: (x, y) => +(x === y), Less: (x, y) => +(x < y), Greater: (x, y) => +(x > y), And: (x, y) => +(x && y), Or: (x, y) => +(x || y),
};
const UNARY: Record<string, (x: number) => number> = {
  Neg: (x) => -x, Abs: Math.abs, Sqrt: Math.sqrt, Reciprocal: (x) => 1 / x, Exp: Math.exp, Log: Math.log, Tanh: Math.tanh,
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)), Relu: (x) => (x > 0 ? x : 0), Not: (x) => +!x, Floor: Math.floor, Ceil: Math.ceil,
};

function castTo(a: Arr, to: number): Arr {
  const dtype = to === 1 || to === 10 || to === 11 || to === 16 ? 'float' : to === 9 ? 'bool' : 'int';
  return A.unary(a, dtype === 'int' ? Math.trunc : dtype === 'bool' ? (x) => +!!x : (x) => x, dtype);
}

/** everything-constant ops */
function foldConst(f: FoldCtx, op: string, xs: Arr[]): Arr[] | string | null {
  const x = xs[0];
  const ai = (n: string, d: number) => (typeof f.attr(n) === 'number' ? (f.attr(n) as number) : d);
  if (op in BINARY) return [A.binary(xs[0], xs[1], BINARY[op], ['Equal', 'Less', 'Greater', 'And', 'Or'].includes(op) ? 'bool' : xs[0].dtype === 'float' || xs[1].dtype === 'float' ? 'float' : 'int')];
  if (op === 'Div') return [A.binary(xs[0], xs[1], x.dtype === 'float' ? (p, q) => p / q : (p, q) => Math.trunc(p / q))];
  if (op in UNARY) return [A.unary(x, UNARY[op])];
  switch (op) {
    case 'Identity':
    case 'Dropout': return [x];
    case 'Cast': return [castTo(x, ai('to', 1))];
    case 'Shape': return [A.arr('int', [x.shape.length], x.shape)];
    case 'Size': return [A.scalar('int', A.numel(x.shape))];
    case 'Transpose': {
      const perm = (f.attr('perm') as number[] | undefined) ?? x.shape.map((_, i) => x.shape.length - 1 - i);
      return [A.transpose(x, perm)];
    }
    case 'Reshape': {
      const target = A.ints(xs[1]);
      const allowzero = ai('allowzero', 0);
      const dims = target.map((d, i) => (d === 0 && !allowzero ? x.shape[i] : d));
      const known = dims.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      return [A.reshape(x, dims.map((d) => (d === -1 ? A.numel(x.shape) / known : d)))];
    }
    case 'Flatten': {
      const ax = A.normAxis(ai('axis', 1), x.shape.length + 1);
      return [A.reshape(x, [A.numel(x.shape.slice(0, ax)), A.numel(x.shape.slice(ax))])];
    }
    case 'Squeeze': {
      const axes = axesArg(f, 1);
      if (axes === 'dynamic') return null;
      const r = x.shape.length;
      const drop = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => A.normAxis(a, r)));
      return [A.reshape(x, x.shape.filter((_, i) => !drop.has(i)))];
    }
    case 'Unsqueeze': {
      const axes = axesArg(f, 1);
      if (axes === 'dynamic' || axes === null) return null;
      const r = x.shape.length + axes.length;
      const at = new Set(axes.map((a) => A.normAxis(a, r)));
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < r; i++) shape.push(at.has(i) ? 1 : x.shape[k++]);
      return [A.reshape(x, shape)];
    }
    case 'Concat': return [A.concat(xs.filter((p) => A.numel(p.shape) > 0 || p.shape.length > 1), ai('axis', 0))];
    case 'Gather': return [A.gather(x, xs[1], ai('axis', 0))];
    case 'Slice': {
      let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
      if (f.opset < 10) {
        starts = f.attr('starts') as number[];
        ends = f.attr('ends') as number[];
        axes = f.attr('axes') as number[] | undefined;
      } else {
        starts = A.ints(xs[1]);
        ends = A.ints(xs[2]);
        axes = xs[3] && f.ins[3] ? A.ints(xs[3]) : undefined;
        steps = xs[4] && f.ins[4] ? A.ints(xs[4]) : undefined;
      }
      let out = x;
      starts.forEach((s, i) => (out = A.sliceAxis(out, axes?.[i] ?? i, s, ends[i], steps?.[i] ?? 1)));
      return [out];
    }
    case 'Split': {
      const axis = ai('axis', 0);
      const ax = A.normAxis(axis, x.shape.length);
      let sizes = (f.attr('split') as number[] | undefined) ?? (f.ins[1] ? A.ints(xs[1]) : undefined);
      const n = f.node.output?.length ?? 1;
      if (!sizes) {
        const each = Math.ceil(x.shape[ax] / n);
        sizes = Array.from({ length: n }, (_, i) => Math.min(each, x.shape[ax] - i * each));
      }
      let at = 0;
      return sizes.map((s) => {
        const part = A.sliceAxis(x, ax, at, at + s);
        at += s;
        return part;
      });
    }
    case 'ConstantOfShape': {
      const t = f.attr('value') as TensorProto | undefined;
      const v = t ? f.readTensor(t, 'ConstantOfShape value') : A.arr('float', [1], [0]);
      const shape = A.ints(x);
      return [A.unary(A.arr(v.dtype, shape), () => v.data[0])];
    }
    case 'Expand': return [A.expand(x, A.ints(xs[1]))];
    case 'Range': {
      const [s, lim, d] = xs.map((t) => t.data[0]);
      const n = Math.max(Math.ceil((lim - s) / d), 0);
      return [A.arr(x.dtype, [n], Array.from({ length: n }, (_, i) => s + i * d))];
    }
    case 'Where': return [A.binary(A.binary(xs[0], xs[1], (cnd, a) => (cnd ? a : NaN)), xs[2], (a, b) => (Number.isNaN(a) ? b : a))];
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd': {
      const fromInput = op === 'ReduceSum' ? f.opset >= 13 : f.opset >= 18;
      const axes = fromInput ? (f.ins[1] ? A.ints(xs[1]) : null) : ((f.attr('axes') as number[] | undefined) ?? null);
      return [A.reduce(x, axes, ai('keepdims', 1) === 1, op.slice(6).toLowerCase() as 'sum')];
    }
    case 'MatMul': return x.shape.length === 2 && xs[1].shape.length === 2 ? [A.matmul(x, xs[1])] : null;
    case 'Tile': {
      const reps = A.ints(xs[1]);
      let out = x;
      reps.forEach((r, ax) => (out = A.concat(Array(r).fill(out), ax)));
      return [out];
    }
    default: return null;
  }
}

/** ops on shapes with symbols, and on fills */
function foldSymbolic(f: FoldCtx, op: string): FoldResult {
  const [x, y] = f.ins;
  const ai = (n: string, d: number) => (typeof f.attr(n) === 'number' ? (f.attr(n) as number) : d);
  if (op === 'Shape') {
    const s = shapeOfSV(x);
    if (!s) return null;
    const r = s.length;
    const clampAxis = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const start = clampAxis(ai('start', 0));
    const end = clampAxis(ai('end', r));
    return [{ k: 'ints', v: s.slice(start, end) }];
  }
  const xi = intsOf(x);
  if (op === 'Cast' || op === 'Identity') {
    if (x?.k === 'ints' || x?.k === 'sym' || x?.k === 'fill') return [x];
    return null;
  }
  if (op === 'Gather' && x?.k === 'ints' && isConst(y)) {
    const idx = A.ints(y.a).map((i) => (i < 0 ? i + x.v.length : i));
    if (idx.some((i) => i < 0 || i >= x.v.length)) return `index out of range for a shape of rank ${x.v.length}`;
    return y.a.shape.length === 0 ? [{ k: 'sym', v: x.v[idx[0]] }] : [{ k: 'ints', v: idx.map((i) => x.v[i]) }];
  }
  if (op === 'Unsqueeze' && x?.k === 'sym') return [{ k: 'ints', v: [x.v] }];
  if (op === 'Squeeze' && x?.k === 'ints' && x.v.length === 1) return [{ k: 'sym', v: x.v[0] }];
  if (op === 'Concat' && f.ins.every((v) => intsOf(v) !== null) && f.ins.some((v) => v?.k === 'ints' || v?.k === 'sym')) {
    return [{ k: 'ints', v: f.ins.flatMap((v) => intsOf(v)!) }];
  }
  if (op === 'Slice' && x?.k === 'ints' && f.opset >= 10 && f.ins.slice(1).every((v) => v === undefined || isConst(v))) {
    const [s, e] = [A.ints((f.ins[1] as { a: Arr }).a)[0], A.ints((f.ins[2] as { a: Arr }).a)[0]];
    const step = f.ins[4] ? A.ints((f.ins[4] as { a: Arr }).a)[0] : 1;
    return [{ k: 'ints', v: A.sliceIndices(x.v.length, s, e, step).map((i) => x.v[i]) }];
  }
  if ((op === 'Mul' || op === 'Add' || op === 'Sub' || op === 'Div') && xi && intsOf(y)) {
    const yi = intsOf(y)!;
    // symbol × 1, symbol + 0: the symbol; anything else with a symbol: not understood
    const out: SymDim[] = [];
    const n = Math.max(xi.length, yi.length);
    for (let i = 0; i < n; i++) {
      const a = xi[xi.length === 1 ? 0 : i], b = yi[yi.length === 1 ? 0 : i];
      if (num(a) && num(b)) out.push(BINARY[op]?.(a, b) ?? Math.trunc(a / b));
      else if ((op === 'Mul' || op === 'Div') && b === 1) out.push(a);
      else if (op === 'Mul' && a === 1) out.push(b);
      else if ((op === 'Add' || op === 'Sub') && b === 0) out.push(a);
      else return `arithmetic on the dynamic size ${num(a) ? b : a}`;
    }
    return [x?.k === 'sym' && y?.k !== 'ints' ? { k: 'sym', v: out[0] } : { k: 'ints', v: out }];
  }
  if (op === 'ConstantOfShape' && xi) {
    const t = f.attr('value') as TensorProto | undefined;
    const v = t ? f.readTensor(t, 'ConstantOfShape value').data[0] : 0;
    return [{ k: 'fill', shape: xi, value: v }];
  }
  if (op === 'Expand' && isConst(x) && A.numel(x.a.shape) >= 1 && x.a.data.every((v) => v === x.a.data[0])) {
    const to = intsOf(y);
    if (to) return [{ k: 'fill', shape: to, value: x.a.data[0] }];
  }
  if (x?.k === 'fill') return foldFill(f, op, x);
  return null;
}

/** shape ops on a fill give a fill */
function foldFill(f: FoldCtx, op: string, x: { k: 'fill'; shape: SymDim[]; value: number }): FoldResult {
  const s = x.shape;
  const fill = (shape: SymDim[]): SV[] => [{ k: 'fill', shape, value: x.value }];
  switch (op) {
    case 'Transpose': {
      const perm = (f.attr('perm') as number[] | undefined) ?? s.map((_, i) => s.length - 1 - i);
      return fill(perm.map((p) => s[p]));
    }
    case 'Unsqueeze': {
      const axes = axesArg(f, 1);
      if (!Array.isArray(axes)) return null;
      const r = s.length + axes.length;
      const at = new Set(axes.map((a) => A.normAxis(a, r)));
      const out: SymDim[] = [];
      let k = 0;
      for (let i = 0; i < r; i++) out.push(at.has(i) ? 1 : s[k++]);
      return fill(out);
    }
    case 'Squeeze': {
      const axes = axesArg(f, 1);
      if (axes === 'dynamic') return null;
      const drop = new Set((axes ?? s.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => A.normAxis(a, s.length)));
      return fill(s.filter((_, i) => !drop.has(i)));
    }
    case 'Slice': {
      const v = (i: number) => (f.ins[i] && isConst(f.ins[i]) ? A.ints((f.ins[i] as { a: Arr }).a) : undefined);
      const [starts, ends, axes, steps] = f.opset < 10 ? [f.attr('starts') as number[], f.attr('ends') as number[], f.attr('axes') as number[] | undefined, undefined] : [v(1), v(2), v(3), v(4)];
      if (!starts || !ends) return null;
      const out = [...s];
      for (let i = 0; i < starts.length; i++) {
        const ax = A.normAxis(axes?.[i] ?? i, s.length);
        const d = s[ax];
        if (typeof d === 'string') {
          if (starts[i] === 0 && ends[i] >= 2 ** 31 - 1 && (steps?.[i] ?? 1) === 1) continue;
          return `slicing the dynamic size ${d}`;
        }
        out[ax] = A.sliceIndices(d, starts[i], ends[i], steps?.[i] ?? 1).length;
      }
      return fill(out);
    }
    case 'Cast':
    case 'Identity': return [x];
    case 'Reshape': {
      const t = intsOf(f.ins[1]);
      if (!t) return null;
      if (t.includes(-1)) return null;
      return fill(t.map((d, i) => (d === 0 ? s[i] : d)));
    }
    default: return null;
  }
}

export function fold(f: FoldCtx): FoldResult {
  const op = f.node.op_type ?? '';
  const xs = constInputs(f);
  if (xs && f.ins.length > 0 && !(op === 'Dropout' && f.ins.length === 0)) {
    try {
      const r = foldConst(f, op, xs);
      if (r !== null) return typeof r === 'string' ? r : r.map(c);
    } catch (e) {
      return `cannot compute it from its constant inputs: ${(e as Error).message}`;
    }
  }
  if (op === 'Constant') {
    const a = f.node.attribute?.[0];
    if (!a) return 'a Constant with no value';
    const v = attrValue(a);
    if (a.name === 'value') return [c(f.readTensor(v as TensorProto, 'Constant'))];
    if (a.name === 'value_float') return [c(A.scalar('float', v as number))];
    if (a.name === 'value_int') return [c(A.scalar('int', v as number))];
    if (a.name === 'value_floats') return [c(A.arr('float', [(v as number[]).length], v as number[]))];
    if (a.name === 'value_ints') return [c(A.arr('int', [(v as number[]).length], v as number[]))];
    return `a Constant holding ${a.name}, which seqgraph does not read`;
  }
  return foldSymbolic(f, op);
}
