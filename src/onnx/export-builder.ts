// A small ONNX graph builder used by the exporter: unique names, nodes, constants (as
// initializers), a few opset-dependent forms (Reduce*, Split, Squeeze/Unsqueeze), and a final
// check that every node input is defined before it is used (subgraphs such as a Loop body
// included). A subgraph's builder (`sub()`) shares the model's names and initializers: ONNX wants
// names unique across a graph and its subgraphs, and a body may read the outer graph's values
// and initializers by name, so its constants live with the model's.
import type { Op } from '../ir/program';
import { AttrType, attr, DataType, floatTensorProto, int64TensorProto, type AttributeProto, type GraphProto, type NodeProto, type TensorProto } from './proto';

export class ExportError extends Error {}

/** An error naming the IR op and the graph node it came from (by its name when known). */
export function opError(op: Op, why: string, nodeNames?: Record<string, string>): ExportError {
  const ins = op.inputs.map((i) => (i === '' ? "''" : i)).join(', ');
  const name = nodeNames?.[op.node];
  const node = name && name !== op.node ? `'${name}' (id ${op.node})` : `'${op.node}'`;
  return new ExportError(`ONNX export: op ${op.op} of node ${node} (inputs: ${ins}): ${why}`);
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[];
  private readonly used: Set<string>;
  private readonly counter: { n: number };
  /** the IR op being emitted, for node names and error messages */
  current: Op | undefined;

  constructor(readonly opset: number, parent?: GraphBuilder) {
    this.initializers = parent ? parent.initializers : [];
    this.used = parent ? parent.used : new Set<string>();
    this.counter = parent ? parent.counter : { n: 0 };
    this.current = parent?.current;
  }

  /** a builder for a subgraph (a Loop body): own nodes; names and initializers shared with this one */
  sub(): GraphBuilder {
    return new GraphBuilder(this.opset, this);
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  /** a name not used yet, based on `base` */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  private scoped(what: string): string {
    return this.current ? `${this.current.node}/${what}` : what;
  }

  /** Add a node; `outputs` are names or a count (fresh names). Returns the output names. */
  add(opType: string, inputs: string[], outputs: string[] | number = 1, attrs: AttributeProto[] = []): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(this.scoped(opType))) : outputs;
    // trailing absent optional inputs are dropped, as ONNX writers do
    const ins = [...inputs];
    while (ins.length > 0 && ins[ins.length - 1] === '') ins.pop();
    this.nodes.push({
      name: this.scoped(`${opType}_${this.counter.n++}`),
      op_type: opType,
      input: ins,
      output: outs,
      attribute: attrs,
    });
    return outs;
  }

  /** Add a one-output node and return its output name. */
  op(opType: string, inputs: string[], attrs: AttributeProto[] = [], output?: string): string {
    return this.add(opType, inputs, output !== undefined ? [output] : 1, attrs)[0];
  }

  addInitializer(t: TensorProto): string {
    this.initializers.push(t);
    return t.name!;
  }

  constFloat(values: number[], dims: number[], base = 'const'): string {
    return this.addInitializer(floatTensorProto(this.fresh(this.scoped(base)), dims, values));
  }

  constInt64(values: number[], dims: number[] = [values.length], base = 'const'): string {
    return this.addInitializer(int64TensorProto(this.fresh(this.scoped(base)), dims, values));
  }

  constBool(value: boolean, base = 'const'): string {
    return this.addInitializer({ name: this.fresh(this.scoped(base)), dims: [], data_type: DataType.BOOL, raw_data: new Uint8Array([value ? 1 : 0]) });
  }

  /** a tensor of `shape` (an int64 1-D value) filled with one value, of dtype FLOAT, INT64 or BOOL */
  fill(shape: string, dtype: number, value: number): string {
    const t: TensorProto =
      dtype === DataType.FLOAT ? floatTensorProto('value', [1], [value]) : dtype === DataType.INT64 ? int64TensorProto('value', [1], [value]) : { name: 'value', dims: [1], data_type: DataType.BOOL, raw_data: new Uint8Array([value ? 1 : 0]) };
    return this.op('ConstantOfShape', [shape], [attr.tensor('value', t)]);
  }

  /** dimension `axis` of x's run-time shape, as an int64 [1] (for Concat into shapes, Slice ends) */
  dim(x: string, axis: number): string {
    return this.op('Slice', [this.op('Shape', [x]), this.constInt64([axis], [1], 'at'), this.constInt64([axis + 1], [1], 'at')]);
  }

  // ---- forms that changed between opsets

  /** ReduceSum/ReduceMean/ReduceMax over `axes`; axes became an input in 13 (Sum) / 18 (others) */
  reduce(opType: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: string, axes: number[], keepdims: boolean, out?: string): string {
    const asInput = opType === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    const kd = attr.int('keepdims', keepdims ? 1 : 0);
    return asInput
      ? this.op(opType, [x, this.constInt64(axes, [axes.length], 'axes')], [kd], out)
      : this.op(opType, [x], [attr.ints('axes', axes), kd], out);
  }

  /** Unsqueeze / Squeeze; axes became an input in opset 13 */
  unsqueeze(x: string, axes: number[], out?: string): string {
    return this.axesOp('Unsqueeze', x, axes, out);
  }

  squeeze(x: string, axes: number[], out?: string): string {
    return this.axesOp('Squeeze', x, axes, out);
  }

  private axesOp(opType: string, x: string, axes: number[], out?: string): string {
    return this.opset >= 13
      ? this.op(opType, [x, this.constInt64(axes, [axes.length], 'axes')], [], out)
      : this.op(opType, [x], [attr.ints('axes', axes)], out);
  }

  /** split `x` into `n` equal parts along `axis` */
  splitEqual(x: string, axis: number, n: number): string[] {
    const attrs = [attr.int('axis', axis)];
    if (this.opset >= 18) attrs.push(attr.int('num_outputs', n));
    return this.add('Split', [x], n, attrs);
  }

  cast(x: string, to: number): string {
    return this.op('Cast', [x], [attr.int('to', to)]);
  }

  /**
   * The step mask of X [B,T,...] for `lengths` [B]: bool [B,T], true where t < len_b.
   * T comes from X's shape at run time, so T (and B) stay dynamic.
   */
  stepMask(x: string, lengths: string): string {
    const shape = this.op('Shape', [x]);
    const t = this.op('Gather', [shape, this.constInt64([1], [], 'time_axis')], [attr.int('axis', 0)]);
    const steps = this.op('Range', [this.constInt64([0], [], 'zero'), t, this.constInt64([1], [], 'one')]); // [T]
    return this.op('Less', [steps, this.unsqueeze(lengths, [1])]); // [T] < [B,1] -> [B,T]
  }

  /** float mask [B,T,1,...] (1 on valid steps) that broadcasts against X of the given rank */
  stepMaskFloat(x: string, lengths: string, rank = 3): string {
    const m = this.cast(this.stepMask(x, lengths), DataType.FLOAT);
    return rank > 2 ? this.unsqueeze(m, Array.from({ length: rank - 2 }, (_, i) => i + 2)) : m;
  }

  /**
   * Check the graph is well formed: every node input is a graph input, an initializer or an
   * earlier node's output; no value is produced twice; every graph output is produced.
   */
  check(inputs: string[], outputs: string[]): void {
    const defined = new Set<string>(inputs);
    for (const t of this.initializers) {
      if (defined.has(t.name!)) throw new ExportError(`ONNX export: '${t.name}' is defined twice (initializer)`);
      defined.add(t.name!);
    }
    checkNodes(this.nodes, defined, outputs, 'graph');
  }
}

