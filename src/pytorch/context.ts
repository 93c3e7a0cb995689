// What the node emitters (emit-*.ts) write model.py through: each live node of the compiled graph
// with its params, connections, shapes and IR ops; the Python names of what flows along the edges;
// the lines of __init__ and forward; the helpers used. The IR is consulted for facts the node
// level does not spell out (which lengths travel with a value), so they are the compiler's.
import type { CompileResult } from '../compiler/compile';
import { withDefaults } from '../compiler/params';
import type { PortShape } from '../compiler/node-def';
import type { DocNode, GraphDoc } from '../doc/schema';
import type { Op, Program } from '../ir/program';
import { getNodeDef } from '../../nodes/index';
import { closure, type HelperName } from './lib/index';
import type { DecoderFeatures } from './lib/decoder';
import { isIdentifier, Names, pyStr } from './py';

/** The export cannot express something: names the node (when there is one) and the reason. */
export class PyTorchExportError extends Error {
  constructor(message: string, readonly node?: string) {
    super(message);
    this.name = 'PyTorchExportError';
  }
}

/** What flows along an edge, in Python: a tensor expression; for a State, h (and c). */
export interface Val {
  expr: string;
  c?: string;
}

export interface NodeView {
  id: string;
  name: string;
  type: string;
  params: Record<string, unknown>;
  /** the IR ops the node lowered to, in order */
  ops: Op[];
  /** connected input ports -> the output port feeding them */
  inputs: Record<string, { node: string; port: string }>;
  /** output port shapes */
  shapes: Record<string, PortShape>;
  /** weight name -> shape */
  weights: Record<string, number[]>;
  /** base name for the node's local variables in forward */
  v: string;
}

export interface ModelOutput {
  name: string;
  expr: string;
  /** the scores before a final Softmax (what CrossEntropyLoss takes) */
  logits?: string;
  /** per-row lengths of a sequence output (padded steps do not count in a loss) */
  lengths?: string;
}

/** nn.Module's own attributes: a submodule of one of these names cannot be registered */
const MODULE_ATTRS = new Set(
  ('T_destination add_module apply bfloat16 buffers children compile cpu cuda double dump_patches eval extra_repr float ' +
    'forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers ' +
    'named_children named_modules named_parameters parameters register_backward_hook register_buffer ' +
    'register_forward_hook register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook ' +
    'register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module register_parameter ' +
    'register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule ' +
    'share_memory smart_apply state_dict to to_empty train training type xpu zero_grad call_super_init').split(' '),
);

export class ModelGen {
  readonly init: string[] = [];
  readonly fwd: string[] = [];
  readonly outputs: ModelOutput[] = [];
  /** what the generated code writes out by hand, and why (for the README) */
  readonly notes: string[] = [];
  readonly locals = new Names(['self', 'for_loss', 'states', 'final', 'outputs', 'logits', 'lengths', 'torch', 'nn', 'F', 'math', 'B']);
  /** Python forward arguments, by graph input name */
  readonly args = new Map<string, string>();
  private helpers = new Set<HelperName>();
  private vals = new Map<string, Val>();
  private lengthVars = new Map<string, string>();
  private consumed = new Set<string>();
  readonly views: NodeView[] = [];
  private byId = new Map<string, NodeView>();
  /** what the graph's Decoders need of the Decoder class (none: no Decoder) */
  readonly decoderFeatures: DecoderFeatures = { lstm: false, bahdanau: false, luong: false, concat: false, beam: false, forced: false, bridge: false };
  hasDecoder = false;
  /** truncated BPTT: forward takes the recurrent nodes' states carried from the previous chunk */
  readonly bptt: boolean;
  /** recurrent node name -> its final state in Python (h, or "(h, c)"), returned for the next chunk */
  readonly finalStates: [string, string][] = [];

