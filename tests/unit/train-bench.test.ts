// The training rows of `npm run bench` compare like with like: on a small case, every engine
// (seqgraph on the SIMD kernels, on the TS reference, TensorFlow.js cpu and wasm) starts from the
// same weights and batch and reports the same loss before step 1 and before step 2 (the second
// checks gradients, clipping and Adam's update), and the table carries ratios to tfjs-wasm.
import { describe, expect, it } from 'vitest';
import { measureTraining, trainRunners, trainTable } from '../../src/bench/train-bench';
import { trainCase } from '../../src/bench/train-cases';

describe('training bench rows', () => {
  for (const cell of ['LSTM', 'GRU'] as const) {
    it(`${cell}: the four engines agree on the first two losses; rows and ratios are printed`, async () => {
      const c = trainCase(cell, 3, 6, 5, 8);
      const notes: string[] = [];
      const rs = await trainRunners(c, notes, () => {});
      expect(notes).toEqual([]);
      expect(rs.map((r) => r.engine)).toEqual(['seqgraph', 'seqgraph-ts', 'tfjs-wasm', 'tfjs-cpu']);
      const rows = await measureTraining(c, rs, { budgetMs: 20, warmupMs: 0, maxRuns: 3 });
      for (const r of rows) {
        expect(r.loss_rel_diff, `${r.engine}: losses of steps 1 and 2 vs seqgraph's`).toBeLessThan(1e-5);
        expect(r.ms).toBeGreaterThan(0);
        expect(r.ratio_to_tfjs_wasm).not.toBeNull();
      }
      expect(rows.find((r) => r.engine === 'tfjs-wasm')!.ratio_to_tfjs_wasm).toBe(1);
      const table = trainTable(rows);
      expect(table).toContain('tfjs-wasm / engine');
      expect(table.split('\n')).toHaveLength(2 + rows.length);
    }, 60_000);
  }
});
