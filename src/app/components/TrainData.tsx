// The Train tab's data part: pick a built-in data set or a file of your own (picker or drop),
// then the mapping: which column feeds each graph input and which is each output's target, the
// first rows as the graph will see them (tokens as fed, <unk> where a symbol is unknown), how
// many rows were dropped and why, and what the graph must adopt (vocabulary, labels).
import { observer } from 'mobx-react-lite';
import { useEffect, useRef, useState } from 'react';
import { BUILTINS } from '../../data/builtin/catalog';
import { PROBLEM_TEXT, type ProblemKind } from '../../data/table';
import type { DataSpec } from '../../data/spec';
import { applyToDoc } from '../../data/graph-changes';
import { fitOutputToLabels, labelMismatches } from '../store/train-settings';
import type { AppState } from '../store/app-state';
import { cx, useApp } from './ui';

const ACCEPT = '.csv,.tsv,.tab,.jsonl,.ndjson,.txt,.text';

export function pickBuiltin(app: AppState, name: string): void {
  const info = BUILTINS.find((b) => b.name === name);
  app.train.setSource({ builtin: name }, info?.title ?? name);
  const spec = app.graph.doc.training?.data;
  const same = spec && 'builtin' in spec.source && spec.source.builtin === name;
  app.train.prepare(app.graph.doc, same ? spec : undefined);
}

export async function pickFile(app: AppState, file: File): Promise<void> {
  if (file.size > 200 * 1024 * 1024) {
    app.ui.toast(`${file.name} is ${(file.size / 1048576).toFixed(0)} MB; the editor reads data files up to 200 MB (the CLI reads any size)`, 'error');
    return;
  }
  const text = await file.text();
  app.train.setSource({ file: file.name, text }, file.name);
  const spec = app.graph.doc.training?.data;
  const same = spec && 'file' in spec.source && spec.source.file === file.name;
  app.train.prepare(app.graph.doc, same ? spec : undefined);
}

/** The mapping with one input's or target's column changed, previewed again. */
function remap(app: AppState, spec: DataSpec, kind: 'input' | 'target', name: string, column: string): void {
  const next = structuredClone(spec) as DataSpec;
  if (kind === 'input') {
    const cur = next.inputs[name];
    if (cur && 'column' in cur) next.inputs[name] = { ...cur, column };
    else if (cur && 'one_hot' in cur) next.inputs[name] = { ...cur, one_hot: column };
    else if (cur && 'columns' in cur) next.inputs[name] = { columns: [column] };
  } else {
    const cur = next.targets[name];
    next.targets[name] = cur && 'column' in cur ? { ...cur, column } : { column, labels: 'data' };
  }
  app.train.prepare(app.graph.doc, next);
}

function columnOf(m: unknown): string | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const o = m as Record<string, unknown>;
  if (typeof o.column === 'string') return o.column;
  if (typeof o.one_hot === 'string') return o.one_hot;
  if (Array.isArray(o.columns)) return o.columns.join(', ');
  if (typeof o.same_as === 'string') return `same as input "${o.same_as}"`;
  if (typeof o.next_of === 'string') return `next token of "${o.next_of}"`;
  if (o.zeros) return 'zeros';
  return undefined;
}

