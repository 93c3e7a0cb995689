// The run tab: one field per model input (text for token inputs, numbers for float ones), the
// graph's samples to pick from, Run, and the outputs. The run happens in a Web Worker.
import { observer } from 'mobx-react-lite';
import { runInputFields } from '../store/run-inputs';
import { OutputView } from './RunResults';
import { OnnxCheck } from './OnnxCheck';
import { cx, useApp } from './ui';

const Failure = observer(function Failure() {
  const { run, graph } = useApp();
  const f = run.failure;
  if (!f) return null;
  const where = f.where?.input ? `input “${f.where.input}”` : f.where?.node ? `node “${graph.node(f.where.node)?.name ?? f.where.node}”` : null;
  const title = f.stage === 'compile' ? 'The graph does not compile' : f.stage === 'input' ? 'The input does not fit' : 'The run failed';
  return (
    <div className="sg-run-error" role="alert" data-testid="run-error">
      <strong>{title}</strong>
      {where && <span className="sg-muted"> at {where}</span>}
      <p>{f.message}</p>
      {f.diagnostics && (
        <ul className="sg-diags">
          {f.diagnostics.map((d, i) => (
            <li key={i} className="sg-diag is-error">
              {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});

export const RunPanel = observer(function RunPanel() {
  const app = useApp();
  const { run, graph } = app;
  const doc = graph.doc;
  const fields = runInputFields(doc);
  const result = run.result;
  const stale = result && run.resultDoc !== doc;
  const canRun = graph.analysis.errorCount === 0;
  return (
    <div className="sg-run" data-testid="run-panel">
      <header className="sg-panel-head">
        <span className="sg-badge">Run</span>
        <span className="sg-panel-sub">{doc.name}</span>
      </header>
      {doc.samples.length > 0 && (
        <div className="sg-field">
          <div className="sg-field-head">
            <label htmlFor="sg-sample" className="sg-field-label">
              sample
            </label>
            <span className="sg-field-meta">{doc.samples.length} in the graph</span>
          </div>
          <select
            id="sg-sample"
            data-testid="sample-select"
            value={run.sampleName ?? ''}
            onChange={(e) => run.useSample(doc.samples.find((s) => s.name === e.target.value) ?? null)}
          >
            <option value="">{run.sampleName === null && run.texts.size ? '(typed input)' : `(first: ${doc.samples[0].name})`}</option>
            {doc.samples.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {fields.map((f) => (
        <div className="sg-field" key={f.name}>
          <div className="sg-field-head">
            <label htmlFor={`sg-run-${f.name}`} className="sg-field-label">
              {f.name}
            </label>
            <span className="sg-field-meta">{f.kind}</span>
          </div>
          <textarea
            id={`sg-run-${f.name}`}
            className="sg-run-input"
            rows={f.kind === 'tokens' ? 2 : 4}
            spellCheck={false}
            value={run.textFor(doc, f)}
            onChange={(e) => run.setText(f.name, e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                app.perform('runGraph');
              }
            }}
            placeholder={f.kind === 'tokens' ? 'type some text…' : '0.1, 0.2, …'}
            data-testid={`run-input-${f.name}`}
            aria-label={`input ${f.name}`}
          />
          <p className="sg-field-help">{f.hint}</p>
        </div>
      ))}
      {!fields.length && <p className="sg-empty">The graph has no Input node.</p>}
      <div className="sg-run-actions">
        <button type="button" className="sg-button is-primary" onClick={() => app.perform('runGraph')} disabled={run.status === 'running' || !fields.length} data-testid="run-button">
          {run.status === 'running' ? 'Running…' : 'Run'}
        </button>
        {run.status === 'running' && (
          <button type="button" className="sg-button" onClick={() => run.cancel()} data-testid="run-cancel">
            Stop
          </button>
        )}
        <span className="sg-muted">{!canRun ? `${graph.analysis.errorCount} error${graph.analysis.errorCount === 1 ? '' : 's'} to fix first` : 'Ctrl+Enter'}</span>
      </div>
      {run.status === 'failed' && <Failure />}
      {result && run.status !== 'failed' && (
        <div className={cx('sg-results', stale && 'is-stale')} data-testid="run-results" aria-live="polite">
          <div className="sg-results-meta">
            <span>
              {result.outputs.length} output{result.outputs.length === 1 ? '' : 's'} in {result.ms.toFixed(1)} ms
            </span>
            {result.trace && <span className="sg-muted"> · trace of {result.trace.nodes.length} recurrent node{result.trace.nodes.length === 1 ? '' : 's'} kept for the inspector</span>}
            {stale && <span className="sg-stale"> · the graph changed since; run again</span>}
          </div>
          {result.outputs.map((o) => (
            <OutputView key={o.name} out={o} result={result} />
          ))}
        </div>
      )}
      <OnnxCheck />
    </div>
  );
});
