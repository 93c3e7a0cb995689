// The Train tab: data set and mapping, settings, Start / Pause / Resume / Stop with a progress
// bar, live curves, and the results on the test split. Training runs in a Web Worker
// (../train-worker.ts) so the canvas stays responsive; checkpoints go to IndexedDB.
import { observer } from 'mobx-react-lite';
import { useEffect, useState } from 'react';
import { useWidth } from '../inspector/use-width';
import { clearCheckpoints, loadCheckpoint, type StoredCheckpoint } from '../store/checkpoint-db';
import { interruptedRun, markProgress } from '../store/train-progress';
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

export function startTraining(app: AppState, resume?: StoredCheckpoint): void {
  const doc = resume?.doc ?? app.graph.doc;
  const key = doc.name || 'untitled';
  void clearCheckpoints(key).then(() => undefined);
  if (resume) app.train.setSource(resume.source, resume.sourceLabel);
  app.train.begin(doc, key, (m) => {
    markProgress(key, m.step, true);
    app.adoptTrained(m);
  }, resume);
}

const Progress = observer(function Progress() {
  const { train } = useApp();
  const p = train.progress;
  useEffect(() => {
    if (p && train.runDoc) markProgress(train.runDoc.name || 'untitled', p.step, false);
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

/** After a reload mid-training: what was lost and the offer to continue from the checkpoint. */
function Interrupted({ app }: { app: AppState }) {
  const [ck, setCk] = useState<{ c: StoredCheckpoint; reached: number } | null>(null);
  const name = app.graph.doc.name || 'untitled';
  useEffect(() => {
    const run = interruptedRun(name);
    if (!run || app.train.running) return;
    void loadCheckpoint(name, 'last').then((c) => c && setCk({ c, reached: Math.max(run.step, c.step) }));
  }, [name, app]);
  if (!ck || app.train.running) return null;
  const lost = ck.reached - ck.c.step;
  return (
    <div className="sg-train-interrupted" role="alert" data-testid="train-interrupted">
      <p>
        Training of “{name}” on {ck.c.sourceLabel} was interrupted at step {ck.reached}. The last checkpoint is at step {ck.c.step} (epoch {ck.c.epoch + 1}): continuing from it loses{' '}
        <b data-testid="train-lost-steps">{lost}</b> step{lost === 1 ? '' : 's'}.
      </p>
      <button
        type="button"
        className="sg-button is-primary"
        data-testid="train-continue"
        onClick={() => {
          setCk(null);
          startTraining(app, ck.c);
        }}
      >
        Continue from step {ck.c.step}
      </button>{' '}
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
