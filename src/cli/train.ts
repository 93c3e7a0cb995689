// seqgraph train | evaluate: the training session (src/train/session.ts) from a terminal.
// Progress goes to stderr (a bar on a terminal, plain lines otherwise); --json writes every
// event as a JSON line on stdout; --log appends them to a file. Ctrl-C stops between two steps,
// saves a checkpoint and says how to resume (exit code 130); a second Ctrl-C stops at once.
// The trained weights, the training section (settings + data mapping) and a `trained` record
// (command, seed, test metric) go into the output graph file; the schema version stays 2.
import type { Command } from 'commander';
import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import type { GraphDoc } from '../doc/schema';
import type { Trained } from '../doc/trained';
import { createSession, type EpochReport, type SessionCheckpoint, type StepReport, type TrainingSession } from '../train/session';
import type { EvaluationReport, Metrics } from '../train/session-metrics';
import type { TrainingSettings } from '../doc/training';
import { CliError, readGraph, readText } from './io';
import { prepare, settingsFor, type DataOptions } from './train-setup';

interface TrainOpts extends DataOptions {
  epochs?: number;
  seed?: number;
  batchSize?: number;
  lr?: number;
  out?: string;
  resume?: string;
  checkpoint?: string;
  log?: string;
  json?: boolean;
  progress?: boolean;
  maxMinutes?: number;
  evalRows?: number;
}

const CHECKPOINT_FORMAT = 'seqgraph-train-checkpoint';

interface CheckpointFile {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  graph: string;
  settings: TrainingSettings;
  session: SessionCheckpoint;
}

export const intArg = (what: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${what} must be a whole number ≥ ${min} (got "${v}")`);
  return n;
};
const numArg = (what: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new CliError(`${what} must be a number > 0 (got "${v}")`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function readGraphOrThrow(file: string): GraphDoc {
  const g = readGraph(file);
  if ('problems' in g) throw new CliError(`${file}: ${g.problems.length} problem${g.problems.length === 1 ? '' : 's'}:\n${g.problems.map((p) => `  ${p.path ?? ''} ${p.message}`).join('\n')}`);
  return g.doc;
}

/** write beside, then rename: an interrupted write never leaves half a file */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    throw new CliError(`${file}: cannot write: ${(e as Error).message}`);
  }
}

export function metricText(m: Metrics): string {
  const v = m.metric.value;
  const shown = m.metric.name === 'accuracy' || m.metric.name === 'per' ? `${(100 * v).toFixed(2)}%` : v.toPrecision(5);
  const extra = Object.entries(m.extra ?? {})
    .filter(([k]) => !k.startsWith('f1_'))
    .map(([k, x]) => `${k} ${k === 'wer' || k === 'accuracy' || k === 'improvement' ? `${(100 * x).toFixed(2)}%` : x.toPrecision(5)}`);
  return `${m.metric.name} ${shown}${extra.length ? `, ${extra.join(', ')}` : ''} (loss ${m.loss.toFixed(4)})`;
}

const clock = (s: number) => (!Number.isFinite(s) ? '?' : s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`);

function progressLine(e: StepReport, epochs: number, width: number): string {
  const frac = e.step / e.stepsPerEpoch;
  const barW = Math.max(10, Math.min(30, width - 80));
  const fill = Math.round(frac * barW);
  return `epoch ${e.epoch + 1}/${epochs} [${'#'.repeat(fill)}${'-'.repeat(barW - fill)}] ${e.step}/${e.stepsPerEpoch} loss ${e.loss.toFixed(4)} lr ${e.lr.toPrecision(3)} ${e.stepsPerSecond.toFixed(1)} steps/s ETA ${clock(e.etaSeconds)}`;
}

