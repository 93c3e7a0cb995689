// "Check in onnxruntime": exports the graph, runs the ONNX model in onnxruntime-web (wasm) on the
// run panel's input, and shows, per output, the largest absolute difference to the TS runtime.
import { observer } from 'mobx-react-lite';
import { TOLERANCE } from '../onnx-job';
import { beamDecoders } from '../onnx-greedy';
import { cx, Icon, useApp } from './ui';

export const OnnxCheck = observer(function OnnxCheck() {
  const app = useApp();
  const { onnx, graph } = app;
  const last = onnx.last;
  const busy = onnx.status === 'checking' || onnx.status === 'exporting';
  const stale = last && onnx.lastDoc && onnx.lastDoc !== graph.doc;
  const worst = last?.ok && last.diffs ? Math.max(...last.diffs.map((d) => d.maxAbsDiff)) : null;
  const beams = beamDecoders(graph.doc);
  const refusedBeam = last && !last.ok && last.stage === 'export' && beams.length > 0 && !onnx.greedy;
  return (
    <section className="sg-onnx" data-testid="onnx-check" aria-label="ONNX check">
      {beams.length > 0 && (
        <label className="sg-onnx-greedy" title="ONNX export has no beam search yet: the model then decodes greedily (the CLI's --greedy); the check compares it with the runtime decoding greedily">
          <input type="checkbox" checked={onnx.greedy} onChange={(e) => onnx.setGreedy(e.target.checked)} data-testid="onnx-greedy" />
          export {beams.join(', ')} (beam search) as greedy decoding
        </label>
      )}
      <div className="sg-run-actions">
        <button type="button" className="sg-button" onClick={() => app.perform('checkOnnx')} disabled={busy || !app.isEnabled('checkOnnx')} data-testid="onnx-check-button">
          <Icon name="onnx" /> {onnx.status === 'checking' ? 'Checking…' : 'Check in onnxruntime'}
        </button>
        <button type="button" className="sg-button is-quiet" onClick={() => app.perform('exportOnnx')} disabled={busy || !app.isEnabled('exportOnnx')} data-testid="onnx-export-button">
          Export ONNX
        </button>
      </div>
      {last && !last.ok && (
        <div className="sg-run-error" role="alert" data-testid="onnx-error">
          <strong>{last.stage === 'export' ? 'The graph does not export yet' : last.stage === 'onnxruntime' ? 'onnxruntime refused the model' : 'The check could not run'}</strong>
          <p>{last.message}</p>
          {refusedBeam && (
            <div className="sg-run-actions">
              <button
                type="button"
                className="sg-button"
                onClick={() => {
                  onnx.setGreedy(true);
                  app.perform('checkOnnx');
                }}
                data-testid="onnx-greedy-check"
              >
                Check as greedy
              </button>
              <button
                type="button"
                className="sg-button is-quiet"
                onClick={() => {
                  onnx.setGreedy(true);
                  app.perform('exportOnnx');
                }}
                data-testid="onnx-greedy-export"
              >
                Export as greedy
              </button>
            </div>
          )}
        </div>
      )}
      {last?.ok && last.diffs && worst !== null && (
        <div className={cx('sg-onnx-result', worst <= TOLERANCE ? 'is-ok' : 'is-bad', stale && 'is-stale')} data-testid="onnx-result" data-max-diff={worst} aria-live="polite">
          <div className="sg-onnx-verdict">
            {worst <= TOLERANCE ? <Icon name="check" /> : null}
            <span>
              onnxruntime-web {worst <= TOLERANCE ? 'agrees' : 'differs'}: largest difference <b data-testid="onnx-max-diff">{worst.toExponential(2)}</b> (tolerance {TOLERANCE.toExponential(0)})
            </span>
          </div>
          <table className="sg-onnx-table">
            <thead>
              <tr>
                <th>output</th>
                <th>shape</th>
                <th>max |ours − ort|</th>
              </tr>
            </thead>
            <tbody>
              {last.diffs.map((d) => (
                <tr key={d.name}>
                  <td>{d.name}</td>
                  <td>[{d.shape.join(', ')}]</td>
                  <td data-testid={`onnx-diff-${d.name}`}>{d.maxAbsDiff.toExponential(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="sg-muted">
            model {(last.bytes.length / 1024).toFixed(1)} KB · export {last.exportMs.toFixed(0)} ms · seqgraph {last.tsMs?.toFixed(1)} ms · onnxruntime {last.ortMs?.toFixed(1)} ms
            {last.greedy ? ' · beam search checked as greedy decoding' : ''}
            {stale ? ' · the graph changed since; check again' : ''}
          </p>
        </div>
      )}
    </section>
  );
});
