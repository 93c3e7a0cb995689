// Automatic layout of a graph document with elkjs (layered, left to right, ports in their declared
// order so edges cross as little as they can). The editor's Auto-layout and the importer share it;
// it runs in Node, a Web Worker and the page alike (elkjs is plain JS, loaded when first used).
import type { GraphDoc } from './schema';
import { getNodeDef } from '../../nodes/index';
import { activePorts } from '../compiler/node-def';
import { withDefaults } from '../compiler/params';

export interface XY {
  x: number;
  y: number;
}
export interface Size {
  width: number;
  height: number;
}

/** roughly how big the canvas draws a node: a header, a row per port, the inline params */
export function estimatedSize(doc: GraphDoc, id: string): Size {
  const { ins, outs } = ports(doc, id);
  const n = doc.nodes.find((x) => x.id === id);
  const def = n && getNodeDef(n.type);
  const inline = def ? Object.values(def.params).filter((p) => p.inline).length : 0;
  return { width: 200, height: 44 + 22 * Math.max(ins.length, outs.length, 1) + 20 * Math.min(inline, 3) };
}

function ports(doc: GraphDoc, id: string) {
  const n = doc.nodes.find((x) => x.id === id);
  const def = n && getNodeDef(n.type);
  if (!n || !def) return { ins: [], outs: [] };
  const p = withDefaults(def, n.params);
  return { ins: activePorts(def.inputs, p), outs: activePorts(def.outputs, p) };
}

export async function layoutPositions(doc: GraphDoc, sizes: (id: string) => Size | undefined = () => undefined): Promise<Map<string, XY>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const portId = (node: string, side: 'in' | 'out', port: string) => `${node}::${side}::${port}`;
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'SPLINES',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.nodeNode': '40',
      'elk.spacing.componentComponent': '60',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: doc.nodes.map((n) => {
      const size = sizes(n.id) ?? estimatedSize(doc, n.id);
      const { ins, outs } = ports(doc, n.id);
      return {
        id: n.id,
        width: size.width,
        height: size.height,
        layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
        ports: [
          ...ins.map((p, i) => ({ id: portId(n.id, 'in', p.name), width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(ins.length - i) } })),
          ...outs.map((p, i) => ({ id: portId(n.id, 'out', p.name), width: 1, height: 1, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
        ],
      };
    }),
    edges: doc.edges.map((e) => ({ id: e.id, sources: [portId(e.source.node, 'out', e.source.port)], targets: [portId(e.target.node, 'in', e.target.port)] })),
  };
  const res = await elk.layout(graph);
  const out = new Map<string, XY>();
  for (const c of res.children ?? []) out.set(c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) });
  return out;
}

/** the document with every node placed by layoutPositions */
export async function laidOut(doc: GraphDoc): Promise<GraphDoc> {
  const pos = await layoutPositions(doc);
  return { ...doc, nodes: doc.nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position })) };
}
