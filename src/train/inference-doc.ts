// The graph a trained seq2seq model is used as: the same graph without the Inputs that feed a
// Decoder's `target` port (training forces the decoder along the target; in use, and when its
// phoneme/word error rate is measured, it decodes freely). Node ids and weight names are kept,
// so a session copies the trained weights across by them.
import type { GraphDoc } from '../doc/schema';

export function withoutDecoderTargets(doc: GraphDoc): GraphDoc {
  const decoders = new Set(doc.nodes.filter((n) => n.type === 'Decoder').map((n) => n.id));
  const cut = doc.edges.filter((e) => decoders.has(e.target.node) && e.target.port === 'target');
  if (!cut.length) return doc;
  const edges = doc.edges.filter((e) => !cut.includes(e));
  const stillUsed = new Set(edges.flatMap((e) => [e.source.node, e.target.node]));
  const dropped = new Set(cut.map((e) => e.source.node).filter((id) => !stillUsed.has(id) && doc.nodes.find((n) => n.id === id)?.type === 'Input'));
  return { ...doc, nodes: doc.nodes.filter((n) => !dropped.has(n.id)), edges };
}
