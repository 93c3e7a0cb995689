// npm run fuzz [-- --cases N] [--seed S] [--from K] [--trace] [--no-ort] [--verbose] [--sizes]
// A longer fuzz campaign than npm test runs; prints the results table and every failure with
// what reproduces it (seed and case number: `--seed S --from K --cases 1 --verbose`).
// Accepted graphs are exported and run in onnxruntime too (--no-ort skips it); --sizes also runs
// the big inputs (500,000 bad edges) once.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { campaign, table } from './campaign';
import { main } from '../../src/cli/main';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

async function sizes(): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const g = JSON.parse(readFileSync('tests/fixtures/graphs/time-series-regressor.json', 'utf8'));
  g.edges = Array.from({ length: 500_000 }, (_, i) => ({ id: `x${i}`, source: { node: 'nope', port: 'sequence' }, target: { node: 'gru', port: 'input' } }));
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'seqgraph-sizes-')), 'edges.json');
  writeFileSync(f, JSON.stringify(g));
  let err = '';
  const w = process.stderr.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  const t0 = performance.now();
  const code = await main(['validate', f]);
  process.stderr.write = w;
  const lines = err.trim().split('\n');
  console.log(`500,000 bad edges: exit ${code}, ${lines.length} lines (${err.length.toLocaleString('en-US')} characters) in ${((performance.now() - t0) / 1000).toFixed(1)} s; last: ${lines.at(-2)}`);
}

const seed = arg('seed', 16);
const cases = arg('cases', 3000);
const from = arg('from', 0);
const verbose = flag('verbose');
const result = await campaign({
  seed,
  cases,
  from,
  trace: flag('trace'),
  ort: !flag('no-ort'),
  onCase: (c, outcome, detail, ms) => {
    if (verbose) console.log(`#${c.id} ${c.kind} ${c.base} [${c.mutations.join(', ')}] -> ${outcome} (${ms.toFixed(0)} ms) ${detail}`);
    else if (c.id % 100 === 99) process.stderr.write(`${c.id + 1 - from}/${cases}\r`);
  },
});
console.log(`\nseed ${seed}, cases ${from}..${from + cases - 1}, ${(result.ms / 1000).toFixed(0)} s\n`);
console.log(table(result));
for (const f of result.failures) console.log(`\n#${f.c.id} ${f.outcome}: ${f.c.kind} ${f.c.base} [${f.c.mutations.join(', ')}]\n  ${f.detail}`);
if (flag('sizes')) await sizes();
process.exitCode = result.failures.length ? 1 : 0;
