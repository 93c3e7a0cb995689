// The graph's `training` section as the Train tab edits it: a sensible starting point for a
// graph that has none, one field at a time (each edit a new document, so Undo takes it back),
// and the one-click fit of an Output (and the layer before it) to the labels a data set has.
// Pure functions on documents; no MobX, no DOM.
import type { GraphDoc } from '../../doc/schema';
import type { TrainingSettingsInput } from '../../doc/training';
import type { DataSpec } from '../../data/spec';
import type { PortShape } from '../../compiler/node-def';

export type TrainingInput = TrainingSettingsInput;

/** What a first-time user gets: Adam at 3e-3, batches of 32, 5 epochs, clipping at norm 5. */
export function defaultTraining(): TrainingInput {
  return { losses: [], optimizer: { type: 'Adam', lr: 3e-3 }, batch_size: 32, epochs: 5, seed: 0, clip_grad_norm: { max_norm: 5 } };
}

/**
 * A loss for every output the data mapping gives a target: cross-entropy for class scores
 * (probabilities or log-probabilities: the trainer takes it on the logits, as PyTorch does),
 * mean squared error for values. Losses the person already chose are kept.
 */
export function lossesFor(doc: GraphDoc, spec: DataSpec, valueShape: (outputNode: string) => PortShape | undefined, current: TrainingInput['losses'] = []): TrainingInput['losses'] {
  const out = [...current.filter((l) => l.output in spec.targets)];
  for (const name of Object.keys(spec.targets)) {
    if (out.some((l) => l.output === name)) continue;
    const node = doc.nodes.find((n) => n.type === 'Output' && n.name === name);
    const v = node ? valueShape(node.id) : undefined;
    out.push(v?.kind ? { loss: 'CrossEntropyLoss', output: name } : { loss: 'MSELoss', output: name });
  }
  return out;
}

/** The document with its training section replaced (weights and everything else kept). */
export function withTraining(doc: GraphDoc, training: TrainingInput): GraphDoc {
  return { ...doc, training: training as GraphDoc['training'] };
}

/** The section the tab shows: the file's, or the starting point. */
export function trainingOf(doc: GraphDoc): TrainingInput {
  return (doc.training as TrainingInput | undefined) ?? defaultTraining();
}

/**
 * "probs scores 8 classes, the training split has 2 labels": set the Output's labels and the
 * units of the layer that makes its scores (walking back through Softmax, Dropout and the like),
 * so the person need not find that layer. Returns null when no such layer is found.
 */
export function fitOutputToLabels(doc: GraphDoc, outputName: string, labels: string[]): { doc: GraphDoc; changed: string[] } | null {
  const outNode = doc.nodes.find((n) => n.type === 'Output' && n.name === outputName);
  if (!outNode) return null;
  const changed: string[] = [];
  const nodes = doc.nodes.map((n) => ({ ...n, params: { ...n.params } }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  byId.get(outNode.id)!.params.labels = [...labels];
  changed.push(`${outNode.name}: labels ${labels.join(', ')}`);
  let cur = outNode.id;
  for (let hops = 0; hops < 8; hops++) {
    const into = doc.edges.filter((e) => e.target.node === cur);
    if (into.length !== 1) break;
    const src = byId.get(into[0].source.node);
    if (!src) break;
    if (typeof src.params.units === 'number') {
      if (src.params.units !== labels.length) {
        changed.push(`${src.name}: units ${src.params.units} → ${labels.length}`);
        src.params.units = labels.length;
      }
      // its old weights no longer fit: a resized layer starts from fresh weights
      const weights = { ...(doc.weights ?? {}) };
      delete weights[src.id];
      return { doc: { ...doc, nodes, weights }, changed };
    }
    cur = src.id;
  }
  return null;
}

/** Pulls "<output> scores N classes, the training split has M labels (a, b)" out of a data error. */
export function labelMismatches(message: string): { output: string; labels: string[] }[] {
  const out: { output: string; labels: string[] }[] = [];
  const re = /"([^"]+)" scores \d+ classes, the training split has \d+ labels \(([^)]*)\)/g;
  for (let m = re.exec(message); m; m = re.exec(message)) out.push({ output: m[1], labels: m[2].split(',').map((s) => s.trim()).filter(Boolean) });
  return out;
}
