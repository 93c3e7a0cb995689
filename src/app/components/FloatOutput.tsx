// Float outputs as a person reads them: a table with its rows, steps and features labelled
// (step by step, along the input's tokens when the steps are the input's), and sequences drawn
// as a chart over steps against the float inputs that share their time axis — a forecast
// beside the series it was made from.
import { useMemo } from 'react';
import { observer } from 'mobx-react-lite';
import type { OutputResult, RunSuccess } from '../run-job';
import { count } from '../plural';
import { SeriesChart, type ChartSeries } from './SeriesChart';
import { useApp } from './ui';

type Axis = (row: number) => string[] | undefined;

const MAX_STEPS = 64;
const MAX_COLS = 10;
const MAX_ROWS = 8;
const CHART_FEATURES = 6;

function featureNames(name: string, n: number, labels?: string[]): string[] {
  if (labels?.length === n) return labels;
  return n === 1 ? [name] : Array.from({ length: n }, (_, f) => `${name}[${f}]`);
}

const fmt = (v: number) => (Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : v.toFixed(4));

function Cells({ values, n }: { values: ArrayLike<number>; n: number }) {
  return (
    <>
      {Array.from({ length: Math.min(n, MAX_COLS) }, (_, f) => (
        <td key={f} className={values[f] < 0 ? 'is-neg' : undefined}>
          {fmt(values[f])}
        </td>
      ))}
      {n > MAX_COLS && <td className="sg-muted">…</td>}
    </>
  );
}

function Head({ first, names }: { first: string; names: string[] }) {
  return (
    <thead>
      <tr>
        <th>{first}</th>
        {names.slice(0, MAX_COLS).map((n) => (
          <th key={n}>{n}</th>
        ))}
        {names.length > MAX_COLS && <th className="sg-muted">+{names.length - MAX_COLS}</th>}
      </tr>
    </thead>
  );
}

/** Wide vectors (a hidden state of 64 units) for a few rows read down, not across: a column per
 *  row would otherwise run off the panel after three or four numbers. */
const TRANSPOSE_ROWS = 4;

/** [B, F]: one line per row and a column per feature, or (few rows, many features) the other way round. */
function VectorTable({ out, rowText }: { out: OutputResult; rowText: (b: number) => string | undefined }) {
  const [B, F] = out.shape;
  const names = featureNames(out.name, F, out.labels);
  const rowName = (b: number) => rowText(b) ?? `row ${b + 1}`;
  if (B <= TRANSPOSE_ROWS && F > B && F > 4) {
    return (
      <div className="sg-floats-scroll">
        <table className="sg-floats" data-testid={`floats-${out.name}`} data-layout="features-down">
          <Head first="feature" names={Array.from({ length: B }, (_, b) => rowName(b))} />
          <tbody>
            {names.map((n, f) => (
              <tr key={f} data-testid="float-feature">
                <th>{n}</th>
                <Cells values={Array.from({ length: B }, (_, b) => out.data[b * F + f])} n={B} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <div className="sg-floats-scroll">
      <table className="sg-floats" data-testid={`floats-${out.name}`}>
        <Head first="row" names={names} />
        <tbody>
          {Array.from({ length: Math.min(B, 64) }, (_, b) => (
            <tr key={b} data-testid="float-row">
              <th>{rowName(b)}</th>
              <Cells values={out.data.subarray(b * F, (b + 1) * F)} n={F} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The chart's series for one batch row: the output's features, then the float inputs on the same steps. */
function rowSeries(out: OutputResult, result: RunSuccess, b: number): ChartSeries[] {
  const [, T, F] = out.shape;
  const series: ChartSeries[] = [];
  const names = featureNames(out.name, F, out.labels);
  for (let f = 0; f < Math.min(F, CHART_FEATURES); f++) {
    series.push({ label: names[f], emphasis: true, values: Array.from({ length: T }, (_, t) => out.data[(b * T + t) * F + f]) });
  }
  for (const inp of result.inputs) {
    if (!inp.values || inp.shape.length !== 3 || inp.dims[1] !== out.dims[1] || inp.shape[1] !== T) continue;
    const Fi = inp.shape[2];
    const row = Math.min(b, inp.shape[0] - 1);
    const inNames = featureNames(inp.name, Fi);
    for (let f = 0; f < Math.min(Fi, CHART_FEATURES); f++) {
      series.push({ label: inNames[f], values: Array.from({ length: T }, (_, t) => inp.values![(row * T + t) * Fi + f]) });
    }
  }
  return series;
}

/** [B, T, F]: per row, a chart over steps and a table of steps × features. */
const SequenceFloats = observer(function SequenceFloats({ out, result, steps }: { out: OutputResult; result: RunSuccess; steps?: Axis }) {
  const { ui } = useApp();
  const [B, T, F] = out.shape;
  const names = featureNames(out.name, F, out.labels);
  const rows = useMemo(
    () =>
      Array.from({ length: Math.min(B, MAX_ROWS) }, (_, b) => {
        const along = steps?.(b);
        const labels = Array.from({ length: T }, (_, t) => along?.[t] ?? String(t));
        return { labels, series: rowSeries(out, result, b) };
      }),
    [out, result, steps, B, T],
  );
  return (
    <div className="sg-rows">
      {rows.map(({ labels, series }, b) => (
        <div className="sg-result-row" key={b}>
          {B > 1 && <div className="sg-row-title">row {b + 1}</div>}
          {T > 1 && <SeriesChart steps={labels} series={series} theme={ui.theme} testId={`chart-${out.name}-${b}`} />}
          <div className="sg-floats-scroll">
            <table className="sg-floats" data-testid={`floats-${out.name}-${b}`}>
              <Head first="step" names={names} />
              <tbody>
                {Array.from({ length: Math.min(T, MAX_STEPS) }, (_, t) => (
                  <tr key={t} data-testid="float-step">
                    <th>
                      {labels[t] !== String(t) ? (
                        <>
                          <span className="sg-muted">{t}</span> {labels[t] === ' ' ? '␠' : labels[t]}
                        </>
                      ) : (
                        t
                      )}
                    </th>
                    <Cells values={out.data.subarray((b * T + t) * F, (b * T + t + 1) * F)} n={F} />
                  </tr>
                ))}
              </tbody>
            </table>
            {T > MAX_STEPS && <div className="sg-classes-more">first {MAX_STEPS} of {count(T, 'step')}</div>}
          </div>
        </div>
      ))}
      {B > MAX_ROWS && <div className="sg-classes-more">first {MAX_ROWS} of {count(B, 'row')}</div>}
    </div>
  );
});

/** A float output, laid out by its rank; null when it is no [B, F] or [B, T, F] tensor. */
export function FloatOutput({ out, result, steps, rowText }: { out: OutputResult; result: RunSuccess; steps?: Axis; rowText: (b: number) => string | undefined }) {
  if (out.dtype !== 'float32') return null;
  if (out.shape.length === 2) return <VectorTable out={out} rowText={rowText} />;
  if (out.shape.length === 3) return <SequenceFloats out={out} result={result} steps={steps} />;
  return null;
}
