// The structural importer: an ONNX graph -> a seqgraph GraphDoc, op by op.
//
//   1. constants: initializers (read within bounds), and graph inputs the caller binds as constants
//   2. live nodes: only what the graph outputs depend on
//   3. readings of the graph inputs (import-inputs.ts); for each combination, best first:
//   4. every live node in order: folded when its inputs are known (import-fold.ts), else its
//      handler makes seqgraph nodes (import-shapes/layers/patterns/recurrent/scan.ts), or says
//      why it cannot; a node that reads what a failed node made is skipped, not reported twice
//   5. recurrent nodes' initial states, Output nodes on the graph outputs, a check that no merge
//      of stacked layers hid a value something else reads (else run again without that merge)
// The first combination that maps every node wins. If none does, the error lists each ONNX node
// not understood, with the reason, from the combination that got furthest: nothing is half-imported.
import type { GraphDoc } from '../doc/schema';
import { VERSION } from '../doc/schema';
import type { Arr } from './import-array';
import * as A from './import-array';
import { fold } from './import-fold';
import type { HCtx, Handler, ImportState, Unmapped } from './import-ctx';
import { candidates, createInput, rankOf, type Choice, type Consumer } from './import-inputs';
import type { Layout } from './import-layout';
import { SHAPE_HANDLERS } from './import-shapes';
import { LAYER_HANDLERS } from './import-layers';
import { PATTERN_HANDLERS } from './import-patterns';
import { finishRecurrent, RECURRENT_HANDLERS, stateAsPort } from './import-recurrent';
import { SCAN_HANDLERS } from './import-scan';
import { ImportError, tensorReader, type TensorReader } from './import-read';
import { DocBuilder, describe, moduleOfParam, sanitizeName, scopeOf, type PortSV, type SV } from './import-values';
import { attrValue, type ModelProto, type NodeProto } from './proto';
import { tokenParams } from './import-tokens';
import { encodeWeight } from '../doc/weights';

export interface IoMap {
  /** the ONNX model's input or output name */
  onnx: string;
  /** the name seqgraph feeds or returns it under */
  seqgraph: string;
  /** how the ONNX tensor's axes relate to seqgraph's (import-layout.ts toCanonical / fromCanonical) */
  layout: Layout;
  rank: number;
  dtype: 'float32' | 'int64';
}

export interface StructureOptions {
  file: string;
  reader: TensorReader;
  /** graph inputs to take as constants (weights fed as inputs, as the ONNX conformance cases do) */
  constants?: Record<string, Arr>;
  /** vocabulary per token input name, or one for all */
  vocab?: string[] | Record<string, string[]>;
}

export interface StructureResult {
  doc: GraphDoc;
  notes: string[];
  inputs: IoMap[];
  outputs: IoMap[];
}

export class ImportRefused extends ImportError {
  constructor(file: string, readonly unmapped: Unmapped[], readonly skipped: number) {
    super(
      `${file}: seqgraph cannot import this model; nothing was imported. ${unmapped.length} ONNX node${unmapped.length === 1 ? '' : 's'} not understood:\n` +
        unmapped.map((u) => `  ${u.op} '${u.name}' (inputs: ${u.inputs.join(', ') || 'none'}): ${u.why}`).join('\n') +
        (skipped ? `\n  (and ${skipped} node${skipped === 1 ? '' : 's'} after them, not looked at)` : ''),
    );
  }
}

