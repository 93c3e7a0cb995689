// What a graph must adopt to train on prepared data: a vocabulary built from the data goes into
// the token Input (and the Decoder it is the target of), class labels found in the data go into
// the Output. Layer sizes that follow from them (Embedding num_embeddings, the units of the
// layer before an Output) are the person's to change: compile() then says which disagree.
import type { Program } from '../ir/program';
import type { GraphDoc } from '../doc/schema';
import type { PreparedData } from './prepare';

export interface GraphChange {
  /** node id */
  node: string;
  param: 'vocab' | 'labels';
  value: string[];
  /** one line for the person: what and why */
  reason: string;
}

const same = (a: readonly string[] | undefined, b: readonly string[]) => !!a && a.length === b.length && a.every((x, i) => x === b[i]);

export function graphChanges(program: Program, data: PreparedData): GraphChange[] {
  const out: GraphChange[] = [];
  for (const inp of program.inputs) {
    const p = data.inputs[inp.name];
    if (p?.kind !== 'tokens' || p.vocabFrom !== 'data' || inp.info.kind !== 'tokens' || same(inp.info.vocab, p.info.vocab)) continue;
    const n = p.info.vocab.length;
    out.push({ node: inp.node, param: 'vocab', value: p.info.vocab, reason: `input "${inp.name}": the training split's ${n} symbols (was ${inp.info.vocab.length})` });
    if (p.decoder) out.push({ node: p.decoder, param: 'vocab', value: p.info.vocab, reason: `${program.nodeNames[p.decoder] ?? p.decoder}: the vocabulary of its target "${inp.name}" (${n} symbols)` });
  }
  for (const o of program.outputs) {
    const t = data.targets[o.name];
    if (!t || (t.kind !== 'class' && t.kind !== 'tags') || t.labelsFrom !== 'data' || same(o.labels, t.labels!)) continue;
    out.push({ node: o.node, param: 'labels', value: t.labels!, reason: `output "${o.name}": the ${t.labels!.length} labels of the training split` });
  }
  return out;
}

/** A copy of the document with the changes made (the document passed in is left as it was). */
export function applyToDoc(doc: GraphDoc, changes: readonly GraphChange[]): GraphDoc {
  const copy: GraphDoc = { ...doc, nodes: doc.nodes.map((n) => ({ ...n, params: { ...n.params } })) };
  for (const c of changes) {
    const n = copy.nodes.find((x) => x.id === c.node);
    if (!n) throw new Error(`no node "${c.node}" in the graph to set ${c.param} on`);
    n.params[c.param] = [...c.value];
  }
  return copy;
}
