// A run's outputs as a person reads them. Axes are matched by their symbolic dim (B, T, M, ...)
// to what labels them: the typed input's tokens along T, a decoder's output tokens along M.
// Probabilities over labelled classes: the top classes per row, with bars; over a sequence:
// the best class at every step; unlabelled probabilities over steps (attention): a heatmap;
// token outputs: the decoded symbols; anything else: the numbers with their shape.
import { useMemo } from 'react';
import type { InputEcho, OutputResult, RunSuccess } from '../run-job';
import { FloatOutput } from './FloatOutput';

type Axis = (row: number) => string[] | undefined;

const joinTokens = (ts: string[]) => ts.join(ts.every((t) => t.length <= 1) ? '' : ' ');
const pct = (p: number) => `${(p * 100).toFixed(p >= 0.995 ? 0 : 1)}%`;

/** Token ids -> symbols, up to and including </s> (decoders keep writing past it). */
function decodeRow(out: OutputResult, row: number): string[] {
  const T = out.shape[1] ?? 1;
  const labels = out.labels ?? [];
  const syms: string[] = [];
  for (let t = 0; t < T; t++) {
    const id = out.data[row * T + t];
    const s = labels[id] ?? `#${id}`;
    if (s === '<pad>') continue;
    syms.push(s);
    if (s === '</s>') break;
  }
  return syms;
}

/** symbol -> per-row labels for that axis */
function axisLabels(result: RunSuccess): Map<string, Axis> {
  const m = new Map<string, Axis>();
  for (const i of result.inputs) if (i.tokens && typeof i.dims[1] === 'string') m.set(i.dims[1], (b) => i.tokens![b]);
  for (const o of result.outputs) {
    if (o.kind === 'tokens' && o.shape.length === 2 && typeof o.dims[1] === 'string' && !m.has(o.dims[1])) m.set(o.dims[1], (b) => decodeRow(o, b));
  }
  return m;
}

function topK(data: ArrayLike<number>, offset: number, n: number, k: number): { index: number; value: number }[] {
  const idx = Array.from({ length: n }, (_, i) => ({ index: i, value: data[offset + i] }));
  idx.sort((a, b) => b.value - a.value);
  return idx.slice(0, k);
}

const toProb = (out: OutputResult, v: number) => (out.kind === 'logprobs' ? Math.exp(v) : v);

function ClassBars({ out, row, labels, k }: { out: OutputResult; row: number; labels: string[]; k: number }) {
  const C = out.shape[1];
  const values = topK(out.data, row * C, C, k);
  return (
    <ol className="sg-classes" data-testid={`classes-${out.name}-${row}`} aria-label={`classes of row ${row + 1}`}>
      {values.map((v, i) => (
        <li key={v.index} className={i === 0 ? 'is-top' : undefined} data-testid="class-row" data-label={labels[v.index] ?? String(v.index)} data-index={v.index} data-value={String(v.value)}>
          <span className="sg-class-label">{labels[v.index] ?? `#${v.index}`}</span>
          <span className="sg-class-bar">
            <span style={{ width: `${Math.max(0.5, toProb(out, v.value) * 100)}%` }} />
          </span>
          <span className="sg-class-p">{pct(toProb(out, v.value))}</span>
        </li>
      ))}
      {k < C && <li className="sg-classes-more">top {k} of {C}</li>}
    </ol>
  );
}

function RowTitle({ text }: { text: string }) {
  return <div className="sg-row-title">{text}</div>;
}

function VectorClasses({ out, rowText }: { out: OutputResult; rowText: (b: number) => string | undefined }) {
  const [B, C] = out.shape;
  return (
    <div className="sg-rows">
      {Array.from({ length: B }, (_, b) => (
        <div className="sg-result-row" key={b}>
          {(B > 1 || rowText(b)) && <RowTitle text={rowText(b) ?? `row ${b + 1}`} />}
          <ClassBars out={out} row={b} labels={out.labels ?? []} k={C <= 10 ? C : 5} />
        </div>
      ))}
    </div>
  );
}