const HANDLERS: Record<string, Handler> = { ...SHAPE_HANDLERS, ...LAYER_HANDLERS, ...PATTERN_HANDLERS, ...RECURRENT_HANDLERS, ...SCAN_HANDLERS };
const STATE_AWARE = new Set(['Identity', 'Cast', 'Dropout', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Gather', 'Slice', 'LSTM', 'GRU', 'RNN', 'Shape']);
const MAX_TRIES = 256;
const WEIGHTED_OPS = new Set(['LSTM', 'GRU', 'RNN', 'Gemm', 'MatMul', 'Gather']);

const nodeLabel = (n: NodeProto, i: number) => n.name || `${n.op_type} #${i}`;

function attrsOf(n: NodeProto): Map<string, unknown> {
  return new Map((n.attribute ?? []).map((a) => [a.name ?? '', attrValue(a)]));
}

interface Run {
  ok: boolean;
  unmapped: Unmapped[];
  skipped: number;
  stale: string[];
  result?: StructureResult;
}

export function importStructure(model: ModelProto, o: StructureOptions): StructureResult {
  const g = model.graph!;
  const opset = Number(model.opset_import?.find((x) => (x.domain ?? '') === '' || x.domain === 'ai.onnx')?.version ?? 1);
  const consts = new Map<string, SV>();
  for (const t of g.initializer ?? []) consts.set(t.name ?? '', { k: 'const', a: o.reader.read(t, 'initializer') });
  for (const [k, a] of Object.entries(o.constants ?? {})) consts.set(k, { k: 'const', a });
  const realInputs = (g.input ?? []).filter((i) => !consts.has(i.name ?? ''));
  const outNames = (g.output ?? []).map((x) => x.name ?? '');

  // live nodes: what the outputs need
  const nodes = g.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((x) => x && producer.set(x, i)));
  const live = new Set<number>();
  const need = [...outNames];
  while (need.length) {
    const v = need.pop()!;
    const i = producer.get(v);
    if (i === undefined || live.has(i)) continue;
    live.add(i);
    for (const x of nodes[i].input ?? []) if (x) need.push(x);
    // a subgraph (Scan body) may read outer values by name
    for (const a of nodes[i].attribute ?? []) for (const sub of a.g ? [a.g] : []) for (const n of sub.node ?? []) for (const x of n.input ?? []) if (x && producer.has(x)) need.push(x);
  }
  const order = [...live].sort((a, b) => a - b);
  const guards = guardNodes(nodes, order, outNames);
  const consumers = new Map<string, Consumer[]>();
  for (const i of order) (nodes[i].input ?? []).forEach((x, slot) => x && consumers.set(x, [...(consumers.get(x) ?? []), { node: nodes[i], slot }]));
  const useCount = (v: string) => (consumers.get(v)?.length ?? 0) + outNames.filter((n) => n === v).length;

  const used = realInputs.filter((i) => consumers.has(i.name ?? '') || outNames.includes(i.name ?? ''));
  const unusedNote = realInputs.filter((i) => !used.includes(i)).map((i) => `input '${i.name}' is not used by any output; it was left out`);
  // a graph input used as sequence_lens belongs to the X of the same recurrent op
  const lengthsFor = new Map<string, string>();
  for (const i of order) {
    const n = nodes[i];
    if (['LSTM', 'GRU', 'RNN'].includes(n.op_type ?? '') && n.input?.[4] && used.some((u) => u.name === n.input![4])) {
      let x = n.input[0];
      for (let hop = 0; hop < 8 && producer.has(x); hop++) x = nodes[producer.get(x)!].input?.[0] ?? '';
      if (used.some((u) => u.name === x)) lengthsFor.set(n.input[4], x);
    }
  }
  const choiceLists = used.map((vi) => candidates(vi, consumers.get(vi.name ?? '') ?? [], opset));
  const bad = used.find((_, k) => choiceLists[k].length === 0);
  if (bad) throw new ImportError(`${o.file}: input '${bad.name}' (rank ${rankOf(bad)}) is nothing seqgraph reads (tokens, a sequence, a vector or a recurrent state)`);

  let best: Run | undefined;
  let tries = 0;
  for (const combo of combos(choiceLists)) {
    if (++tries > MAX_TRIES) break;
    const noMerge = new Set<string>();
    let run: Run;
    for (;;) {
      run = runOnce(model, o, opset, consts, used, combo, order, useCount, noMerge, lengthsFor, guards);
      if (!run.stale.length || run.stale.every((s) => noMerge.has(s))) break;
      run.stale.forEach((s) => noMerge.add(s));
    }
    if (run.ok) {
      run.result!.notes.unshift(...unusedNote);
      return run.result!;
    }
    if (!best || run.unmapped.length + run.skipped < best.unmapped.length + best.skipped) best = run;
  }
  throw new ImportRefused(o.file, best?.unmapped ?? [], best?.skipped ?? 0);
}

function* combos(lists: Choice[][]): Generator<Choice[]> {
  const idx = lists.map(() => 0);
  for (;;) {
    yield idx.map((k, i) => lists[i][k]);
    let i = lists.length - 1;
    while (i >= 0 && ++idx[i] === lists[i].length) idx[i--] = 0;
    if (i < 0) return;
  }
}

function runOnce(
  model: ModelProto, o: StructureOptions, opset: number, consts: Map<string, SV>, used: NonNullable<ModelProto['graph']>['input'] & object,
  combo: Choice[], order: number[], useCount: (v: string) => number, noMerge: Set<string>, lengthsFor: Map<string, string>, guards: Guards,
): Run {
  const g = model.graph!;
  const b = new DocBuilder();
  const notes: string[] = [];
  const frozenNoted = new Set<string>();
  const st: ImportState = {
    b, notes, opset, noMerge, recurrent: new Map(), inputs: new Map(), tokenRows: new Map(), ioNames: new Map(),
    metadata: new Map((model.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
    readTensor: (t, what) => o.reader.read(t, what),
    syms: {
      frozen: new Map(),
      noteFrozen(sym, n, where) {
        if (frozenNoted.has(sym)) return;
        frozenNoted.add(sym);
        const what = sym === 'B' ? 'batch size' : `length of '${sym.slice(2)}'`;
        notes.push(`the model was traced with ${what} ${n} (${where} uses ${n}); imported with a dynamic ${sym === 'B' ? 'B' : 'T'}: the graph runs any ${sym === 'B' ? 'batch size' : 'length'}`);
      },
    },
  };
  for (const x of [...used, ...(g.output ?? [])]) st.ioNames.set(x.name ?? '', b.uniqueName(x.name ?? 'x'));
  // the PyTorch modules that hold weights keep their names (a state_dict then loads by name)
  for (const t of g.initializer ?? []) if (moduleOfParam(t.name)) b.wanted.add(sanitizeName(moduleOfParam(t.name)));
  for (const i of order) if (WEIGHTED_OPS.has(g.node![i].op_type ?? '') && scopeOf(g.node![i].name)) b.wanted.add(sanitizeName(scopeOf(g.node![i].name)));
  const env = new Map<string, SV>(consts);
  const unmapped: Unmapped[] = [];
  const fail = (op: string, name: string, inputs: string[], why: string) => unmapped.push({ op, name, inputs, why });
  const ordered = used.map((vi, k) => ({ vi, c: combo[k] })).sort((p, q) => +(p.c.kind === 'lengths') - +(q.c.kind === 'lengths'));
  for (const { vi, c } of ordered) {
    const r = createInput(st, vi, c, lengthsFor);
    if (typeof r === 'string') fail('input', vi.name ?? '', [], r);
    else env.set(vi.name ?? '', r);
  }
  let skipped = 0;
  const nodes = g.node ?? [];
  for (const i of order) {
    const n = nodes[i];
    const op = n.op_type ?? '';
    const label = nodeLabel(n, i);
    const inNames = n.input ?? [];
    // seqgraph's own input/output checks: the check is seqgraph's runtime's; its 0 (or 1) is a constant
    if (guards.checks.has(i)) continue;
    if (guards.asserts.has(i)) {
      env.set(n.output![0], { k: 'const', a: A.arr('int', [1], [0]) });
      continue;
    }
    const missing = inNames.filter((x) => x && !env.has(x));
    if (missing.length) {
      skipped++;
      continue;
    }
    let ins = inNames.map((x) => (x ? env.get(x) : undefined));
    const attrs = attrsOf(n);
    const foldCtx = { node: n, ins, opset, attr: (k: string) => attrs.get(k), readTensor: st.readTensor };
    let r: (SV | undefined)[] | string | null = (n.domain ?? '') === '' || n.domain === 'ai.onnx' ? fold(foldCtx) : `an op of domain '${n.domain}'`;
    if (r === null) {
      const h = HANDLERS[op];
      if (!h) r = `seqgraph has no node for ${op}`;
      else {
        // final states read as a vector: the recurrent node's `last`
        if (!STATE_AWARE.has(op) && !(op === 'Concat' && ins.every((v) => v?.k === 'state'))) {
          const conv = ins.map((v) => (v?.k === 'state' ? stateAsPort(st, v, true) : v));
          const why = conv.find((v): v is string => typeof v === 'string');
          ins = conv.map((v) => (typeof v === 'string' ? undefined : v));
          if (why) r = why;
        }
        if (r === null) {
          const ctx: HCtx = {
            node: n, op, label: `${op} '${label}'`, scope: scopeOf(n.name), ins, inNames, st,
            attr: (k) => attrs.get(k),
            int: (k, d) => (typeof attrs.get(k) === 'number' ? (attrs.get(k) as number) : d),
            float: (k, d) => (typeof attrs.get(k) === 'number' ? (attrs.get(k) as number) : d),
            str: (k, d) => (typeof attrs.get(k) === 'string' ? (attrs.get(k) as string) : d),
            consumers: (k) => useCount(n.output?.[k] ?? ''),
            inConsumers: (k) => useCount(inNames[k] ?? ''),
          };
          try {
            r = h(ctx);
          } catch (e) {
            r = (e as Error).message;
          }
        }
      }
    }
    if (typeof r === 'string') {
      fail(op, label, inNames, r);
      continue;
    }
    (n.output ?? []).forEach((x, k) => {
      if (x && r && (r as (SV | undefined)[])[k] !== undefined) env.set(x, (r as SV[])[k]);
    });
  }
  for (const why of finishRecurrent(st)) fail('recurrent', '', [], why);

  // Output nodes
  const outputs: StructureResult['outputs'] = [];
  for (const vo of g.output ?? []) {
    const onnx = vo.name ?? '';
    const v = env.get(onnx);
    const name = st.ioNames.get(onnx)!;
    if (!v) {
      if (!unmapped.length) fail('output', onnx, [], 'nothing computes it');
      continue;
    }
    let port: PortSV | string = v.k === 'port' ? v : v.k === 'state' ? stateAsPort(st, v, false) : `the model returns ${describe(v)}`;
    if (typeof port === 'string' && v.k === 'state' && !v.c) port = stateAsPort(st, v, true);
    if (v.k === 'state' && v.c && typeof port === 'string') port = stateAsPort(st, { ...v, c: false }, false);
    if (typeof port === 'string') {
      fail('output', onnx, [], port);
      continue;
    }
    const id = b.add('Output', name, {}, true);
    b.connect(port.ref, id, 'value');
    const c = v.k === 'state' && v.c;
    outputs.push({ onnx, seqgraph: c ? `${name}_c` : name, layout: port.layout, rank: port.canon.length, dtype: port.ptype === 'Tokens' ? 'int64' : 'float32' });
  }
  const stale = [...new Set(b.layeredRefs.filter(({ ref }) => st.recurrent.get(ref.node)!.layers !== ref.layers).map(({ ref }) => ref.node))];
  if (unmapped.length || stale.length) return { ok: false, unmapped, skipped, stale };

  // token inputs: vocabulary, no padding (every id is a real token, 0 included)
  for (const inf of st.inputs.values()) {
    if (inf.kind !== 'tokens') continue;
    const node = b.node(inf.node);
    const rows = st.tokenRows.get(inf.node);
    const given = Array.isArray(o.vocab) ? o.vocab : o.vocab?.[inf.onnx];
    const r = tokenParams(inf.onnx, rows, given, st.metadata, notes);
    // a problem of the vocabulary given, not of the model: said as such
    if (typeof r === 'string') throw new ImportError(`${o.file}: input '${inf.onnx}': ${r}`);
    Object.assign(node.params, r);
  }
  if (o.vocab && !Array.isArray(o.vocab)) {
    const tokenInputs = [...st.inputs.values()].filter((inf) => inf.kind === 'tokens').map((inf) => inf.onnx);
    const stray = Object.keys(o.vocab).filter((k) => !tokenInputs.includes(k));
    if (stray.length) throw new ImportError(`${o.file}: a vocabulary is given for ${stray.map((k) => `'${k}'`).join(', ')}, but the model has no such token input (its token inputs: ${tokenInputs.map((k) => `'${k}'`).join(', ') || 'none'})`);
  }
  const inputs = [...st.inputs.values()].map((inf) => ({ onnx: inf.onnx, seqgraph: inf.feed, layout: inf.layout, rank: inf.rank, dtype: inf.kind === 'tokens' || inf.feed.endsWith('_lengths') && inf.rank === 1 ? 'int64' as const : 'float32' as const }));
  const weights: GraphDoc['weights'] = {};
  for (const [id, ws] of Object.entries(b.weights)) {
    weights[id] = {};
    for (const [k, w] of Object.entries(ws)) weights[id][k] = encodeWeight(w.shape, w.data);
  }
  const generic = !g.name || ['torch_jit', 'torch-jit-export', 'main_graph', 'tf2onnx', 'graph', 'model'].includes(g.name);
  const stem = o.file.split(/[\\/]/).pop()!.replace(/\.onnx$/i, '');
  const doc: GraphDoc = { format: 'seqgraph', version: VERSION, name: generic ? stem || 'imported' : g.name!, nodes: b.nodes, edges: b.edges, samples: exampleSample(b), weights };
  return { ok: true, unmapped: [], skipped: 0, stale: [], result: { doc, notes, inputs, outputs } };
}

interface Guards {
  /** the asserting Gathers seqgraph's exporter names 'seqgraph refuses …' */
  asserts: Set<number>;
  /** the nodes that only compute what those assert (Size, IsNaN, Equal, ReduceSum, …) */
  checks: Set<number>;
}

/**
 * seqgraph's exporter guards inputs and outputs (export-guards.ts): a condition computed from the
 * value, a Gather named 'seqgraph refuses …' that fails when it does not hold, and the value
 * multiplied by 1 − that Gather's 0. The runtime checks the same on its own, so the importer
 * reads the Gather as the constant 0 and skips what only feeds it.
 */
function guardNodes(nodes: NonNullable<NonNullable<ModelProto['graph']>['node']>, order: number[], outNames: string[]): Guards {
  const asserts = new Set(order.filter((i) => nodes[i].op_type === 'Gather' && (nodes[i].name ?? '').startsWith('seqgraph refuses')));
  const checks = new Set<number>();
  const readers = new Map<string, number[]>();
  for (const i of order) for (const x of nodes[i].input ?? []) if (x) readers.set(x, [...(readers.get(x) ?? []), i]);
  for (const i of [...order].reverse()) {
    if (asserts.has(i)) continue;
    const outs = (nodes[i].output ?? []).filter(Boolean);
    const only = outs.length > 0 && outs.every((o) => !outNames.includes(o) && (readers.get(o) ?? []).length > 0 && readers.get(o)!.every((r) => checks.has(r) || (asserts.has(r) && nodes[r].input?.[1] === o)));
    if (only) checks.add(i);
  }
  return { asserts, checks };
}

/**
 * A made-up example input for every Input, so an imported graph runs at once (`seqgraph run`, the
 * editor's Run tab): a few of the vocabulary's symbols, a short float sequence, a vector, zero states.
 */
function exampleSample(b: DocBuilder): GraphDoc['samples'] {
  const inputs: GraphDoc['samples'][number]['inputs'] = {};
  for (const n of b.nodes) {
    if (n.type !== 'Input') continue;
    const p = n.params;
    if (p.kind === 'state' && p.cell) return []; // a sample cannot give <name>_c
    if (p.kind === 'sequence' && p.lengths) return []; // nor <name>_lengths (a float sequence fed with ONNX sequence_lens)

    const F = (p.features as number) ?? 1;
    const row = (k: number) => Array.from({ length: F }, (_, j) => Math.round(Math.sin(1 + k * 0.9 + j * 0.37) * 100) / 100);
    if (p.kind === 'tokens') {
      const vocab = p.vocab as string[];
      const some = Array.from({ length: Math.min(5, vocab.length) }, (_, i) => vocab[(i * 3 + 1) % vocab.length]);
      inputs[n.name] = p.tokenizer === 'chars' ? some.join('') : some.join(' ');
    } else if (p.kind === 'sequence') inputs[n.name] = [0, 1, 2, 3].map(row);
    else if (p.kind === 'vector') inputs[n.name] = row(0);
    else inputs[n.name] = Array.from({ length: p.layers as number }, () => [new Array(F).fill(0)]);
  }
  return [{ name: 'example (made up at import)', inputs }];
}

export { A };
