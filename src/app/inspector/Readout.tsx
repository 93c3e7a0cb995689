// The line that says exactly what is under the mouse: quantity, direction, row, unit, step and
// token, and the value as the float32 the runtime computed (shortest exact form). The same
// facts are data attributes, for tests and for anyone scripting the page.
import { observer } from 'mobx-react-lite';
import type { InspectorState } from './inspector-state';
import { float32String } from './trace-quantities';

export const Readout = observer(function Readout({ s }: { s: InspectorState }) {
  const h = s.hover;
  if (!h)
    return (
      <div className="sg-readout is-empty" data-testid="inspector-readout">
        Hover a cell to read its exact value · click a unit to plot it · shift-drag across steps to select units by pattern
      </div>
    );
  const value = float32String(h.value);
  const dir = h.direction === 'reverse' ? '← backward' : h.direction === 'forward' && s.bidirectional ? '→ forward' : null;
  const sat = h.quantity.startsWith('saturation:');
  return (
    <div
      className="sg-readout"
      data-testid="inspector-readout"
      data-quantity={h.quantity}
      data-direction={h.direction}
      data-run={h.run}
      data-row={h.row}
      data-unit={h.unit}
      data-step={h.step}
      data-token={h.token}
      data-key={h.key}
      data-key-token={h.keyToken}
      data-value={sat ? undefined : value}
    >
      <b className="sg-readout-q">{sat ? h.quantity.slice(11) : h.quantity}</b>
      {h.run && <span className={`sg-hm-run is-${h.run}`}>{h.run === 'diff' ? 'B − A' : h.run}</span>}
      {dir && <span>{dir}</span>}
      {(s.node?.batch ?? 1) > 1 && <span>row {h.row}</span>}
      {h.unit !== undefined && <span>unit {h.unit}</span>}
      {h.step !== undefined && (
        <span>
          {h.quantity === 'attention' ? 'target' : 'step'} {h.step}
          {h.token !== undefined && <q>{h.token}</q>}
        </span>
      )}
      {h.key !== undefined && (
        <span>
          source {h.key}
          {h.keyToken !== undefined && <q>{h.keyToken}</q>}
        </span>
      )}
      {sat ? <span className="sg-readout-v">{h.note}</span> : <span className="sg-readout-v" data-testid="inspector-readout-value">{value}</span>}
    </div>
  );
});
