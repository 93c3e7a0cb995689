// ONNX RNN / LSTM / GRU -> seqgraph's RNN / LSTM / GRU nodes, with weights in PyTorch's layout
// and names (weight_ih_l0, bias_hh_l1_reverse, ...; gate blocks reordered from ONNX's i,o,f,c and
// z,r,h to PyTorch's i,f,g,o and r,z,n; B split into b_ih and b_hh).
//
// Every attribute is read: direction (forward / reverse / bidirectional), layout 0 (time-major)
// and 1 (batch-first), linear_before_reset, activations with their alpha/beta (every one of ONNX's
// list: the nodes' nonlinearity / recurrent_activation / activation / output_activation and their
// _alpha / _beta; a name outside the list, or directions with different activations, is refused
// naming the node), clip (the nodes' `clip`), input_forget (the LSTM's `input_forget`),
// peepholes P (the LSTM's `peephole` param; see mapPeepholes), sequence_lens (the lengths of the
// Input the sequence comes from) and initial states (zeros, or the final states of another node or
// a State input).
//
// Stacked layers: PyTorch writes one ONNX op per layer, each reading the previous one's output.
// Such an op becomes the next layer of the same node (num_layers + 1) when it is configured
// alike. A reference to a lower layer's own output or states that a merge would hide is
// detected at the end, and the import runs again without that merge.
import * as A from './import-array';
import { axisIs, type Atom, type Layout } from './import-layout';
import type { HCtx, Handler, ImportState, RecInfo } from './import-ctx';
import { describe, type PortSV, type StateSV, type SV } from './import-values';
import { ACTIVATIONS, ACT_PARAMS, ONNX_NAME } from '../runtime/kernels/activations';

