// The Train tab: data set and mapping, settings, Start / Pause / Resume / Stop with a progress
// bar, live curves, and the results on the test split. Training runs in a Web Worker
// (../train-worker.ts) so the canvas stays responsive; checkpoints go to IndexedDB.
import { observer } from 'mobx-react-lite';
import { useEffect, useRef, useState } from 'react';
import { useWidth } from '../inspector/use-width';
import { loadCheckpoint, loadFile, sha256Hex, type StoredCheckpoint, type StoredFileSource } from '../store/checkpoint-db';
import type { TrainSource } from '../train-protocol';
import { interruptedRun, markProgress, markRunning } from '../store/train-progress';
import { TrainCharts } from './TrainCharts';
import { TrainData } from './TrainData';
import { TrainResults } from './TrainResults';
import { TrainSettings } from './TrainSettings';
import type { AppState } from '../store/app-state';
import { useApp } from './ui';

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** Starts a run, or continues one from a checkpoint with its data (`source`: the file's text, for a file). */
export function startTraining(app: AppState, resume?: { ck: StoredCheckpoint; source: TrainSource }): void {
  const doc = resume?.ck.doc ?? app.graph.doc;
  const key = doc.name || 'untitled';
  // the worker clears this graph's old checkpoints before it keeps the new run's
  if (resume) app.train.setSource(resume.source, resume.ck.sourceLabel);
  app.train.begin(doc, key, (m) => {
    markProgress(key, m.step, true);
    app.adoptTrained(m);
  }, resume?.ck);
}

const Progress = observer(function Progress() {
  const { train } = useApp();
  const p = train.progress;
  useEffect(() => {
    if (p && train.runDoc) markRunning(train.runDoc.name || 'untitled', p.step);
  }, [p, train.runDoc]);
  if (!p && train.status !== 'starting') return null;
  const frac = p ? Math.min(1, p.step / Math.max(1, p.totalSteps)) : 0;
  const status = train.status === 'paused' ? 'paused' : train.status === 'starting' ? 'preparing the data…' : train.status === 'stopped' ? 'stopped' : train.status === 'done' ? 'done' : 'training';
  return (
    <div className="sg-train-progress" data-testid="train-progress" aria-live="polite">
      <div className="sg-train-bar" role="progressbar" aria-valuemin={0} aria-valuemax={p?.totalSteps ?? 1} aria-valuenow={p?.step ?? 0}>
        <div style={{ width: `${(frac * 100).toFixed(1)}%` }} />
      </div>
      {p && (
        <div className="sg-train-progress-text">
          <span>
            {status} · epoch <b data-testid="train-epoch">{p.epoch + 1}</b> of {p.epochs} · step <b data-testid="train-step">{p.step}</b> of {p.totalSteps}
            {p.epochs > 1 && <span className="sg-muted"> ({p.stepInEpoch} of {p.stepsPerEpoch} in this epoch)</span>} · {p.stepsPerSecond.toFixed(1)} steps/s
            {train.status === 'running' && <> · {fmtTime(p.etaSeconds)} left</>}
          </span>
          <span className="sg-muted">
            loss <b data-testid="train-loss">{p.loss.toFixed(4)}</b>
            {train.lastCheckpointStep !== null && <> · checkpoint at step {train.lastCheckpointStep}</>}
            {train.checkpointError && (
              <span className="sg-train-warn" data-testid="train-checkpoint-error">
                {' '}
                · checkpoints are not kept ({train.checkpointError}): a reload loses this run
              </span>
            )}
          </span>
        </div>
      )}
    </div>
  );
});

const Controls = observer(function Controls() {
  const app = useApp();
  const { train, graph } = app;
  const doc = graph.doc;
  const ready = !!train.source && !!doc.training?.data && (doc.training?.losses.length ?? 0) > 0 && !train.error;
  const errors = graph.analysis.errorCount;
  const why = !train.source ? 'pick a data set first' : errors ? `${errors} error${errors === 1 ? '' : 's'} in the graph to fix first` : !ready ? 'the data must fit the graph first' : '';
  return (
    <div className="sg-train-controls">
      {!train.running && (
        <button type="button" className="sg-button is-primary" disabled={!ready || errors > 0} onClick={() => startTraining(app)} data-testid="train-start" title={why}>
          {train.status === 'done' || train.status === 'stopped' ? 'Train again' : 'Start'}
        </button>
      )}
      {train.status === 'running' && (
        <button type="button" className="sg-button" onClick={() => train.pause()} data-testid="train-pause">
          Pause
        </button>
      )}
      {train.status === 'paused' && (
        <button type="button" className="sg-button is-primary" onClick={() => train.resume()} data-testid="train-resume">
          Resume
        </button>
      )}
      {train.running && (
        <button type="button" className="sg-button" onClick={() => train.stop()} data-testid="train-stop" title="end here: the test split is evaluated and the weights so far go into the graph">
          Stop
        </button>
      )}
      {why && !train.running && <span className="sg-muted">{why}</span>}
      {(train.status === 'done' || train.status === 'stopped') && (train.runDoc?.training?.epochs ?? 0) > 0 && <span className="sg-muted">Weights are in the graph: try them in the Run tab.</span>}
    </div>
  );
});

const TrainError = observer(function TrainError() {
  const { train } = useApp();
  if (!train.error || train.error.stage !== 'train') return null;
  return (
    <div className="sg-run-error" role="alert" data-testid="train-error">
      <strong>Training stopped</strong>
      <p className="sg-train-pre">{train.error.message}</p>
    </div>
  );
});

const size = (bytes: number) => (bytes < 1048576 ? `${Math.max(1, Math.round(bytes / 1024))} kB` : `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MB`);

type Found = { c: StoredCheckpoint; reached: number; source: TrainSource | null; missing?: StoredFileSource };

/** The data a checkpoint trained on: a built-in's name, or the file kept with it (null: pick it again). */
async function checkpointData(c: StoredCheckpoint): Promise<Pick<Found, 'source' | 'missing'>> {
  const s = c.source;
  if ('builtin' in s) return { source: { builtin: s.builtin } };
  // a checkpoint from before files were kept stored the text itself
  const legacy = s as unknown as { file: string; text?: string };
  if (typeof legacy.text === 'string') return { source: { file: legacy.file, text: legacy.text } };
  const f = s.kept ? await loadFile(c.graph) : undefined;
  if (f && f.sha256 === s.sha256) return { source: { file: f.file, text: f.text } };
  return { source: null, missing: s };
}

/**
 * After a reload mid-training: what was lost and the offer to continue from the checkpoint. A run
 * on a file of the person's own continues with the copy kept in IndexedDB; a file too large to keep
 * is picked again, and must be the same file (its SHA-256 is checked).
 */
function Interrupted({ app }: { app: AppState }) {
  const [ck, setCk] = useState<Found | null>(null);
  const [pickError, setPickError] = useState('');
  const fileRef = useRef<HTMLInputElement>(null);
  const name = app.graph.doc.name || 'untitled';
  useEffect(() => {
    const run = interruptedRun(name);
    if (!run || app.train.running) return;
    let live = true;
    void loadCheckpoint(name, 'last').then(async (c) => {
      if (!c) return;
      const data = await checkpointData(c);
      if (!live) return;
      setCk({ c, reached: Math.max(run.step, c.step), ...data });
      // the data section shows what continuing will train on (the run's file and mapping), not
      // the graph's default set
      if (data.source && 'file' in data.source && !app.train.running) {
        app.train.setSource(data.source, c.sourceLabel);
        app.train.prepare(app.graph.doc, c.doc.training?.data);
      }
    });
    return () => {
      live = false;
    };
  }, [name, app]);
  if (!ck || app.train.running) return null;
  const lost = ck.reached - ck.c.step;
  const go = (source: TrainSource) => {
    setCk(null);
    startTraining(app, { ck: ck.c, source });
  };
  const picked = async (f: File) => {
    const want = ck.missing!;
    const text = await f.text();
    const got = await sha256Hex(text);
    if (got !== want.sha256) {
      setPickError(`“${f.name}” is not the file this run trained on: its content differs (SHA-256 ${got.slice(0, 12)}…, the run's ${want.sha256.slice(0, 12)}…). Pick “${want.file}” as it was.`);
      return;
    }
    setPickError('');
    go({ file: want.file, text });
  };
  const missing = ck.missing;
  return (
    <div className="sg-train-interrupted" role="alert" data-testid="train-interrupted">
      <p>
        Training of “{name}” on {ck.c.sourceLabel} was interrupted at step {ck.reached}. The last checkpoint is at step {ck.c.step} (epoch {ck.c.epoch + 1}): continuing from it loses{' '}
        <b data-testid="train-lost-steps">{lost}</b> step{lost === 1 ? '' : 's'}.
      </p>
      {missing && (
        <p data-testid="train-file-missing">
          {missing.kept
            ? `The copy of “${missing.file}” kept with the checkpoint is gone (the browser's storage was cleared): pick the file again to continue; it must be the same file.`
            : missing.limit !== undefined
              ? `“${missing.file}” (${size(missing.bytes)}) is too large to keep in the browser (over ${size(missing.limit)}): pick it again to continue; it must be the same file.`
              : `“${missing.file}” (${size(missing.bytes)}) could not be kept (the browser's storage had no room): pick it again to continue; it must be the same file.`}
        </p>
      )}
      {pickError && (
        <p className="sg-train-warn" data-testid="train-pick-error">
          {pickError}
        </p>
      )}
      {ck.source ? (
        <button type="button" className="sg-button is-primary" data-testid="train-continue" onClick={() => go(ck.source!)}>
          Continue from step {ck.c.step}
        </button>
      ) : (
        <>
          <button type="button" className="sg-button is-primary" data-testid="train-continue-pick" onClick={() => fileRef.current?.click()}>
            Pick “{missing!.file}” and continue from step {ck.c.step}
          </button>
          <input
            ref={fileRef}
            type="file"
            hidden
            data-testid="train-continue-file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void picked(f);
            }}
          />
        </>
      )}{' '}
      <button
        type="button"
        className="sg-button"
        onClick={() => {
          markProgress(name, ck.reached, true);
          setCk(null);
        }}
      >
        Discard
      </button>
    </div>
  );
}

export const TrainPanel = observer(function TrainPanel() {
  const app = useApp();
  const [ref, width] = useWidth<HTMLDivElement>(320);
  const { train } = app;
  const showCurves = train.status !== 'idle' && train.status !== 'preparing' && train.status !== 'ready';
  return (
    <div className="sg-train" data-testid="train-panel" ref={ref}>
      <header className="sg-panel-head">
        <span className="sg-badge">Train</span>
        <span className="sg-panel-sub">{app.graph.doc.name}</span>
      </header>
      <Interrupted app={app} />
      {showCurves ? (
        <details className="sg-train-fold" data-testid="train-setup-fold">
          <summary>
            Data and settings <span className="sg-muted">· {train.sourceLabel || 'no data set'}</span>
          </summary>
          <TrainData />
          <TrainSettings />
        </details>
      ) : (
        <>
          <TrainData />
          <TrainSettings />
        </>
      )}
      <section className="sg-train-section" aria-label="Run the training">
        <h3 className="sg-train-h">{showCurves ? 'Training' : '3 · Train'}</h3>
        <Controls />
        <Progress />
        <TrainError />
        <TrainResults />
        {showCurves && <TrainCharts width={width - 24} />}
      </section>
    </div>
  );
});
