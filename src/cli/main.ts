// seqgraph validate | sample | run | export | train | evaluate — the same core the app uses, from a terminal.
// Every failure is a readable message on stderr and exit code 1; stdout carries only results.
import { Command, CommanderError } from 'commander';
import { compile, type CompileResult } from '../compiler/compile';
import { formatDiagnostic, problemCount, type Diagnostic } from '../doc/diagnostics';
import type { GraphDoc } from '../doc/schema';
import { execute, RunError } from '../runtime/execute';
import { sampleFeeds } from '../runtime/tokenize';
import { traceToJSONViews } from '../runtime/trace';
import { streamJSON } from '../runtime/json-stream';
import { CliError, readFeeds, readGraph, writeTensorsJSON, writeText } from './io';
import { OutputFiles, writeFileAtomic } from './output-files';
import { footprintProblem, MAX_RUN_BYTES, runFootprint } from '../runtime/footprint';
import type { Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import { registerImportCommands } from './import-commands';
import { intArg, registerTrainCommands } from './train';
import { availableParallelism } from 'node:os';
import { initThreads, threadsNote } from '../runtime/kernels/wasm/threads';
import { TrainError } from '../train/plan';
import { SessionError } from '../train/session';

/** The most problems printed for one file; the rest are counted (500,000 bad edges are 170 MB of text). */
export const MAX_PROBLEMS_SHOWN = 100;

function printProblems(file: string, problems: Diagnostic[]): void {
  const listed = problems.filter((p) => !p.more);
  const shown = listed.slice(0, MAX_PROBLEMS_SHOWN);
  let text = shown.map((p) => `${file}: ${formatDiagnostic(p)}\n`).join('');
  const total = problemCount(problems);
  const rest = total - shown.length;
  if (rest > 0) {
    const n = (x: number) => x.toLocaleString('en-US');
    text += `${file}: … and ${n(rest)} more problems (${n(total)} in all; the first ${shown.length} are shown)\n`;
  }
  if (text) process.stderr.write(text);
}

/** "3 problems", counting what summary lines stand for */
function count(problems: Diagnostic[], what = 'problem'): string {
  const n = problemCount(problems);
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

/** load + compile, or throw with every problem listed */
function load(file: string, opts: { weights?: boolean } = {}): { doc: GraphDoc; result: CompileResult; program: Program } {
  const g = readGraph(file);
  if ('problems' in g) {
    printProblems(file, g.problems);
    throw new CliError(`${file}: ${count(g.problems)}; nothing was run`);
  }
  const result = compile(g.doc, { initWeights: opts.weights ?? true });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !result.program) {
    printProblems(file, result.diagnostics);
    throw new CliError(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was run`);
  }
  return { doc: g.doc, result, program: result.program };
}

function firstSampleFeeds(file: string, doc: GraphDoc, program: Program, name?: string): Record<string, Tensor> {
  if (!doc.samples.length) throw new CliError(`${file}: the graph has no samples; pass --input <feeds.json>`);
  const sample = name ? doc.samples.find((s) => s.name === name) : doc.samples[0];
  if (!sample) throw new CliError(`${file}: no sample named "${name}" (samples: ${doc.samples.map((s) => s.name).join(', ')})`);
  try {
    return sampleFeeds(program, sample.inputs);
  } catch (e) {
    throw new CliError(`${file}: sample "${sample.name}": ${(e as Error).message}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('seqgraph')
    .description('Compile, run, inspect and export sequence-model graphs')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .option('--threads <n>', `worker threads for the kernels (run: default the ${availableParallelism()} cores here; train, evaluate, generate: default 1; 1 = none)`, intArg('--threads', 1))
    // commands that run kernels start the pool first (a few ms per worker). Training defaults to
    // one thread: the gallery's models are too small to gain, and attention decoders ran ~20%
    // slower with a pool (docs/performance.md, "Threads"); --threads N asks for it.
    .hook('preAction', async (_root, action) => {
      const cmd = action.name();
      if (!['run', 'train', 'evaluate', 'generate'].includes(cmd)) return;
      const want = (program.opts() as { threads?: number }).threads ?? (cmd === 'run' ? availableParallelism() : 1);
      const got = await initThreads(want);
      if (got < want && want > 1) process.stderr.write(`note: running on 1 thread: ${threadsNote() ?? 'worker threads are unavailable'}\n`);
    });

  program
    .command('validate <graph>')
    .description('check a graph file; exit 1 and list every problem')
    .action((file: string) => {
      const g = readGraph(file);
      if ('problems' in g) {
        printProblems(file, g.problems);
        throw new CliError(`${file}: ${count(g.problems)}`);
      }
      // shapes are all validate needs: no weight is allocated (compile's initWeights)
      const r = compile(g.doc, { initWeights: false });
      printProblems(file, r.diagnostics);
      const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
      if (errors) throw new CliError(`${file}: ${errors} error${errors === 1 ? '' : 's'}`);
      const p = r.program!;
      process.stdout.write(
        `${file}: ok — ${g.doc.nodes.length} nodes, ${g.doc.edges.length} edges; ` +
          `inputs ${p.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join(', ')}]`).join(', ')}; ` +
          `outputs ${p.outputs.map((o) => `${o.name} ${o.dtype}[${o.shape.join(', ')}]`).join(', ')}\n`,
      );
    });

  program
    .command('sample <graph>')
    .description("write the graph's first sample input as feeds")
    .option('-o, --output <feeds.json>', 'write to a file instead of stdout')
    .option('-s, --sample <name>', 'a sample other than the first, by name')
    .action((file: string, opts: { output?: string; sample?: string }) => {
      OutputFiles.check(opts.output, '--output');
      const { doc, program: p } = load(file);
      const feeds = firstSampleFeeds(file, doc, p, opts.sample);
      if (opts.output) writeFileAtomic(opts.output, (w) => writeTensorsJSON(feeds, w));
      else writeTensorsJSON(feeds, (c) => process.stdout.write(c));
    });

  program
    .command('run <graph>')
    .description("run the graph on feeds (default: its first sample)")
    .option('-i, --input <feeds.json>', 'the inputs, as written by `seqgraph sample`')
    .option('-s, --sample <name>', 'run a sample other than the first, by name')
    .option('-o, --output <out.json>', 'write the outputs to a file instead of stdout')
    .option('-t, --trace <trace.json>', 'also write every timestep of every recurrent node')
    .option('--max-memory <GiB>', `refuse a run whose values would need more memory than this (default ${MAX_RUN_BYTES / 2 ** 30})`)
    .action((file: string, opts: { input?: string; sample?: string; output?: string; trace?: string; maxMemory?: string }) => {
      // where results go is checked first: a missing folder fails before any work is done
      OutputFiles.check(opts.output, '--output');
      OutputFiles.check(opts.trace, '--trace');
      const { doc, program: p } = load(file);
      const feeds = opts.input ? readFeeds(opts.input) : firstSampleFeeds(file, doc, p, opts.sample);
      const limit = opts.maxMemory === undefined ? MAX_RUN_BYTES : Number(opts.maxMemory) * 2 ** 30;
      if (!(limit > 0)) throw new CliError(`--max-memory ${opts.maxMemory}: give a number of GiB, e.g. 8`);
      const tooBig = footprintProblem(runFootprint(p, feeds, { trace: !!opts.trace }), limit);
      if (tooBig) throw new CliError(`${file}: ${tooBig} (--max-memory raises the limit)`);
      const r = execute(p, feeds, { trace: !!opts.trace });
      // both files are staged and renamed into place together, after the last byte is written
      const files = new OutputFiles();
      try {
        if (opts.trace) files.stage(opts.trace, (w) => (streamJSON(traceToJSONViews(r.trace!), w), w('\n')));
        if (opts.output) files.stage(opts.output, (w) => writeTensorsJSON(r.outputs, w));
        else writeTensorsJSON(r.outputs, (c) => process.stdout.write(c));
        files.commit();
      } finally {
        files.abort();
      }
    });

  program
    .command('export <graph>')
    .description('export the graph to an ONNX model, or (--format pytorch) a PyTorch package: model.py, train.py, weights, README')
    .requiredOption('-o, --output <path>', 'where to write: the model file (onnx), or a folder (pytorch)')
    .option('-f, --format <format>', 'onnx or pytorch', 'onnx')
    .option('--greedy', 'onnx: export beam-search decoders as greedy ones (the model metadata says so)')
    .option('--weights-format <format>', 'pytorch: weights.safetensors (default) or weights.pt (torch.save)')
    .option('--data <set|file>', 'pytorch: a built-in data set or a data file, prepared for train.py (default: the training section\'s own)')
    .action(async (file: string, opts: { output: string; format: string; greedy?: boolean; weightsFormat?: string; data?: string }) => {
      // a model file is checked before the work; a PyTorch package's folder is export-pytorch's to check
      if (opts.format === 'onnx') OutputFiles.check(opts.output, '--output');
      const { doc, program: p } = load(file);
      if (opts.format === 'pytorch') {
        const { exportPyTorchCli } = await import('./export-pytorch');
        await exportPyTorchCli(file, doc, opts);
        return;
      }
      if (opts.format !== 'onnx') throw new CliError(`--format takes onnx or pytorch, not "${opts.format}"`);
      const { exportGraph } = await import('../onnx/export-graph');
      let bytes: Uint8Array;
      try {
        bytes = exportGraph(p, doc, opts.greedy ? { decodeStrategy: 'greedy' } : {});
      } catch (e) {
        throw new CliError(`${file}: cannot export: ${(e as Error).message}`);
      }
      writeText(opts.output, bytes);
      process.stderr.write(`${opts.output}: written\n`);
    });

  registerImportCommands(program);
  let exit = 0;
  registerTrainCommands(program, argv, (code) => (exit = code));

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof CliError || e instanceof RunError || e instanceof TrainError || e instanceof SessionError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof RangeError && /allocation failed|Invalid typed array length|Invalid array buffer length|Invalid string length/.test(e.message)) {
      process.stderr.write(`error: out of memory: the work needs more memory than this process can allocate (${e.message}); try a smaller graph, fewer rows or shorter sequences\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