type Cell = 'RNN' | 'LSTM' | 'GRU';
const GATES: Record<Cell, number> = { RNN: 1, LSTM: 4, GRU: 3 };
/** PyTorch gate block j is ONNX block FROM_ONNX[j] (LSTM ONNX i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n) */
const FROM_ONNX: Record<Cell, number[]> = { RNN: [0], LSTM: [0, 2, 3, 1], GRU: [1, 0, 2] };
const DEFAULT_ACTS: Record<Cell, string[]> = { RNN: ['Tanh'], LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'] };
/** an ONNX activation name as the nodes spell it (onnxruntime reads the names case-insensitively) */
const snake = (name: string) => ACTIVATIONS.find((n) => ONNX_NAME[n].toLowerCase() === name.toLowerCase());

interface Act {
  name: string;
  alpha?: number;
  beta?: number;
}

/** activations per direction, with the alpha/beta each one consumes in order */
function readActivations(c: HCtx, cell: Cell, D: number): Act[][] | string {
  const names = (c.attr('activations') as string[] | undefined) ?? Array.from({ length: D }, () => DEFAULT_ACTS[cell]).flat();
  const per = DEFAULT_ACTS[cell].length;
  if (names.length !== per * D) return `it lists ${names.length} activations; a ${D === 2 ? 'bidirectional ' : ''}${cell} needs ${per * D}`;
  const alphas = [...((c.attr('activation_alpha') as number[] | undefined) ?? [])];
  const betas = [...((c.attr('activation_beta') as number[] | undefined) ?? [])];
  const acts = names.map((name) => {
    const d = ACT_PARAMS[snake(name) ?? 'tanh'];
    return {
      name,
      ...(d.alpha !== undefined ? { alpha: alphas.length ? alphas.shift()! : d.alpha } : {}),
      ...(d.beta !== undefined ? { beta: betas.length ? betas.shift()! : d.beta } : {}),
    };
  });
  return Array.from({ length: D }, (_, d) => acts.slice(d * per, (d + 1) * per));
}

/** shortest decimal that is the same float32 (attributes are float32: 0.2 is read as 0.200000003) */
function f32Decimal(x: number): number {
  for (let p = 1; p <= 17; p++) {
    const v = Number(x.toPrecision(p));
    if (Math.fround(v) === Math.fround(x)) return v;
  }
  return x;
}
const actText = (a: Act) => `${a.name}${a.alpha !== undefined ? `(alpha=${f32Decimal(a.alpha)}${a.beta !== undefined ? `, beta=${f32Decimal(a.beta)}` : ''})` : ''}`;

/**
 * One ONNX activation as the node's params for a role (`nonlinearity`, `activation`, ...): the
 * snake_case name, and its alpha / beta where they differ from ONNX's defaults; or why not.
 */
function actParams(a: Act, role: string): Record<string, unknown> | string {
  const name = snake(a.name);
  if (!name) return `its activation ${actText(a)} is not one of ONNX's (${ACTIVATIONS.map((n) => ONNX_NAME[n]).join(', ')})`;
  const out: Record<string, unknown> = { [role]: name };
  for (const w of ['alpha', 'beta'] as const) {
    const dflt = ACT_PARAMS[name][w], v = a[w];
    if (dflt !== undefined && v !== undefined && Math.fround(v) !== Math.fround(dflt)) out[`${role}_${w}`] = f32Decimal(v);
  }
  return out;
}

/** a direction's activations (f, g, h as ONNX lists them) as the node's params */
function activationsAsParams(cell: Cell, a: Act[]): Record<string, unknown> | string {
  const parts = cell === 'RNN' ? [actParams(a[0], 'nonlinearity')] : [actParams(a[0], 'recurrent_activation'), actParams(a[1], 'activation')];
  if (cell === 'LSTM') {
    const g = actParams(a[1], 'output_activation'), h = actParams(a[2], 'output_activation');
    // h is the output activation; the same as g (PyTorch, Keras) is the node's default 'same'
    if (typeof h === 'string' || JSON.stringify(g) !== JSON.stringify(h)) parts.push(h);
  }
  const bad = parts.find((p) => typeof p === 'string');
  return bad ?? Object.assign({}, ...parts);
}

/**
 * Peephole weights P [D, 3H], blocks in ONNX's order i, o, f -> the LSTM's `peephole` param and
 * weight_peephole_l{k}(_reverse) [3H] in the node's order i, f, o. A P of zeros (what PyTorch's
 * exporter and most converters write) or none means no peepholes. Returns the weights per
 * direction, or why P cannot be mapped.
 */
export function mapPeepholes(P: SV | undefined, D: number, H: number): Float32Array[] | null | string {
  if (!P) return null;
  if (P.k !== 'const') return `its peephole weights P are ${describe(P)}, not constants`;
  if (P.a.shape.join() !== [D, 3 * H].join()) return `its P has shape [${P.a.shape.join(', ')}]; [${D}, ${3 * H}] is needed`;
  if (A.isAll(P.a, 0)) return null;
  return Array.from({ length: D }, (_, d) => {
    const src = P.a.data.subarray(d * 3 * H, (d + 1) * 3 * H);
    const out = new Float32Array(3 * H);
    // node block j (i, f, o) = ONNX block [0, 2, 1][j] (i, o, f)
    [0, 2, 1].forEach((o, j) => out.set(src.subarray(o * H, (o + 1) * H), j * H));
    return out;
  });
}

/** ONNX [G*H, K] in ONNX gate order -> PyTorch gate order */
function reorder(src: Float32Array | Float64Array, cell: Cell, H: number, K: number): Float32Array {
  const out = new Float32Array(GATES[cell] * H * K);
  FROM_ONNX[cell].forEach((o, j) => out.set(src.subarray(o * H * K, (o + 1) * H * K), j * H * K));
  return out;
}

const timeMajor = (X: PortSV) => axisIs(X.layout, 0, 1, X.canon);
const bAxisOk = (X: PortSV, k: number) => axisIs(X.layout, k, 0, X.canon) || (X.layout[k].every((a) => a.size === 1) && !X.layout.flat().some((a) => a.axis === 0 && a.size !== 1));

const recurrentH: Handler = (c) => {
  const cell = c.op as Cell;
  const G = GATES[cell];
  const [X, W, R, Bv, lens, h0, c0, P] = c.ins;
  if (X?.k !== 'port' || X.ptype !== 'Sequence') return `its X is ${describe(X)}, not a sequence`;
  const layout1 = c.int('layout', 0) === 1;
  const [tAx, bAx] = layout1 ? [1, 0] : [0, 1];
  if (!axisIs(X.layout, tAx, 1, X.canon) || !bAxisOk(X, bAx) || !axisIs(X.layout, 2, 2, X.canon)) {
    return `its X is not laid out ${layout1 ? '[batch, time, features] (layout=1)' : '[time, batch, features] (layout=0)'}${timeMajor(X) === layout1 ? '' : ''}`;
  }
  for (const [v, n] of [[W, 'W'], [R, 'R']] as const) if (v?.k !== 'const') return `its ${n} is ${describe(v)}: seqgraph holds weights in the node, so they must be constants (an initializer, or a bound input)`;
  const Wa = (W as { a: A.Arr }).a, Ra = (R as { a: A.Arr }).a;
  const dir = c.str('direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(dir)) return `direction '${dir}'`;
  const D = dir === 'bidirectional' ? 2 : 1;
  const H = c.int('hidden_size', Ra.shape[2] ?? 0);
  const I = X.canon[2] as number;
  if (Wa.shape.join() !== [D, G * H, I].join()) return `its W has shape [${Wa.shape.join(', ')}]; [${D}, ${G * H}, ${I}] is needed`;
  if (Ra.shape.join() !== [D, G * H, H].join()) return `its R has shape [${Ra.shape.join(', ')}]; [${D}, ${G * H}, ${H}] is needed`;
  if (Bv && (Bv.k !== 'const' || Bv.a.shape.join() !== [D, 2 * G * H].join())) return `its B is ${describe(Bv)}; a constant [${D}, ${2 * G * H}] is needed`;
  const clip = c.attr('clip') as number | undefined;
  if (clip !== undefined && !(clip > 0)) return `its clip is ${clip}; ONNX's clip is a positive threshold`;
  const peep = cell === 'LSTM' ? mapPeepholes(P, D, H) : null;
  if (typeof peep === 'string') return peep;
  const acts = readActivations(c, cell, D);
  if (typeof acts === 'string') return acts;
  const params: Record<string, unknown> = { hidden_size: H, num_layers: 1, bidirectional: D === 2, ...(dir === 'reverse' ? { reverse: true } : {}), bias: !!Bv };
  // one set of activation params for the node: both directions must agree
  const actSets = acts.map((a) => activationsAsParams(cell, a));
  const badAct = actSets.find((x) => typeof x === 'string');
  if (badAct !== undefined) return badAct as string;
  if (D === 2 && JSON.stringify(actSets[0]) !== JSON.stringify(actSets[1])) return 'its two directions use different activations (a seqgraph node has one set for both)';
  Object.assign(params, actSets[0]);
  if (clip !== undefined) params.clip = f32Decimal(clip);
  if (cell === 'LSTM' && c.int('input_forget', 0) !== 0) params.input_forget = true;
  if (cell === 'GRU') params.linear_before_reset = c.int('linear_before_reset', 0) === 1;
  if (peep) params.peephole = true;

  // sequence lengths: those of the Input the sequence comes from
  if (lens) {
    if (lens.k === 'lengths') {
      if (X.lengthsOf !== lens.input) return 'its sequence_lens are the lengths of another input than its X comes from';
    } else if (lens.k === 'const') {
      const T = X.canon[1];
      const frozen = typeof T === 'string' ? c.st.syms.frozen.get(T) : T;
      if (frozen === undefined || !A.isAll(lens.a, frozen)) return `its sequence_lens are constants [${Array.from(lens.a.data).join(', ')}], not every row's full length`;
      c.st.syms.noteFrozen(String(T), frozen, `${c.label} sequence_lens`);
    } else return `its sequence_lens are ${describe(lens)}`;
  } else if (X.lengthsOf) return 'its X carries per-row lengths but the op ignores them (no sequence_lens)';

  const init = (v: SV | undefined, which: string): { node: string; rows: number[] } | undefined | string => {
    if (!v || (v.k === 'fill' && v.value === 0) || (v.k === 'const' && A.isAll(v.a, 0))) return undefined;
    if (v.k !== 'state') return `its ${which} is ${describe(v)}`;
    if (v.c !== (which === 'initial_c')) return `its ${which} is the ${v.c ? 'cell state c' : 'hidden state h'} of another node`;
    const rk = layout1 ? 1 : 0;
    const ok = v.rows.length === D && axisIs(v.layout, rk, 0, [D, 'B', H]) && axisIs(v.layout, 2, 2, [D, 'B', H]) && v.H === H;
    if (!ok) return `its ${which} is not laid out [${layout1 ? 'batch, directions' : 'directions, batch'}, hidden]`;
    return { node: v.node, rows: v.rows };
  };
  const ih = init(h0, 'initial_h');
  if (typeof ih === 'string') return ih;
  const ic = cell === 'LSTM' ? init(c0, 'initial_c') : undefined;
  if (typeof ic === 'string') return ic;

  // the next layer of the node X comes from, or a new node
  const st = c.st;
  const sig = JSON.stringify({ cell, H, D, params: { ...params, bias: undefined } });
  const prev = X.ref.port === 'output' ? st.recurrent.get(X.ref.node) : undefined;
  const merge = prev && X.ref.layers === prev.layers && prev.signature === sig && !st.noMerge.has(X.ref.node) && (prev.initial[0] === undefined) === (ih === undefined);
  let id: string;
  let info: RecInfo;
  if (merge) {
    id = X.ref.node;
    info = prev!;
    st.b.node(id).params.num_layers = info.layers + 1;
  } else {
    const name = c.scope || cell.toLowerCase();
    id = st.b.add(cell, name, params);
    st.b.connect(X.ref, id, 'input');
    info = { cell, H, D, layers: 0, signature: sig, initial: [], initialC: [], hasBias: [], scope: c.scope };
    st.recurrent.set(id, info);
  }
  const l = info.layers++;
  info.initial.push(ih);
  info.initialC.push(ic);
  info.hasBias.push(!!Bv);
  for (let d = 0; d < D; d++) {
    const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
    st.b.setWeight(id, `weight_ih${sfx}`, [G * H, I], reorder(Wa.data.subarray(d * G * H * I, (d + 1) * G * H * I), cell, H, I));
    st.b.setWeight(id, `weight_hh${sfx}`, [G * H, H], reorder(Ra.data.subarray(d * G * H * H, (d + 1) * G * H * H), cell, H, H));
    if (peep) st.b.setWeight(id, `weight_peephole${sfx}`, [3 * H], peep[d]);
  }
  // biases: ONNX leaves B out for zeros; the node has biases when any of its layers has them
  if (info.hasBias.some(Boolean)) {
    st.b.node(id).params.bias = true;
    for (let k = 0; k <= l; k++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${k}${d === 1 ? '_reverse' : ''}`;
        if (st.b.weights[id]?.[`bias_ih${sfx}`]) continue;
        const Bd = k === l && Bv?.k === 'const' ? Bv.a.data.subarray(d * 2 * G * H, (d + 1) * 2 * G * H) : new Float32Array(2 * G * H);
        st.b.setWeight(id, `bias_ih${sfx}`, [G * H], reorder(Bd.subarray(0, G * H), cell, H, 1));
        st.b.setWeight(id, `bias_hh${sfx}`, [G * H], reorder(Bd.subarray(G * H), cell, H, 1));
      }
    }
  }

  // outputs: Y [T,D,B,H] (layout 1: [B,T,D,H]), Y_h and Y_c [D,B,H] (layout 1: [B,D,H])
  const T = X.layout[tAx], Bat = X.layout[bAx];
  const Fd: Atom = { axis: 2, stride: H, size: D }, Fh: Atom = { axis: 2, stride: 1, size: H };
  const yLayout: Layout = layout1 ? [Bat, T, [Fd], [Fh]] : [T, [Fd], Bat, [Fh]];
  const Y: PortSV = { k: 'port', ref: { node: id, port: 'output', layers: l + 1 }, ptype: 'Sequence', canon: [X.canon[0], X.canon[1], D * H], layout: yLayout, lengthsOf: X.lengthsOf };
  const bState = Bat.map((a) => ({ ...a, axis: 1 }));
  const R0: Atom = { axis: 0, stride: 1, size: D }, HA: Atom = { axis: 2, stride: 1, size: H };
  const sLayout: Layout = layout1 ? [bState, [R0], [HA]] : [[R0], bState, [HA]];
  const rows = Array.from({ length: D }, (_, d) => l * D + d);
  const Yh: StateSV = { k: 'state', node: id, c: false, rows, H, layout: sLayout };
  return [Y, Yh, ...(cell === 'LSTM' ? [{ ...Yh, c: true }] : [])];
};

export const RECURRENT_HANDLERS: Record<string, Handler> = { RNN: recurrentH, LSTM: recurrentH, GRU: recurrentH };

/** total rows of a node's final states: layers × directions, or a State Input's layers */
export function stateRows(st: ImportState, node: string): number {
  const info = st.recurrent.get(node);
  if (info) return info.layers * info.D;
  return st.b.node(node).params.layers as number;
}

/** the rows of the top layer of a recurrent node, forward then reverse */
function topRows(info: RecInfo): number[] {
  return Array.from({ length: info.D }, (_, d) => (info.layers - 1) * info.D + d);
}

/**
 * Final states used as a value: all rows -> the node's `state` port (a State); the top layer's
 * rows -> its `last` port (a Vector [B, D·H], directions side by side, as PyTorch's
 * cat(h_n[-2], h_n[-1])).
 */
export function stateAsPort(st: ImportState, s: StateSV, wantVector: boolean): PortSV | string {
  const info = st.recurrent.get(s.node);
  const total = stateRows(st, s.node);
  const all = s.rows.length === total && s.rows.every((r, i) => r === i);
  if (!wantVector && all && !s.c) return { k: 'port', ref: { node: s.node, port: 'state' }, ptype: 'State', canon: [total, 'B', s.H], layout: s.layout };
  if (!info) return 'it uses only some rows of a State input';
  if (s.c) return 'it uses the LSTM\'s cell states c as a vector; seqgraph passes on h (last) or the whole state';
  const top = topRows(info);
  if (s.rows.length !== top.length || s.rows.some((r, i) => r !== top[i])) {
    return `it uses final states ${s.rows.join(', ')} of ${total}; seqgraph passes on the top layer's (last: ${top.join(', ')}) or all of them (state)`;
  }
  const layout = s.layout.map((atoms) =>
    atoms.map((a) => (a.axis === 0 ? { axis: 1, stride: a.stride * s.H, size: a.size } : a.axis === 1 ? { ...a, axis: 0 } : { axis: 1, stride: a.stride, size: a.size })),
  );
  return { k: 'port', ref: { node: s.node, port: 'last', layers: info.layers }, ptype: 'Vector', canon: ['B', info.D * s.H], layout };
}

/**
 * After every op: connect each recurrent node's initial state (the rows its layers took must
 * make up the whole state of one source, in order), and merge an LSTM's initial c input into its
 * h input when the model feeds them separately. Returns problems, naming the node.
 */
export function finishRecurrent(st: ImportState): string[] {
  const problems: string[] = [];
  for (const [id, info] of st.recurrent) {
    const name = st.b.node(id).name;
    const src = (list: RecInfo['initial']) => {
      if (list.every((x) => x === undefined)) return null;
      if (list.some((x) => x === undefined) || list.some((x) => x!.node !== list[0]!.node)) return 'mixed';
      const rows = list.flatMap((x) => x!.rows);
      const total = stateRows(st, list[0]!.node);
      return rows.length === total && rows.every((r, i) => r === i) ? list[0]!.node : 'mixed';
    };
    const h = src(info.initial);
    const cc = info.cell === 'LSTM' ? src(info.initialC) : null;
    if (h === 'mixed' || cc === 'mixed') {
      problems.push(`${info.cell} '${name}': its layers' initial states are not, in order, the whole final state of one node or input`);
      continue;
    }
    if (info.cell === 'LSTM' && (h === null) !== (cc === null)) {
      problems.push(`LSTM '${name}': it is given an initial ${h ? 'h but zeros for c' : 'c but zeros for h'}; seqgraph's LSTM takes both or neither`);
      continue;
    }
    if (!h) continue;
    if (cc && cc !== h) {
      const hn = st.b.node(h), cn = st.b.node(cc);
      if (hn.type !== 'Input' || cn.type !== 'Input') {
        problems.push(`LSTM '${name}': its initial h and c come from different nodes`);
        continue;
      }
      // the model feeds h and c as two inputs: one State input with a cell state, c fed as <name>_c
      hn.params.cell = true;
      for (const inf of st.inputs.values()) {
        if (inf.node === cc) {
          inf.node = h;
          inf.feed = `${hn.name}_c`;
        }
      }
      st.b.remove(cc);
    } else if (cc && st.b.node(h).type === 'Input') st.b.node(h).params.cell = true;
    st.b.connect({ node: h, port: 'state' }, id, 'initial_state');
  }
  return problems;
}
