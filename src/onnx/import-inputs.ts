// ONNX graph inputs -> seqgraph Input nodes. An ONNX input says its rank and dtype but not what
// its axes mean, so each input gets a short list of readings (tokens [B,T] or time-major [T,B]; a
// sequence [B,T,F] or [T,B,F]; a state [L,B,H]; a vector; an axis of size 1 left out, as the Scan
// cases do with the batch), ordered by how likely they are given the op that reads it first. The
// importer tries combinations until one imports; the op handlers refuse readings that do not fit.
import type { ImportState, InputInfo } from './import-ctx';
import { canonicalLayout, type Layout, type SymDim } from './import-layout';
import type { SV } from './import-values';
import type { NodeProto, ValueInfoProto } from './proto';

type Role = 'B' | 'T' | 'F' | 'L' | 'H';

export interface Choice {
  kind: 'tokens' | 'sequence' | 'vector' | 'state' | 'stateC' | 'lengths';
  /** what each ONNX axis is */
  roles: Role[];
}

const CANON: Record<Choice['kind'], Role[]> = {
  tokens: ['B', 'T'],
  sequence: ['B', 'T', 'F'],
  vector: ['B', 'F'],
  state: ['L', 'B', 'H'],
  stateC: ['L', 'B', 'H'],
  lengths: ['B'],
};

export interface Consumer {
  node: NodeProto;
  slot: number;
}

const RECURRENT = new Set(['LSTM', 'GRU', 'RNN']);

function dimsOf(vi: ValueInfoProto): (SymDim | undefined)[] {
  return (vi.type?.tensor_type?.shape?.dim ?? []).map((d) => (d.dim_value !== undefined && d.dim_value !== null && Number(d.dim_value) > 0 ? Number(d.dim_value) : d.dim_param || undefined));
}

export const rankOf = (vi: ValueInfoProto): number => vi.type?.tensor_type?.shape?.dim?.length ?? -1;

/** the readings worth trying for one graph input, best first */
export function candidates(vi: ValueInfoProto, consumers: Consumer[], opset: number): Choice[] {
  const r = rankOf(vi);
  const et = vi.type?.tensor_type?.elem_type;
  const isInt = et === 6 || et === 7;
  const first = consumers[0];
  const op = first?.node.op_type ?? '';
  const attrInt = (n: NodeProto, name: string, d: number) => Number(n.attribute?.find((a) => a.name === name)?.i ?? d);
  if (RECURRENT.has(op)) {
    const layout1 = attrInt(first.node, 'layout', 0) === 1;
    if (first.slot === 0) return r === 3 ? [{ kind: 'sequence', roles: layout1 ? ['B', 'T', 'F'] : ['T', 'B', 'F'] }] : [];
    if (first.slot === 4) return r === 1 ? [{ kind: 'lengths', roles: ['B'] }] : [];
    if (first.slot === 5 || first.slot === 6) {
      const kind = first.slot === 5 ? 'state' : 'stateC';
      return r === 3 ? [{ kind, roles: layout1 ? ['B', 'L', 'H'] : ['L', 'B', 'H'] }] : [];
    }
  }
  if (op === 'Scan') {
    const opset8 = opset < 9;
    const nScan = attrInt(first.node, 'num_scan_inputs', 1);
    const nIn = (first.node.input?.length ?? 0) - (opset8 ? 1 : 0);
    const slot = first.slot - (opset8 ? 1 : 0);
    const isScanInput = slot >= nIn - nScan;
    const lead: Role[] = opset8 ? ['B'] : [];
    const step = r - lead.length - (isScanInput ? 1 : 0);
    const tail: Role[][] = step === 0 ? [[]] : step === 1 ? [['F']] : step === 2 && !opset8 ? [['B', 'F']] : [];
    return tail.map((t) => ({ kind: isScanInput ? 'sequence' : 'vector', roles: [...lead, ...(isScanInput ? (['T'] as Role[]) : []), ...t] }));
  }
  if (isInt) {
    if (r === 2) return [{ kind: 'tokens', roles: ['B', 'T'] }, { kind: 'tokens', roles: ['T', 'B'] }];
    if (r === 1) return [{ kind: 'tokens', roles: ['T'] }, { kind: 'tokens', roles: ['B'] }];
    if (r === 0) return [{ kind: 'tokens', roles: [] }];
    return [];
  }
  switch (r) {
    case 3: return [{ kind: 'sequence', roles: ['B', 'T', 'F'] }, { kind: 'sequence', roles: ['T', 'B', 'F'] }, { kind: 'state', roles: ['L', 'B', 'H'] }];
    case 2: return [{ kind: 'vector', roles: ['B', 'F'] }, { kind: 'sequence', roles: ['T', 'F'] }, { kind: 'sequence', roles: ['B', 'T'] }];
    case 1: return [{ kind: 'vector', roles: ['F'] }, { kind: 'sequence', roles: ['T'] }, { kind: 'vector', roles: ['B'] }];
    case 0: return [{ kind: 'vector', roles: [] }];
    default: return [];
  }
}

