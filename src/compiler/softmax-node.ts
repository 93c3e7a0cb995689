// What Softmax and LogSoftmax share: a `dim` param as nn.Softmax(dim=...) has it (default -1, the
// features), shape checks, and lowering to the IR op with an `axis` attribute only when it is not
// the last axis (so graphs that never set dim lower exactly as before).
import { defineNode, type NodeDef } from './node-def';
import { passthrough } from './shapes';

export interface SoftmaxParams {
  [k: string]: unknown;
  dim: number;
}

export function softmaxNode(log: boolean): NodeDef<SoftmaxParams> {
  const type = log ? 'LogSoftmax' : 'Softmax';
  return defineNode<SoftmaxParams>({
    type,
    category: 'Layers',
    label: type,
    doc: log
      ? 'Log-probabilities over an axis (the last by default): x_i − log Σ_j e^{x_j} (what NLL losses and beam search add up).'
      : 'Probabilities over an axis (the last by default): softmax(x)_i = e^{x_i} / Σ_j e^{x_j}.',
    inputs: [{ name: 'input', types: ['Sequence', 'Vector'], help: 'scores (logits)' }],
    outputs: [{ name: 'output', types: ['Sequence', 'Vector'], help: log ? 'log-probabilities' : 'probabilities, summing to 1 over dim' }],
    params: {
      dim: {
        kind: 'int', default: -1, min: -3, max: 2,
        help: 'the axis it normalises over, as nn.Softmax(dim): -1 the features; on a sequence [B,T,D] 1 is the steps and 0 the batch (padded steps take part, as in PyTorch)',
      },
    },
    summary: (p) => (p.dim === -1 ? '' : `dim ${p.dim}`),
    infer({ params: p, inputs, error }) {
      const x = inputs.input;
      if (!x) return null;
      const rank = x.shape.length;
      if (p.dim < -rank || p.dim >= rank) {
        error({ param: 'dim' }, `${p.dim} is not an axis of a ${x.type} [${x.shape.join(', ')}] (use ${-rank}..${rank - 1})`);
        return null;
      }
      const last = p.dim === -1 || p.dim === rank - 1;
      return { output: passthrough(x, last ? { kind: log ? 'logprobs' : 'probs' } : { labels: undefined }) };
    },
    lower(ctx) {
      const x = ctx.inputs.input!;
      const rank = x.shape.length;
      const axis = ctx.params.dim < 0 ? ctx.params.dim + rank : ctx.params.dim;
      const attrs: Record<string, number> = axis === rank - 1 ? {} : { axis };
      const [y] = ctx.op(type, [x.value], attrs, [{ dtype: 'float32', shape: x.shape }]);
      return { output: { ...ctx.outputs.output, value: y, lengths: x.lengths } };
    },
  });
}
