// Layouts: how an ONNX tensor's axes relate to the seqgraph port value it holds.
//
// A seqgraph port has a canonical shape (Sequence [B,T,F], Vector [B,F], State [L·D,B,H], ...).
// ONNX models hold the same numbers in other arrangements: time-major [T,B,F], a recurrent Y
// [T,D,B,H] (F = D·H split in two), [B,T] flattened into one axis, unit axes from Unsqueeze.
// A layout describes the ONNX tensor as a list of axes, each a list of *atoms*; an atom is a
// piece of one canonical axis (its index `axis`, and the `stride` and `size` of that piece in
// the canonical axis's index, like one digit of a mixed-radix number). Transpose, Reshape,
// Squeeze and Unsqueeze only rearrange atoms, so a chain of them is followed exactly, and at the
// graph's edges the same atoms say how to turn an ONNX input into a seqgraph feed and a seqgraph
// output back into what the ONNX model returns.
//
// Sizes are numbers or symbols ('B', 'T:x'); a symbol may carry the number an exporter froze
// it to (a traced sequence length), which a Reshape may name instead of the symbol.
import { arr, numel, reshape, transpose, type Arr } from './import-array';

export type SymDim = number | string;

export interface Atom {
  axis: number;
  stride: number;
  size: SymDim;
}
export type Layout = Atom[][];

/** symbols an exporter froze to a number (traced shapes), and notes when a frozen number is read as its symbol */
export interface Symbols {
  frozen: Map<string, number>;
  noteFrozen(sym: string, n: number, where: string): void;
}

export const canonicalLayout = (shape: SymDim[]): Layout => shape.map((size, axis) => [{ axis, stride: 1, size }]);

const isOne = (a: Atom) => a.size === 1;

/** the size of one ONNX axis: a number, a symbol, or a product written 'B*T:x' */
export function axisSize(atoms: Atom[]): SymDim {
  let n = 1;
  const syms: string[] = [];
  for (const a of atoms) {
    if (typeof a.size === 'number') n *= a.size;
    else syms.push(a.size);
  }
  if (!syms.length) return n;
  if (syms.length === 1 && n === 1) return syms[0];
  return [...(n !== 1 ? [String(n)] : []), ...syms].join('*');
}

export const shapeOf = (l: Layout): SymDim[] => l.map(axisSize);

