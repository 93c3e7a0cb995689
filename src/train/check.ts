// Does a graph's `training` section fit the graph? Run by compile() after shape inference, so
// `seqgraph validate` and the editor report it with the graph's other problems: a loss on an
// output that does not exist, cross-entropy on a regression output, NLLLoss on probabilities,
// truncated BPTT on a graph it cannot cut, and so on. Each problem names its path in the file.
import type { GraphDoc } from '../doc/schema';
import type { Diagnostic } from '../doc/diagnostics';
import type { PortShape } from '../compiler/node-def';

/** `valueOf(outputNodeId)`: what the Output node receives (its `value` port), if inferred. */
export function checkTraining(doc: GraphDoc, valueOf: (outputNodeId: string) => PortShape | undefined): Diagnostic[] {
  const t = doc.training;
  if (!t) return [];
  const out: Diagnostic[] = [];
  const error = (path: string, message: string, node?: string) => out.push({ severity: 'error', path: `training.${path}`, message, node });
  const warn = (path: string, message: string, node?: string) => out.push({ severity: 'warning', path: `training.${path}`, message, node });
  const outputs = doc.nodes.filter((n) => n.type === 'Output');
  const names = outputs.map((n) => n.name).join(', ') || 'none';

  t.losses.forEach((loss, i) => {
    const path = `losses[${i}]`;
    const node = outputs.find((n) => n.name === loss.output);
    if (!node) {
      error(`${path}.output`, `no Output node is named "${loss.output}" (outputs: ${names})`);
      return;
    }
    const v = valueOf(node.id);
    if (!v) return; // the graph has its own error there
    const what = `${loss.loss} on "${loss.output}"`;
    if (v.type === 'Tokens') {
      error(`${path}.output`, `${what}: the output gives token ids, which have no gradient; put the loss on scores (a Decoder's logprobs, or the logits before an argmax)`, node.id);
      return;
    }
    if (v.type === 'State') {
      error(`${path}.output`, `${what}: the output is a recurrent state; a loss reads a Sequence or a Vector of scores or values`, node.id);
      return;
    }
    const C = v.shape[v.shape.length - 1];
    if (loss.loss === 'MSELoss') {
      if (v.kind) warn(`${path}.loss`, `${what}: the output gives ${v.kind === 'probs' ? 'probabilities' : 'log-probabilities'}; classes usually train with CrossEntropyLoss`, node.id);
      return;
    }
    if (C === 1) {
      error(`${path}.loss`, `${what}: the output has one value per ${v.type === 'Sequence' ? 'step' : 'row'} (a regression output); cross-entropy over a single class is always 0: use MSELoss, or give the layer one unit per class`, node.id);
      return;
    }
    if (typeof C !== 'number') error(`${path}.output`, `${what}: the classes axis must have a fixed size, got [${v.shape.join(', ')}]`, node.id);
    if (loss.loss === 'NLLLoss' && v.kind !== 'logprobs') {
      const fix = v.kind === 'probs' ? 'the output gives probabilities (a Softmax): use CrossEntropyLoss, which is taken on the Softmax\'s logits, or end with LogSoftmax' : 'the output gives raw scores: use CrossEntropyLoss, or end with LogSoftmax';
      error(`${path}.loss`, `${what}: NLLLoss takes log-probabilities, but ${fix}`, node.id);
    }
    if (typeof C === 'number' && loss.ignore_index >= C) warn(`${path}.ignore_index`, `${what}: ignore_index ${loss.ignore_index} is not a class id (0..${C - 1}), so no target can equal it except padding`, node.id);
  });

  // every trained output needs a target in the data mapping, and a target without a loss trains nothing
  if (t.data) {
    const targets = t.data.targets;
    t.losses.forEach((loss, i) => {
      if (!(loss.output in targets)) error('data.targets', `losses[${i}] trains "${loss.output}", but the data gives it no target: add training.data.targets.${loss.output} (a column, {columns}, {same_as} or {next_of})`);
    });
    for (const name of Object.keys(targets)) {
      if (!t.losses.some((l) => l.output === name)) warn(`data.targets.${name}`, `"${name}" gets a target but no loss reads it, so it is not trained: add a loss on it to training.losses`);
    }
  }

  if (t.bptt_steps !== undefined) {
    const timed = doc.nodes.filter((n) => n.type === 'Input' && ['tokens', 'sequence'].includes(String(n.params.kind ?? 'tokens')));
    if (timed.length !== 1) error('bptt_steps', `truncated BPTT cuts one time axis, but the graph has ${timed.length} inputs with a time axis${timed.length ? ` (${timed.map((n) => n.name).join(', ')})` : ''}`);
    for (const n of doc.nodes) {
      if (['RNN', 'LSTM', 'GRU', 'MGU'].includes(n.type) && n.params.bidirectional === true) error('bptt_steps', `truncated BPTT carries the state left to right from chunk to chunk, but ${n.name} is bidirectional: its reverse direction would start each chunk from the wrong end`, n.id);
    }
    const dec = doc.nodes.find((n) => n.type === 'Decoder');
    if (dec) error('bptt_steps', `truncated BPTT does not apply to a Decoder (${dec.name}): it trains on whole target sequences`, dec.id);
    t.losses.forEach((loss, i) => {
      const node = outputs.find((n) => n.name === loss.output);
      const v = node && valueOf(node.id);
      if (v && v.type !== 'Sequence') error(`losses[${i}].output`, `truncated BPTT needs a loss at every step, but "${loss.output}" gives one ${v.type} per row: drop bptt_steps, or put the loss on a sequence output`, node!.id);
    });
  }
  if (t.teacher_forcing_ratio < 1 && !doc.nodes.some((n) => n.type === 'Decoder' && doc.edges.some((e) => e.target.node === n.id && e.target.port === 'target'))) {
    warn('teacher_forcing_ratio', 'has no effect: no Decoder reads a target');
  }
  return out;
}
