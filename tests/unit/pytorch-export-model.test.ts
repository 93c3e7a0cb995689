// The PyTorch export's model.py against `seqgraph run`: every graph in graphs/ and generated graphs
// covering every recurrent variant, attention rule and decoder variant (pytorch-export-graphs.ts)
// are exported, and their model.py — run by Debian's PyTorch with the exported weights loaded by
// load_state_dict (strict) — gives the runtime's outputs on every sample within 1e-5, including
// ragged batches, greedy and beam decoding (token ids exactly; floats within 1e-5 + 1e-6·|value|).
// One Python process checks them all.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect } from 'vitest';
import { readGraph } from '../../src/cli/io';
import type { GraphDoc } from '../../src/doc/schema';
import type { PyTorchExportOptions } from '../../src/pytorch/index';
import { docOf, tempDir, writeExport, type CheckRow } from '../helpers/pytorch-export';
import { hasPyTorch, pytorchTest, REQUIRE_PYTORCH, runPythonJSON } from '../helpers/pytorch';
import { GENERATED } from './pytorch-export-graphs';

// the examples and the test-only graphs (tests/fixtures/graphs) alike
const DIRS = ['../../graphs/', '../fixtures/graphs/'].map((d) => fileURLToPath(new URL(d, import.meta.url)));
const DIR = DIRS[0];
const FILES = DIRS.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => (d === DIR ? f : `tests/fixtures/graphs/${f}`))).sort();
const TOL = 1e-5;

const graph = (f: string): GraphDoc => {
  const g = readGraph(f.startsWith('tests/') ? fileURLToPath(new URL(`../../${f}`, import.meta.url)) : DIR + f);
  if ('problems' in g) throw new Error(`${f}: ${g.problems.map((p) => p.message).join('; ')}`);
  return g.doc;
};
const cases: [string, GraphDoc, PyTorchExportOptions?][] = [
  ...FILES.map((f): [string, GraphDoc] => [f, graph(f)]),
  // the weights as a torch.save zip (src/pytorch/torch-save.ts), read by torch.load
  ['g2p-attention.json, weights.pt', graph('tests/fixtures/graphs/g2p-attention.json'), { weights: 'pt' }],
  ...GENERATED.map(([name, raw]): [string, GraphDoc] => [name, docOf(raw)]),
];

let report: Record<string, CheckRow[]> = {};
const failed = new Map<string, string>();
const root = tempDir('model');
const folders = new Map(cases.map(([name], i) => [name, path.join(root, `${i}`)]));

beforeAll(() => {
  const ok: string[] = [];
  for (const [name, doc, opts] of cases) {
    try {
      writeExport(doc, folders.get(name)!, opts);
      ok.push(folders.get(name)!);
    } catch (e) {
      failed.set(name, (e as Error).message);
    }
  }
  if (hasPyTorch() || REQUIRE_PYTORCH) report = runPythonJSON('pytorch_export_check.py', ok);
}, 180_000);

describe('model.py reproduces seqgraph run', () => {
  pytorchTest().each(cases.map(([name]) => name))('%s', (name) => {
    expect(failed.get(name), `${name}: the export failed`).toBeUndefined();
    const rows = report[folders.get(name)!];
    expect(rows?.length, `${name}: no rows from the check`).toBeGreaterThan(0);
    for (const r of rows) {
      expect((r as { error?: string }).error, name).toBeUndefined();
      const where = `${name} / ${r.sample} / ${r.output}`;
      expect(r.shape, where).toEqual(r.want_shape);
      // floats: |got − want| ≤ 1e-5 + 1e-6·|want| (the check's RTOL; it matters only for values
      // far from 1, e.g. the log-probability of a very unlikely token), token ids exactly
      if (r.dtype === 'int64') expect(r.max_abs, where).toBe(0);
      else expect(r.max_beyond_rel, where).toBeLessThanOrEqual(TOL);
    }
  });
});
