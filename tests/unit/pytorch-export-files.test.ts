// The PyTorch export's files, without running PyTorch: every generated .py compiles
// (python3 -m py_compile), reads like code a person wrote (lines ≤ 100 columns, no long literal
// lists, no weight values inlined, the same length whatever the layer sizes), the CLI writes the
// package (safetensors or .pt, data when asked) and says why it refuses what it cannot write.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readGraph } from '../../src/cli/io';
import { compile } from '../../src/compiler/compile';
import type { GraphDoc } from '../../src/doc/schema';
import { exportPyTorch, PyTorchExportError } from '../../src/pytorch/index';
import { parseTable, prepareData } from '../../src/data/index';
import { graphDoc } from '../helpers/graph';
import { PYTHON } from '../helpers/pytorch';
import { docOf, tempDir } from '../helpers/pytorch-export';
import { GENERATED } from './pytorch-export-graphs';
import { ALL_GRAPHS, fixtureGraph } from '../helpers/graph-files';

// the examples and the test-only graphs alike
const FILES = ALL_GRAPHS;
const graph = (f: string): GraphDoc => (readGraph(f) as { doc: GraphDoc }).doc;
const CLASSIFIER = fixtureGraph('name-classifier');
const training = { losses: [{ loss: 'CrossEntropyLoss', output: 'probs' }], optimizer: { type: 'AdamW' }, schedule: { type: 'LinearLR', warmup: { total_iters: 2 } }, clip_grad_norm: { max_norm: 1 }, clip_grad_value: { clip_value: 2 } };
const ALL: [string, GraphDoc][] = [
  ...FILES.map((f): [string, GraphDoc] => [f, graph(f)]),
  ['name-classifier with training', docOf({ ...graph(CLASSIFIER), training })],
  ...GENERATED.map(([n, raw]): [string, GraphDoc] => [n, docOf(raw)]),
];
const py = (doc: GraphDoc) => exportPyTorch(doc).files.filter((f) => f.path.endsWith('.py')) as { path: string; data: string }[];

