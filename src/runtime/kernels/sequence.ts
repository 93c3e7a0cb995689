// Kernels of the shape and sequence ops: forward and backward side by side. Sequences are
// [B, T, D] with optional per-row lengths; steps at or past a row's length are padding, read as
// 0 and given no gradient (packed-sequence semantics).
import { allocLike, fdata, floatLike, intTensor, type FArr, type Tensor } from '../tensor';
import { KernelError, noGradient, type InputGrads, type KernelEntry } from './types';
import { Cumulative } from './cumulative';

type Entry = KernelEntry;

function strides(shape: number[], axis: number) {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { outer, inner };
}

const Slice: Entry = {
  forward(cx, [X]) {
    const x = X!, { axis, start, end } = cx.op.attrs as { axis: number; start: number; end: number };
    const { outer, inner } = strides(x.shape, axis);
    const n = x.shape[axis];
    if (start < 0 || end > n || start >= end) throw new KernelError(`slice [${start}, ${end}) of an axis of length ${n}`);
    const shape = [...x.shape];
    shape[axis] = end - start;
    const out = x.dtype === 'float32' ? floatLike(x, shape) : intTensor(shape);
    for (let o = 0; o < outer; o++) out.data.set(x.data.subarray((o * n + start) * inner, (o * n + end) * inner), o * (end - start) * inner);
    return { outs: [out] };
  },
  backward({ entry }, [dY]) {
    const x = entry.ins[0]!, { axis, start, end } = entry.op.attrs as { axis: number; start: number; end: number };
    const { outer, inner } = strides(x.shape, axis);
    const n = x.shape[axis], w = (end - start) * inner;
    const dX = allocLike(dY, x.data.length);
    for (let o = 0; o < outer; o++) dX.set(dY!.subarray(o * w, o * w + w), (o * n + start) * inner);
    return [dX];
  },
};

const Concat: Entry = {
  forward(cx, parts) {
    const ps = parts as Tensor[], axis = cx.op.attrs.axis as number;
    const shape = [...ps[0].shape];
    shape[axis] = ps.reduce((a, p) => a + p.shape[axis], 0);
    for (const p of ps) {
      if (p.shape.length !== shape.length || p.shape.some((d, i) => i !== axis && d !== shape[i])) throw new KernelError(`concat: shapes [${ps.map((q) => q.shape.join(',')).join('] [')}] do not line up on axis ${axis}`);
    }
    const out = floatLike(ps[0], shape);
    const { outer } = strides(shape, axis);
    const innerOf = (p: Tensor) => p.shape.slice(axis).reduce((a, b) => a * b, 1);
    const total = innerOf(out);
    for (let o = 0; o < outer; o++) {
      let off = o * total;
      for (const p of ps) {
        const k = innerOf(p);
        out.data.set(p.data.subarray(o * k, o * k + k), off);
        off += k;
      }
    }
    return { outs: [out] };
  },
  backward({ entry, need }, [dY]) {
    const ps = entry.ins as Tensor[], axis = entry.op.attrs.axis as number;
    const out = entry.outs[0]!;
    const { outer } = strides(out.shape, axis);
    const innerOf = (p: Tensor) => p.shape.slice(axis).reduce((a, b) => a * b, 1);
    const total = innerOf(out);
    const grads: InputGrads = ps.map((p, i) => (need[i] ? allocLike(dY, p.data.length) : undefined));
    for (let o = 0; o < outer; o++) {
      let off = o * total;
      ps.forEach((p, i) => {
        const k = innerOf(p);
        grads[i]?.set(dY!.subarray(off, off + k), o * k);
        off += k;
      });
    }
    return grads;
  },
};

