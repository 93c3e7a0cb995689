// ONNX export holds a beam-search Decoder only as greedy decoding (`seqgraph export --greedy`).
// The editor offers the same choice; these say which nodes it concerns and what the greedy
// model is, so the check compares it with the runtime decoding greedily too.
import type { GraphDoc } from '../doc/schema';

/** The names of the Decoder nodes that decode by beam search. */
export function beamDecoders(doc: GraphDoc): string[] {
  return doc.nodes.filter((n) => n.type === 'Decoder' && n.params.strategy === 'beam').map((n) => n.name);
}

/** The same graph with every beam-search Decoder decoding greedily: what a greedy export holds. */
export function greedyVariant(doc: GraphDoc): GraphDoc {
  if (!beamDecoders(doc).length) return doc;
  return { ...doc, nodes: doc.nodes.map((n) => (n.type === 'Decoder' && n.params.strategy === 'beam' ? { ...n, params: { ...n.params, strategy: 'greedy' } } : n)) };
}