describe('the generated Python', () => {
  it('compiles (py_compile) for every graph', () => {
    const dir = tempDir('compile');
    const paths: string[] = [];
    ALL.forEach(([, doc], i) => py(doc).forEach((f) => {
      const p = path.join(dir, `${i}-${f.path}`);
      writeFileSync(p, f.data);
      paths.push(p);
    }));
    const r = spawnSync(PYTHON, ['-c', 'import py_compile, sys\nfor f in sys.argv[1:]: py_compile.compile(f, doraise=True)', ...paths], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(paths.some((p) => p.endsWith('train.py'))).toBe(true);
  });

  it('reads like code a person wrote: short lines, no long literals, no weights inlined', () => {
    for (const [name, doc] of ALL) {
      for (const f of py(doc)) {
        const lines = f.data.split('\n');
        const long = lines.filter((l) => l.length > 100);
        expect(long, `${name} ${f.path}`).toEqual([]);
        // no literal list of more than 16 numbers, no string literal over 120 characters
        expect(f.data.match(/\[(\s*-?[\d.e+-]+\s*,){16,}/), `${name} ${f.path}`).toBeNull();
        expect(f.data.match(/"[^"\n]{120,}"/), `${name} ${f.path}`).toBeNull();
        expect(f.data.length, `${name} ${f.path}`).toBeLessThan(40_000);
      }
    }
  });

  it('never inlines weights: no trained value appears, and the code is as long for a 100x larger layer', () => {
    const doc = graph(CLASSIFIER);
    const program = compile(doc).program!;
    const code = py(doc).map((f) => f.data).join('\n');
    const values = Object.keys(program.weightRefs).flatMap((k) => Array.from(program.initializers[k].data.slice(0, 20)));
    const inlined = values.filter((v) => Math.abs(v) > 1e-3 && code.includes(v.toPrecision(6).replace(/0+$/, '')));
    expect(inlined).toEqual([]);
    const sized = (h: number) => {
      const d = docOf(graphDoc([['in', 'Input', {}], ['emb', 'Embedding', { embedding_dim: h }], ['rnn', 'LSTM', { hidden_size: h, num_layers: 2, bidirectional: true }], ['y', 'Output', {}]], [['in.tokens', 'emb.tokens'], ['emb.output', 'rnn.input'], ['rnn.output', 'y.value']]));
      return py(d)[0].data;
    };
    const [small, large] = [sized(8), sized(800)];
    expect(Math.abs(large.length - small.length)).toBeLessThan(20); // only the numbers' digits differ
  });

  it('model.py names every weight as the graph does, and writes its settings as arguments', () => {
    const code = py(graph(CLASSIFIER))[0].data;
    expect(code).toMatch(/self\.embed = nn\.Embedding\(33, 16, padding_idx=0\)/);
    expect(code).toMatch(/self\.encoder = nn\.GRU\(16, 32, bidirectional=True, batch_first=True\)/);
    expect(code).toMatch(/self\.classify = nn\.Linear\(64, 8\)/);
    expect(code).toMatch(/pack_padded_sequence/);
    expect(code).not.toMatch(/class Decoder|beam_search|ExplicitGRU/); // only what the graph uses
  });
});

describe('refusals name the node and the reason', () => {
  const tiny = (name: string) => docOf(graphDoc([['in', 'Input', {}], ['e', 'Embedding', { embedding_dim: 2 }], ['y', 'Output', {}]], [['in.tokens', 'e.tokens'], ['e.output', 'y.value']]));
  it('a node named as an nn.Module attribute, or with a "." (state_dict keys could not be its weight names)', () => {
    for (const [bad, why] of [['forward', /attribute every nn\.Module has/], ['enc.fwd', /cannot hold "\."/], ['training', /attribute every nn\.Module has/]] as const) {
      const doc = tiny('x');
      doc.nodes[1].name = bad;
      let err: unknown;
      try {
        exportPyTorch(doc);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PyTorchExportError);
      expect((err as PyTorchExportError).message).toMatch(new RegExp(`node "${bad.replace('.', '\\.')}" \\(Embedding\\)`));
      expect((err as PyTorchExportError).message).toMatch(why);
      expect((err as PyTorchExportError).node).toBe('e');
    }
  });
  it('a node name that is no Python identifier is registered with add_module', () => {
    const doc = tiny('x');
    doc.nodes[1].name = 'my-embedding';
    const code = py(doc)[0].data;
    expect(code).toContain('self.add_module("my-embedding", nn.Embedding(');
    expect(code).toContain('getattr(self, "my-embedding")(');
  });
  it('data whose vocabulary the graph has not adopted', () => {
    const doc = docOf(graphDoc(
      [['in', 'Input', { vocab: ['<pad>', '<unk>', 'a', 'b'] }], ['e', 'Embedding', { embedding_dim: 2 }], ['r', 'GRU', { hidden_size: 2 }], ['d', 'Dense', { units: 2 }], ['y', 'Output', { labels: ['p', 'q'] }]],
      [['in.tokens', 'e.tokens'], ['e.output', 'r.input'], ['r.last', 'd.input'], ['d.output', 'y.value']],
      { training: { losses: [{ loss: 'CrossEntropyLoss', output: 'y' }], optimizer: { type: 'SGD' } } },
    ));
    const program = compile(doc).program!;
    const table = parseTable('text,label\nabc,p\ncab,q\nbca,p\nacb,q\n', { file: 'x.csv' });
    const data = prepareData(program, table, { source: { file: 'x.csv' }, inputs: { in: { column: 'text', vocab: 'data' } }, targets: { y: 'label' }, split: { validation: 0, test: 0, seed: 1 } });
    expect(() => exportPyTorch(doc, { data })).toThrow(/the data's vocabulary for input "in" \(\d+ symbols\) is not the graph's \(4\): apply the data's vocabularies/);
  });
});

describe('seqgraph export --format pytorch', () => {
  async function cli(args: string[]): Promise<{ code: number; err: string }> {
    const { main } = await import('../../src/cli/main');
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const code = await main(args);
    spy.mockRestore();
    return { code, err };
  }
  it('writes model.py, the weights, vocab.json, samples.json and README.md into the folder', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'sg-pt-cli-')), 'pkg');
    const r = await cli(['export', CLASSIFIER, '--format', 'pytorch', '-o', out]);
    expect(r.code, r.err).toBe(0);
    for (const f of ['model.py', 'weights.safetensors', 'vocab.json', 'samples.json', 'README.md']) expect(existsSync(path.join(out, f)), f).toBe(true);
    expect(r.err).toMatch(/no train\.py: the graph has no training section/);
    const readme = readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain('seqgraph weights load graph.json');
    expect(JSON.parse(readFileSync(path.join(out, 'vocab.json'), 'utf8')).inputs.name.vocab.slice(0, 2)).toEqual(['<pad>', '<unk>']);
  });
  it('--weights-format pt writes a torch.save zip; the training section\'s data (a CSV beside the graph) is prepared for train.py', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sg-pt-cli-'));
    const file = path.join(dir, 'g.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(CLASSIFIER, 'utf8')), training: { ...training, data: { source: { file: 'names.csv' }, inputs: { name: 'name' }, targets: { probs: 'language' } } } }));
    const csv = path.join(dir, 'names.csv');
    writeFileSync(csv, 'name,language\n' + Array.from({ length: 20 }, (_, i) => `${'nakamura'.slice(0, 3 + (i % 5))},${['Arabic', 'English', 'French', 'German', 'Italian', 'Japanese', 'Russian', 'Spanish'][i % 8]}`).join('\n'));
    const r = await cli(['export', file, '--format', 'pytorch', '--weights-format', 'pt', '-o', path.join(dir, 'pkg')]);
    expect(r.code, r.err).toBe(0);
    const pt = readFileSync(path.join(dir, 'pkg/weights.pt'));
    expect([pt[0], pt[1]]).toEqual([0x50, 0x4b]); // a zip
    expect(readFileSync(path.join(dir, 'pkg/data/train.jsonl'), 'utf8').trim().split('\n').length).toBe(16);
    expect(JSON.parse(readFileSync(path.join(dir, 'pkg/data.json'), 'utf8')).feeds.name).toEqual({ kind: 'tokens', pad: 0 });
    expect(existsSync(path.join(dir, 'pkg/train.py'))).toBe(true);
  });
  it('refuses an unknown format and says what it takes', async () => {
    const r = await cli(['export', CLASSIFIER, '--format', 'keras', '-o', '/tmp/x']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--format takes onnx or pytorch, not "keras"/);
  });
});
