// model.py for RNN, LSTM, GRU and MGU nodes: nn.RNN / nn.LSTM / nn.GRU (batch_first, packed
// sequences for ragged token batches) where PyTorch's module computes what the node does, and the
// step-by-step ExplicitLSTM / ExplicitGRU / ExplicitRNN (same parameter names) where it does not:
// hard_sigmoid gates, a relu candidate, GRU with linear_before_reset off or the paper's update
// gate, LSTM peepholes, and ONNX's other activations with alpha/beta, clip and input_forget (as
// onnx_activation callables). The MGU, which PyTorch has no module for, is always written out (class MGU). Merge
// modes other than concat are applied to the module's concatenated output, as Keras'
// Bidirectional does.
import type { ModelGen, NodeView } from './context';
import { pyNum, pyStr } from './py';
import { ACT_PARAMS, generalOf, type ActFn, type GeneralCell } from '../runtime/kernels/activations';
import { activationAttrs } from '../compiler/recurrent-acts';

interface RecParams {
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  merge_mode: string;
  bias: boolean;
  dropout: number;
  nonlinearity?: string;
  activation?: string;
  recurrent_activation?: string;
  linear_before_reset?: boolean;
  update_gate?: string;
  peephole?: boolean;
}

/** why PyTorch's own module cannot compute this node, or null when it can */
function explicitReason(type: string, p: RecParams, gen: GeneralCell | undefined): string | null {
  if (gen) return `ONNX's ${[...new Set([gen.g, ...(type === 'RNN' ? [] : [gen.f]), ...(type === 'LSTM' ? [gen.h] : [])].map((a) => a.name))].join(' / ')}${gen.clip !== Infinity ? `, clip ${gen.clip}` : ''}${gen.inputForget ? ', input_forget' : ''}`;
  if (type === 'RNN') return null;
  const why: string[] = [];
  if ((p.activation ?? 'tanh') !== 'tanh') why.push(`activation ${p.activation}`);
  if ((p.recurrent_activation ?? 'sigmoid') !== 'sigmoid') why.push(`recurrent_activation ${p.recurrent_activation}`);
  if (type === 'GRU' && p.linear_before_reset === false) why.push('linear_before_reset off');
  if (type === 'GRU' && (p.update_gate ?? 'pytorch') !== 'pytorch') why.push(`update_gate ${p.update_gate}`);
  if (type === 'LSTM' && p.peephole) why.push('peepholes');
  if (type === 'MGU') why.push('no module in PyTorch');
  return why.length ? why.join(', ') : null;
}

const ACT: Record<string, string> = { tanh: 'torch.tanh', relu: 'torch.relu', sigmoid: 'torch.sigmoid', hard_sigmoid: 'hard_sigmoid' };

