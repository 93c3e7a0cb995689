// What the training worker does, with no DOM, so a Node test drives it the same way:
// prepare (load the data set, suggest or check the mapping, preview the first rows as they will
// be tokenised, count the rows dropped and why) and train (drive the shared training session one
// step at a time, yielding between steps so Pause, Resume and Stop act at once).
import { compile } from '../compiler/compile';
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import { DataError, graphChanges, loadBuiltin, parseTable, prepareData, previewRows, suggestSpec, type PreparedData, type Table } from '../data';
import { BUILTIN_NAMES, type BuiltinName, type DataSpecInput } from '../data/spec';
import type { Prepared, TrainRequest, TrainResponse, TrainSource } from './train-protocol';
import { TrainLoop } from './train-loop';
import { gradientJob } from './grad-job';
import { RunKeeper, type CheckpointSink } from './train-keep';

export type Post = (msg: TrainResponse, transfer?: Transferable[]) => void;
/** runs fn soon, after pending messages (a worker: a MessageChannel hop; a test: a microtask) */
export type Yield = (fn: () => void) => void;

/** A user error with where it happened, sent as { type: 'error' } rather than thrown further. */
export class JobError extends Error {
  constructor(
    readonly stage: 'data' | 'compile' | 'train',
    message: string,
  ) {
    super(message);
  }
}

export function compileOrThrow(doc: GraphDoc): Program {
  let r;
  try {
    r = compile(doc);
  } catch (e) {
    throw new JobError('compile', `the compiler failed: ${(e as Error).message}`);
  }
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !r.program) {
    const list = errors.slice(0, 5).map((d) => `• ${d.path ? `${d.path}: ` : ''}${d.message}`).join('\n');
    throw new JobError('compile', `the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} to train:\n${list}`);
  }
  return r.program;
}

const fileTables = new Map<string, Table>();

export async function loadTable(source: TrainSource): Promise<Table> {
  if ('builtin' in source) {
    if (!(BUILTIN_NAMES as readonly string[]).includes(source.builtin)) throw new JobError('data', `no built-in data set "${source.builtin}" (known: ${BUILTIN_NAMES.join(', ')})`);
    return loadBuiltin(source.builtin as BuiltinName);
  }
  const key = `${source.file}\u0000${source.text.length}\u0000${source.text.slice(0, 256)}`;
  let t = fileTables.get(key);
  if (!t) {
    t = parseTable(source.text, { file: source.file });
    fileTables.clear(); // one user file at a time is enough; a big file should not linger
    fileTables.set(key, t);
  }
  return t;
}

export function specSource(source: TrainSource): DataSpecInput['source'] {
  return 'builtin' in source ? { builtin: source.builtin as BuiltinName } : { file: source.file };
}

/** prepareData with the data layer's problems worded as one message per problem */
export function prepareOrThrow(program: Program, table: Table, spec: DataSpecInput): PreparedData {
  try {
    return prepareData(program, table, spec);
  } catch (e) {
    if (e instanceof DataError) throw new JobError('data', e.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    throw new JobError('data', (e as Error).message);
  }
}

export async function prepare(doc: GraphDoc, source: TrainSource, specIn?: DataSpecInput): Promise<Prepared> {
  const program = compileOrThrow(doc);
  const table = await loadTable(source);
  const spec = specIn ?? suggestSpec(program, table, specSource(source));
  const data = prepareOrThrow(program, table, spec);
  return {
    type: 'prepared',
    spec: data.spec,
    columns: table.columns,
    tableName: table.name,
    notes: table.notes ?? [],
    preview: previewRows(data, 8),
    report: data.report,
    splits: { train: data.splits.train.length, validation: data.splits.validation.length, test: data.splits.test.length },
    changes: graphChanges(program, data),
  };
}

/** The worker's state: at most one training loop, fed by messages. */
export class TrainJob {
  private loop: TrainLoop | null = null;

  constructor(
    private readonly post: Post,
    private readonly later: Yield,
    /** where a run's checkpoints go (the worker: IndexedDB); none: they are not kept */
    private readonly sink: CheckpointSink | null = null,
  ) {}

  async handle(req: TrainRequest): Promise<void> {
    try {
      switch (req.type) {
        case 'prepare':
          this.post({ ...(await prepare(req.doc, req.source, req.spec)), ...(req.seq !== undefined ? { seq: req.seq } : {}) });
          return;
        case 'start': {
          this.loop?.stop();
          const program = compileOrThrow(req.doc);
          const table = await loadTable(req.source);
          const keeper = req.keep && this.sink ? new RunKeeper(this.sink, req.keep, req.source) : null;
          this.loop = new TrainLoop(program, table, req, this.post, this.later, keeper);
          this.loop.run();
          return;
        }
        case 'gradients':
          try {
            const r = gradientJob(req.doc, req.inputs, req.targets);
            this.post({ type: 'gradients', id: req.id, ...r });
          } catch (e) {
            this.post({ type: 'gradients-error', id: req.id, message: (e as Error).message });
          }
          return;
        case 'pause':
          this.loop?.pause();
          return;
        case 'resume':
          this.loop?.resume();
          return;
        case 'stop':
          this.loop?.stop();
          return;
        case 'interacting':
          this.loop?.interacting();
          return;
      }
    } catch (e) {
      const err = errorMessage(e);
      this.post(req.type === 'prepare' && req.seq !== undefined && err.type === 'error' ? { ...err, seq: req.seq } : err);
    }
  }
}

export function errorMessage(e: unknown): TrainResponse {
  if (e instanceof JobError) return { type: 'error', stage: e.stage, message: e.message };
  const err = e as Error & { where?: Record<string, unknown> };
  return { type: 'error', stage: 'train', message: err?.message ?? String(e), ...(err?.where ? { where: { ...err.where } } : {}) };
}


