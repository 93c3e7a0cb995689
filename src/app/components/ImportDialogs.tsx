// The import dialogs: an ONNX model that needs something before it opens (a vocabulary for a
// token input, its external-data file) or could not be imported (each ONNX node not understood),
// and the weights dialog (what matched which node, left over, wrong shape; a prefix map; Load).
import { useRef } from 'react';
import { observer } from 'mobx-react-lite';
import { Modal } from './Dialogs';
import { useApp } from './ui';
import { openImported } from '../actions/import-actions';

/** a hidden file input and a button that opens it */
function Pick({ label, accept, onFile, testId }: { label: string; accept?: string; onFile: (f: File) => void; testId: string }) {
  const ref = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="sg-button" onClick={() => ref.current?.click()} data-testid={testId}>
        {label}
      </button>
      <input
        ref={ref}
        type="file"
        hidden
        accept={accept}
        data-testid={`${testId}-input`}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) onFile(f);
        }}
      />
    </>
  );
}

export const OnnxImportDialog = observer(function OnnxImportDialog() {
  const app = useApp();
  const p = app.imports.onnx;
  if (!p || (!p.missing && !p.needVocab && !p.error)) return null;
  const close = () => app.imports.setOnnx(null);
  const retry = async (next: typeof p, numbered = false) => {
    const r = await app.imports.tryOnnx(next, numbered);
    if (r) openImported(app, r, p.file);
  };
  return (
    <Modal title={p.error ? `${p.file} was not imported` : `Import ${p.file}`} onClose={close} testId="onnx-import-dialog" wide={!!p.error}>
      {p.error && (
        <>
          <p className="sg-note">Nothing was imported; the graph you had open is unchanged.</p>
          <pre className="sg-import-report" data-testid="onnx-import-error">{p.error}</pre>
        </>
      )}
      {p.missing && !p.error && (
        <div className="sg-import-step">
          <p>
            The model keeps its weights in a second file, <code>{p.missing}</code>. Pick it (or drop it on the page) to import the model.
          </p>
          <Pick label={`Choose ${p.missing}…`} testId="onnx-pick-data" onFile={async (f) => void retry({ ...p, others: { ...p.others, [f.name]: new Uint8Array(await f.arrayBuffer()) } })} />
        </div>
      )}
      {p.needVocab && !p.missing && !p.error && (
        <div className="sg-import-step">
          <p>The model holds token ids but no symbols for them. Choose a vocabulary file (one symbol per line, in id order, or a JSON list), or name the ids by number (type them separated by spaces).</p>
          <ul className="sg-import-vocab">
            {p.needVocab.map((v) => (
              <li key={v.input}>
                <span>
                  input <code>{v.input}</code>: {v.ids} ids{p.vocab[v.input] ? ` — ${p.vocab[v.input].length} symbols chosen` : ''}
                </span>
                <Pick
                  label="Choose a vocabulary…"
                  accept=".txt,.json,.vocab,text/plain,application/json"
                  testId={`onnx-vocab-${v.input}`}
                  onFile={async (f) => {
                    const next = app.imports.withVocab(p, v.input, await f.text(), f.name);
                    if (typeof next === 'string') app.ui.toast(next, 'error', 8000);
                    else void retry(next);
                  }}
                />
              </li>
            ))}
          </ul>
          <div className="sg-import-actions">
            <button type="button" className="sg-button is-primary" disabled={p.busy} onClick={() => void retry(p, true)} data-testid="onnx-use-numbers">
              Use numbers and import
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
});

export const WeightsDialog = observer(function WeightsDialog() {
  const app = useApp();
  const w = app.imports.weights;
  if (!w) return null;
  const m = w.match;
  const close = () => app.imports.setWeights(null);
  const blocked = !m || !!w.error || m.wrongShape.length > 0 || m.matched.length === 0;
  return (
    <Modal title={`Load weights from ${w.file}`} onClose={close} testId="weights-dialog" wide>
      {w.error && <p className="sg-diag is-error" data-testid="weights-error">{w.error}</p>}
      {m && (
        <>
          <p className="sg-note">Nothing changes until you load. Tensors match nodes by their PyTorch names (&lt;node name&gt;.&lt;weight&gt;).</p>
          <label className="sg-import-prefix">
            <span>Prefix map</span>
            <input
              type="text"
              value={w.prefixes}
              placeholder="file prefix=node name, … (e.g. encoder.rnn=lstm, module.=)"
              onChange={(e) => app.imports.setPrefixes(app.graph.doc, e.target.value)}
              data-testid="weights-prefixes"
              spellCheck={false}
            />
          </label>
          {m.unusedPrefixes.length > 0 && (
            <p className="sg-diag is-warning" data-testid="weights-unused-prefix">
              {m.unusedPrefixes.map((p) => `${p}: no tensor of the file starts with '${p.slice(0, p.indexOf('='))}.'`).join('; ')}
            </p>
          )}
          <div className="sg-import-tables">
            <Section title={`Matched (${m.matched.length})`} kind="ok" testId="weights-matched" rows={m.matched.map((x) => [x.key, `${x.nodeName}.${x.name}`, `[${x.shape.join(', ')}]`])} />
            {m.wrongShape.length > 0 && (
              <Section title={`Wrong shape (${m.wrongShape.length}) — fix these to load`} kind="bad" testId="weights-wrong" rows={m.wrongShape.map((x) => [x.key, `${x.nodeName}.${x.name}`, `file [${x.got.join(', ')}], needs [${x.expected.join(', ')}]`])} />
            )}
            {m.leftover.length > 0 && <Section title={`Left over (${m.leftover.length})`} kind="muted" testId="weights-leftover" rows={m.leftover.map((x) => [x.key, `[${x.shape.join(', ')}]`, x.why])} />}
            {m.missing.length > 0 && <Section title={`Not in the file (${m.missing.length}) — they keep their values`} kind="muted" testId="weights-missing" rows={m.missing.map((x) => [`${x.nodeName}.${x.name}`, `[${x.shape.join(', ')}]`, ''])} />}
          </div>
        </>
      )}
      <div className="sg-import-actions">
        {m && blocked && (
          <span className="sg-import-why" data-testid="weights-why">
            {m.wrongShape.length ? `${m.wrongShape.length} tensor${m.wrongShape.length === 1 ? ' has' : 's have'} the wrong shape: map it elsewhere or change the graph` : w.error ? 'fix the prefix map' : 'no tensor matches a weight yet: map the file\'s prefixes onto node names'}
          </span>
        )}
        <button type="button" className="sg-button" onClick={close}>
          Cancel
        </button>
        <button type="button" className="sg-button is-primary" disabled={blocked} onClick={() => app.perform('loadWeights')} data-testid="weights-load">
          {m ? `Load ${m.matched.length} weight${m.matched.length === 1 ? '' : 's'}` : 'Load'}
        </button>
      </div>
    </Modal>
  );
});

function Section({ title, rows, kind, testId }: { title: string; rows: string[][]; kind: 'ok' | 'bad' | 'muted'; testId: string }) {
  return (
    <section className={`sg-import-section is-${kind}`} data-testid={testId}>
      <h3>{title}</h3>
      <table>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                <td key={j}>{j < 2 ? <code>{c}</code> : c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
