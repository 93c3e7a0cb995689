// `seqgraph export graph.json --format pytorch -o outdir/ [--weights-format pt] [--data <set|file>]`:
// the PyTorch package (src/pytorch) written into a folder. With --data (or a graph whose training
// section names its data), the data layer reads and prepares the data set and the examples go
// along for train.py. Every file is made before anything is written, so a refused export leaves
// the folder as it was.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compile } from '../compiler/compile';
import { BUILTIN_NAMES, graphChanges, loadSource, parseDataSpec, prepareData, suggestSpec, type DataSource } from '../data/index';
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import { exportPyTorch } from '../pytorch/index';
import { CliError } from './io';

export interface PyTorchCliOptions {
  output: string;
  weightsFormat?: string;
  data?: string;
}


async function prepare(file: string, doc: GraphDoc, program: Program, data: string | undefined) {
  const own = doc.training?.data; // the graph file's own mapping
  if (!data && own === undefined) return undefined;
  const base = path.dirname(path.resolve(file));
  const source: DataSource | undefined = data === undefined ? undefined : (BUILTIN_NAMES as readonly string[]).includes(data) ? { builtin: data as (typeof BUILTIN_NAMES)[number] } : { file: path.resolve(data), header: true, series: false };
  let spec;
  if (own !== undefined) {
    const r = parseDataSpec(source ? { ...(own as object), source } : own);
    if (!r.ok) throw new CliError(`${file}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    spec = r.spec;
  }
  const readFile = async (f: string) => readFileSync(path.resolve(base, f), 'utf8');
  const table = await loadSource((spec?.source ?? source)!, readFile);
  spec ??= suggestSpec(program, table, source!);
  const prepared = prepareData(program, table, spec);
  const changes = graphChanges(program, prepared);
  if (changes.length) {
    throw new CliError(`${file}: the data needs the graph to change before its examples can be exported: ${changes.map((c) => c.reason).join('; ')} — make the changes (train once in seqgraph, or edit the graph) and export again`);
  }
  return prepared;
}

export async function exportPyTorchCli(file: string, doc: GraphDoc, opts: PyTorchCliOptions): Promise<void> {
  if (opts.weightsFormat && opts.weightsFormat !== 'safetensors' && opts.weightsFormat !== 'pt') throw new CliError(`--weights-format takes safetensors or pt, not "${opts.weightsFormat}"`);
  const program = compile(doc).program!;
  let data;
  try {
    data = await prepare(file, doc, program, opts.data);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: the data: ${(e as Error).message}`);
  }
  let files;
  try {
    files = exportPyTorch(doc, { weights: opts.weightsFormat === 'pt' ? 'pt' : 'safetensors', data }).files;
  } catch (e) {
    throw new CliError(`${file}: cannot export to PyTorch: ${(e as Error).message}`);
  }
  for (const f of files) {
    const to = path.join(opts.output, f.path);
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, f.data);
  }
  process.stderr.write(`${opts.output}: ${files.map((f) => f.path).join(', ')}\n`);
  if (!doc.training) process.stderr.write(`${opts.output}: no train.py: the graph has no training section\n`);
}
