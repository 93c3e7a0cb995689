// Shared by the PyTorch export tests: write an export (exportPyTorch) to a folder with what
// tests/python/pytorch_export_check.py compares against — seqgraph run's outputs for every sample
// (expected.json) and the module's class name (class.json) — and read the check's report.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compile } from '../../src/compiler/compile';
import type { GraphDoc } from '../../src/doc/schema';
import { checkGraph } from '../../src/doc/load';
import { execute } from '../../src/runtime/execute';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { exportPyTorch, tensorJSON, type PyTorchExportOptions } from '../../src/pytorch/index';

export interface CheckRow {
  sample: string;
  output: string;
  shape: number[] | null;
  want_shape: number[];
  max_abs?: number;
  /** max of |got − want| − 1e-6·|want| */
  max_beyond_rel?: number;
  dtype?: string;
}

export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `sg-pt-${label}-`));
}

/** a schema-checked document from a raw one (throws with the problems) */
export function docOf(raw: unknown): GraphDoc {
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.doc;
}

/** exports doc into dir (created) with expected.json and class.json beside it; returns the export */
export function writeExport(doc: GraphDoc, dir: string, opts: PyTorchExportOptions = {}) {
  mkdirSync(dir, { recursive: true });
  const r = exportPyTorch(doc, opts);
  for (const f of r.files) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.data);
  }
  const program = compile(doc).program!;
  const expected = doc.samples.map((s) => {
    const out = execute(program, sampleFeeds(program, s.inputs)).outputs;
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, tensorJSON(t)]));
  });
  writeFileSync(path.join(dir, 'expected.json'), JSON.stringify(expected));
  writeFileSync(path.join(dir, 'class.json'), JSON.stringify({ class: r.model.className }));
  return r;
}