export function emitRecurrent(g: ModelGen, n: NodeView): void {
  const p = n.params as unknown as RecParams;
  const I = n.weights.weight_ih_l0[1];
  const H = p.hidden_size;
  const lstm = n.type === 'LSTM';
  const args = [`${I}`, `${H}`];
  if (p.num_layers > 1) args.push(`num_layers=${p.num_layers}`);
  if (!p.bias) args.push('bias=False');
  if (p.bidirectional) args.push('bidirectional=True');
  if (p.dropout > 0 && p.num_layers > 1) args.push(`dropout=${pyNum(p.dropout, true)}`);
  // ONNX's other activations (alpha/beta), clip, input_forget: the same test the runtime makes
  const gen = n.type === 'MGU' ? undefined : generalOf(n.type, activationAttrs(n.type as 'RNN', n.params), `${n.type} '${n.name}'`);
  const explicit = explicitReason(n.type, p, gen);
  const first = n.ops.find((o) => o.op === n.type);
  if (!first) g.fail(n, `lowered without a ${n.type} op`);
  const lengths = g.lengths(n, first.inputs[lstm ? 11 : 10]);
  const x = g.input(n, 'input')!.expr;
  const init = g.input(n, 'initial_state');
  let state = init ? (lstm ? `(${init.expr}, ${init.c ?? 'None'})` : init.expr) : 'None';
  // truncated BPTT: the state carried from the previous chunk, when there is one, wins
  if (g.bptt) state = `states.get(${pyStr(n.name)}${state === 'None' ? '' : `, ${state}`})`;
  let m: string;
  let call: string;
  if (explicit) {
    const cls = lstm ? 'ExplicitLSTM' : n.type === 'MGU' ? 'MGU' : n.type === 'RNN' ? 'ExplicitRNN' : 'ExplicitGRU';
    g.use(cls);
    const act = p.activation ?? 'tanh', ract = p.recurrent_activation ?? 'sigmoid';
    if (gen) {
      g.use('onnx_activation');
      const clip = gen.clip !== Infinity ? gen.clip : null;
      const py = (a: ActFn, c: number | null) => `onnx_activation("${a.name}"${ACT_PARAMS[a.name].alpha !== undefined ? `, alpha=${pyNum(a.alpha, true)}` : ''}${ACT_PARAMS[a.name].beta !== undefined ? `, beta=${pyNum(a.beta, true)}` : ''}${c !== null ? `, clip=${pyNum(c, true)}` : ''})`;
      args.push(`activation=${py(gen.g, clip)}`);
      if (n.type !== 'RNN') args.push(`recurrent_activation=${py(gen.f, clip)}`);
      // the LSTM's h reads c unclipped: its own callable whenever it differs from g's
      if (lstm && (clip !== null || gen.h !== gen.g)) args.push(`output_activation=${py(gen.h, null)}`);
      if (gen.inputForget) args.push('input_forget=True');
    } else if (act !== 'tanh') args.push(`activation=${ACT[act]}`);
    if (!gen && ract !== 'sigmoid') {
      args.push(`recurrent_activation=${ACT[ract]}`);
      if (ract === 'hard_sigmoid') g.use('hard_sigmoid');
    }
    if (n.type === 'GRU' && p.linear_before_reset === false) args.push('linear_before_reset=False');
    if (n.type === 'GRU' && p.update_gate === 'paper') args.push('update_gate="paper"');
    if (lstm && p.peephole) args.push('peephole=True');
    if (n.type === 'MGU') {
      g.init.push(`# PyTorch has no minimal gated unit: MGU writes it out, laid out as nn.GRU`);
      g.notes.push(`\`${n.name}\` (MGU) runs on MGU, a step-by-step loop laid out as nn.GRU with two gate blocks (f, n): PyTorch has no minimal gated unit.`);
    } else {
      g.init.push(`# ${n.type} with ${explicit}: nn.${n.type} cannot, so its maths is written out (same parameter names)`);
      g.notes.push(`\`${n.name}\` (${n.type} with ${explicit}) runs on ${cls}, a step-by-step loop with nn.${n.type}'s parameter names${lstm && p.peephole ? ' (and weight_peephole_l*)' : ''}: nn.${n.type} has no such option.`);
    }
    m = g.module(n, `${cls}(${args.join(', ')})`); // batch-first by construction
    call = `${m}(${x}${lengths !== 'None' || state !== 'None' ? `, ${lengths}` : ''}${state !== 'None' ? `, ${state}` : ''})`;
  } else {
    if (n.type === 'RNN' && (p.nonlinearity ?? 'tanh') !== 'tanh') args.push(`nonlinearity="${p.nonlinearity}"`);
    m = g.module(n, `nn.${n.type}(${args.join(', ')}, batch_first=True)`);
    g.use('run_rnn');
    call = `run_rnn(${m}, ${x}${lengths !== 'None' || state !== 'None' ? `, ${lengths}` : ''}${state !== 'None' ? `, ${state}` : ''})`;
  }
  const out = g.local(`${n.v}_out`);
  const h = g.local(`${n.v}_h`);
  const c = lstm ? g.local(`${n.v}_c`) : undefined;
  g.line(`${out}, ${lstm ? `(${h}, ${c})` : h} = ${call}`);
  const merge = p.bidirectional && p.merge_mode !== 'concat' ? p.merge_mode : null;
  if (merge) {
    g.use('merge_directions');
    g.notes.push(`\`${n.name}\` merges its two directions by ${merge} after the module (Keras' merge_mode; nn.${n.type} concatenates).`);
  }
  if (g.used(n, 'output')) {
    if (merge) g.line(`${out} = merge_directions(${out}, "${merge}")`);
    g.set(n, 'output', { expr: out });
  }
  g.set(n, 'state', { expr: h, c });
  if (g.bptt) g.finalStates.push([n.name, lstm ? `(${h}, ${c})` : h]);
  if (g.used(n, 'last')) {
    // the top layer's final h, directions side by side (Keras return_sequences=False)
    const last = g.local(`${n.v}_last`);
    const top = p.bidirectional ? `torch.cat([${h}[-2], ${h}[-1]], dim=1)` : `${h}[-1]`;
    g.line(`${last} = ${merge ? `merge_directions(${top}, "${merge}")` : top}`);
    g.set(n, 'last', { expr: last });
  }
}