export function transposeLayout(l: Layout, perm: number[]): Layout {
  if (perm.length !== l.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw new Error(`perm [${perm.join(', ')}] does not fit rank ${l.length}`);
  return perm.map((p) => l[p]);
}

/** remove axes; each must hold only size-1 pieces */
export function squeezeLayout(l: Layout, axes: number[]): Layout | string {
  const r = l.length;
  const drop = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  for (const a of drop) {
    if (!(a >= 0 && a < r)) return `axis ${a} is out of range for rank ${r}`;
    if (!l[a].every(isOne)) return `axis ${a} has size ${axisSize(l[a])}, not 1`;
  }
  return l.filter((_, i) => !drop.has(i));
}

export function unsqueezeLayout(l: Layout, axes: number[]): Layout | string {
  const r = l.length + axes.length;
  const at = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  if (at.size !== axes.length || [...at].some((a) => a < 0 || a >= r)) return `axes [${axes.join(', ')}] do not fit rank ${r}`;
  const out: Layout = [];
  let k = 0;
  for (let i = 0; i < r; i++) out.push(at.has(i) ? [] : l[k++]);
  return out;
}

/** split atom `a` into (outer, inner) with inner of size `inner` */
function split(a: Atom, inner: number): [Atom, Atom] {
  const size = a.size as number;
  return [
    { axis: a.axis, stride: a.stride * inner, size: size / inner },
    { axis: a.axis, stride: a.stride, size: inner },
  ];
}

/**
 * ONNX Reshape on a layout. `target` holds numbers (0 = copy the input dim, -1 = the rest) and
 * symbols. Pieces are consumed left to right; a number may take several pieces (merge) or a
 * part of one (split, when sizes divide); a symbol takes the piece with that symbol; a number
 * equal to a symbol's frozen size takes that piece (a traced length read back as the symbol).
 */
export function reshapeLayout(l: Layout, target: SymDim[], syms: Symbols, where: string): Layout | string {
  const stream: Atom[] = l.flat().filter((a) => !isOne(a));
  const dims = target.map((d, i) => (d === 0 ? axisSize(l[i] ?? []) : d));
  const minus = dims.filter((d) => d === -1).length;
  if (minus > 1) return 'more than one -1 in the target shape';
  const take = (want: SymDim, from: Atom[], fromEnd: boolean): Atom[] | string => {
    const out: Atom[] = [];
    const next = () => (fromEnd ? from[from.length - 1] : from[0]);
    const pop = () => (fromEnd ? from.pop()! : from.shift()!);
    const push = (a: Atom) => (fromEnd ? from.push(a) : from.unshift(a));
    if (typeof want === 'string') {
      const parts = want.split('*');
      for (const p of fromEnd ? [...parts].reverse() : parts) {
        const a = next();
        if (!a || String(a.size) !== p) return `the target dim ${want} does not line up with the input's ${a ? String(a.size) : 'end'}`;
        out.push(pop());
      }
      return fromEnd ? out.reverse() : out;
    }
    let need = want;
    // a target 1 where the input has a symbol frozen to 1 (a batch traced with one row): that symbol
    const n0 = next();
    if (want === 1 && n0 && typeof n0.size === 'string' && syms.frozen.get(n0.size) === 1) {
      syms.noteFrozen(n0.size, 1, where);
      out.push(pop());
      return out;
    }
    while (need > 1) {
      const a = next();
      if (!a) return `the target dim ${want} is larger than what is left of the input`;
      if (typeof a.size === 'string') {
        // a number the exporter froze from this symbol (alone, or times other dims: B·T = 14)
        const f = syms.frozen.get(a.size);
        if (f !== undefined && f > 1 && need % f === 0) {
          syms.noteFrozen(a.size, f, where);
          out.push(pop());
          need /= f;
          continue;
        }
        return `the target dim ${want} would split or merge the dynamic dim ${a.size}`;
      }
      if (a.size <= need) {
        if (need % a.size !== 0) return `the target dim ${want} does not divide into the input's dims`;
        out.push(pop());
        need /= a.size;
      } else {
        if (a.size % need !== 0) return `the target dim ${want} does not divide the input dim ${a.size}`;
        pop();
        const [outer, inner] = split(a, fromEnd ? need : a.size / need);
        // left to right we take the outer piece of size `need`; from the end, the inner one
        if (fromEnd) {
          out.push(inner);
          push(outer);
        } else {
          out.push(outer);
          push(inner);
        }
        need = 1;
      }
    }
    return fromEnd ? out.reverse() : out;
  };
  const rest = [...stream];
  const out: Layout = new Array(dims.length);
  const m = dims.indexOf(-1);
  const front = m < 0 ? dims.length : m;
  for (let i = 0; i < front; i++) {
    const t = take(dims[i], rest, false);
    if (typeof t === 'string') return t;
    out[i] = t;
  }
  if (m >= 0) {
    for (let i = dims.length - 1; i > m; i--) {
      const t = take(dims[i], rest, true);
      if (typeof t === 'string') return t;
      out[i] = t;
    }
    out[m] = rest.splice(0);
  }
  if (rest.length) return `the target shape [${target.join(', ')}] is smaller than the input [${shapeOf(l).join(', ')}]`;
  return out;
}

/** whether the ONNX axis holds exactly canonical axis `axis` (all its pieces, in order) and no other axis holds any of it */
export function axisIs(l: Layout, k: number, axis: number, canon: SymDim[]): boolean {
  const here = l[k].filter((a) => !isOne(a));
  if (here.some((a) => a.axis !== axis)) return false;
  for (let j = 0; j < l.length; j++) if (j !== k && l[j].some((a) => a.axis === axis && !isOne(a))) return false;
  return piecesComplete(here, canon[axis]);
}

/** pieces of one canonical axis, outer to inner, that together make the whole axis */
export function piecesComplete(atoms: Atom[], size: SymDim): boolean {
  const real = atoms.filter((a) => !isOne(a));
  if (typeof size === 'string') return real.length === 1 && real[0].size === size && real[0].stride === 1;
  let stride = 1;
  for (let i = real.length - 1; i >= 0; i--) {
    if (real[i].stride !== stride || typeof real[i].size !== 'number') return false;
    stride *= real[i].size as number;
  }
  return stride === size;
}

/** which canonical axes appear anywhere in the layout */
export const axesPresent = (l: Layout): Set<number> => new Set(l.flat().filter((a) => !isOne(a)).map((a) => a.axis));

/** the layout is the canonical arrangement (possibly with size-1 axes missing or added nowhere) */
export function isCanonical(l: Layout, canon: SymDim[]): boolean {
  if (l.length !== canon.length) return false;
  return canon.every((size, axis) => (size === 1 ? l[axis].every(isOne) : axisIs(l, axis, axis, canon)));
}

// ---- adapting tensors between an ONNX layout and seqgraph's canonical shape

function atomSizes(l: Layout, shape: number[], what: string): number[][] {
  if (shape.length !== l.length) throw new Error(`${what} has rank ${shape.length}, the model says ${l.length}`);
  return l.map((atoms, k) => {
    const known = atoms.reduce((p, a) => (typeof a.size === 'number' ? p * a.size : p), 1);
    const symbolic = atoms.filter((a) => typeof a.size !== 'number').length;
    if (symbolic > 1) throw new Error(`${what}: axis ${k} merges two dynamic dims`);
    const rest = shape[k] / known;
    if (!Number.isInteger(rest) || (!symbolic && rest !== 1)) throw new Error(`${what}: axis ${k} has size ${shape[k]}, the model needs ${axisSize(atoms)}`);
    return atoms.map((a) => (typeof a.size === 'number' ? a.size : rest));
  });
}

function order(atoms: Atom[]): number[] {
  return atoms.map((_, i) => i).sort((i, j) => atoms[i].axis - atoms[j].axis || atoms[j].stride - atoms[i].stride);
}

/** an ONNX tensor laid out as `l` -> the seqgraph tensor of canonical rank `rank` (absent axes get size 1) */
export function toCanonical(x: Arr, l: Layout, rank: number, what: string): Arr {
  const sizes = atomSizes(l, x.shape, what);
  const atoms = l.flat();
  const flatSizes = sizes.flat();
  const perm = order(atoms);
  const t = transpose(reshape(x, flatSizes), perm);
  const shape = new Array<number>(rank).fill(1);
  perm.forEach((i) => (shape[atoms[i].axis] *= flatSizes[i]));
  return reshape(t, shape);
}

/** a seqgraph tensor (canonical shape) -> the ONNX arrangement `l` */
export function fromCanonical(y: Arr, l: Layout, what: string): Arr {
  const atoms = l.flat();
  const perm = order(atoms);
  // sizes: numbers as given, a symbol as the canonical axis's size divided by its other pieces
  const sizes = atoms.map((a) => {
    if (typeof a.size === 'number') return a.size;
    const others = atoms.filter((b) => b.axis === a.axis && b !== a).reduce((p, b) => p * (b.size as number), 1);
    return y.shape[a.axis] / others;
  });
  const present = new Set(atoms.map((a) => a.axis));
  y.shape.forEach((d, axis) => {
    if (!present.has(axis) && d !== 1) throw new Error(`${what}: axis ${axis} has size ${d}, the model holds it as 1`);
  });
  const canonOrder = perm.map((i) => sizes[i]);
  const t = reshape(y, canonOrder);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  const back = transpose(t, inv);
  let k = 0;
  const shape = l.map((axAtoms) => {
    let n = 1;
    for (let i = 0; i < axAtoms.length; i++) n *= sizes[k++];
    return n;
  });
  return reshape(back, shape);
}

export function emptyArr(shape: number[]): Arr {
  return arr('float', shape, new Array(numel(shape)).fill(0));
}
