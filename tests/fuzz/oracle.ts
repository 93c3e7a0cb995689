// Runs one fuzz case through the CLI as a user would (validate, run, export; the same main() the
// bin calls) and says what happened:
//   clean         refused with a readable error (exit 1, no stack trace, nothing "internal")
//   correct       accepted, and the results hold up: the file read back is the file (nothing
//                 dropped or changed), every output is there with data that fills its shape,
//                 feeds a reference check accepts are run and those it refuses are refused
//   crash         a stack trace, an "internal" error, an exception out of main(), or exit 0 after
//                 printing an error
//   hang          a command took longer than the limit
//   silent        accepted but wrong: something in the file was dropped or changed, an output is
//                 missing or malformed, invalid feeds were run
//   inconsistent  validate and run disagree (validate ok, run refuses the graph's own sample or
//                 feeds the reference check accepts)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { parseGraphText } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { Program } from '../../src/ir/program';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { runOnnx } from '../../src/onnx/ort';
import type { FuzzCase } from './mutate';

export type Outcome = 'clean' | 'correct' | 'crash' | 'hang' | 'silent' | 'inconsistent';
export const OUTCOMES: Outcome[] = ['clean', 'correct', 'crash', 'hang', 'silent', 'inconsistent'];

export interface CaseResult {
  outcome: Outcome;
  detail: string;
  ms: number;
}

interface Cmd {
  code: number;
  out: string;
  err: string;
  ms: number;
  threw?: unknown;
}