/** tokens [B,T] -> lengths [B]: padding must sit at the end of a row, and a row must not be empty */
export function seqLengths(tokens: Tensor, pad: number): Tensor {
  const [B, T] = tokens.shape;
  const out = intTensor([B]);
  for (let b = 0; b < B; b++) {
    let len = 0;
    for (let t = 0; t < T; t++) {
      if (tokens.data[b * T + t] !== pad) {
        if (len !== t) throw new KernelError(`row ${b} has <pad> at step ${len} before a real token at step ${t}: padding must be at the end`);
        len = t + 1;
      }
    }
    if (len === 0) throw new KernelError(`row ${b} is empty (only <pad>): give every row at least one token`);
    out.data[b] = len;
  }
  return out;
}

const SeqLengths: Entry = {
  forward: (cx, [tokens]) => ({ outs: [seqLengths(tokens!, cx.op.attrs.pad as number)] }),
  backward: noGradient,
};

function lengthsOr(lengths: Tensor | undefined, B: number, T: number): ArrayLike<number> {
  return lengths ? lengths.data : new Int32Array(B).fill(T);
}

const LastStep: Entry = {
  forward(_cx, [X, lengths]) {
    const x = X!, [B, T, D] = x.shape;
    const len = lengthsOr(lengths, B, T);
    const out = floatLike(x, [B, D]);
    for (let b = 0; b < B; b++) {
      const t = len[b] - 1;
      out.data.set(x.data.subarray((b * T + t) * D, (b * T + t + 1) * D), b * D);
    }
    return { outs: [out] };
  },
  backward({ entry }, [dY]) {
    const [B, T, D] = entry.ins[0]!.shape;
    const len = lengthsOr(entry.ins[1], B, T);
    const dX = allocLike(dY, B * T * D);
    for (let b = 0; b < B; b++) dX.set(dY!.subarray(b * D, b * D + D), (b * T + len[b] - 1) * D);
    return [dX];
  },
};

/** mean or max over the valid steps; in training, max also saves where each maximum was (the first, as torch.max) */
const SeqPool: Entry = {
  forward(cx, [X, lengths]) {
    const x = X!, [B, T, D] = x.shape, mode = cx.op.attrs.mode as string;
    const len = lengthsOr(lengths, B, T);
    const out = floatLike(x, [B, D]);
    const s = fdata(x), d = fdata(out);
    const arg = mode === 'max' && cx.train ? new Int32Array(B * D) : null;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < D; j++) {
        let acc = mode === 'max' ? -Infinity : 0, at = 0;
        for (let t = 0; t < len[b]; t++) {
          const v = s[(b * T + t) * D + j];
          if (mode !== 'max') acc += v;
          else if (v > acc) { acc = v; at = t; }
        }
        d[b * D + j] = mode === 'max' ? acc : acc / len[b];
        if (arg !== null) arg[b * D + j] = at;
      }
    }
    return { outs: [out], saved: arg };
  },
  backward({ entry }, [dY]) {
    const [B, T, D] = entry.ins[0]!.shape, mode = entry.op.attrs.mode as string;
    const len = lengthsOr(entry.ins[1], B, T);
    const g = dY!, dX = allocLike(g, B * T * D);
    const arg = entry.saved as Int32Array | null;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < D; j++) {
        if (mode === 'max') dX[(b * T + arg![b * D + j]) * D + j] = g[b * D + j];
        else for (let t = 0; t < len[b]; t++) dX[(b * T + t) * D + j] = g[b * D + j] / len[b];
      }
    }
    return [dX];
  },
};

const RepeatVector: Entry = {
  forward(cx, [V]) {
    const v = V!, [B, D] = v.shape, n = cx.op.attrs.n as number;
    const out = floatLike(v, [B, n, D]);
    for (let b = 0; b < B; b++) for (let t = 0; t < n; t++) out.data.set(v.data.subarray(b * D, b * D + D), (b * n + t) * D);
    return { outs: [out] };
  },
  backward({ entry }, [dY]) {
    const [B, D] = entry.ins[0]!.shape, n = entry.op.attrs.n as number;
    const dV = allocLike(dY, B * D);
    for (let b = 0; b < B; b++) for (let t = 0; t < n; t++) for (let j = 0; j < D; j++) dV[b * D + j] += dY![(b * n + t) * D + j];
    return [dV];
  },
};