function printReport(r: EvaluationReport, split: string, write: (s: string) => void, examples: number): void {
  write(`${split}: ${metricText(r.metrics)} over ${r.rows} rows\n`);
  if (r.confusion) {
    const { labels, counts } = r.confusion;
    const w = Math.max(8, ...labels.map((l) => l.length + 1));
    write(`confusion (rows: target, columns: prediction)\n${''.padStart(w)}${labels.map((l) => l.padStart(w)).join('')}\n`);
    counts.forEach((row, i) => write(`${labels[i].padStart(w)}${row.map((c) => String(c).padStart(w)).join('')}\n`));
  }
  const shown = r.examples.slice(0, examples);
  if (shown.length) {
    write(`${shown.some((e) => !e.correct) ? 'worst examples' : 'examples'}:\n`);
    for (const e of shown) write(`  ${e.correct ? 'ok ' : 'ERR'} ${JSON.stringify(e.input)} → ${JSON.stringify(e.prediction)}${e.correct ? '' : ` (target ${JSON.stringify(e.target)})`}\n`);
  }
}

async function train(file: string, o: TrainOpts, argv: string[]): Promise<number> {
  const started = Date.now();
  const doc0 = readGraphOrThrow(file);
  let resume: CheckpointFile | undefined;
  if (o.resume) {
    try {
      resume = JSON.parse(readText(o.resume)) as CheckpointFile;
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`${o.resume}: not valid JSON: ${(e as Error).message}`);
    }
    if (resume?.format !== CHECKPOINT_FORMAT || resume.version !== 1) throw new CliError(`${o.resume}: not a seqgraph training checkpoint (written by seqgraph train on Ctrl-C or --checkpoint)`);
  }
  // a resumed run trains on the data and settings it started with
  const docIn: GraphDoc = resume ? { ...doc0, training: resume.settings } : doc0;
  const p = await prepare(file, docIn, resume ? {} : o);
  const settings = resume ? settingsFor(file, docIn, p.program, p.spec, { epochs: o.epochs }) : settingsFor(file, p.doc, p.program, p.spec, o);
  const out = o.out ?? file;
  const ckptFile = o.checkpoint ?? o.resume ?? `${out.replace(/\.json$/i, '')}.checkpoint.json`;
  const tty = o.progress !== false && !!process.stderr.isTTY;
  const say = (s: string) => process.stderr.write(s);
  const event = (x: unknown) => {
    const line = JSON.stringify(x) + '\n';
    if (o.json) process.stdout.write(line);
    if (o.log) appendFileSync(o.log, line);
  };
  if (o.log && !resume && existsSync(o.log)) writeFileSync(o.log, '');

  const rows = (s: 'train' | 'validation' | 'test') => p.data.splits[s].length;
  const dataName = 'builtin' in p.spec.source ? p.spec.source.builtin : p.spec.source.file;
  say(`${file}: training on ${dataName} — ${rows('train')} train / ${rows('validation')} validation / ${rows('test')} test rows${p.data.report.total > p.data.report.kept ? `, ${p.data.report.total - p.data.report.kept} rows left out (${Object.entries(p.data.report.dropped).map(([k, v]) => `${v!.count} ${k}`).join(', ')})` : ''}\n`);
  for (const c of p.changes) say(`  the graph adopts ${c}\n`);
  let session: TrainingSession;
  try {
    session = createSession({ program: p.program, settings, data: p.data, inference: p.inference, resume: resume?.session, epochEval: { validation: o.evalRows } });
  } catch (e) {
    throw new CliError(`${o.resume ?? file}: ${(e as Error).message}`);
  }
  say(`  task: ${session.task.kind} (${session.task.output}); ${settings.optimizer.type} lr ${settings.optimizer.lr}, batch ${settings.batch_size}, ${settings.epochs} epochs, seed ${settings.seed}${resume ? `; resumed at epoch ${resume.session.epoch + 1}, batch ${resume.session.batch}` : ''}\n`);
  event({ kind: 'start', graph: file, data: dataName, rows: { train: rows('train'), validation: rows('validation'), test: rows('test') }, task: session.task, settings: { ...settings, data: undefined } });

  const saveCheckpoint = () => {
    const ck: CheckpointFile = { format: CHECKPOINT_FORMAT, version: 1, graph: file, settings, session: session.checkpoint() };
    writeAtomic(ckptFile, JSON.stringify(ck));
  };
  let stop = false;
  const onSigint = () => {
    stop = true;
    process.removeListener('SIGINT', onSigint); // a second Ctrl-C ends at once
  };
  process.on('SIGINT', onSigint);
  let lastPlain = 0;
  try {
    for (;;) {
      if (stop) {
        saveCheckpoint();
        if (tty) say('\n');
        const cmd = `seqgraph train ${file} --resume ${ckptFile}${o.out ? ` --out ${o.out}` : ''}`;
        say(`interrupted: checkpoint saved to ${ckptFile}; continue with: ${cmd}\n`);
        event({ kind: 'interrupted', checkpoint: ckptFile });
        return 130;
      }
      if (o.maxMinutes !== undefined && Date.now() - started > o.maxMinutes * 60_000) {
        // out of time: save a checkpoint to continue from, then test and write what we have
        saveCheckpoint();
        if (tty) say('\n');
        say(`--max-minutes ${o.maxMinutes} reached at epoch ${session.checkpoint().epoch + 1}, batch ${session.checkpoint().batch}: checkpoint saved to ${ckptFile}; testing the weights as they are\n`);
        event({ kind: 'time_limit', checkpoint: ckptFile });
        break;
      }
      const e = session.next();
      if (e.kind === 'done') break;
      if (e.kind === 'step') {
        if (o.log || o.json) event({ kind: 'step', epoch: e.epoch, step: e.step, stepsPerEpoch: e.stepsPerEpoch, totalSteps: e.totalSteps, loss: e.loss, gradNorm: e.gradNorm, clippedNorm: e.clippedNorm, lr: e.lr, stepsPerSecond: e.stepsPerSecond, etaSeconds: e.etaSeconds });
        if (tty) say(`\r${progressLine(e, settings.epochs, process.stderr.columns ?? 100)}\x1b[K`);
        else if (!o.json && (Date.now() - lastPlain > 10_000 || e.step === 1)) {
          lastPlain = Date.now();
          say(`${progressLine(e, settings.epochs, 0)}\n`);
        }
      } else {
        const ep = e as EpochReport;
        if (tty) say('\n');
        event(ep);
        say(`epoch ${ep.epoch + 1}/${settings.epochs}: train loss ${ep.train.loss.toFixed(4)}, ${ep.train.metric.name} ${ep.train.metric.value.toFixed(4)}; validation ${metricText(ep.validation)}${ep.best ? ' (best)' : ''}\n`);
        if (o.checkpoint) saveCheckpoint();
      }
      // let Ctrl-C (and a worker's messages) in between steps
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const test = p.data.splits.test.length ? session.evaluate('test', { examples: 10, rows: o.evalRows }) : undefined;
  if (test) printReport(test, 'test', say, 10);
  event({ kind: 'test', metrics: test?.metrics, rows: test?.rows });
  const best = session.history.reduce<EpochReport | undefined>((b, h) => (!b || (h.validation.metric.higherIsBetter ? h.validation.metric.value > b.validation.metric.value : h.validation.metric.value < b.validation.metric.value) ? h : b), undefined);
  const trained: Trained = {
    command: ['seqgraph', ...argv].join(' '),
    seed: settings.seed,
    epochs: session.history.length,
    steps: session.trainer.stepCount,
    data: dataName,
    finished: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000) + (doc0.trained && resume ? doc0.trained.seconds ?? 0 : 0),
    ...(test ? { test: { metric: test.metrics.metric.name, value: test.metrics.metric.value, loss: test.metrics.loss, rows: test.rows, extra: test.metrics.extra } } : {}),
    ...(best ? { best_validation: { metric: best.validation.metric.name, value: best.validation.metric.value, epoch: best.epoch } } : {}),
  };
  const saved: GraphDoc = { ...p.doc, weights: session.trainer.weights(), training: settings, trained };
  writeAtomic(out, JSON.stringify(saved, null, 2) + '\n');
  say(`${out}: written (weights, training settings, test metric)\n`);
  return 0;
}

