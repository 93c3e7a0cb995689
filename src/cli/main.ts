// seqgraph validate | sample | run | export — the same core the app uses, from a terminal.
// Every failure is a readable message on stderr and exit code 1; stdout carries only results.
import { Command, CommanderError } from 'commander';
import { compile, type CompileResult } from '../compiler/compile';
import { formatDiagnostic, type Diagnostic } from '../doc/diagnostics';
import type { GraphDoc } from '../doc/schema';
import { execute, RunError } from '../runtime/execute';
import { sampleFeeds } from '../runtime/tokenize';
import { traceToJSON } from '../runtime/trace';
import { CliError, readFeeds, readGraph, tensorsToJSON, writeText } from './io';
import type { Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import { registerImportCommands } from './import-commands';

function printProblems(file: string, problems: Diagnostic[]): void {
  for (const p of problems) process.stderr.write(`${file}: ${formatDiagnostic(p)}\n`);
}

/** load + compile, or throw with every problem listed */
function load(file: string): { doc: GraphDoc; result: CompileResult; program: Program } {
  const g = readGraph(file);
  if ('problems' in g) {
    printProblems(file, g.problems);
    throw new CliError(`${file}: ${g.problems.length} problem${g.problems.length === 1 ? '' : 's'}; nothing was run`);
  }
  const result = compile(g.doc);
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
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('validate <graph>')
    .description('check a graph file; exit 1 and list every problem')
    .action((file: string) => {
      const g = readGraph(file);
      if ('problems' in g) {
        printProblems(file, g.problems);
        throw new CliError(`${file}: ${g.problems.length} problem${g.problems.length === 1 ? '' : 's'}`);
      }
      const r = compile(g.doc);
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
      const { doc, program: p } = load(file);
      const json = tensorsToJSON(firstSampleFeeds(file, doc, p, opts.sample));
      if (opts.output) writeText(opts.output, json + '\n');
      else process.stdout.write(json + '\n');
    });

  program
    .command('run <graph>')
    .description("run the graph on feeds (default: its first sample)")
    .option('-i, --input <feeds.json>', 'the inputs, as written by `seqgraph sample`')
    .option('-s, --sample <name>', 'run a sample other than the first, by name')
    .option('-o, --output <out.json>', 'write the outputs to a file instead of stdout')
    .option('-t, --trace <trace.json>', 'also write every timestep of every recurrent node')
    .action((file: string, opts: { input?: string; sample?: string; output?: string; trace?: string }) => {
      const { doc, program: p } = load(file);
      const feeds = opts.input ? readFeeds(opts.input) : firstSampleFeeds(file, doc, p, opts.sample);
      const r = execute(p, feeds, { trace: !!opts.trace });
      const json = tensorsToJSON(r.outputs);
      if (opts.output) writeText(opts.output, json + '\n');
      else process.stdout.write(json + '\n');
      if (opts.trace) writeText(opts.trace, JSON.stringify(traceToJSON(r.trace!)) + '\n');
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

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof CliError || e instanceof RunError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
