// The LowerCtx that nodes' lower() functions emit IR through: it names values, records their
// types, registers weights as initializers and keeps the graph's inputs, outputs and traced ops.
import type { DocNode } from '../doc/schema';
import type { LowerCtx, NodeDef, PortShape, PortValue, Params } from './node-def';
import type { Op, Program, ValueInfo, GraphInput, GraphOutput, TraceTarget, WeightRef } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import { dict } from '../doc/dict';

export function createLowering(graphName: string) {
  const ops: Op[] = [];
  // value names come from node names the user chose: null-prototype objects (doc/dict.ts)
  const values = dict<ValueInfo>();
  const initializers = dict<Tensor>();
  const inputs: GraphInput[] = [];
  const outputs: GraphOutput[] = [];
  const traced: TraceTarget[] = [];
  const weightRefs = dict<WeightRef>(); // keyed by IR names made of node names
  const used = new Set<string>();
  const nodeNames = dict<string>();
  const unique = (base: string) => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };

  function context(node: DocNode, def: NodeDef, params: Params, portInputs: Record<string, PortValue | undefined>, outShapes: Record<string, PortShape>, weights: Record<string, Tensor>): LowerCtx {
    const n = { id: node.id, name: node.name, type: node.type };
    nodeNames[node.id] = node.name;
    let trace: TraceTarget | undefined;
    return {
      node: n,
      params,
      inputs: portInputs,
      outputs: outShapes,
      weight(name) {
        const t = Object.hasOwn(weights, name) ? weights[name] : undefined;
        if (!t) throw new Error(`internal: ${node.name} (${node.type}) lowers weight "${name}" that it did not declare`);
        const irName = `${node.name}.${name}`;
        if (!initializers[irName]) {
          used.add(irName);
          initializers[irName] = t;
          values[irName] = { name: irName, dtype: 'float32', shape: [...t.shape] };
          weightRefs[irName] = { node: node.id, name };
        }
        return irName;
      },
      constant(label, t) {
        const irName = unique(`${node.name}/${label}`);
        initializers[irName] = t;
        values[irName] = { name: irName, dtype: t.dtype, shape: [...t.shape] };
        return irName;
      },
      op(op, ins, attrs, outs) {
        const names = outs.map((_, i) => unique(`${node.name}/${op}${outs.length > 1 ? '.' + i : ''}`));
        names.forEach((nm, i) => (values[nm] = { name: nm, dtype: outs[i].dtype, shape: [...outs[i].shape] }));
        ops.push({ op, inputs: ins, outputs: names, attrs, node: node.id });
        return names;
      },
      graphInput(dtype, shape, info, wanted) {
        const name = unique(wanted ?? node.name);
        values[name] = { name, dtype, shape: [...shape] };
        inputs.push({ name, node: node.id, value: name, dtype, shape: [...shape], info });
        return name;
      },
      graphOutput(value, dtype, shape, kind, labels, wanted) {
        let v = value;
        const outName = wanted ?? node.name;
        if (v !== outName) {
          // outputs carry the Output node's name, in the runtime and in the ONNX model alike
          const name = unique(outName);
          values[name] = { name, dtype, shape: [...shape] };
          ops.push({ op: 'Identity', inputs: [value], outputs: [name], attrs: {}, node: node.id });
          v = name;
        }
        outputs.push({ name: v, node: node.id, value: v, dtype, shape: [...shape], kind, labels });
      },
      traceLayer(layer) {
        if (!trace) {
          trace = { node: node.id, name: node.name, type: def.type, layers: [] };
          traced.push(trace);
        }
        trace.layers.push({ opIndex: ops.length - 1, layer });
      },
    };
  }

  function finish(): Program {
    return { name: graphName, inputs, outputs, ops, values, initializers, traced, nodeNames, weightRefs };
  }
  return { context, finish };
}
