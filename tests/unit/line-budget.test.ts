// Files stay small enough to read in one sitting (tinygrad keeps a line budget in CI too):
// every source file under 600 lines, and the IR's op table in one place.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const BUDGET = 600;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(f) ? [p] : [];
  });
}

describe('line budget', () => {
  it(`every source file in src/ and nodes/ has at most ${BUDGET} lines`, () => {
    const over = [...files('src'), ...files('nodes')]
      .map((f) => [f, readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > BUDGET);
    expect(over, over.map(([f, n]) => `${f}: ${n} lines`).join('\n')).toEqual([]);
  });
  it('one file per node type, each registered', () => {
    const reg = readFileSync('nodes/index.ts', 'utf8');
    for (const f of readdirSync('nodes').filter((f) => f !== 'index.ts' && f.endsWith('.ts'))) {
      expect(reg, `nodes/${f} is registered in nodes/index.ts`).toContain(`'./${f.replace(/\.ts$/, '')}'`);
    }
  });
});
