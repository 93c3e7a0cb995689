// What `seqgraph train` and `seqgraph evaluate` share: the graph file + --data/--map → the data
// spec, the table, the prepared data, the graph as it adopts the data's vocabularies, the
// training settings, and the inference graph a Decoder is scored on.
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { compile } from '../compiler/compile';
import { formatDiagnostic } from '../doc/diagnostics';
import type { GraphDoc } from '../doc/schema';
import { TrainingSchema, type TrainingSettings, type TrainingSettingsInput } from '../doc/training';
import type { Program } from '../ir/program';
import { applyToDoc, BUILTIN_NAMES, DataError, DataSpecSchema, graphChanges, loadSource, type GraphChange, prepareData, suggestSpec, type DataSpec, type DataSpecInput, type PreparedData, type Table } from '../data';
import { withoutDecoderTargets } from '../train/inference-doc';
import { CliError } from './io';

export interface DataOptions {
  data?: string;
  map?: string[];
  maxRows?: number;
}

export function compileOrThrow(file: string, doc: GraphDoc): Program {
  const r = compile(doc);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !r.program) throw new CliError(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`);
  return r.program;
}

/** --data: a built-in name, or a file (relative to the current folder) stored relative to the graph */
function sourceOf(data: string, graphFile: string): DataSpecInput['source'] {
  if ((BUILTIN_NAMES as readonly string[]).includes(data)) return { builtin: data as (typeof BUILTIN_NAMES)[number] };
  const abs = resolve(data);
  return { file: relative(dirname(resolve(graphFile)), abs) || abs };
}

const sameSource = (a: DataSpecInput['source'], b: DataSpecInput['source']) => ('builtin' in a && 'builtin' in b ? a.builtin === b.builtin : 'file' in a && 'file' in b && a.file === b.file);

/** --map name=column: an input's column, or an output's target column */
function applyMaps(spec: DataSpecInput, maps: string[], program: Program): DataSpecInput {
  const inputs = { ...spec.inputs };
  const targets = { ...(spec.targets ?? {}) };
  for (const m of maps) {
    const eq = m.indexOf('=');
    if (eq <= 0 || eq === m.length - 1) throw new CliError(`--map ${m}: write it as <input or output name>=<column>`);
    const [name, column] = [m.slice(0, eq), m.slice(eq + 1)];
    const inp = program.inputs.find((i) => i.name === name);
    if (inp) {
      const prev = inputs[name];
      inputs[name] = prev && typeof prev === 'object' && 'column' in prev ? { ...prev, column } : inp.info.kind === 'tokens' ? column : { columns: column.split(',') };
    } else if (program.outputs.some((o) => o.name === name)) targets[name] = column;
    else throw new CliError(`--map ${m}: the graph has no input or output "${name}" (inputs: ${program.inputs.map((i) => i.name).join(', ')}; outputs: ${program.outputs.map((o) => o.name).join(', ')})`);
  }
  return { ...spec, inputs, targets };
}

/** a loss for each mapped target when the graph has no training section */
function defaultTraining(program: Program, spec: DataSpec): TrainingSettingsInput {
  const losses = Object.keys(spec.targets).map((name) => {
    const o = program.outputs.find((x) => x.name === name)!;
    return o.kind === 'values' ? { loss: 'MSELoss' as const, output: name } : o.kind === 'logprobs' ? { loss: 'NLLLoss' as const, output: name } : { loss: 'CrossEntropyLoss' as const, output: name };
  });
  return { losses, optimizer: { type: 'Adam', lr: 1e-3 }, clip_grad_norm: { max_norm: 5 } };
}

export interface Prepared {
  /** the graph as trained: with the data's vocabularies and labels adopted */
  doc: GraphDoc;
  program: Program;
  inference?: Program;
  table: Table;
  spec: DataSpec;
  data: PreparedData;
  /** what the graph adopted from the data (vocabularies, labels), for the log */
  changes: string[];
}

export async function prepare(file: string, doc: GraphDoc, opts: DataOptions, strictVocab = false): Promise<Prepared> {
  let program = compileOrThrow(file, doc);
  let specIn: DataSpecInput;
  const stored = doc.training?.data;
  if (opts.data) {
    const source = sourceOf(opts.data, file);
    specIn = stored && sameSource(stored.source, source) ? stored : undefined!;
    if (!specIn) {
      const table = await loadTable(file, source);
      specIn = suggestSpec(program, table, source);
    }
  } else if (stored) specIn = stored;
  else throw new CliError(`${file}: the graph names no data set (training.data): pass --data <${BUILTIN_NAMES.join(' | ')} | file.csv>`);
  if (opts.map?.length) specIn = applyMaps(specIn, opts.map, program);
  if (opts.maxRows) specIn = { ...specIn, max_rows: opts.maxRows };
  const parsed = DataSpecSchema.safeParse(specIn);
  if (!parsed.success) throw new CliError(`${file}: the data mapping: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const spec = parsed.data;
  const table = await loadTable(file, spec.source);
  let data = prepareWith(file, program, table, spec);
  const changes = graphChanges(program, data);
  if (changes.length) {
    if (strictVocab) throw new CliError(`${file}: the graph's vocabularies or labels differ from what the data gives (${changes.map((c) => describe(c)).join('; ')}): evaluate the graph that was trained on this data`);
    doc = applyToDoc(doc, changes);
    program = compileOrThrow(file, doc);
    data = prepareWith(file, program, table, spec);
  }
  const infDoc = withoutDecoderTargets(doc);
  const inference = infDoc === doc ? undefined : compileOrThrow(file, infDoc);
  return { doc, program, inference, table, spec, data, changes: changes.map(describe) };
}

const describe = (c: GraphChange) => c.reason;

function prepareWith(file: string, program: Program, table: Table, spec: DataSpec): PreparedData {
  try {
    return prepareData(program, table, spec);
  } catch (e) {
    if (e instanceof DataError) throw new CliError(`${file}: the data does not fit the graph:\n${e.problems.map((p) => `  training.data.${p.path}: ${p.message}`).join('\n')}`);
    throw e;
  }
}

async function loadTable(graphFile: string, source: DataSpecInput['source']): Promise<Table> {
  try {
    return await loadSource(source as DataSpec['source'], (f) => readFile(isAbsolute(f) ? f : resolve(dirname(resolve(graphFile)), f), 'utf8'));
  } catch (e) {
    throw new CliError(`${'file' in source ? source.file : source.builtin}: ${(e as Error).message}`);
  }
}

export interface SettingOverrides {
  epochs?: number;
  seed?: number;
  batchSize?: number;
  lr?: number;
}

export function settingsFor(file: string, doc: GraphDoc, program: Program, spec: DataSpec, o: SettingOverrides): TrainingSettings {
  const base: TrainingSettingsInput = doc.training ? { ...doc.training } : defaultTraining(program, spec);
  const raw: TrainingSettingsInput = {
    ...base,
    data: spec,
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.batchSize !== undefined ? { batch_size: o.batchSize } : {}),
    ...(o.lr !== undefined ? { optimizer: { ...base.optimizer, lr: o.lr } } : {}),
  };
  const r = TrainingSchema.safeParse(raw);
  if (!r.success) throw new CliError(`${file}: training: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
