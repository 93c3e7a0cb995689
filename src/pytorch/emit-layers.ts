// model.py for the simple nodes: inputs, outputs, Embedding, Dense, activations, Dropout,
// Concat and the sequence <-> vector nodes. Each writes the nn module a person would use and one
// or two lines of forward.
import type { ModelGen, NodeView, Val } from './context';
import { pyBool, pyNum, pyStr } from './py';

type P = Record<string, unknown>;

const ACT: Record<string, string> = { tanh: 'torch.tanh', relu: 'torch.relu', sigmoid: 'torch.sigmoid', hard_sigmoid: 'hard_sigmoid' };

function activation(g: ModelGen, fn: string, x: string): string {
  if (fn === 'hard_sigmoid') g.use('hard_sigmoid');
  return `${ACT[fn]}(${x})`;
}

function need(g: ModelGen, n: NodeView, port: string): Val {
  const v = g.input(n, port);
  if (!v) g.fail(n, `input ${port} is not connected`);
  return v;
}

/** the IR op of type `op` among n's ops */
function opOf(g: ModelGen, n: NodeView, op: string) {
  const o = n.ops.find((x) => x.op === op);
  if (!o) g.fail(n, `lowered without a ${op} op, which the export expects`);
  return o;
}

export function emitInput(g: ModelGen, n: NodeView): void {
  const inp = g.program.inputs.filter((i) => i.node === n.id);
  const p = n.params as P;
  if (p.kind === 'state') {
    const h = g.args.get(inp[0].name)!;
    g.set(n, 'state', { expr: h, c: inp[1] ? g.args.get(inp[1].name) : undefined });
    return;
  }
  const x = g.args.get(inp[0].name)!;
  if (p.kind !== 'tokens') {
    g.set(n, p.kind === 'sequence' ? 'sequence' : 'vector', { expr: x });
    return;
  }
  g.set(n, 'tokens', { expr: x });
  const seqLengths = n.ops.find((o) => o.op === 'SeqLengths');
  if (seqLengths) {
    g.use('token_lengths');
    const len = g.local(`${x.replace(/_$/, '')}_lengths`);
    g.line(`${len} = token_lengths(${x}, pad=${seqLengths.attrs.pad}, name=${pyStr(inp[0].name)})`);
    g.setLengths(seqLengths.outputs[0], len);
    g.set(n, 'mask', { expr: len });
  }
}

export function emitEmbedding(g: ModelGen, n: NodeView): void {
  const [V, D] = n.weights.weight;
  const pad = (n.params as P).padding_idx;
  const m = g.module(n, `nn.Embedding(${V}, ${D}${pad !== null && pad !== undefined ? `, padding_idx=${pad}` : ''})`);
  g.line(`${n.v} = ${m}(${need(g, n, 'tokens').expr})`);
  g.set(n, 'output', { expr: n.v });
}

export function emitDense(g: ModelGen, n: NodeView): void {
  const p = n.params as P;
  const [N, K] = n.weights.weight;
  const m = g.module(n, `nn.Linear(${K}, ${N}${p.bias ? '' : ', bias=False'})`);
  const x = need(g, n, 'input').expr;
  g.line(`${n.v} = ${p.activation === 'none' ? `${m}(${x})` : activation(g, p.activation as string, `${m}(${x})`)}`);
  g.set(n, 'output', { expr: n.v });
}

export function emitActivation(g: ModelGen, n: NodeView): void {
  g.line(`${n.v} = ${activation(g, (n.params as P).fn as string, need(g, n, 'input').expr)}`);
  g.set(n, 'output', { expr: n.v });
}

export function emitSoftmax(g: ModelGen, n: NodeView): void {
  const fn = n.type === 'Softmax' ? 'torch.softmax' : 'torch.log_softmax';
  g.line(`${n.v} = ${fn}(${need(g, n, 'input').expr}, dim=-1)`);
  g.set(n, 'output', { expr: n.v });
}

export function emitDropout(g: ModelGen, n: NodeView): void {
  const m = g.module(n, `nn.Dropout(${pyNum((n.params as P).p as number, true)})`);
  g.line(`${n.v} = ${m}(${need(g, n, 'input').expr})`);
  g.set(n, 'output', { expr: n.v });
}

export function emitConcat(g: ModelGen, n: NodeView): void {
  const parts = ['a', 'b', 'c', 'd'].map((p) => g.input(n, p)?.expr).filter((x): x is string => !!x);
  g.line(`${n.v} = torch.cat([${parts.join(', ')}], dim=-1)`);
  g.set(n, 'output', { expr: n.v });
}

export function emitLastStep(g: ModelGen, n: NodeView): void {
  const x = need(g, n, 'input').expr;
  const len = g.lengths(n, opOf(g, n, 'LastStep').inputs[1]);
  if (len === 'None') g.line(`${n.v} = ${x}[:, -1]`);
  else {
    g.use('last_step');
    g.line(`${n.v} = last_step(${x}, ${len})`);
  }
  g.set(n, 'output', { expr: n.v });
}

export function emitPool(g: ModelGen, n: NodeView): void {
  const x = need(g, n, 'input').expr;
  const max = (n.params as P).mode === 'max';
  const len = g.lengths(n, opOf(g, n, 'SeqPool').inputs[1]);
  if (len === 'None') g.line(`${n.v} = ${x}.${max ? 'amax' : 'mean'}(dim=1)`);
  else {
    g.use(max ? 'max_over_steps' : 'mean_over_steps');
    g.line(`${n.v} = ${max ? 'max' : 'mean'}_over_steps(${x}, ${len})`);
  }
  g.set(n, 'output', { expr: n.v });
}

export function emitRepeatVector(g: ModelGen, n: NodeView): void {
  g.line(`${n.v} = ${need(g, n, 'input').expr}[:, None, :].expand(-1, ${(n.params as P).n}, -1)`);
  g.set(n, 'output', { expr: n.v });
}

export function emitOutput(g: ModelGen, n: NodeView): void {
  const x = need(g, n, 'value');
  const outs = g.program.outputs.filter((o) => o.node === n.id);
  if (x.c !== undefined || outs.length > 1) {
    // a State: h under the node's name, c as <name>_c
    g.outputs.push({ name: outs[0].name, expr: x.expr });
    if (outs[1] && x.c) g.outputs.push({ name: outs[1].name, expr: x.c });
    return;
  }
  const mask = n.ops.find((o) => o.op === 'MaskSteps');
  let expr = x.expr;
  let lengths: string | undefined;
  if (mask) {
    lengths = g.lengths(n, mask.inputs[1]);
    g.use('mask_steps');
    expr = `mask_steps(${x.expr}, ${lengths})`;
  }
  // CrossEntropyLoss on probabilities is taken on the logits of the Softmax that made them
  const src = g.source(n, 'value');
  const logits = src?.type === 'Softmax' ? g.input(src, 'input')?.expr : undefined;
  g.outputs.push({ name: outs[0].name, expr, logits, lengths });
}

export const boolArg = (name: string, b: boolean, dflt: boolean): string => (b === dflt ? '' : `, ${name}=${pyBool(b)}`);