const Mapping = observer(function Mapping() {
  const app = useApp();
  const p = app.train.prepared;
  if (!p) return null;
  const spec = p.spec;
  const row = (kind: 'input' | 'target', name: string, m: unknown) => {
    const col = columnOf(m);
    const editable = col !== undefined && p.columns.includes(col);
    return (
      <tr key={`${kind}:${name}`}>
        <td>
          <span className="sg-train-kind">{kind === 'input' ? 'input' : 'target of'}</span> <b>{name}</b>
        </td>
        <td>
          {editable ? (
            <select value={col} onChange={(e) => remap(app, spec, kind, name, e.target.value)} data-testid={`map-${kind}-${name}`} aria-label={`column for ${kind} ${name}`}>
              {p.columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          ) : (
            <span className="sg-muted">{col ?? '—'}</span>
          )}
        </td>
      </tr>
    );
  };
  const { report } = p;
  const dropped = Object.entries(report.dropped) as [ProblemKind, { count: number; first: { line?: number; row?: number; message: string }[] }][];
  const inputNames = Object.keys(p.preview.find((r) => !r.dropped)?.inputs ?? spec.inputs);
  const targetNames = Object.keys(p.preview.find((r) => !r.dropped)?.targets ?? spec.targets);
  return (
    <div className="sg-train-mapping" data-testid="train-mapping">
      <table className="sg-train-map">
        <tbody>
          {Object.entries(spec.inputs).map(([n, m]) => row('input', n, m))}
          {Object.entries(spec.targets).map(([n, m]) => row('target', n, m))}
        </tbody>
      </table>
      <p className="sg-train-counts" data-testid="train-report">
        {report.total.toLocaleString()} rows read, <b>{report.kept.toLocaleString()}</b> kept → {p.splits.train.toLocaleString()} train · {p.splits.validation.toLocaleString()} validation · {p.splits.test.toLocaleString()} test
      </p>
      {dropped.length > 0 && (
        <ul className="sg-train-dropped" data-testid="train-dropped">
          {dropped.map(([kind, d]) => (
            <li key={kind}>
              <b>{d.count.toLocaleString()}</b> dropped: {PROBLEM_TEXT[kind] ?? kind}
              {d.first[0] && <span className="sg-muted"> — e.g. {d.first[0].line !== undefined ? `line ${d.first[0].line}` : `row ${d.first[0].row}`}: {d.first[0].message}</span>}
            </li>
          ))}
        </ul>
      )}
      {p.notes.length > 0 && <p className="sg-muted sg-train-notes">{p.notes.join(' · ')}</p>}
      <div className="sg-train-preview-head">First rows as the graph will see them</div>
      <table className="sg-train-preview" data-testid="train-preview">
        <thead>
          <tr>
            <th>line</th>
            {inputNames.map((n) => (
              <th key={`i${n}`}>{n}</th>
            ))}
            {targetNames.map((n) => (
              <th key={`t${n}`}>→ {n}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.preview.map((r) => (
            <tr key={r.row} className={cx(r.dropped && 'is-dropped')}>
              <td className="sg-muted">{r.line ?? r.row + 1}</td>
              {r.dropped ? (
                <td colSpan={inputNames.length + targetNames.length}>dropped: {r.dropped.message}</td>
              ) : (
                <>
                  {inputNames.map((n) => (
                    <td key={`i${n}`}>
                      <Tokens values={r.inputs[n]} />
                    </td>
                  ))}
                  {targetNames.map((n) => (
                    <td key={`t${n}`}>
                      <Tokens values={r.targets[n]} />
                    </td>
                  ))}
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {p.changes.length > 0 && (
        <div className="sg-train-changes" data-testid="train-changes">
          <p>To train on this data the graph needs:</p>
          <ul>
            {p.changes.map((c, i) => (
              <li key={i}>{c.reason}</li>
            ))}
          </ul>
          <button
            type="button"
            className="sg-button"
            data-testid="train-apply-changes"
            onClick={() => {
              const doc = applyToDoc(app.graph.doc, p.changes);
              app.graph.commit(doc);
              app.train.prepare(doc, spec);
            }}
          >
            Apply to the graph
          </button>
        </div>
      )}
    </div>
  );
});

function Tokens({ values }: { values: (string | number)[] | undefined }) {
  if (!values) return <span className="sg-muted">—</span>;
  const shown = values.slice(0, 24);
  return (
    <span className="sg-train-tokens">
      {shown.map((v, i) => (
        <span key={i} className={cx('sg-tok', typeof v === 'string' && /^<.*>$/.test(v) && 'is-special')}>
          {typeof v === 'number' ? v.toFixed(3) : v}
        </span>
      ))}
      {values.length > shown.length && <span className="sg-muted"> +{values.length - shown.length}</span>}
    </span>
  );
}

/** A data error, with the one-click fix when an output's classes do not match the data's labels. */
const DataErrorView = observer(function DataErrorView() {
  const app = useApp();
  const err = app.train.error;
  if (!err || err.stage === 'train') return null;
  const fixes = labelMismatches(err.message);
  return (
    <div className="sg-run-error" role="alert" data-testid="train-data-error">
      <strong>{err.stage === 'compile' ? 'The graph does not compile' : 'The data does not fit the graph'}</strong>
      <p className="sg-train-pre">{err.message}</p>
      {fixes.map((f) => (
        <button
          key={f.output}
          type="button"
          className="sg-button"
          data-testid={`train-fit-${f.output}`}
          onClick={() => {
            const r = fitOutputToLabels(app.graph.doc, f.output, f.labels);
            if (!r) {
              app.ui.toast(`no layer with units found before output "${f.output}"; set its size by hand`, 'error');
              return;
            }
            app.graph.commit(r.doc);
            app.ui.toast(r.changed.join('; '), 'success', 4000);
            app.train.prepare(r.doc, app.graph.doc.training?.data);
          }}
        >
          Fit “{f.output}” to {f.labels.length} classes ({f.labels.join(', ')})
        </button>
      ))}
    </div>
  );
});

export const TrainData = observer(function TrainData() {
  const app = useApp();
  const { train } = app;
  const fileRef = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  // a graph whose training section names a built-in set: that set, previewed, without a click
  const saved = app.graph.doc.training?.data?.source;
  const savedBuiltin = saved && 'builtin' in saved ? saved.builtin : null;
  useEffect(() => {
    if (savedBuiltin && !train.source && !train.running) pickBuiltin(app, savedBuiltin);
  }, [savedBuiltin, train, app]);
  const savedFile = saved && 'file' in saved && !train.source ? saved.file : null;
  const builtin = train.source && 'builtin' in train.source ? train.source.builtin : '';
  const info = BUILTINS.find((b) => b.name === builtin);
  return (
    <section
      className={cx('sg-train-section', over && 'is-drop')}
      aria-label="Data set"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          e.stopPropagation();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        const f = e.dataTransfer.files[0];
        setOver(false);
        if (!f) return;
        e.preventDefault();
        e.stopPropagation();
        void pickFile(app, f);
      }}
      data-testid="train-data"
    >
      <h3 className="sg-train-h">1 · Data</h3>
      <div className="sg-train-row">
        <select value={builtin} onChange={(e) => e.target.value && pickBuiltin(app, e.target.value)} disabled={train.running} data-testid="train-dataset" aria-label="built-in data set">
          <option value="">{train.source && 'file' in train.source ? `file: ${train.sourceLabel}` : 'Pick a data set…'}</option>
          {BUILTINS.map((b) => (
            <option key={b.name} value={b.name}>
              {b.title} ({b.task})
            </option>
          ))}
        </select>
        <button type="button" className="sg-button" onClick={() => fileRef.current?.click()} disabled={train.running} data-testid="train-file-button" title="CSV, TSV, JSON lines or plain text; or drop a file here">
          Your file…
        </button>
        <input
          ref={fileRef}
          type="file"
          accept={ACCEPT}
          hidden
          data-testid="train-file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void pickFile(app, f);
          }}
        />
      </div>
      {info && (
        <p className="sg-field-help">
          {info.description} <span className="sg-muted">Source: {info.source}; licence {info.licence}.</span>
        </p>
      )}
      {savedFile && (
        <p className="sg-field-help" data-testid="train-saved-file">
          The graph was trained on the file “{savedFile}”: pick it again with “Your file…” to keep its mapping.
        </p>
      )}
      {!train.source && <p className="sg-field-help">Pick a built-in set, or use a CSV/TSV, JSON-lines or text file of your own (or drop it here).</p>}
      {train.status === 'preparing' && <p className="sg-muted">Reading the data…</p>}
      <DataErrorView />
      <Mapping />
    </section>
  );
});
