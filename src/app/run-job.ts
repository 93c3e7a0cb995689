// One run, start to end, as the Web Worker does it: compile the GraphDoc, turn the typed inputs
// into feeds with the Input nodes' vocabularies, execute with a trace, and package the outputs
// with what a person reads them by (labels, kind, the tokens each row was read as). Plain
// functions with no DOM, so the same code runs in the worker and in a Node test.
import { compile } from '../compiler/compile';
import type { Diagnostic } from '../doc/diagnostics';
import type { GraphDoc, SampleValue } from '../doc/schema';
import type { GraphOutput } from '../ir/program';
import { execute, RunError } from '../runtime/execute';
import { decodeIds, defaultLengths, sampleToTensor } from '../runtime/tokenize';
import type { Tensor } from '../runtime/tensor';
import type { Trace } from '../runtime/trace';
import { dict, own } from '../doc/dict';
import { count } from './plural';

export interface RunRequest {
  id: number;
  doc: GraphDoc;
  /** input name -> text (token inputs) or nested numbers (float inputs) */
  inputs: Record<string, SampleValue>;
  trace: boolean;
}

export interface OutputResult {
  name: string;
  kind: GraphOutput['kind'];
  labels?: string[];
  dtype: Tensor['dtype'];
  shape: number[];
  /** the shape with its symbolic dims (B, T, M, ...), so axes can be matched to inputs */
  dims: (number | string)[];
  data: Float32Array | Int32Array;
}

export interface InputEcho {
  name: string;
  shape: number[];
  dims: (number | string)[];
  /** token inputs: the symbols each row was read as (padding left out) */
  tokens?: string[][];
  /** float inputs: the values fed (so outputs can be charted against them) */
  values?: Float32Array;
}

export interface RunSuccess {
  id: number;
  ok: true;
  outputs: OutputResult[];
  inputs: InputEcho[];
  trace?: Trace;
  ms: number;
  /** kernel threads the run worker had (big layers split their batch over them) */
  threads?: number;
  /** why there were no worker threads (e.g. the page is not cross-origin isolated) */
  threadsNote?: string;
}

export interface RunFailure {
  id: number;
  ok: false;
  stage: 'compile' | 'input' | 'run';
  message: string;
  where?: { input?: string; node?: string; op?: string };
  diagnostics?: Diagnostic[];
}

export type RunResponse = RunSuccess | RunFailure;

export function runJob(req: RunRequest): RunResponse {
  const t0 = performance.now();
  const fail = (stage: RunFailure['stage'], message: string, extra: Partial<RunFailure> = {}): RunFailure => ({ id: req.id, ok: false, stage, message, ...extra });
  let compiled;
  try {
    compiled = compile(req.doc);
  } catch (e) {
    return fail('compile', `the compiler failed: ${(e as Error).message}`);
  }
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !compiled.program) {
    const n = errors.length;
    return fail('compile', `the graph has ${count(n, 'error')}; fix ${n === 1 ? 'it' : 'them'} to run`, { diagnostics: errors });
  }
  const program = compiled.program;
  const feeds = dict<Tensor>(); // input names are the user's ("__proto__" too)
  const echoes: InputEcho[] = [];
  for (const inp of program.inputs) {
    const v = own(req.inputs, inp.name);
    const lengths = v === undefined ? defaultLengths(program, inp, feeds) : undefined;
    if (lengths) {
      feeds[inp.name] = lengths;
      continue;
    }
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) {
      return fail('input', `input "${inp.name}" is empty: ${inp.info.kind === 'tokens' ? 'type some text' : 'type some numbers'}`, { where: { input: inp.name } });
    }
    const t = sampleToTensor(inp, v);
    if (typeof t === 'string') return fail('input', t, { where: { input: inp.name } });
    feeds[inp.name] = t;
    const echo: InputEcho = { name: inp.name, shape: t.shape, dims: [...inp.shape] };
    if (t.dtype === 'float32') echo.values = t.data as Float32Array;
    if (inp.info.kind === 'tokens') {
      const [B, T] = t.shape;
      const pad = inp.info.pad;
      echo.tokens = Array.from({ length: B }, (_, b) => {
        const row = Array.from(t.data.subarray(b * T, (b + 1) * T));
        let len = row.length;
        while (len > 0 && row[len - 1] === pad) len--;
        return decodeIds(row.slice(0, len), inp.info.kind === 'tokens' ? inp.info.vocab : []);
      });
    }
    echoes.push(echo);
  }
  try {
    const r = execute(program, feeds, { trace: req.trace });
    const outputs = program.outputs.map((o) => {
      const t = r.outputs[o.name];
      return { name: o.name, kind: o.kind, labels: o.labels, dtype: t.dtype, shape: t.shape, dims: [...o.shape], data: t.data };
    });
    return { id: req.id, ok: true, outputs, inputs: echoes, trace: r.trace, ms: performance.now() - t0 };
  } catch (e) {
    if (e instanceof RunError) return fail('run', e.message, { where: e.where });
    return fail('run', (e as Error).message ?? String(e));
  }
}