const MaskSteps: Entry = {
  forward(_cx, [X, lengths]) {
    const x = X!, [B, T, D] = x.shape;
    const out = floatLike(x, x.shape);
    out.data.set(x.data);
    for (let b = 0; b < B; b++) out.data.fill(0, (b * T + lengths!.data[b]) * D, (b + 1) * T * D);
    return { outs: [out] };
  },
  backward({ entry }, [dY]) {
    const [B, T, D] = entry.ins[0]!.shape, lengths = entry.ins[1]!.data;
    const dX = allocLike(dY, dY!.length);
    for (let b = 0; b < B; b++) dX.set(dY!.subarray(b * T * D, (b * T + lengths[b]) * D), b * T * D);
    return [dX];
  },
};

/** the two direction halves of the last axis merged by sum | mul | ave */
const MergeDirections: Entry = {
  forward(cx, [X]) {
    const x = X!, mode = cx.op.attrs.mode as string;
    const D2 = x.shape[x.shape.length - 1], H = D2 / 2;
    const out = floatLike(x, [...x.shape.slice(0, -1), H]);
    const s = fdata(x), d = fdata(out);
    for (let r = 0, o = 0; r < s.length; r += D2, o += H) {
      for (let j = 0; j < H; j++) {
        const a = s[r + j], b = s[r + H + j];
        d[o + j] = mode === 'sum' ? a + b : mode === 'mul' ? a * b : 0.5 * (a + b);
      }
    }
    return { outs: [out] };
  },
  backward({ entry }, [dY]) {
    const x = fdata(entry.ins[0]!), mode = entry.op.attrs.mode as string, g = dY!;
    const D2 = entry.ins[0]!.shape[entry.ins[0]!.shape.length - 1], H = D2 / 2;
    const dX = allocLike(g, x.length);
    for (let r = 0, o = 0; r < x.length; r += D2, o += H) {
      for (let j = 0; j < H; j++) {
        const gy = g[o + j];
        if (mode === 'mul') { dX[r + j] = gy * x[r + H + j]; dX[r + H + j] = gy * x[r + j]; }
        else { const v = mode === 'sum' ? gy : 0.5 * gy; dX[r + j] = v; dX[r + H + j] = v; }
      }
    }
    return [dX];
  },
};

/** [D, B, H] final states -> [B, D·H] */
const StateToVector: Entry = {
  forward(_cx, [S]) {
    const s = S!, [D, B, H] = s.shape;
    const out = floatLike(s, [B, D * H]);
    for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) out.data.set(s.data.subarray((d * B + b) * H, (d * B + b + 1) * H), b * D * H + d * H);
    return { outs: [out] };
  },
  backward({ entry }, [dY]) {
    const [D, B, H] = entry.ins[0]!.shape;
    const dS: FArr = allocLike(dY, D * B * H);
    for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) dS.set(dY!.subarray(b * D * H + d * H, b * D * H + (d + 1) * H), (d * B + b) * H);
    return [dS];
  },
};

/** fed per-row lengths of a float sequence (Input `lengths`): each in 1..T; integers, so no gradient */
const CheckLengths: Entry = {
  forward(_cx, [X, L]) {
    const [B, T] = X!.shape, lengths = L!;
    if (lengths.shape.length !== 1 || lengths.shape[0] !== B) throw new KernelError(`the lengths have shape [${lengths.shape.join(', ')}]; the sequence has ${B} rows, so [${B}] is needed`);
    for (let b = 0; b < B; b++) {
      const n = lengths.data[b];
      if (!(n >= 1 && n <= T)) throw new KernelError(`row ${b} has length ${n}; lengths must lie in 1..${T} (the sequence's steps)`);
    }
    return { outs: [lengths] };
  },
  backward: noGradient,
};

export const SEQUENCE_KERNELS = { Slice, Concat, SeqLengths, CheckLengths, LastStep, SeqPool, RepeatVector, MaskSteps, MergeDirections, StateToVector, Cumulative };
