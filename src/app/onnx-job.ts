// ONNX from the editor, as the ONNX worker does it: compile the GraphDoc, export it, and — to
// check it — run the exported bytes in onnxruntime-web (wasm, in this page's worker) and the TS
// runtime on the same input, and report the largest absolute difference per output. Plain
// functions with no DOM, so a Node test can call them too.
import { compile } from '../compiler/compile';
import type { GraphDoc, SampleValue } from '../doc/schema';
import { exportGraph } from '../onnx/export-graph';
import { runOnnx } from '../onnx/ort';
import { execute, RunError } from '../runtime/execute';
import { sampleToTensor } from '../runtime/tokenize';
import type { Tensor } from '../runtime/tensor';
import { dict, own } from '../doc/dict';
import { count } from './plural';
import { beamDecoders, greedyVariant } from './onnx-greedy';

export interface OnnxRequest {
  id: number;
  doc: GraphDoc;
  /** also run it in onnxruntime and compare with the TS runtime, on these inputs */
  check?: Record<string, SampleValue>;
  /** export a beam-search Decoder as its greedy form (said in the model's metadata) */
  greedy?: boolean;
}

export interface OutputDiff {
  name: string;
  shape: number[];
  maxAbsDiff: number;
}

export type OnnxResponse =
  | { id: number; ok: true; bytes: Uint8Array; fileName: string; diffs?: OutputDiff[]; exportMs: number; ortMs?: number; tsMs?: number; greedy?: boolean }
  | { id: number; ok: false; stage: 'compile' | 'export' | 'input' | 'run' | 'onnxruntime'; message: string };

export const TOLERANCE = 1e-4;

export async function onnxJob(req: OnnxRequest): Promise<OnnxResponse> {
  const fail = (stage: Extract<OnnxResponse, { ok: false }>['stage'], message: string): OnnxResponse => ({ id: req.id, ok: false, stage, message });
  const compiled = compile(req.doc);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !compiled.program) return fail('compile', `the graph has ${count(errors.length, 'error')}: ${errors[0]?.message ?? 'it does not compile'}`);
  const program = compiled.program;
  const t0 = performance.now();
  let bytes: Uint8Array;
  try {
    bytes = exportGraph(program, req.doc, req.greedy ? { decodeStrategy: 'greedy' } : {});
  } catch (e) {
    return fail('export', (e as Error).message);
  }
  const exportMs = performance.now() - t0;
  const fileName = `${req.doc.name.replace(/[^A-Za-z0-9_.-]+/g, '-') || 'model'}.onnx`;
  const greedy = req.greedy && beamDecoders(req.doc).length > 0;
  if (!req.check) return { id: req.id, ok: true, bytes, fileName, exportMs, greedy };
  // the model holds greedy decoding: compare it with the runtime decoding greedily too
  const reference = greedy ? compile(greedyVariant(req.doc)).program : program;
  if (!reference) return fail('compile', 'the greedy form of the graph does not compile');

  const feeds = dict<Tensor>(); // input names are the user's ("__proto__" too)
  for (const inp of program.inputs) {
    const v = own(req.check, inp.name);
    if (v === undefined || v === '') return fail('input', `input "${inp.name}" is empty`);
    const t = sampleToTensor(inp, v);
    if (typeof t === 'string') return fail('input', t);
    feeds[inp.name] = t;
  }
  let want: Record<string, Tensor>;
  const t1 = performance.now();
  try {
    want = execute(reference, feeds).outputs;
  } catch (e) {
    return fail('run', e instanceof RunError ? e.message : String(e));
  }
  const tsMs = performance.now() - t1;
  let got: Record<string, Tensor>;
  const t2 = performance.now();
  try {
    got = await runOnnx(bytes, feeds);
  } catch (e) {
    return fail('onnxruntime', (e as Error).message);
  }
  const ortMs = performance.now() - t2;
  const diffs: OutputDiff[] = Object.entries(want).map(([name, t]) => {
    const g = got[name];
    if (!g || g.data.length !== t.data.length) return { name, shape: t.shape, maxAbsDiff: Infinity };
    let d = 0;
    for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - g.data[i]));
    return { name, shape: t.shape, maxAbsDiff: d };
  });
  return { id: req.id, ok: true, bytes, fileName, diffs, exportMs, ortMs, tsMs, greedy };
}
