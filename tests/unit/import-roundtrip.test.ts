// Round trip for every graph in graphs/: export to ONNX, import, and the graph comes back with the
// same node types and the same outputs (1e-6; in fact exactly). seqgraph's own exports carry their
// graph in the metadata; the weights are recovered from the file's tensors and the result is
// checked by exporting it again, so a file changed after export is read op by op instead.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { parseGraphText } from '../../src/doc/load';
import { exportGraph } from '../../src/onnx/export-graph';
import { importOnnx } from '../../src/onnx/import';
import { decodeModel, encodeModel } from '../../src/onnx/proto';
import { execute } from '../../src/runtime/execute';
import { sampleFeeds } from '../../src/runtime/tokenize';

const GRAPHS = readdirSync('graphs').filter((f) => f.endsWith('.json')).sort();

function load(f: string) {
  const r = parseGraphText(readFileSync(`graphs/${f}`, 'utf8'));
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
  it.each(['gates-gru.json', 'gates-lstm.json', 'time-series-regressor.json', 'vector-to-sequence.json'])('%s, op by op', (f) => {
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
    const { bytes } = load('name-classifier.json');
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
