// The fuzz test: a few hundred mutated graph and feeds files (fixed seed, tests/fuzz/mutate.ts)
// through validate, run and export, each ending in a clean error or a correct result (checked
// against the file itself, a reference feeds check, and onnxruntime for what exports) — never a
// stack trace, a hang, a silent change or validate and run disagreeing. `npm run fuzz` runs
// thousands; docs/reliability.md has the table.
import { describe, it, expect } from 'vitest';
import { campaign, table } from '../fuzz/campaign';

describe('fuzz: mutated graph and feeds files', () => {
  it('300 cases, seed 16: clean errors and correct results only', async () => {
    const r = await campaign({ seed: 16, cases: 300, trace: true, ort: true });
    const report = `${table(r)}\n${r.failures.map((f) => `#${f.c.id} ${f.outcome}: ${f.c.kind} ${f.c.base} [${f.c.mutations.join(', ')}]: ${f.detail}`).join('\n')}`;
    expect(r.failures, report).toEqual([]);
    expect(r.counts.clean + r.counts.correct).toBe(300);
    // the campaign exercises both sides: many refusals and a fair share of accepted files
    expect(r.counts.correct, report).toBeGreaterThan(20);
    expect(r.counts.clean, report).toBeGreaterThan(150);
  }, 120_000);
});
