// The command line on every example graph (and every test-only graph), and its errors. Most calls run main() in-process
// (fast); a few spawn the real `seqgraph` bin the way a user's shell does.
import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from '../helpers/cli';
import { ALL_GRAPHS } from '../helpers/graph-files';

const graphs = ALL_GRAPHS;
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'seqgraph-cli-'));
});
afterEach(() => vi.restoreAllMocks());


describe('seqgraph validate | sample | run on every example graph', () => {
  for (const g of graphs) {
    it(g, async () => {
      const v = await cli('validate', g);
      expect(v.code, v.err).toBe(0);
      expect(v.out).toMatch(/ok — \d+ nodes/);

      const feeds = path.join(dir, `${path.basename(g)}.feeds.json`);
      const s = await cli('sample', g, '-o', feeds);
      expect(s.code, s.err).toBe(0);
      const f = JSON.parse(readFileSync(feeds, 'utf8'));
      expect(Object.keys(f).length).toBeGreaterThan(0);

      const out1 = path.join(dir, `${path.basename(g)}.out.json`);
      const trace = path.join(dir, `${path.basename(g)}.trace.json`);
      const r1 = await cli('run', g, '--input', feeds, '--output', out1, '--trace', trace);
      expect(r1.code, r1.err).toBe(0);
      const r2 = await cli('run', g); // no --input: the first sample
      expect(r2.code, r2.err).toBe(0);
      expect(JSON.parse(r2.out)).toEqual(JSON.parse(readFileSync(out1, 'utf8')));
      const t = JSON.parse(readFileSync(trace, 'utf8'));
      expect(t.format).toBe('seqgraph-trace');
      expect(t.nodes.length).toBeGreaterThan(0);
    });
  }
});

describe('CLI errors: exit 1 and a readable message', () => {
  it('a missing file', async () => {
    const r = await cli('validate', 'nope.json');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.json: no such file/);
  });
  it('a malformed graph lists every problem', async () => {
    const g = JSON.parse(readFileSync('tests/fixtures/graphs/name-classifier.json', 'utf8'));
    g.nodes[2].params.num_layers = 0;
    g.nodes[3].type = 'Nope';
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(g));
    const r = await cli('validate', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nodes\[2\]\.params\.num_layers: encoder \(GRU\): num_layers must be at least 1/);
    expect(r.err).toMatch(/nodes\[3\]\.type: unknown node type "Nope"/);
    expect(r.err).toMatch(/2 problems/);
  });
  it('feeds with a token id out of range', async () => {
    const file = path.join(dir, 'feeds-bad.json');
    writeFileSync(file, JSON.stringify({ name: { dtype: 'int64', shape: [1, 2], data: [4, 99] } }));
    const r = await cli('run', 'tests/fixtures/graphs/name-classifier.json', '--input', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: input "name": token id 99 at \[0, 1\] is out of range/);
  });
  it('a feeds file that is not one', async () => {
    const file = path.join(dir, 'feeds-shape.json');
    writeFileSync(file, JSON.stringify({ name: { dtype: 'int64', shape: [1, 3], data: [4, 5] } }));
    const r = await cli('run', 'tests/fixtures/graphs/name-classifier.json', '--input', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/"name" has 2 values but shape \[1, 3\] needs 3/);
  });
  it('an unknown command', async () => {
    const r = await cli('frobnicate');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('the installed bin', () => {
  it('npx seqgraph run prints the outputs as JSON', () => {
    const out = execFileSync('npx', ['--no-install', 'seqgraph', 'run', 'tests/fixtures/graphs/name-classifier.json'], { encoding: 'utf8' });
    const j = JSON.parse(out);
    expect(j.probs.shape).toEqual([1, 8]);
    const sum = j.probs.data.reduce((a: number, b: number) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
  });
  it('exits 1 on a bad graph', () => {
    const r = spawnSync('node', ['bin/seqgraph.js', 'validate', 'package.json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/package\.json: error: format: must be "seqgraph"/);
  });
});
