// Round trip for every graph in graphs/ and tests/fixtures/graphs/: export to ONNX, import, and the graph comes back with the
// same node types and the same outputs (1e-6; in fact exactly). seqgraph's own exports carry their
// graph in the metadata; the weights are recovered from the file's tensors and the result is
// checked by exporting it again, so a file changed after export is read op by op instead.
import { readFileSync } from 'node:fs';
import { ALL_GRAPHS, fixtureGraph } from '../helpers/graph-files';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { parseGraphText } from '../../src/doc/load';
import { exportGraph } from '../../src/onnx/export-graph';
import { importOnnx } from '../../src/onnx/import';
import { decodeModel, encodeModel } from '../../src/onnx/proto';
import { execute } from '../../src/runtime/execute';
import { sampleFeeds } from '../../src/runtime/tokenize';

const GRAPHS = ALL_GRAPHS;

function load(f: string) {
  const r = parseGraphText(readFileSync(f, 'utf8'));
  if (!r.ok) throw new Error(`${f}: ${r.diagnostics[0].message}`);
  const program = compile(r.doc).program!;
  return { doc: r.doc, program, bytes: exportGraph(program, r.doc, { decodeStrategy: 'greedy' }) };
}

describe('export -> import -> the same graph and outputs, for every example graph', () => {
  it.each(GRAPHS)('%s', (f) => {
    const { doc, program, bytes } = load(f);
    const r = importOnnx(bytes, { file: f });
    expect(r.via).toBe('seqgraph');
    expect(r.doc.nodes.map((n) => n.type)).toEqual(doc.nodes.map((n) => n.type));
    expect(r.doc.nodes.map((n) => n.name)).toEqual(doc.nodes.map((n) => n.name));
    const again = compile(r.doc).program!;
    const feeds = sampleFeeds(program, doc.samples[0].inputs);
    const want = execute(program, feeds).outputs;
    const got = execute(again, feeds).outputs;
    for (const [k, t] of Object.entries(want)) {
      expect(got[k].shape).toEqual(t.shape);
      let d = 0;
      for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(got[k].data[i] - t.data[i]));
      expect(d, k).toBeLessThanOrEqual(1e-6);
    }
  });

  // read op by op (ignoring the metadata), seqgraph's own exports of graphs without padded tokens
  // come back too: the ONNX ops (guards, Transposes around ONNX's LSTM/GRU, Expand for
  // RepeatVector, Gather for LastStep) map back onto the same node types with the same numbers
  it.each([fixtureGraph('gates-gru'), fixtureGraph('gates-lstm'), 'tests/fixtures/graphs/time-series-regressor.json', 'tests/fixtures/graphs/vector-to-sequence.json'])('%s, op by op', (f) => {
    const { doc, program, bytes } = load(f);
    const r = importOnnx(bytes, { file: f, structure: true });
    expect(r.via).toBe('structure');
    expect(r.doc.nodes.map((n) => n.type).sort()).toEqual(doc.nodes.map((n) => n.type).sort());
    const feeds = sampleFeeds(program, doc.samples[0].inputs);
    const want = execute(program, feeds).outputs;
    const got = execute(compile(r.doc).program!, feeds).outputs;
    for (const [k, t] of Object.entries(want)) {
      let d = 0;
      for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(got[k].data[i] - t.data[i]));
      expect(d, k).toBeLessThanOrEqual(1e-6);
    }
  });

  it('weights edited in the file come back edited; a changed op means the metadata is not used', () => {
    const { bytes } = load(fixtureGraph('name-classifier'));
    const m = decodeModel(bytes);
    // an Embedding table is stored as it is: change one value
    const w = m.graph!.initializer!.find((t) => t.name === 'embed.weight')!;
    const raw = new Uint8Array(w.raw_data!);
    new DataView(raw.buffer).setFloat32(4, 123.5, true);
    w.raw_data = raw;
    const r = importOnnx(encodeModel(m), { file: 'edited.onnx' });
    expect(r.via).toBe('seqgraph');
    const embed = r.doc.nodes.find((n) => n.name === 'embed')!;
    const data = r.doc.weights![embed.id].weight.data as string;
    expect(new DataView(Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0)).buffer).getFloat32(4, true)).toBe(123.5);
    // the classifier's Softmax made a LogSoftmax: not what the metadata's graph exports
    const sm = m.graph!.node!.find((n) => n.op_type === 'Softmax')!;
    sm.op_type = 'LogSoftmax';
    expect(() => importOnnx(encodeModel(m), { file: 'edited.onnx' })).toThrow(/carries a seqgraph graph in its metadata, but its ops or tensors are not what that graph exports/);
  });
});

// the cells' variants (LSTM peepholes, GRU's paper update gate, MGU): back through the metadata
// with the same node and numbers; read op by op, the ONNX ops they export as give the same numbers
// (an MGU is an ONNX GRU with tied gates, so it comes back as a GRU; the paper update gate as
// PyTorch's with z's weights negated)
describe('export -> import of the recurrent cell variants', () => {
  const VARIANTS: [string, string, string, Record<string, unknown>][] = [
    ['LSTM peepholes, 2 layers, bidirectional', 'gates-lstm', 'LSTM', { peephole: true, num_layers: 2, bidirectional: true }],
    ['LSTM peepholes, reverse', 'gates-lstm', 'LSTM', { peephole: true, reverse: true }],
    ['GRU update_gate paper', 'gates-gru', 'GRU', { update_gate: 'paper', linear_before_reset: false }],
    ['MGU', 'gates-gru', 'MGU', {}],
  ];
  const variant = (f: string, type: string, params: Record<string, unknown>) => {
    const raw = JSON.parse(readFileSync(fixtureGraph(f), 'utf8'));
    const cell = raw.nodes.find((n: { id: string }) => n.id === 'cell');
    cell.type = type;
    cell.params = { hidden_size: cell.params.hidden_size, ...params };
    delete raw.weights?.cell; // initialised from the graph's seed (PyTorch's U(-k, k)): non-zero peepholes
    const r = parseGraphText(JSON.stringify(raw));
    if (!r.ok) throw new Error(`${f}: ${r.diagnostics[0].message}`);
    const program = compile(r.doc).program!;
    return { doc: r.doc, program, bytes: exportGraph(program, r.doc) };
  };
  const same = (program: ReturnType<typeof compile>['program'], doc: { samples: { inputs: Record<string, unknown> }[] }, again: NonNullable<ReturnType<typeof compile>['program']>) => {
    const feeds = sampleFeeds(program!, doc.samples[0].inputs as never);
    const want = execute(program!, feeds).outputs;
    const got = execute(again, feeds).outputs;
    for (const [k, t] of Object.entries(want)) {
      let d = 0;
      for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(got[k].data[i] - t.data[i]));
      expect(d, k).toBeLessThanOrEqual(1e-6);
    }
  };
  it.each(VARIANTS)('%s', (_, f, type, params) => {
    const { doc, program, bytes } = variant(f, type, params);
    const meta = importOnnx(bytes, { file: f });
    expect(meta.via).toBe('seqgraph');
    expect(meta.doc.nodes.find((n) => n.id === 'cell')).toMatchObject({ type, params: expect.objectContaining(params) });
    same(program, doc, compile(meta.doc).program!);
    const ops = importOnnx(bytes, { file: f, structure: true });
    const cell = ops.doc.nodes.find((n) => n.type === (type === 'MGU' ? 'GRU' : type))!;
    if (params.peephole) expect(cell.params.peephole).toBe(true);
    same(program, doc, compile(ops.doc).program!);
  });
});
