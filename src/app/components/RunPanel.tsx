// The run tab: one field per model input (text for token inputs, numbers for float ones), the
// graph's samples to pick from, Run, and the outputs. The run happens in a Web Worker.
import { observer } from 'mobx-react-lite';
import type { RunFailure } from '../run-job';
import type { AppState } from '../store/app-state';
import { runInputFields, type RunInputField } from '../store/run-inputs';
import { nodeParams } from '../store/doc-ops';
import { splitText } from '../../runtime/tokenize';
import { OutputView } from './RunResults';
import { OnnxCheck } from './OnnxCheck';
import { cx, useApp } from './ui';
import { count } from '../plural';

/**
 * The last run's failure, while it still holds: a "does not compile" failure lists the graph's
 * errors as they are now, and goes away once they are fixed (the next run would compile).
 */
export function currentFailure(app: AppState): RunFailure | null {
  const f = app.run.status === 'failed' ? app.run.failure : null;
  if (!f || f.stage !== 'compile') return f;
  const errors = app.graph.analysis.all.filter((d) => d.severity === 'error');
  if (!errors.length) return null;
  const n = errors.length;
  return { ...f, message: `the graph has ${count(n, 'error')}; fix ${n === 1 ? 'it' : 'them'} to run`, diagnostics: errors };
}

const Failure = observer(function Failure() {
  const app = useApp();
  const { graph } = app;
  const f = currentFailure(app);
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

/** The symbols of a typed text that the Input's vocabulary lacks, each once, in order. */
export function unknownSymbols(params: Record<string, unknown>, text: string): string[] {
  const vocab = new Set((params.vocab as string[] | undefined) ?? []);
  const info = { tokenizer: params.tokenizer === 'words' ? ('words' as const) : ('chars' as const), lowercase: params.lowercase === true };
  const out = new Set<string>();
  for (const line of text.split(/\r?\n/)) for (const s of splitText(line, info)) if (!vocab.has(s)) out.add(s);
  return [...out];
}

const show = (s: string) => (s === ' ' ? '␠' : s === '\t' ? '⇥' : s);

/** Under a token input: what the vocabulary lacks, before it silently becomes <unk>. */
const UnknownSymbols = observer(function UnknownSymbols({ field, text }: { field: RunInputField; text: string }) {
  const { graph } = useApp();
  const node = graph.node(field.nodeId);
  if (!node || field.kind !== 'tokens') return null;
  const params = nodeParams(node);
  const unknown = unknownSymbols(params, text);
  if (!unknown.length) return null;
  // unknown symbols become unk_token; with none (empty), the run refuses them
  const unkToken = typeof params.unk_token === 'string' ? params.unk_token : '<unk>';
  const unk = unkToken !== '' && (params.vocab as string[]).includes(unkToken);
  const shown = unknown.slice(0, 24);
  return (
    <p className="sg-field-warn" data-testid={`run-unknown-${field.name}`} data-symbols={unknown.join('')}>
      {count(unknown.length, params.tokenizer === 'words' ? 'word' : 'symbol')} not in {node.name}’s vocabulary{unk ? `, read as ${unkToken}` : ' (no unk_token: the run refuses them)'}:{' '}
      {shown.map((s, i) => (
        <code key={i}>{show(s)}</code>
      ))}
      {unknown.length > shown.length && ' …'}
    </p>
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
          <UnknownSymbols field={f} text={run.textFor(doc, f)} />
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
        <span className="sg-muted">{!canRun ? `${count(graph.analysis.errorCount, 'error')} to fix first` : 'Ctrl+Enter'}</span>
      </div>
      <Failure />
      {result && run.status !== 'failed' && (
        <div className={cx('sg-results', stale && 'is-stale')} data-testid="run-results" aria-live="polite">
          <div className="sg-results-meta">
            <span>
              {count(result.outputs.length, 'output')} in {result.ms.toFixed(1)} ms
            </span>
            {result.threads !== undefined && (
              <span className="sg-muted" data-testid="run-threads" title={result.threadsNote ?? 'big recurrent layers and products split their work over this many threads; small ones stay on one'}>
                {' '}· {result.threadsNote
                  ? `1 thread (${/cross-origin isolated/.test(result.threadsNote) ? 'the page is not cross-origin isolated' : 'worker threads are unavailable'})`
                  : result.threads > 1 ? `up to ${result.threads} threads` : '1 thread'}
              </span>
            )}
            {result.trace && <span className="sg-muted"> · trace of {count(result.trace.nodes.length, 'recurrent node')} kept for the inspector</span>}
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
