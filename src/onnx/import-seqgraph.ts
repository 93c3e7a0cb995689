// The round trip: a model seqgraph exported carries its graph in the metadata (seqgraph.graph,
// export-graph.ts) and its weights, re-laid out for ONNX, as the initializers. The graph comes
// back as it was (names, positions, samples, vocabularies, decoder settings); the weights are
// recovered by running the exporter on probe weights: every weight element gets a distinct
// integer (k+1 in one probe, -(k+1) in a second, so constants the exporter adds, equal in both,
// are told apart), and wherever a probe value ±(k+1) lands in an initializer, the file's value
// there is that weight element (negated for −(k+1): the exporter negates some rows). The recovered graph is then exported once more and must give the file's
// graph and initializers exactly; if anything differs (the file was edited, or another tool wrote
// the metadata), this returns null and the op-by-op importer reads the ONNX graph instead.
import { compile } from '../compiler/compile';
import { checkGraph } from '../doc/load';
import type { GraphDoc } from '../doc/schema';
import { encodeWeight } from '../doc/weights';
import type { Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import { buildModel } from './export';
import { META_GRAPH } from './export-graph';
import type { IoMap } from './import-graph';
import type { TensorReader } from './import-read';
import { canonicalLayout } from './import-layout';
import { encodeModel, type ModelProto } from './proto';

const MAX_ID = 2 ** 23; // probe ids stay exact in float32

interface Slot {
  node: string;
  name: string;
  offset: number;
}

export function importSeqgraph(model: ModelProto, reader: TensorReader, file: string): { doc: GraphDoc; notes: string[]; inputs: IoMap[]; outputs: IoMap[] } | null {
  const meta = new Map((model.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const text = meta.get(META_GRAPH);
  if (text === undefined) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const loaded = checkGraph(raw);
  if (!loaded.ok) return null;
  const doc = loaded.doc;
  const opset = Number(model.opset_import?.find((o) => (o.domain ?? '') === '')?.version ?? 17);
  const greedy = [...meta.keys()].some((k) => k.startsWith('seqgraph.decoder.') && k.endsWith('.requested_strategy'));
  const opts = { opset, decodeStrategy: greedy ? ('greedy' as const) : undefined };
  const fresh = compile(doc);
  if (!fresh.program) return null;

  // every weight element, in order
  const slots: Slot[] = [];
  const sizes: { node: string; name: string; t: Tensor }[] = [];
  for (const n of doc.nodes) for (const [name, t] of Object.entries(fresh.weights[n.id] ?? {})) sizes.push({ node: n.id, name, t });
  const total = sizes.reduce((s, w) => s + w.t.data.length, 0);
  let at = 0;
  for (const w of sizes) {
    slots.push({ node: w.node, name: w.name, offset: at });
    at += w.t.data.length;
  }
  const fileInits = new Map<string, Float32Array | null>();
  for (const t of model.graph?.initializer ?? []) {
    const a = reader.read(t, 'initializer');
    fileInits.set(t.name ?? '', a.dtype === 'float' ? (a.data as Float32Array) : null);
  }
  const recovered = new Float32Array(total);
  const seen = new Uint8Array(total);
  // passes of at most MAX_ID elements
  for (let start = 0; start < total; start += MAX_ID) {
    const end = Math.min(total, start + MAX_ID);
    const probe = (sign: number) => {
      const d = structuredClone(doc);
      d.weights = {};
      for (const s of slots) {
        const w = sizes.find((x) => x.node === s.node && x.name === s.name)!;
        const data = new Float32Array(w.t.data.length);
        for (let i = 0; i < data.length; i++) {
          const k = s.offset + i;
          data[i] = k >= start && k < end ? sign * (k - start + 1) : 0;
        }
        (d.weights[s.node] ??= {})[s.name] = encodeWeight(w.t.shape, data);
      }
      const p = compile(d).program;
      return p ? initializersOf(buildModel(p, { ...opts, metadata: {} })) : null;
    };
    const A = probe(1), B = probe(-1);
    if (!A || !B) return null;
    for (const [name, a] of A) {
      if (!B.has(name) || !fileInits.has(name)) return null;
      const b = B.get(name), real = fileInits.get(name);
      if (!a || !b || !real) continue;
      if (real.length !== a.length) return null;
      for (let e = 0; e < a.length; e++) {
        if (a[e] === b[e]) continue; // a constant of the exporter's
        // a weight element as it is, or negated (a GRU's paper update gate, an MGU's z = −f rows)
        const sign = a[e] < 0 ? -1 : 1;
        const k = Math.round(sign * a[e]) - 1 + start;
        if (b[e] !== -a[e] || k < start || k >= end) return null;
        recovered[k] = sign * real[e];
        seen[k] = 1;
      }
    }
  }
  const notes: string[] = [];
  const out: GraphDoc = { ...doc, weights: {} };
  for (const s of slots) {
    const w = sizes.find((x) => x.node === s.node && x.name === s.name)!;
    const n = w.t.data.length;
    let covered = 0;
    for (let i = 0; i < n; i++) covered += seen[s.offset + i];
    if (covered === 0) {
      const nodeName = doc.nodes.find((x) => x.id === s.node)?.name;
      notes.push(`${nodeName}.${s.name} is not in the file (the node reaches no output); it keeps fresh values from the graph's seed`);
      continue;
    }
    if (covered !== n) return null;
    (out.weights![s.node] ??= {})[s.name] = encodeWeight(w.t.shape, recovered.subarray(s.offset, s.offset + n));
  }
  // the recovered graph must export to exactly this file's graph and initializers
  const again = compile(out).program;
  if (!again || !sameModel(buildModel(again, opts), model, reader, fileInits)) return null;
  notes.unshift(`${file} was written by seqgraph: the graph comes back from its metadata, with the weights from its tensors (checked by exporting it again)`);
  return { doc: out, notes, ...ioOf(again) };
}

function initializersOf(m: ModelProto): Map<string, Float32Array | null> {
  const out = new Map<string, Float32Array | null>();
  for (const t of m.graph?.initializer ?? []) {
    if (t.data_type !== 1 || !t.raw_data) {
      out.set(t.name ?? '', null);
      continue;
    }
    const raw = t.raw_data;
    out.set(t.name ?? '', new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
  }
  return out;
}

/** the same nodes (ops, inputs, outputs, attributes) and the same initializers, value for value */
function sameModel(a: ModelProto, file: ModelProto, reader: TensorReader, fileInits: Map<string, Float32Array | null>): boolean {
  const strip = (m: ModelProto) => ({ ...m.graph, initializer: [], doc_string: undefined, name: undefined });
  const ga = encodeModel({ graph: strip(a) as ModelProto['graph'] });
  const gb = encodeModel({ graph: strip(file) as ModelProto['graph'] });
  if (ga.length !== gb.length || ga.some((x, i) => x !== gb[i])) return false;
  const fa = a.graph?.initializer ?? [], fb = file.graph?.initializer ?? [];
  if (fa.length !== fb.length) return false;
  const mine = initializersOf(a);
  for (let i = 0; i < fa.length; i++) {
    const name = fa[i].name ?? '';
    if (name !== fb[i].name || (fa[i].dims ?? []).join() !== (fb[i].dims ?? []).join()) return false;
    const x = mine.get(name), y = fileInits.get(name);
    if (x && y) {
      if (x.length !== y.length || x.some((v, j) => !Object.is(v, y[j]))) return false;
    } else if (x || y) return false;
    else {
      const p = reader.read(fa[i], 'initializer'), q = reader.read(fb[i], 'initializer');
      if (p.data.some((v, j) => v !== q.data[j])) return false;
    }
  }
  return true;
}

/** a program's inputs and outputs, fed and returned as they are (seqgraph wrote the model's layout) */
function ioOf(p: Program): { inputs: IoMap[]; outputs: IoMap[] } {
  const map = (x: { name: string; shape: (number | string)[]; dtype: 'float32' | 'int64' }): IoMap => ({ onnx: x.name, seqgraph: x.name, layout: canonicalLayout(x.shape), rank: x.shape.length, dtype: x.dtype });
  return { inputs: p.inputs.map(map), outputs: p.outputs.map(map) };
}
