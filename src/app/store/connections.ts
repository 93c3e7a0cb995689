// The one place that decides whether a connection may be made, and says why not. The canvas's
// isValidConnection, the dimming of handles while a connection is dragged, the message shown
// when a drop is refused, and the "connect" action all ask this.
import { connectionProblem } from '../../compiler/compile';
import { activePorts, type PortSpec, type PortType } from '../../compiler/node-def';
import type { GraphDoc } from '../../doc/schema';
import { getNodeDef } from '../../../nodes/index';
import type { Analysis } from './analysis';
import { nodeParams, type Endpoints } from './doc-ops';
import { ancestorsOf, descendantsOf, docIndex, nodeOf, wouldLoop } from './doc-index';

export type Side = 'in' | 'out';

/** A handle on the canvas: node, side and port name. */
export interface HandleRef {
  nodeId: string;
  side: Side;
  port: string;
}

/** Ports of a node as its params make them. */
export function portsOf(doc: GraphDoc, nodeId: string, side: Side): PortSpec[] {
  const n = nodeOf(doc, nodeId);
  const def = n && getNodeDef(n.type);
  if (!n || !def) return [];
  return activePorts(side === 'in' ? def.inputs : def.outputs, nodeParams(n));
}

/** The port type an output carries: the inferred one when known, else its declared first type. */
export function outputType(doc: GraphDoc, a: Analysis, nodeId: string, port: string): PortType | undefined {
  return a.nodeShapes[nodeId]?.[port]?.type ?? portsOf(doc, nodeId, 'out').find((p) => p.name === port)?.types[0];
}

/** Does `to` depend on `from` already (so from → ... → to exists)? Returns the path if so. */
function pathBetween(doc: GraphDoc, from: string, to: string): string[] | null {
  const next = docIndex(doc).next;
  const prev = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi];
    if (n === to) {
      const path = [to];
      while (path[0] !== from) path.unshift(prev.get(path[0])!);
      return path;
    }
    for (const m of next.get(n) ?? []) {
      if (seen.has(m)) continue;
      seen.add(m);
      prev.set(m, n);
      queue.push(m);
    }
  }
  return null;
}

/** Why this connection can't be made, or null when it can. */
export function connectionIssue(doc: GraphDoc, a: Analysis, c: Endpoints): string | null {
  const src = nodeOf(doc, c.source);
  const tgt = nodeOf(doc, c.target);
  if (!src || !tgt) return 'that node no longer exists';
  if (src.id === tgt.id) return `${src.name} can't feed itself; recurrence lives inside RNN/LSTM/GRU nodes`;
  const out = portsOf(doc, src.id, 'out').find((p) => p.name === c.sourceHandle);
  if (!out) return `${src.name} has no output "${c.sourceHandle}"`;
  const inp = portsOf(doc, tgt.id, 'in').find((p) => p.name === c.targetHandle);
  if (!inp) return `${tgt.name} has no input "${c.targetHandle}"`;
  const shape = a.nodeShapes[src.id]?.[out.name];
  const why = connectionProblem(shape, shape?.type ?? out.types[0], inp, tgt.name);
  if (why) return why;
  const loop = wouldLoop(doc, src.id, tgt.id) ? pathBetween(doc, tgt.id, src.id) : null;
  if (loop) {
    const names = [...loop, tgt.id].map((id) => nodeOf(doc, id)?.name ?? id);
    return `that would make a loop (${names.join(' → ')}); recurrence lives inside RNN/LSTM/GRU nodes, the graph itself must not loop`;
  }
  return null;
}

/** Orders a pair of handles as source → target; null when both are on the same side. */
export function endpointsOf(from: HandleRef, to: HandleRef): Endpoints | null {
  if (from.side === to.side) return null;
  const [s, t] = from.side === 'out' ? [from, to] : [to, from];
  return { source: s.nodeId, sourceHandle: s.port, target: t.nodeId, targetHandle: t.port };
}

/** Why a drag from `from` can't end on `to`, or null when it can. */
export function handlePairIssue(doc: GraphDoc, a: Analysis, from: HandleRef, to: HandleRef): string | null {
  if (from.nodeId === to.nodeId && from.side === to.side && from.port === to.port) return null;
  const ep = endpointsOf(from, to);
  if (!ep) return from.side === 'out' ? 'both ends are outputs: connect an output to an input' : 'both ends are inputs: connect an output to an input';
  return connectionIssue(doc, a, ep);
}

/** For every handle on the canvas, whether a drag from `from` may end there (null) or why not. */
export function compatibility(doc: GraphDoc, a: Analysis, from: HandleRef): Map<string, string | null> {
  const out = new Map<string, string | null>();
  // one closure from the fixed end answers every candidate's loop check (see wouldLoop)
  if (from.side === 'out') ancestorsOf(doc, from.nodeId);
  else descendantsOf(doc, from.nodeId);
  for (const n of doc.nodes) {
    for (const side of ['in', 'out'] as const) {
      for (const p of portsOf(doc, n.id, side)) {
        const h = { nodeId: n.id, side, port: p.name };
        out.set(handleKey(h), handlePairIssue(doc, a, from, h));
      }
    }
  }
  return out;
}

export function handleKey(h: HandleRef): string {
  return `${h.nodeId}\u0000${h.side}\u0000${h.port}`;
}