/** Runs main() with stdout and stderr captured. */
async function cli(args: string[]): Promise<Cmd> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write;
  const w2 = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  const t0 = performance.now();
  try {
    const code = await main(args);
    return { code, out, err, ms: performance.now() - t0 };
  } catch (e) {
    return { code: -1, out, err, ms: performance.now() - t0, threw: e };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

const STACK = /\n\s+at \S+ \(|\n\s+at \S+:\d+:\d+|\binternal\b|TypeError|ReferenceError|Cannot read propert|is not a function|undefined is not/;

function crashIn(c: Cmd, what: string): string | null {
  if (c.threw) return `${what}: main() threw ${String((c.threw as Error)?.stack ?? c.threw).slice(0, 300)}`;
  if (STACK.test(c.err)) return `${what}: ${c.err.slice(0, 400)}`;
  if (c.code !== 0 && c.code !== 1) return `${what}: exit ${c.code}`;
  if (c.code === 0 && /(^|\n)error:/.test(c.err)) return `${what}: exit 0 after an error: ${c.err.slice(0, 200)}`;
  if (c.code === 1 && !/error/.test(c.err)) return `${what}: exit 1 without a message`;
  return null;
}

/** Whether everything in the file is in what was read: the loader may add defaults, never drop or change. */
function lostIn(raw: unknown, doc: unknown, at = ''): string | null {
  if (at === '.version') return null; // an old version is migrated
  // the data mapping's shorthand: "col" for { column: "col" } (src/data/spec.ts)
  if (typeof raw === 'string' && /^\.training\.data\.(inputs|targets)\.[^.]+$/.test(at) && (doc as { column?: unknown })?.column === raw) return null;
  if (raw === null || typeof raw !== 'object') return Object.is(raw, doc) || raw === doc ? null : `${at || '(root)'}: ${JSON.stringify(raw)} became ${JSON.stringify(doc)}`;
  if (doc === null || typeof doc !== 'object') return `${at}: ${typeof raw} became ${JSON.stringify(doc)}`;
  if (Array.isArray(raw) !== Array.isArray(doc)) return `${at}: changed kind`;
  if (Array.isArray(raw) && raw.length !== (doc as unknown[]).length) return `${at}: length ${raw.length} became ${(doc as unknown[]).length}`;
  for (const k of Object.keys(raw)) {
    if (!Object.hasOwn(doc, k)) return `${at}.${k}: dropped`;
    const r = lostIn((raw as Record<string, unknown>)[k], (doc as Record<string, unknown>)[k], `${at}.${k}`);
    if (r) return r;
  }
  return null;
}

/** A reference check of a feeds file against the program's inputs, written apart from the CLI's. */
export function feedsProblem(raw: unknown, p: Program): string | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'not an object';
  const names = p.inputs.map((i) => i.name);
  for (const k of Object.keys(raw)) if (!names.includes(k)) return `no input ${k}`;
  const batch = new Set<number>();
  for (const inp of p.inputs) {
    if (!Object.hasOwn(raw, inp.name)) return `missing ${inp.name}`;
    const t = (raw as Record<string, Record<string, unknown>>)[inp.name];
    if (!t || typeof t !== 'object' || Array.isArray(t)) return `${inp.name}: not an object`;
    if (Object.keys(t).sort().join() !== 'data,dtype,shape') return `${inp.name}: fields ${Object.keys(t)}`;
    if (t.dtype !== inp.dtype) return `${inp.name}: dtype`;
    const shape = t.shape as unknown[];
    if (!Array.isArray(shape) || shape.length !== inp.shape.length || !shape.every((d) => Number.isInteger(d) && (d as number) >= 1)) return `${inp.name}: shape`;
    for (let i = 0; i < shape.length; i++) if (typeof inp.shape[i] === 'number' && inp.shape[i] !== shape[i]) return `${inp.name}: dim ${i}`;
    const b = inp.shape.indexOf('B');
    if (b >= 0) batch.add(shape[b] as number);
    const data = t.data as unknown[];
    const n = (shape as number[]).reduce((a, d) => a * d, 1);
    if (!Array.isArray(data) || data.length !== n || !data.every((v) => typeof v === 'number')) return `${inp.name}: data`;
    if (inp.info.kind === 'tokens') {
      const V = inp.info.vocab.length;
      if (!(data as number[]).every((v) => Number.isInteger(v) && v >= 0 && v < V)) return `${inp.name}: ids`;
    } else if (inp.dtype === 'int64') {
      if (!(data as number[]).every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) return `${inp.name}: ints`;
    } else if (!(data as number[]).every((v) => Number.isFinite(Math.fround(v)))) return `${inp.name}: float range`;
  }
  if (batch.size > 1) return 'batch sizes differ';
  return null;
}

/** The outputs a run wrote: every output of the program, with data that fills its shape. */
function outputsProblem(text: string, p: Program): string | null {
  let j: Record<string, { dtype: string; shape: number[]; data: unknown[] }>;
  try {
    j = JSON.parse(text);
  } catch (e) {
    return `output is not JSON: ${(e as Error).message}`;
  }
  const want = p.outputs.map((o) => o.name).sort();
  const got = Object.keys(j).sort();
  if (want.join('\u0000') !== got.join('\u0000')) return `outputs ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  for (const o of p.outputs) {
    const t = j[o.name];
    if (t.dtype !== o.dtype) return `${o.name}: dtype ${t.dtype}`;
    if (t.shape.length !== o.shape.length || t.shape.some((d, i) => typeof o.shape[i] === 'number' && o.shape[i] !== d)) return `${o.name}: shape [${t.shape}] for [${o.shape}]`;
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) return `${o.name}: ${t.data.length} values for [${t.shape}]`;
    if (!t.data.every((v) => typeof v === 'number' && Number.isFinite(v))) return `${o.name}: a value that is not a finite number`;
  }
  return null;
}

/** The exported model run in onnxruntime gives the outputs `run` wrote (1e-4), the strongest check of "correct". */
async function ortProblem(modelFile: string, outFile: string, program: Program, sample: Record<string, unknown>): Promise<string | null> {
  const bytes = new Uint8Array(readFileSync(modelFile));
  const ours = JSON.parse(readFileSync(outFile, 'utf8')) as Record<string, { data: number[] }>;
  let theirs: Record<string, { data: ArrayLike<number> }>;
  try {
    theirs = await runOnnx(bytes, sampleFeeds(program, sample as never));
  } catch (e) {
    // a limit of onnxruntime-web's JavaScript API, said as such by ort.ts; nothing to compare
    if (/cannot run a model with an input or output named "__proto__"/.test((e as Error).message)) return null;
    return `onnxruntime refused the exported model: ${(e as Error).message.slice(0, 200)}`;
  }
  for (const o of program.outputs) {
    const a = ours[o.name].data;
    const b = Object.hasOwn(theirs, o.name) ? theirs[o.name].data : undefined;
    if (!b) return `onnxruntime gave no output ${o.name}`;
    if (a.length !== b.length) return `${o.name}: ${a.length} values here, ${b.length} in onnxruntime`;
    for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-4)) return `${o.name}[${i}]: ${a[i]} here, ${b[i]} in onnxruntime`;
  }
  return null;
}

export async function runCase(c: FuzzCase, dir: string, opts: { hangMs?: number; trace?: boolean; ort?: boolean } = {}): Promise<CaseResult> {
  const hangMs = opts.hangMs ?? 20_000;
  const d = path.join(dir, `case-${c.id}`);
  mkdirSync(d, { recursive: true });
  const t0 = performance.now();
  const done = (outcome: Outcome, detail = ''): CaseResult => {
    rmSync(d, { recursive: true, force: true });
    return { outcome, detail, ms: performance.now() - t0 };
  };
  const g = path.join(d, 'graph.json');
  writeFileSync(g, c.graph);
  const feeds = c.feeds === undefined ? undefined : path.join(d, 'feeds.json');
  if (feeds) writeFileSync(feeds, c.feeds!);

  const cmds: [string, Cmd][] = [];
  const check = (what: string, cmd: Cmd): CaseResult | null => {
    cmds.push([what, cmd]);
    const crash = crashIn(cmd, what);
    if (crash) return done('crash', crash);
    if (cmd.ms > hangMs) return done('hang', `${what} took ${(cmd.ms / 1000).toFixed(1)} s`);
    return null;
  };

  const v = await cli(['validate', g]);
  let bad = check('validate', v);
  if (bad) return bad;

  const out = path.join(d, 'out.json');
  const runArgs = ['run', g, '--output', out, ...(feeds ? ['--input', feeds] : []), ...(opts.trace && c.id % 3 === 0 ? ['--trace', path.join(d, 'trace.json')] : [])];
  const r = await cli(runArgs);
  bad = check('run', r);
  if (bad) return bad;

  if (v.code !== 0) {
    // a graph validate refuses is refused by run too
    if (r.code === 0) return done('inconsistent', `validate refused, run accepted: ${v.err.slice(0, 200)}`);
    return done('clean', v.err.split('\n')[0]);
  }

  // validate accepted: nothing in the file may have been dropped or changed
  const loaded = parseGraphText(c.graph);
  if (!loaded.ok) return done('inconsistent', 'validate ok but the loader refuses');
  const lost = lostIn(JSON.parse(c.graph), loaded.doc);
  if (lost) return done('silent', `read back differently: ${lost}`);
  const program = compile(loaded.doc).program;
  if (!program) return done('inconsistent', 'validate ok but compile refuses');

  if (feeds) {
    const why = feedsProblem(JSON.parse(c.feeds!), program);
    if (why && r.code === 0) return done('silent', `feeds the reference refuses (${why}) were run`);
    if (!why && r.code !== 0) return done('inconsistent', `feeds the reference accepts were refused: ${r.err.slice(0, 200)}`);
  } else if (r.code !== 0) {
    return done('inconsistent', `validate ok, run of its own sample refused: ${r.err.slice(0, 200)}`);
  }
  if (r.code === 0) {
    const why = outputsProblem(readFileSync(out, 'utf8'), program);
    if (why) return done('silent', `run: ${why}`);
  }

  if (!feeds) {
    const model = path.join(d, 'model.onnx');
    const x = await cli(['export', g, '-o', model]);
    bad = check('export', x);
    if (bad) return bad;
    // export may refuse what ONNX can't hold (beam search), with a clean message
    if (x.code !== 0 && !/beam/.test(x.err)) return done('inconsistent', `validate ok, export refused: ${x.err.slice(0, 200)}`);
    if (opts.ort && x.code === 0 && r.code === 0) {
      const why = await ortProblem(model, out, program, loaded.doc.samples[0].inputs);
      if (why) return done('silent', why);
    }
  }
  return done(r.code === 0 ? 'correct' : 'clean', r.code === 0 ? '' : r.err.split('\n')[0]);
}