function SequenceClasses({ out, steps }: { out: OutputResult; steps?: Axis }) {
  const [B, T, C] = out.shape;
  const labels = out.labels ?? [];
  return (
    <div className="sg-rows">
      {Array.from({ length: B }, (_, b) => {
        const along = steps?.(b);
        const n = along ? Math.min(T, along.length) : T;
        return (
          <div className="sg-result-row" key={b}>
            {B > 1 && <RowTitle text={`row ${b + 1}`} />}
            <table className="sg-steps" data-testid={`steps-${out.name}-${b}`}>
              <thead>
                <tr>
                  <th title="the step, with the symbol read (an input's) or written (a decoder's) there">step</th>
                  <th title={`the most likely of ${C} classes at this step`}>most likely</th>
                  <th colSpan={2} title={out.kind === 'logprobs' ? 'its probability, exp(log-probability); hover a value for the log-probability' : 'its probability'}>
                    probability
                  </th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: n }, (_, t) => {
                  const [best] = topK(out.data, (b * T + t) * C, C, 1);
                  const p = toProb(out, best.value);
                  return (
                    <tr key={t} data-testid="step-row" data-label={labels[best.index] ?? String(best.index)} data-value={String(best.value)}>
                      <td className="sg-mono sg-step-token">
                        {along ? (
                          <>
                            <span className="sg-step-no">{t}</span> {along[t] === ' ' ? '␠' : along[t]}
                          </>
                        ) : (
                          t
                        )}
                      </td>
                      <td className="sg-step-label">{labels[best.index] ?? `#${best.index}`}</td>
                      <td className="sg-class-bar">
                        <span style={{ width: `${p * 100}%` }} />
                      </td>
                      <td className="sg-class-p" title={out.kind === 'logprobs' ? `log p = ${best.value.toFixed(4)}` : undefined}>
                        {pct(p)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        );
      })}
    </div>
  );
}

/** [B, R, C] probabilities without class names (e.g. attention weights) as a heatmap per row. */
function Heatmap({ out, rows, cols }: { out: OutputResult; rows?: Axis; cols?: Axis }) {
  const [B, R, C] = out.shape;
  return (
    <div className="sg-rows">
      {Array.from({ length: B }, (_, b) => {
        const rl = rows?.(b);
        const cl = cols?.(b);
        const nr = Math.min(R, rl?.length ?? R, 40);
        const nc = Math.min(C, cl?.length ?? C, 40);
        return (
          <div className="sg-result-row" key={b}>
            {B > 1 && <RowTitle text={`row ${b + 1}`} />}
            <table className="sg-heatmap" data-testid={`heatmap-${out.name}-${b}`}>
              <thead>
                <tr>
                  <th />
                  {Array.from({ length: nc }, (_, c) => (
                    <th key={c}>{cl?.[c] ?? c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: nr }, (_, r) => (
                  <tr key={r}>
                    <th>{rl?.[r] ?? r}</th>
                    {Array.from({ length: nc }, (_, c) => {
                      const v = toProb(out, out.data[(b * R + r) * C + c]);
                      return <td key={c} title={v.toFixed(4)} style={{ '--v': Math.min(1, Math.max(0, v)) } as React.CSSProperties} />;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </div>
  );
}

function TokenRows({ out }: { out: OutputResult }) {
  const B = out.shape[0];
  return (
    <div className="sg-rows" data-testid={`tokens-${out.name}`}>
      {Array.from({ length: B }, (_, b) => {
        const syms = decodeRow(out, b);
        return (
          <div className="sg-token-row" key={b} data-testid="token-row" data-text={joinTokens(syms.filter((s) => s !== '</s>' && s !== '<s>'))}>
            {syms.map((s, i) => (
              <span key={i} className={s.startsWith('<') && s.endsWith('>') ? 'sg-token is-special' : 'sg-token'}>
                {s === ' ' ? '␠' : s}
              </span>
            ))}
            {!syms.length && <span className="sg-muted">(nothing)</span>}
          </div>
        );
      })}
    </div>
  );
}

function Values({ out }: { out: OutputResult }) {
  const n = out.data.length;
  const last = out.shape[out.shape.length - 1] ?? 1;
  const show = Math.min(n, 240);
  const rows: number[][] = [];
  for (let i = 0; i < show; i += last) rows.push(Array.from(out.data.subarray(i, Math.min(show, i + last))));
  return (
    <div className="sg-values" data-testid={`values-${out.name}`}>
      {rows.map((r, i) => (
        <div key={i} className="sg-values-row">
          {r.map((v, j) => (
            <span key={j} className={v < 0 ? 'is-neg' : undefined}>
              {out.dtype === 'int64' ? v : v.toFixed(4)}
            </span>
          ))}
        </div>
      ))}
      {show < n && <div className="sg-classes-more">first {show} of {n.toLocaleString('en-US')} values</div>}
    </div>
  );
}

function body(out: OutputResult, axes: Map<string, Axis>, result: RunSuccess) {
  const inputs: InputEcho[] = result.inputs;
  const probs = out.kind === 'probs' || out.kind === 'logprobs';
  const axis = (i: number) => (typeof out.dims[i] === 'string' ? axes.get(out.dims[i] as string) : undefined);
  const text = inputs.find((i) => i.tokens)?.tokens;
  const rowText = (b: number) => (text?.[b] ? joinTokens(text[b]) || '(empty)' : undefined);
  if (out.kind === 'tokens' && out.labels && out.shape.length === 2) return <TokenRows out={out} />;
  if (probs && out.labels?.length && out.shape.length === 2) return <VectorClasses out={out} rowText={rowText} />;
  if (probs && out.labels?.length && out.shape.length === 3) return <SequenceClasses out={out} steps={axis(1)} />;
  if (probs && out.shape.length === 3) return <Heatmap out={out} rows={axis(1)} cols={axis(2)} />;
  if (out.dtype === 'float32' && (out.shape.length === 2 || out.shape.length === 3)) return <FloatOutput out={out} result={result} steps={axis(1)} rowText={rowText} />;
  return <Values out={out} />;
}

export function OutputView({ out, result }: { out: OutputResult; result: RunSuccess }) {
  const axes = useMemo(() => axisLabels(result), [result]);
  const kindText = out.kind === 'probs' ? 'probabilities' : out.kind === 'logprobs' ? 'log-probabilities' : out.kind;
  return (
    <section className="sg-output" data-testid={`output-${out.name}`} aria-label={`output ${out.name}`}>
      <header className="sg-output-head">
        <span className="sg-output-name">{out.name}</span>
        <span className="sg-mono sg-muted" title={`[${out.dims.join(', ')}]`}>
          [{out.shape.join(', ')}]
        </span>
        <span className="sg-muted">{kindText}</span>
      </header>
      {body(out, axes, result)}
    </section>
  );
}
