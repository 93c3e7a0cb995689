// A fuzz campaign: `cases` mutated files from seed `seed`, each run by oracle.ts, tallied by
// outcome. Used by tests/unit/fuzz.test.ts (a few hundred cases in npm test) and by
// `npm run fuzz` (tests/fuzz/main.ts, thousands).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseGraphText } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { tensorsToJSON } from '../../src/cli/io';
import { makeCase, type FuzzCase } from './mutate';
import { OUTCOMES, runCase, type Outcome } from './oracle';

export interface Campaign {
  tried: number;
  counts: Record<Outcome, number>;
  /** the cases that went wrong (crash, hang, silent, inconsistent), to reproduce */
  failures: { c: FuzzCase; outcome: Outcome; detail: string }[];
  ms: number;
}

/**
 * The graphs mutated: the examples in graphs/ (their trained weights included) and the toys that
 * were examples before the gallery kept only trained graphs (now test fixtures), sorted by file
 * name as before, so a seed and case number still replay the cases docs/reliability.md reports.
 */
export const FORMER_EXAMPLES = ['g2p-attention', 'gates-gru', 'gates-lstm', 'name-classifier', 'pos-tagger'];

/** The fuzz bases (above) and their first sample as feeds. */
export function fuzzBases(): { name: string; text: string; feeds: string }[] {
  const files = readdirSync('graphs')
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join('graphs', f))
    .concat(FORMER_EXAMPLES.map((n) => path.join('tests', 'fixtures', 'graphs', `${n}.json`)))
    .sort((a, b) => (path.basename(a) < path.basename(b) ? -1 : 1));
  return files
    .map((file) => {
      const f = path.basename(file);
      const text = readFileSync(file, 'utf8');
      const r = parseGraphText(text);
      if (!r.ok) throw new Error(`${file} does not load`);
      const p = compile(r.doc).program!;
      return { name: f, text, feeds: tensorsToJSON(sampleFeeds(p, r.doc.samples[0].inputs)) };
    });
}

export async function campaign(opts: { seed: number; cases: number; from?: number; trace?: boolean; ort?: boolean; onCase?: (c: FuzzCase, outcome: Outcome, detail: string, ms: number) => void }): Promise<Campaign> {
  const bases = fuzzBases();
  const dir = mkdtempSync(path.join(tmpdir(), 'seqgraph-fuzz-'));
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const failures: Campaign['failures'] = [];
  const t0 = performance.now();
  try {
    for (let i = opts.from ?? 0; i < (opts.from ?? 0) + opts.cases; i++) {
      const c = makeCase(opts.seed, i, bases);
      const r = await runCase(c, dir, { trace: opts.trace, ort: opts.ort });
      counts[r.outcome]++;
      if (r.outcome !== 'clean' && r.outcome !== 'correct') failures.push({ c, outcome: r.outcome, detail: r.detail });
      opts.onCase?.(c, r.outcome, r.detail, r.ms);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { tried: opts.cases, counts, failures, ms: performance.now() - t0 };
}

/** The results as the Markdown table docs/reliability.md shows. */
export function table(c: Campaign): string {
  return [
    '| tried | clean error | correct | crash | hang | silent | inconsistent |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${c.tried} | ${c.counts.clean} | ${c.counts.correct} | ${c.counts.crash} | ${c.counts.hang} | ${c.counts.silent} | ${c.counts.inconsistent} |`,
  ].join('\n');
}
