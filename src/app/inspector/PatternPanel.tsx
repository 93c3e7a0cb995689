// Select units by pattern, as LSTMVis does: a range of steps (shift-drag across a heatmap, or
// type it) and a threshold pick the units that stay at or above it over the whole range; then
// every other stretch of the input, in every row, where those units are all on together is
// listed. Clicking a match shows its row with the stretch outlined in the heatmaps.
import { observer } from 'mobx-react-lite';
import type { NodeTrace } from '../../runtime/trace';
import type { InspectorState } from './inspector-state';
import { layerOf, quantitiesOf, stepLabels } from './trace-quantities';

function num(v: string, fallback: number): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export const PatternPanel = observer(function PatternPanel({ s, node }: { s: InspectorState; node: NodeTrace }) {
  const p = s.pattern;
  const dir = p?.direction ?? s.directions[0];
  const layer = layerOf(node, s.layerNumber, dir);
  const quantities = layer ? quantitiesOf(layer, node.type) : [];
  const last = Math.max(0, (node.lengths[s.batchRow] ?? node.steps) - 1);
  const update = (patch: Partial<NonNullable<typeof p>>) => {
    const base = p ?? { from: 0, to: Math.min(2, last), quantity: 'h', direction: dir, row: s.batchRow };
    s.setPattern({ ...base, ...patch });
    s.applyPattern();
  };
  const units = s.patternUnits;
  const matches = s.patternMatches;
  return (
    <section className="sg-pattern" data-testid="pattern-panel">
      <h3 className="sg-insp-h">
        Select units by pattern <span className="sg-muted">— shift-drag across steps in a heatmap, or type a range</span>
      </h3>
      <div className="sg-pattern-form">
        <label>
          quantity
          <select value={p?.quantity ?? 'h'} onChange={(e) => update({ quantity: e.target.value })} data-testid="pattern-quantity">
            {quantities.map((q) => (
              <option key={q.key} value={q.key}>
                {q.key}
              </option>
            ))}
          </select>
        </label>
        <label>
          steps
          <input type="number" min={0} max={last} value={p?.from ?? ''} placeholder="from" onChange={(e) => update({ from: Math.max(0, Math.min(last, num(e.target.value, 0))) })} data-testid="pattern-from" />
          –
          <input type="number" min={0} max={last} value={p?.to ?? ''} placeholder="to" onChange={(e) => update({ to: Math.max(0, Math.min(last, num(e.target.value, 0))) })} data-testid="pattern-to" />
        </label>
        <label>
          on when ≥
          <input type="number" step={0.05} value={s.threshold} onChange={(e) => (s.set('threshold', num(e.target.value, s.threshold)), s.applyPattern())} data-testid="pattern-threshold" />
        </label>
        <label>
          matches ≥
          <input type="number" min={1} value={s.minLength} onChange={(e) => s.set('minLength', Math.max(1, Math.round(num(e.target.value, 1))))} data-testid="pattern-min-length" />
          steps
        </label>
        {p && (
          <button type="button" className="sg-hm-btn" onClick={() => (s.setPattern(null), s.setUnits([]))} data-testid="pattern-clear">
            Clear
          </button>
        )}
      </div>
      {p && (
        <>
          <p className="sg-pattern-units" data-testid="pattern-units" data-units={units.join(',')}>
            {units.length ? (
              <>
                <b>{units.length}</b> of {node.hidden_size} units of <b>{p.quantity}</b> stay ≥ {s.threshold} over steps {Math.min(p.from, p.to)}–{Math.max(p.from, p.to)}
                {node.batch > 1 ? ` of row ${p.row}` : ''}: {units.slice(0, 24).join(', ')}
                {units.length > 24 ? ' …' : ''}
              </>
            ) : (
              <>No unit of {p.quantity} stays ≥ {s.threshold} over the whole range; lower the threshold or narrow the range.</>
            )}
          </p>
          {units.length > 0 && (
            <ol className="sg-matches" data-testid="pattern-matches" data-count={matches.length}>
              {matches.slice(0, 40).map((m, i) => {
                const toks = stepLabels(node, m.row);
                const a = Math.max(0, m.from - 3);
                const b = Math.min(toks.length, m.to + 4);
                const join = (xs: string[]) => xs.join(node.tokens ? ' ' : ' · ');
                return (
                  <li key={`${m.row}-${m.from}`} className={m.isSelection ? 'is-selection' : undefined}>
                    <button type="button" onClick={() => s.set('row', m.row)} data-testid={`pattern-match-${i}`} data-row={m.row} data-from={m.from} data-to={m.to}>
                      <span className="sg-muted">{node.batch > 1 ? `row ${m.row}, ` : ''}steps {m.from}–{m.to}</span>
                      <span className="sg-match-text">
                        {a > 0 && '… '}
                        {join(toks.slice(a, m.from))} <mark>{join(toks.slice(m.from, m.to + 1))}</mark> {join(toks.slice(m.to + 1, b))}
                        {b < toks.length && ' …'}
                      </span>
                      {m.isSelection && <span className="sg-muted"> (the selection)</span>}
                    </button>
                  </li>
                );
              })}
              {matches.length > 40 && <li className="sg-muted">and {matches.length - 40} more</li>}
            </ol>
          )}
        </>
      )}
    </section>
  );
});
