// After training: the metric on the test split, a confusion matrix for classifiers, and test
// examples (errors first) with input, target and prediction. A row opens the example in the
// Run tab's input and the inspector, run with the trained weights.
import { runInAction } from 'mobx';
import { observer } from 'mobx-react-lite';
import type { ExampleRow } from '../train-protocol';
import type { AppState } from '../store/app-state';
import { runInputFields } from '../store/run-inputs';
import { cx, useApp } from './ui';

export function formatMetric(name: string, v: number): string {
  if (name === 'accuracy' || name === 'per' || name === 'wer') return `${(v * 100).toFixed(1)}%`;
  return v.toPrecision(4);
}

const METRIC_NAMES: Record<string, string> = { accuracy: 'accuracy', per: 'phoneme error rate', wer: 'word error rate', rmse: 'RMSE', ce_per_char: 'cross-entropy per character' };
export const metricLabel = (n: string) => METRIC_NAMES[n] ?? n;

/** Puts the example into the Run tab's first token input, runs it, and shows the inspector. */
function inspect(app: AppState, ex: ExampleRow): void {
  const fields = runInputFields(app.graph.doc);
  const inputs = ex.inputs ?? (fields[0] ? { [fields[0].name]: ex.input } : {});
  for (const [k, v] of Object.entries(inputs)) app.run.setText(k, v);
  // the inspector's gradients are then taken against this example's target
  const out = app.graph.doc.training?.losses[0]?.output;
  runInAction(() => (app.train.gradTargets = out ? { inputs, targets: { [out]: ex.target } } : null));
  app.perform('runGraph');
  app.ui.setTab('inspector');
}

function Confusion({ labels, counts }: { labels: string[]; counts: number[][] }) {
  const max = Math.max(1, ...counts.flat());
  return (
    <table className="sg-train-confusion" data-testid="train-confusion">
      <caption>Confusion matrix (rows: target, columns: prediction)</caption>
      <thead>
        <tr>
          <th />
          {labels.map((l) => (
            <th key={l}>{l}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {counts.map((row, i) => (
          <tr key={i}>
            <th>{labels[i]}</th>
            {row.map((c, j) => (
              <td key={j} className={cx(i === j && 'is-diag')} style={{ ['--a' as string]: (c / max).toFixed(3) }}>
                {c}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const TrainResults = observer(function TrainResults() {
  const app = useApp();
  const test = app.train.test;
  if (!test) return null;
  const m = test.metrics.metric;
  const wrong = test.examples.filter((e) => !e.correct).length;
  return (
    <section className="sg-train-results" aria-label="Results" data-testid="train-results">
      <h3 className="sg-train-h">Results on the test split</h3>
      <p className="sg-train-big">
        {metricLabel(m.name)}: <b data-testid="train-test-metric">{formatMetric(m.name, m.value)}</b> <span className="sg-muted">· loss {test.metrics.loss.toFixed(4)}</span>
      </p>
      {test.confusion && <Confusion {...test.confusion} />}
      <p className="sg-field-help">
        {test.rows !== undefined && test.rows > test.examples.length ? `${test.examples.length} of the ${test.rows} test examples` : `${test.examples.length} test examples`}, the wrong ones first ({wrong} here). Click a row to run it and open the inspector.
      </p>
      <div className="sg-train-examples-wrap">
        <table className="sg-train-examples" data-testid="train-examples">
          <thead>
            <tr>
              <th>input</th>
              <th>target</th>
              <th>prediction</th>
              <th>loss</th>
            </tr>
          </thead>
          <tbody>
            {test.examples.map((e) => (
              <tr key={e.index} className={cx(!e.correct && 'is-wrong')} onClick={() => inspect(app, e)} title="run this example and open the inspector" data-testid="train-example-row">
                <td>{e.input}</td>
                <td>{e.target}</td>
                <td>{e.prediction}</td>
                <td>{e.loss.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
});
