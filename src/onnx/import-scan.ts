// ONNX Scan whose body combines each state with one scan input by one elementwise op (Add, Mul,
// Max, Min) and emits the new states as scan outputs -> one Cumulative node per state: a running
// sum / product / max / min over time. That is all the ONNX Scan conformance cases compute, and a
// Scan body that does anything else is refused (seqgraph has no general loop node).
import * as A from './import-array';
import { axisIs, type Atom, type Layout } from './import-layout';
import type { HCtx, Handler } from './import-ctx';
import { describe, type PortSV, type SV } from './import-values';
import type { GraphProto } from './proto';

const BODY_OP: Record<string, string> = { Add: 'sum', Mul: 'prod', Max: 'max', Min: 'min' };
const IDENTITY: Record<string, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

interface StateRule {
  op: string;
  scanInput: number;
}

/** which op and scan input each state accumulates, and which state each scan output emits */
function readBody(g: GraphProto, N: number, M: number): { states: StateRule[]; outputs: number[] } | string {
  const ins = (g.input ?? []).map((i) => i.name ?? '');
  const outs = (g.output ?? []).map((o) => o.name ?? '');
  if (ins.length !== N + M) return `its body takes ${ins.length} inputs, not ${N} states + ${M} scan inputs`;
  const producer = new Map((g.node ?? []).flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  const states: StateRule[] = [];
  for (let i = 0; i < N; i++) {
    const n = producer.get(outs[i]);
    const op = n && BODY_OP[n.op_type ?? ''];
    const args = n?.input ?? [];
    if (!op || args.length !== 2 || !args.includes(ins[i])) return `its body's state ${i} is not ${Object.keys(BODY_OP).join('/')} of the state and a scan input`;
    const x = args[0] === ins[i] ? args[1] : args[0];
    const j = ins.indexOf(x) - N;
    if (j < 0) return `its body's state ${i} combines the state with something other than a scan input`;
    states.push({ op, scanInput: j });
  }
  const outputs: number[] = [];
  for (let k = N; k < outs.length; k++) {
    let name = outs[k];
    const n = producer.get(name);
    if (n?.op_type === 'Identity') name = n.input?.[0] ?? '';
    const i = outs.slice(0, N).indexOf(name);
    if (i < 0) return `its body's scan output ${k - N} is not one of the new states`;
    outputs.push(i);
  }
  return { states, outputs };
}

const scanH: Handler = (c) => {
  const opset8 = c.st.opset < 9;
  const g = c.attr('body') as GraphProto | undefined;
  if (!g) return 'it has no body';
  const M = c.int('num_scan_inputs', 0);
  const ins = opset8 ? c.ins.slice(1) : c.ins;
  if (opset8 && c.ins[0]) return 'it has sequence_lens (opset 8)';
  const N = ins.length - M;
  const body = readBody(g, N, M);
  if (typeof body === 'string') return body;
  const nonzero = (name: string) => ((c.attr(name) as number[] | undefined) ?? []).some((d) => d !== 0);
  if (nonzero('scan_input_directions') || nonzero('scan_output_directions') || nonzero('directions')) return 'it scans in reverse';
  const inAxes = (c.attr('scan_input_axes') as number[] | undefined) ?? [];
  const outAxes = (c.attr('scan_output_axes') as number[] | undefined) ?? [];
  const results: (SV | undefined)[] = [];
  const nodes: { id: string; step: Layout }[] = [];
  for (let i = 0; i < N; i++) {
    const rule = body.states[i];
    const x = ins[N + rule.scanInput];
    if (x?.k !== 'port' || x.ptype !== 'Sequence') return `its scan input ${rule.scanInput} is ${describe(x)}, not a sequence`;
    const tAx = opset8 ? 1 : (inAxes[rule.scanInput] ?? 0) < 0 ? inAxes[rule.scanInput] + x.layout.length : (inAxes[rule.scanInput] ?? 0);
    if (!axisIs(x.layout, tAx, 1, x.canon)) return `its scan input ${rule.scanInput} does not run over time on axis ${tAx}`;
    if (opset8 && !axisIs(x.layout, 0, 0, x.canon)) return 'its scan input has no batch axis first (opset 8)';
    // one step of x, as a Vector [B, F] layout
    const toVec = (atoms: Atom[]) => atoms.map((a) => ({ ...a, axis: a.axis === 2 ? 1 : a.axis }));
    const step: Layout = x.layout.filter((_, k) => k !== tAx).map(toVec);
    const s0 = ins[i];
    let initial: PortSV | undefined;
    if (s0?.k === 'port' && s0.ptype === 'Vector') {
      if (JSON.stringify(s0.layout) !== JSON.stringify(step)) return `its state ${i} is laid out unlike a step of its scan input`;
      initial = s0;
    } else if (s0?.k === 'const' && A.isAll(s0.a, IDENTITY[rule.op])) initial = undefined;
    else if (s0?.k === 'fill' && s0.value === IDENTITY[rule.op]) initial = undefined;
    else return `its initial state ${i} is ${describe(s0)}`;
    const id = c.st.b.add('Cumulative', c.scope || `cum${rule.op}`, { op: rule.op });
    c.st.b.connect(x.ref, id, 'input');
    if (initial) c.st.b.connect(initial.ref, id, 'initial');
    nodes.push({ id, step });
    results.push({ k: 'port', ref: { node: id, port: 'last' }, ptype: 'Vector', canon: [x.canon[0], x.canon[2]], layout: step, lengthsOf: undefined });
  }
  body.outputs.forEach((i, k) => {
    const { id, step } = nodes[i];
    const x = ins[N + body.states[i].scanInput] as PortSV;
    const ax = opset8 ? 1 : (outAxes[k] ?? 0) < 0 ? outAxes[k] + step.length + 1 : (outAxes[k] ?? 0);
    const back = step.map((atoms) => atoms.map((a) => ({ ...a, axis: a.axis === 1 ? 2 : a.axis })));
    const T = x.layout.find((atoms) => atoms.some((a) => a.axis === 1 && a.size !== 1)) ?? [];
    const layout = [...back.slice(0, ax), T, ...back.slice(ax)];
    results.push({ k: 'port', ref: { node: id, port: 'output' }, ptype: 'Sequence', canon: [...x.canon], layout });
  });
  return results;
};

export const SCAN_HANDLERS: Record<string, Handler> = { Scan: scanH };
