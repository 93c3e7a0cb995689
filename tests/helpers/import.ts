// Helpers for the import tests: run an imported graph on the ONNX model's own feeds and read its
// outputs back in the model's layout (import-io.ts), and compare with reference numbers.
import { expect } from 'vitest';
import { compile } from '../../src/compiler/compile';
import type { ImportResult } from '../../src/onnx/import';
import { feedsFromOnnx, outputsToOnnx } from '../../src/onnx/import-io';
import { execute } from '../../src/runtime/execute';
import type { Tensor } from '../../src/runtime/tensor';

/** the imported graph run on the model's feeds; outputs by the model's output names */
export function runImported(r: ImportResult, feeds: Record<string, Tensor>): Record<string, Tensor> {
  const c = compile(r.doc);
  expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return outputsToOnnx(r.outputs, execute(c.program!, feedsFromOnnx(r.inputs, feeds)).outputs);
}

/** max |a - b| after checking the shapes agree */
export function maxDiff(got: Tensor, want: { shape: number[]; data: ArrayLike<number> }, what: string): number {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  let m = 0;
  for (let i = 0; i < want.data.length; i++) m = Math.max(m, Math.abs(got.data[i] - want.data[i]));
  return Number.isNaN(m) ? Infinity : m;
}

export const nodeTypes = (r: ImportResult) => r.doc.nodes.map((n) => n.type);