async function evaluate(file: string, o: DataOptions & { split: 'train' | 'validation' | 'test'; rows?: number; examples: number; json?: boolean }): Promise<number> {
  const doc = readGraphOrThrow(file);
  if (!doc.weights) process.stderr.write(`${file}: warning: the graph holds no trained weights; scoring its initial ones\n`);
  const p = await prepare(file, doc, o, true);
  const settings = settingsFor(file, p.doc, p.program, p.spec, {});
  const s = createSession({ program: p.program, settings, data: p.data, inference: p.inference });
  const r = s.evaluate(o.split, { rows: o.rows, examples: o.examples });
  if (o.json) process.stdout.write(JSON.stringify({ split: o.split, rows: r.rows, metrics: r.metrics, confusion: r.confusion, examples: r.examples }) + '\n');
  else printReport(r, o.split, (t) => process.stdout.write(t), o.examples);
  return 0;
}

export function registerTrainCommands(program: Command, argv: string[], setExit: (code: number) => void): void {
  program
    .command('generate <graph>')
    .description('draw samples from a trained language model (e.g. graphs/name-generator.json), one per line')
    .option('-n, --count <n>', 'how many', intArg('--count', 1), 10)
    .option('--seed <n>', 'the same seed gives the same samples', intArg('--seed', 0), 1)
    .option('-t, --temperature <x>', 'below 1: safer choices; above 1: more varied', numArg('--temperature'), 1)
    .option('--prefix <text>', 'start every sample with this', '')
    .action(async (file: string, o: { count: number; seed: number; temperature: number; prefix: string }) => {
      const { compileOrThrow } = await import('./train-setup');
      const { sampleLanguageModel } = await import('../train/lm-sample');
      const doc = readGraphOrThrow(file);
      let out: string[];
      try {
        out = sampleLanguageModel(compileOrThrow(file, doc), { count: o.count, seed: o.seed, temperature: o.temperature, prefix: o.prefix });
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`${file}: ${(e as Error).message}`);
      }
      process.stdout.write(out.join('\n') + '\n');
    });

  const dataOpts = (c: Command) =>
    c
      .option('-d, --data <name|file>', 'a built-in data set (cmudict-g2p, cmudict-stress, names-gender, names, spam-assassin, co2-concentration, seattle-weather) or a CSV/TSV/JSONL/text file; default: the graph\'s training.data')
      .option('-m, --map <name=column>', 'feed an input from a column, or score an output against one (repeatable)', collect, [])
      .option('--max-rows <n>', 'read at most this many rows', intArg('--max-rows', 1));
  dataOpts(
    program
      .command('train <graph>')
      .description('train the graph on a data set; write the weights, settings and test metric into the graph file'),
  )
    .option('-e, --epochs <n>', 'epochs (default: the graph\'s training.epochs, else 10)', intArg('--epochs', 1))
    .option('--seed <n>', 'seed for shuffling, dropout and sampling', intArg('--seed', 0))
    .option('--batch-size <n>', 'rows per batch', intArg('--batch-size', 1))
    .option('--lr <x>', 'learning rate', numArg('--lr'))
    .option('-o, --out <trained.json>', 'write the trained graph here (default: over the graph file)')
    .option('--resume <checkpoint.json>', 'continue a run from its checkpoint, exactly where it stopped')
    .option('--checkpoint <file>', 'save a checkpoint after every epoch (and on Ctrl-C) here')
    .option('--log <metrics.jsonl>', 'write every step and epoch as JSON lines to a file')
    .option('--json', 'write every step and epoch as JSON lines on stdout')
    .option('--no-progress', 'plain progress lines even on a terminal')
    .option('--max-minutes <m>', 'stop after this long (a checkpoint is saved), then test and write the graph', numArg('--max-minutes'))
    .option('--eval-rows <n>', 'score at most this many validation rows per epoch and test rows at the end (evenly spaced; evaluate --rows takes the same)', intArg('--eval-rows', 1))
    .action(async (file: string, o: TrainOpts) => setExit(await train(file, o, argv)));
  dataOpts(program.command('evaluate <graph>').description('score the graph\'s weights on a split of its data set: the task metric, a confusion matrix, the worst examples'))
    .option('-s, --split <split>', 'train, validation or test', 'test')
    .option('--rows <n>', 'score at most this many rows (evenly spaced)', intArg('--rows', 1))
    .option('--examples <n>', 'list this many examples, worst first', intArg('--examples', 0), 10)
    .option('--json', 'print the report as JSON')
    .action(async (file: string, o: DataOptions & { split: string; rows?: number; examples: number; json?: boolean }) => {
      if (!['train', 'validation', 'test'].includes(o.split)) throw new CliError(`--split must be train, validation or test (got "${o.split}")`);
      setExit(await evaluate(file, o as Parameters<typeof evaluate>[1]));
    });
}