  constructor(readonly doc: GraphDoc, readonly program: Program, readonly result: CompileResult) {
    this.bptt = doc.training?.bptt_steps !== undefined;
    const live = new Set<string>([...program.ops.map((o) => o.node), ...program.inputs.map((i) => i.node), ...program.outputs.map((o) => o.node)]);
    const nodes = new Map(doc.nodes.map((n) => [n.id, n]));
    for (const e of doc.edges) if (live.has(e.target.node)) this.consumed.add(`${e.source.node}:${e.source.port}`);
    // forward's arguments first: they are the names a caller sees
    for (const inp of program.inputs) this.args.set(inp.name, this.locals.take(inp.name));
    for (const id of result.order) {
      const n = nodes.get(id);
      if (!n || !live.has(id)) continue;
      const view = this.makeView(n, doc);
      this.views.push(view);
      this.byId.set(id, view);
    }
  }

  private makeView(n: DocNode, doc: GraphDoc): NodeView {
    const def = getNodeDef(n.type);
    if (!def) throw new PyTorchExportError(`node "${n.name}": unknown node type "${n.type}"`, n.id);
    const inputs: NodeView['inputs'] = {};
    for (const e of doc.edges) if (e.target.node === n.id) inputs[e.target.port] = { node: e.source.node, port: e.source.port };
    return {
      id: n.id, name: n.name, type: n.type, params: withDefaults(def, n.params), ops: this.program.ops.filter((o) => o.node === n.id), inputs,
      shapes: this.result.nodeShapes[n.id] ?? {}, weights: this.result.weightShapes[n.id] ?? {}, v: this.locals.take(n.name),
    };
  }

  view(id: string): NodeView {
    const v = this.byId.get(id);
    if (!v) throw new PyTorchExportError(`internal: node ${id} is not part of the compiled graph`);
    return v;
  }

  fail(n: NodeView, reason: string): never {
    throw new PyTorchExportError(`node "${n.name}" (${n.type}): ${reason}`, n.id);
  }

  use(...names: HelperName[]): void {
    for (const n of names) this.helpers.add(n);
  }
  usedHelpers(): HelperName[] {
    return closure(this.helpers);
  }

  /** forward's code */
  line(...ls: string[]): void {
    this.fwd.push(...ls);
  }

  /** registers the node's submodule, named as the node so state_dict keys are "<node>.<weight>"; returns how forward reaches it */
  module(n: NodeView, ctor: string): string {
    if (n.name.includes('.')) this.fail(n, `PyTorch module names cannot hold ".", and the state_dict keys are "<node name>.<weight>": rename the node`);
    if (MODULE_ATTRS.has(n.name)) this.fail(n, `"${n.name}" is an attribute every nn.Module has, so no submodule can take that name: rename the node`);
    if (isIdentifier(n.name)) {
      this.init.push(`self.${n.name} = ${ctor}`);
      return `self.${n.name}`;
    }
    this.init.push(`self.add_module(${pyStr(n.name)}, ${ctor})`);
    return `getattr(self, ${pyStr(n.name)})`;
  }

  /** a fresh local variable name */
  local(base: string): string {
    return this.locals.take(base);
  }

  set(n: NodeView, port: string, val: Val): void {
    this.vals.set(`${n.id}:${port}`, val);
  }
  /** what feeds input `port` of n, or undefined when nothing is connected */
  input(n: NodeView, port: string): Val | undefined {
    const src = n.inputs[port];
    if (!src) return undefined;
    const v = this.vals.get(`${src.node}:${src.port}`);
    if (!v) throw new PyTorchExportError(`internal: node "${n.name}" reads ${src.node}.${src.port}, which no emitter wrote`, n.id);
    return v;
  }
  /** the node feeding input `port` of n */
  source(n: NodeView, port: string): NodeView | undefined {
    const src = n.inputs[port];
    return src ? this.byId.get(src.node) : undefined;
  }
  /** whether another live node reads output `port` of n */
  used(n: NodeView, port: string): boolean {
    return this.consumed.has(`${n.id}:${port}`);
  }

  /** an IR value holding per-row lengths is this Python variable from now on */
  setLengths(irValue: string, py: string): void {
    this.lengthVars.set(irValue, py);
  }
  /** the Python variable of an IR lengths value; 'None' for an absent ('') one */
  lengths(n: NodeView, irValue: string | undefined): string {
    if (!irValue) return 'None';
    const v = this.lengthVars.get(irValue);
    if (!v) this.fail(n, `reads row lengths (${irValue}) the export cannot trace to a token input or a decoder`);
    return v;
  }
}