/**
 * Nodes in order against the values defined so far; a node's graph attribute (a Loop body) is
 * checked against what is defined at that node plus the body's own inputs. Names are SSA across
 * the whole model: a body may not redefine an outer value.
 */
function checkNodes(nodes: NodeProto[], defined: Set<string>, outputs: string[], where: string): void {
  for (const n of nodes) {
    for (const i of n.input ?? []) {
      if (i !== '' && !defined.has(i)) throw new ExportError(`ONNX export: node '${n.name}' (${n.op_type}) reads '${i}', which nothing defines before it`);
    }
    for (const a of n.attribute ?? []) {
      if (a.type !== AttrType.GRAPH || !a.g) continue;
      const g: GraphProto = a.g;
      const inner = new Set(defined);
      for (const i of g.input ?? []) {
        if (inner.has(i.name!)) throw new ExportError(`ONNX export: subgraph '${g.name}' input '${i.name}' is already defined`);
        inner.add(i.name!);
      }
      checkNodes(g.node ?? [], inner, (g.output ?? []).map((o) => o.name!), `subgraph '${g.name}'`);
      // the body's values are its own: mark them used so the outer graph cannot reuse a name
      for (const x of inner) if (!defined.has(x)) defined.add(x);
    }
    for (const o of n.output ?? []) {
      if (o === '') continue;
      if (defined.has(o)) throw new ExportError(`ONNX export: node '${n.name}' (${n.op_type}) writes '${o}', which is already defined`);
      defined.add(o);
    }
  }
  for (const o of outputs) if (!defined.has(o)) throw new ExportError(`ONNX export: ${where} output '${o}' is never computed`);
}
