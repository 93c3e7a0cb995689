// The command line under hostile input: int64 feeds that don't fit, names JavaScript treats
// specially, half a million bad edges, output files that must never be left half written, and
// results streamed in chunks rather than built as one string.
import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import fs, { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { streamJSON } from '../../src/runtime/json-stream';
import { parseGraphText } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { traceToJSON, traceToJSONViews } from '../../src/runtime/trace';
import { toJSON } from '../../src/runtime/tensor';
import { cli } from '../helpers/cli';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'seqgraph-rel-'));
});
afterEach(() => vi.restoreAllMocks());

const file = (name: string, content: unknown) => {
  const f = path.join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
};
const regressor = () => JSON.parse(readFileSync('tests/fixtures/graphs/time-series-regressor.json', 'utf8'));

describe('int64 feeds that do not fit are refused, naming the input and position', () => {
  for (const v of [4294967300, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2]) {
    it(String(v), async () => {
      const f = file(`feeds-${v}.json`, `{"name":{"dtype":"int64","shape":[1,3],"data":[4,5,${v}]}}`);
      const r = await cli('run', 'tests/fixtures/graphs/name-classifier.json', '--input', f);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`"name": ${v} at \\[0, 2\\] does not fit`));
      expect(r.out).toBe('');
    });
  }
});

describe('names JavaScript treats specially, through the CLI', () => {
  it('an Output named __proto__ prints its values', async () => {
    const g = regressor();
    g.nodes[3].name = '__proto__';
    const r = await cli('run', file('proto-out.json', g));
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(out.__proto__.shape).toEqual([1, 16, 1]);
  });
  it('an Input named __proto__ reads its feeds', async () => {
    const g = regressor();
    g.nodes[0].name = '__proto__';
    g.samples = [];
    const feeds = file('proto-feeds.json', `{"__proto__":{"dtype":"float32","shape":[1,2,3],"data":[1,2,3,4,5,6]}}`);
    const r = await cli('run', file('proto-in.json', g), '--input', feeds);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).forecast.shape).toEqual([1, 2, 1]);
  });
  it('a feeds file with an input the graph lacks names it', async () => {
    const feeds = file('extra-feeds.json', `{"series":{"dtype":"float32","shape":[1,1,3],"data":[1,2,3]},"constructor":{"dtype":"float32","shape":[1],"data":[1]}}`);
    const r = await cli('run', 'tests/fixtures/graphs/time-series-regressor.json', '--input', feeds);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/there is no input "constructor"/);
  });
});

describe('problem lists are capped: the first 100, then a count', () => {
  // the cap does not depend on the count: 100,000 here (npm run fuzz -- --sizes runs 500,000)
  it('100,000 bad edges', async () => {
    const g = regressor();
    const edges = new Array(100_000);
    for (let i = 0; i < edges.length; i++) edges[i] = { id: `x${i}`, source: { node: 'nope', port: 'sequence' }, target: { node: 'gru', port: 'input' } };
    g.edges = edges;
    const t0 = performance.now();
    const r = await cli('validate', file('edges.json', g));
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(102);
    expect(r.err).toMatch(/… and 199,89\d more problems \(199,99\d in all; the first 100 are shown\)/);
    expect(r.err.length).toBeLessThan(40_000);
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 60_000);
});

describe('a run that would need too much memory is refused before it starts, with both figures', () => {
  it('a Decoder of max_len 100,000 over 20,000 symbols', async () => {
    const g = JSON.parse(readFileSync('tests/fixtures/graphs/vector-to-text-decoder.json', 'utf8'));
    delete g.weights;
    const dec = g.nodes.find((n: { type: string }) => n.type === 'Decoder');
    dec.params.max_len = 100_000;
    dec.params.vocab = [...dec.params.vocab, ...Array.from({ length: 20_000 }, (_, i) => `w${i}`)];
    const t0 = performance.now();
    const r = await cli('run', file('big-decoder.json', g));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/this run would need about \d+\.\d GiB of memory for its values, more than the 4\.0 GiB allowed/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
  it('--max-memory sets the limit', async () => {
    const r = await cli('run', 'tests/fixtures/graphs/name-classifier.json', '--max-memory', '0.000001');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/more than the 0\.00 GiB allowed/);
    expect((await cli('run', 'tests/fixtures/graphs/name-classifier.json', '--max-memory', '1')).code).toBe(0);
  });
});

describe('output files are written whole or not at all', () => {
  const leftovers = (d: string) => readdirSync(d).filter((f) => f.includes('.tmp'));
  it('a --trace in a missing folder: no output file, nothing run', async () => {
    const out = path.join(dir, 'atomic-out.json');
    const r = await cli('run', 'tests/fixtures/graphs/name-classifier.json', '--output', out, '--trace', path.join(dir, 'no', 'such', 'trace.json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no such folder/);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });
  it('a write that fails midway (a full disk) leaves the old file as it was and no temporary file', async () => {
    const out = path.join(dir, 'full-out.json');
    const trace = path.join(dir, 'full-trace.json');
    writeFileSync(out, 'old output');
    const real = fs.writeSync;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string) => {
      if (++calls === 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return real(fd, data);
    }) as typeof fs.writeSync);
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const code = await main(['run', 'tests/fixtures/graphs/g2p-attention.json', '--output', out, '--trace', trace]);
    vi.restoreAllMocks();
    expect(code).toBe(1);
    expect(err).toMatch(/no space left on device/);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(out, 'utf8')).toBe('old output');
    expect(existsSync(trace)).toBe(false);
    expect(leftovers(dir)).toEqual([]);
  });
  it('a run that succeeds writes both files whole', async () => {
    const out = path.join(dir, 'ok-out.json');
    const trace = path.join(dir, 'ok-trace.json');
    const r = await cli('run', 'tests/fixtures/graphs/g2p-attention.json', '--output', out, '--trace', trace);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).phonemes.dtype).toBe('int64');
    expect(JSON.parse(readFileSync(trace, 'utf8')).format).toBe('seqgraph-trace');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('results are streamed in chunks, never one string', () => {
  it('streamJSON writes what JSON.stringify writes', () => {
    const values = [
      { a: 1, b: [1, 2, { c: 'x"y' }], d: undefined, e: null, f: [undefined, () => 1], g: -0, h: 1e21, i: NaN, j: true },
      [],
      {},
      'text',
      [[[]]],
    ];
    for (const v of values) {
      let s = '';
      streamJSON(v, (t) => (s += t), 8);
      expect(s).toBe(JSON.stringify(v));
    }
  });
  it('outputs and traces stream to the same text as JSON.stringify, in bounded chunks', () => {
    const r = parseGraphText(readFileSync('tests/fixtures/graphs/g2p-attention.json', 'utf8'));
    if (!r.ok) throw new Error('load');
    const p = compile(r.doc).program!;
    const res = execute(p, sampleFeeds(p, r.doc.samples[1].inputs), { trace: true });
    const outs: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(res.outputs)) outs[k] = toJSON(t);
    const views: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(res.outputs)) views[k] = { dtype: t.dtype, shape: t.shape, data: t.data };
    for (const [lazy, eager] of [
      [views, outs],
      [traceToJSONViews(res.trace!), traceToJSON(res.trace!)],
    ]) {
      const chunks: string[] = [];
      streamJSON(lazy, (t) => chunks.push(t), 4096);
      expect(chunks.join('')).toBe(JSON.stringify(eager));
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(4096 + 65_536);
      expect(chunks.length).toBeGreaterThan(2);
    }
  });
});
