// ONNX RNN / LSTM / GRU with ONNX's other activations (alpha/beta), clip and input_forget (issue
// 12): models built by tests/python/onnx_acts_models.py with the onnx helper API (forward, reverse,
// bidirectional; ragged sequence_lens; peepholes), run in onnxruntime-web for the reference, then
// 1. imported: the nodes get the params (no refusal) and seqgraph's runtime gives onnxruntime's
//    Y, Y_h, Y_c (1e-5);
// 2. exported back: our ONNX (native activations, activation_alpha/beta, clip, input_forget) runs
//    in onnxruntime and gives the same numbers (1e-5);
// 3. the SIMD backend routes such layers to the TS loops and gives the same numbers.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { importOnnx } from '../../src/onnx/import';
import { feedsFromOnnx, outputsToOnnx } from '../../src/onnx/import-io';
import { exportOnnx } from '../../src/onnx/export';
import { clearOrtSessions, runOnnx } from '../../src/onnx/ort';
import { decodeModel } from '../../src/onnx/proto';
import { execute } from '../../src/runtime/execute';
import type { Tensor } from '../../src/runtime/tensor';
import { maxDiff } from '../helpers/import';
import { BACKENDS } from '../helpers/backends';
import { setKernelBackend } from '../../src/runtime/kernels/wasm/runtime';
import { pytorchTest, runPythonJSON, hasPyTorch, REQUIRE_PYTORCH } from '../helpers/pytorch';

interface Case { name: string; file: string; feeds: Record<string, { shape: number[]; data: number[] }> }

const have = hasPyTorch('onnx') || REQUIRE_PYTORCH;
const cases: Case[] = have ? runPythonJSON<{ cases: Case[] }>('onnx_acts_models.py', [mkdtempSync(path.join(tmpdir(), 'onnx-acts-'))]).cases : [];
const feedsOf = (c: Case): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(c.feeds).map(([k, v]) => [k, k === 'sequence_lens' ? { dtype: 'int64', shape: v.shape, data: Int32Array.from(v.data) } : { dtype: 'float32', shape: v.shape, data: Float32Array.from(v.data) }]));
afterAll(() => clearOrtSessions());

describe('ONNX activations with alpha/beta, clip, input_forget: import and export against onnxruntime', () => {
  pytorchTest('onnx')('the models exist', () => expect(cases.length).toBe(12));
  for (const c of cases) {
    it(c.name, async () => {
      const bytes = new Uint8Array(readFileSync(c.file));
      const want = await runOnnx(bytes, feedsOf(c)) // sequence_lens: int64 here, the int32 the model declares in ort;
      const r = importOnnx(bytes, { file: `${c.name}.onnx` });
      const node = r.doc.nodes.find((n) => ['RNN', 'LSTM', 'GRU'].includes(n.type))!;
      expect(node, 'a recurrent node').toBeDefined();
      const attrs = Object.fromEntries((decodeModel(bytes).graph!.node![0].attribute ?? []).map((a) => [a.name, a]));
      if (attrs.clip) expect(node.params.clip).toBeCloseTo(attrs.clip.f!, 6);
      if (attrs.input_forget) expect(node.params.input_forget).toBe(true);
      const comp = compile(r.doc);
      expect(comp.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const docFeeds = feedsFromOnnx(r.inputs, feedsOf(c));
      // both kernel backends: the SIMD one routes such a layer to the TS loops
      for (const backend of BACKENDS) {
        setKernelBackend(backend);
        try {
          const got = outputsToOnnx(r.outputs, execute(comp.program!, docFeeds).outputs);
          for (const k of Object.keys(want)) expect(maxDiff(got[k], want[k], `${c.name} import ${k} [${backend}]`), `${c.name} import ${k} [${backend}]`).toBeLessThanOrEqual(1e-5);
        } finally {
          setKernelBackend('auto');
        }
      }
      // export back: onnxruntime on our model
      const back = outputsToOnnx(r.outputs, await runOnnx(exportOnnx(comp.program!), docFeeds));
      for (const k of Object.keys(want)) expect(maxDiff(back[k], want[k], `${c.name} export ${k}`), `${c.name} export ${k}`).toBeLessThanOrEqual(1e-5);
    });
  }
});
