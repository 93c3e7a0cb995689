// Where a node's handles are before it is drawn. React Flow draws every node once just to
// measure its handles (its onlyRenderVisibleElements culls only after that), so opening 2,000
// nodes mounted 2,000 nodes and unmounted most of them again. Given the handles up front, it
// draws only the nodes in view; a node is measured for real when it is first drawn, and these
// estimates stand only for nodes that never were (an edge to a node off screen ends here).
// The numbers are SeqNode's layout in styles/canvas.css (176 px wide, one 21 px row per port,
// inputs first, 3 px between inputs and outputs, 11 px handles on the border); the e2e test
// tests/e2e/large-graph.spec.ts checks them against measured nodes.
import { Position, type NodeHandle } from '@xyflow/react';
import type { DocNode } from '../../doc/schema';
import { getNodeDef } from '../../../nodes/index';
import { activePorts } from '../../compiler/node-def';
import { withDefaults } from '../../compiler/params';

export const NODE_WIDTH = 176;
const HANDLE = 11;
const ROW = 21;
const FIRST_ROW = { summary: 58.59375, plain: 38.5 };
const IN_OUT_GAP = 3;
const BELOW_LAST = 23.5;

export interface EstimatedLayout {
  handles: NodeHandle[];
  height: number;
}

export function estimatedLayout(n: DocNode): EstimatedLayout | null {
  const def = getNodeDef(n.type);
  if (!def) return null;
  const params = withDefaults(def, n.params);
  let summary = '';
  try {
    summary = def.summary?.(params as never) ?? '';
  } catch {
    summary = '';
  }
  const ins = activePorts(def.inputs, params);
  const outs = activePorts(def.outputs, params);
  const top = summary ? FIRST_ROW.summary : FIRST_ROW.plain;
  const handles: NodeHandle[] = [
    ...ins.map((p, k) => ({ id: p.name, type: 'target' as const, position: Position.Left, x: -HANDLE / 2, y: top + ROW * k, width: HANDLE, height: HANDLE })),
    ...outs.map((p, k) => ({ id: p.name, type: 'source' as const, position: Position.Right, x: NODE_WIDTH - HANDLE / 2, y: top + ROW * (ins.length + k) + (ins.length ? IN_OUT_GAP : 0), width: HANDLE, height: HANDLE })),
  ];
  const last = handles.length ? handles[handles.length - 1].y : top;
  return { handles, height: Math.round(last + BELOW_LAST) };
}
