// The inspector's pickers and buttons: node, layer, direction, batch row, unit order, zoom,
// compare mode, and the exports (trace JSON in the CLI's format, CSV of the shown node, a trace
// file opened back in). Every control has a label and a data-testid.
import { observer } from 'mobx-react-lite';
import type { ReactNode } from 'react';
import type { AppState } from '../store/app-state';
import { downloadText, fileName } from './download';
import type { CompareMode, DirectionMode, InspectorState } from './inspector-state';
import { nodeCSV, traceJSONText } from './trace-export';
import { traceFromJSON } from '../../runtime/trace';
import { layerOf, quantitiesOf, stepLabels, type ColourRange } from './trace-quantities';
import type { UnitSort } from './unit-stats';

function Pick({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="sg-insp-pick">
      <span>{label}</span>
      {children}
    </label>
  );
}

function preview(tokens: string[], words: boolean): string {
  const s = tokens.slice(0, 12).join(words ? ' ' : '');
  return tokens.length > 12 ? `${s}…` : s;
}

export const InspectorToolbar = observer(function InspectorToolbar({ s, app }: { s: InspectorState; app: AppState }) {
  const t = s.target;
  const node = s.node;
  const trace = app.run.trace;
  const layer = node ? layerOf(node, s.layerNumber, s.directions[0]) : undefined;
  const quantities = layer ? quantitiesOf(layer, node?.type) : [];
  const batch = node?.batch ?? t?.attention?.batch ?? 1;
  const words = !!node?.tokens?.some((r) => r.some((x) => x.length > 1));

  const exportJSON = () => trace && downloadText(`${fileName(app.graph.doc.name || 'graph', 'trace')}.json`, traceJSONText(trace), 'application/json');
  const exportCSV = () => {
    if (!node) return;
    const layers = s.directions.map((d) => layerOf(node, s.layerNumber, d)).filter((l) => !!l);
    downloadText(`${fileName(node.name, `layer${s.layerNumber}`, s.directions.join('+'))}.csv`, nodeCSV(node, layers), 'text/csv');
  };
  const openTrace = async (f: File | undefined) => {
    if (!f) return;
    try {
      app.run.showTrace(traceFromJSON(JSON.parse(await f.text())), f.name);
      app.ui.toast(`Opened the trace ${f.name}`, 'success', 2500);
    } catch (e) {
      app.ui.toast(`${f.name} was not opened: ${(e as Error).message}`, 'error');
    }
  };

  return (
    <div className="sg-insp-bar" data-testid="inspector-toolbar">
      <div className="sg-insp-row">
        <Pick label="node">
          <select value={t?.node ?? ''} onChange={(e) => s.pickNode(e.target.value)} data-testid="inspector-node-select" aria-label="node to inspect">
            {s.targets.map((x) => (
              <option key={x.node} value={x.node}>
                {x.name} ({x.type})
              </option>
            ))}
          </select>
        </Pick>
        {node && s.layers.length > 1 && (
          <Pick label="layer">
            <select value={s.layerNumber} onChange={(e) => s.set('layer', Number(e.target.value))} data-testid="inspector-layer-select" aria-label="layer">
              {s.layers.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </Pick>
        )}
        {s.bidirectional && (
          <Pick label="direction">
            <select value={s.directionMode} onChange={(e) => s.set('directionMode', e.target.value as DirectionMode)} data-testid="inspector-direction-select" aria-label="direction">
              <option value="forward">→ forward</option>
              <option value="reverse">← backward</option>
              <option value="both">both, aligned</option>
            </select>
          </Pick>
        )}
        {batch > 1 && (
          <Pick label="row">
            <select value={s.batchRow} onChange={(e) => s.set('row', Number(e.target.value))} data-testid="inspector-row-select" aria-label="batch row">
              {Array.from({ length: batch }, (_, b) => (
                <option key={b} value={b}>
                  {b}
                  {node?.tokens ? `: ${preview(stepLabels(node, b), words)}` : ''}
                </option>
              ))}
            </select>
          </Pick>
        )}
        {node && (
          <Pick label="units">
            <select value={s.sort} onChange={(e) => s.set('sort', e.target.value as UnitSort)} data-testid="sort-select" aria-label="order units by">
              <option value="index">by index</option>
              <option value="mean">by mean ↓</option>
              <option value="variance">by variance ↓</option>
            </select>
            {s.sort !== 'index' && (
              <select value={s.sortQuantity} onChange={(e) => s.set('sortQuantity', e.target.value)} data-testid="sort-quantity-select" aria-label="of quantity">
                {quantities.map((q) => (
                  <option key={q.key} value={q.key}>
                    of {q.key}
                  </option>
                ))}
              </select>
            )}
          </Pick>
        )}
        <Pick label="colours">
          <select value={s.colourRange} onChange={(e) => s.set('colourRange', e.target.value as ColourRange)} data-testid="colour-range-select" aria-label="colour range">
            <option value="fixed">fixed range</option>
            <option value="fit">fit to data</option>
          </select>
        </Pick>
        {node && (
          <Pick label="zoom">
            <span className="sg-insp-zoom">
              <button type="button" onClick={() => s.set('zoom', Math.max(1, (s.zoom || 8) - (s.zoom > 8 ? 4 : 1)))} aria-label="narrower steps" data-testid="zoom-out">
                −
              </button>
              <button type="button" onClick={() => s.set('zoom', 0)} aria-label="fit steps to the panel" data-testid="zoom-fit" className={s.zoom === 0 ? 'is-on' : undefined}>
                fit
              </button>
              <button type="button" onClick={() => s.set('zoom', Math.min(48, (s.zoom || 8) + (s.zoom >= 8 ? 4 : 1)))} aria-label="wider steps" data-testid="zoom-in">
                +
              </button>
            </span>
          </Pick>
        )}
      </div>
      <div className="sg-insp-row">
        <Pick label="compare">
          <select value={s.compare} onChange={(e) => s.set('compare', e.target.value as CompareMode)} data-testid="compare-select" aria-label="compare with another run" disabled={!s.baselineSnapshot}>
            <option value="off">off</option>
            <option value="side">side by side</option>
            <option value="diff">difference B − A</option>
          </select>
        </Pick>
        {app.run.pinned && app.run.previous && (
          <Pick label="A is">
            <select value={s.baseline} onChange={(e) => s.set('baseline', e.target.value as 'previous' | 'pinned')} data-testid="baseline-select" aria-label="baseline run">
              <option value="previous">the previous run</option>
              <option value="pinned">the pinned run</option>
            </select>
          </Pick>
        )}
        <button type="button" className="sg-hm-btn" onClick={() => (app.run.pinned ? app.run.unpinTrace() : app.run.pinTrace())} disabled={!trace} data-testid="pin-run" title="Keep this run to compare later runs with it">
          {app.run.pinned ? 'Unpin' : 'Pin this run'}
        </button>
        <span className="sg-insp-spacer" />
        <button type="button" className="sg-hm-btn" onClick={exportJSON} disabled={!trace} data-testid="export-trace-json" title="The whole trace, as `seqgraph run --trace` writes it">
          Trace JSON
        </button>
        <button type="button" className="sg-hm-btn" onClick={exportCSV} disabled={!node} data-testid="export-csv" title="Every value of the shown node, layer and direction(s), one per line">
          CSV
        </button>
        <label className="sg-hm-btn" title="Open a trace written by `seqgraph run --trace`">
          Open trace…
          <input type="file" accept=".json,application/json" hidden onChange={(e) => (void openTrace(e.target.files?.[0]), (e.target.value = ''))} data-testid="inspector-open-trace" />
        </label>
        <button type="button" className="sg-hm-btn" onClick={() => s.set('wide', !s.wide)} data-testid="inspector-wide" aria-pressed={s.wide} title="Give the inspector more room">
          {s.wide ? 'Narrow' : 'Wide'}
        </button>
      </div>
    </div>
  );
});
