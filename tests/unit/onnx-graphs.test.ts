// Export parity: every example graph in graphs/ and every test-only graph in tests/fixtures/graphs/, compiled, exported with exportGraph and run in
// onnxruntime-web (Node, wasm) on each of its samples, gives the TS runtime's outputs (≤ 1e-4).
import { afterAll, describe, expect, it } from 'vitest';
import { readGraph } from '../../src/cli/io';
import { compile } from '../../src/compiler/compile';
import { exportGraph } from '../../src/onnx/export-graph';
import { runOnnx } from '../../src/onnx/ort';
import { decodeModel } from '../../src/onnx/proto';
import { execute } from '../../src/runtime/execute';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { ALL_GRAPHS, EXAMPLE_GRAPHS, fixtureGraph } from '../helpers/graph-files';

const FILES = ALL_GRAPHS;

let worst = 0;
afterAll(() => console.log(`graphs/ and tests/fixtures/graphs/ export parity: max abs diff ${worst}`));

describe('every example graph exports and runs in onnxruntime-web like the TS runtime', () => {
  it('has example graphs', () => expect(EXAMPLE_GRAPHS.length).toBeGreaterThan(0));
  it.each(FILES)('%s', async (file) => {
    const g = readGraph(file);
    if ('problems' in g) throw new Error(`${file}: ${g.problems.map((p) => p.message).join('; ')}`);
    const program = compile(g.doc).program!;
    expect(program).toBeDefined();
    const bytes = exportGraph(program, g.doc);
    const model = decodeModel(bytes);
    expect(model.graph!.input!.map((i) => i.name)).toEqual(program.inputs.map((i) => i.name));
    expect(model.graph!.output!.map((o) => o.name)).toEqual(program.outputs.map((o) => o.name));
    expect(g.doc.samples.length).toBeGreaterThan(0);
    for (const sample of g.doc.samples) {
      const feeds = sampleFeeds(program, sample.inputs);
      const want = execute(program, feeds).outputs;
      const got = await runOnnx(bytes, feeds);
      for (const [name, t] of Object.entries(want)) {
        expect(got[name]?.shape, `${file} / ${sample.name} / ${name}`).toEqual(t.shape);
        expect(got[name].dtype).toBe(t.dtype);
        let d = 0;
        for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - got[name].data[i]));
        worst = Math.max(worst, d);
        expect(d, `${file} / ${sample.name} / ${name}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});

describe('seqgraph export writes a self-describing model', () => {
  it('metadata: graph name, seqgraph version, each token input vocabulary', async () => {
    const { main } = await import('../../src/cli/main');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const out = `${mkdtempSync(`${tmpdir()}/sg-export-`)}/m.onnx`;
    const { vi } = await import('vitest');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['export', fixtureGraph('name-classifier'), '-o', out]);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const model = decodeModel(readFileSync(out));
    const meta = Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key, p.value]));
    expect(meta['seqgraph.name']).toBe('name-classifier');
    expect(meta['seqgraph.version']).toMatch(/^\d+\.\d+\.\d+/);
    const vocab = JSON.parse(meta['vocab.name']);
    expect(vocab.slice(0, 4)).toEqual(['<pad>', '<unk>', '<s>', '</s>']);
    expect(model.graph!.name).toBe('name-classifier');
  });
});