/**
 * Make the Input node for one reading, or say why the reading cannot be (a feature size the model
 * leaves open). Returns the value the graph input holds.
 */
export function createInput(st: ImportState, vi: ValueInfoProto, choice: Choice, lengthsFor: Map<string, string>): SV | string {
  const name = vi.name ?? '';
  const nodeName = st.ioNames.get(name) ?? name;
  const dims = dimsOf(vi);
  const T = `T:${name}`;
  const size: Partial<Record<Role, SymDim>> = { B: 'B', T };
  const canonRoles = CANON[choice.kind];
  for (let i = 0; i < choice.roles.length; i++) {
    const role = choice.roles[i];
    const d = dims[i];
    if (role === 'F' || role === 'H' || role === 'L') {
      if (typeof d !== 'number') return `input '${name}': axis ${i} (${role === 'L' ? 'layers' : 'features'}) must have a fixed size, the model leaves it open`;
      size[role] = d;
    } else if (typeof d === 'number') {
      const sym = size[role] as string;
      if (!st.syms.frozen.has(sym)) st.syms.frozen.set(sym, d);
    }
  }
  for (const role of canonRoles) if (!choice.roles.includes(role)) size[role] = role === 'B' || role === 'T' ? size[role] : 1;
  const canon = canonRoles.map((role) => size[role]!);
  const layout: Layout = choice.roles.map((role) => {
    const axis = canonRoles.indexOf(role);
    return [{ axis, stride: 1, size: canon[axis] }];
  });
  const info = (node: string, kind: InputInfo['kind'], feed: string): InputInfo => ({ onnx: name, node, kind, feed, layout, rank: canon.length });
  const b = st.b;
  switch (choice.kind) {
    case 'tokens': {
      const id = b.add('Input', nodeName, { kind: 'tokens', tokenizer: 'words', vocab: [] }, true);
      st.inputs.set(name, info(id, 'tokens', b.node(id).name));
      return { k: 'port', ref: { node: id, port: 'tokens' }, ptype: 'Tokens', canon, layout };
    }
    case 'sequence': {
      const lengths = [...lengthsFor.values()].includes(name);
      const id = b.add('Input', nodeName, { kind: 'sequence', features: canon[2], ...(lengths ? { lengths: true } : {}) }, true);
      st.inputs.set(name, info(id, 'sequence', b.node(id).name));
      return { k: 'port', ref: { node: id, port: 'sequence' }, ptype: 'Sequence', canon, layout, ...(lengths ? { lengthsOf: id } : {}) };
    }
    case 'vector': {
      const id = b.add('Input', nodeName, { kind: 'vector', features: canon[1] }, true);
      st.inputs.set(name, info(id, 'vector', b.node(id).name));
      return { k: 'port', ref: { node: id, port: 'vector' }, ptype: 'Vector', canon, layout };
    }
    case 'state':
    case 'stateC': {
      const L = canon[0] as number;
      const id = b.add('Input', nodeName, { kind: 'state', features: canon[2], layers: L, cell: false }, true);
      st.inputs.set(name, info(id, 'state', b.node(id).name));
      return { k: 'state', node: id, c: choice.kind === 'stateC', rows: Array.from({ length: L }, (_, i) => i), H: canon[2] as number, layout };
    }
    case 'lengths': {
      const seqName = lengthsFor.get(name);
      const seq = seqName !== undefined ? st.inputs.get(seqName) : undefined;
      if (!seq) return `input '${name}' holds sequence lengths, but no float sequence input of the same recurrent op goes with it`;
      st.inputs.set(name, { onnx: name, node: seq.node, kind: 'sequence', feed: `${b.node(seq.node).name}_lengths`, layout, rank: 1 });
      return { k: 'lengths', input: seq.node };
    }
  }
}

export { canonicalLayout };
