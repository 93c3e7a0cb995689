// The params tab: for the selected node, its name, a form generated from its params schema
// (hidden params left out per `when`), what flows in and out with shapes, its weights and its
// problems. With nothing selected: the graph's overview and every problem in it.
import { useEffect, useState } from 'react';
import { observer } from 'mobx-react-lite';
import { getNodeDef } from '../../../nodes/index';
import { activePorts, type ParamSpec } from '../../compiler/node-def';
import { withDefaults } from '../../compiler/params';
import { shapeStr } from '../../runtime/tensor';
import type { Diagnostic } from '../../doc/diagnostics';
import type { DocNode } from '../../doc/schema';
import { nameProblem } from '../store/doc-ops';
import { paramCount } from '../store/analysis';
import { ParamField } from './ParamField';
import { GroupDetails, NoteDetails } from './AnnotationDetails';
import { commentOfNote, groupOfFrame } from '../store/annotation-ops';
import { cx, useApp } from './ui';
import { own } from '../../doc/dict';
import { count } from '../plural';

const NameField = observer(function NameField({ node }: { node: DocNode }) {
  const app = useApp();
  const [draft, setDraft] = useState(node.name);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(node.name);
    setError(null);
  }, [node.name, node.id]);
  const onChange = (v: string) => {
    setDraft(v);
    const why = nameProblem(app.graph.doc, node.id, v);
    setError(why);
    if (!why) app.perform('renameNode', { id: node.id, name: v });
  };
  return (
    <div className={cx('sg-field', error && 'has-error')}>
      <div className="sg-field-head">
        <label htmlFor="sg-node-name" className="sg-field-label">
          name
        </label>
        <span className="sg-field-meta">unique identifier</span>
      </div>
      <input id="sg-node-name" type="text" value={draft} spellCheck={false} onChange={(e) => onChange(e.target.value)} onBlur={() => error && (setDraft(node.name), setError(null))} data-testid="node-name-input" aria-invalid={!!error} />
      {error && (
        <div className="sg-field-error" role="alert" data-testid="node-name-error">
          {error} — not applied
        </div>
      )}
      <p className="sg-field-help">{node.type === 'Input' ? 'the model input’s name (feeds, ONNX)' : node.type === 'Output' ? 'the model output’s name (results, ONNX)' : 'names this node’s weights and its messages'}</p>
    </div>
  );
});

/** The node type's help: a few lines, the rest on request. */
function DocText({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const long = text.length > 180;
  return (
    <div className="sg-doc-wrap">
      <p className={cx('sg-doc', long && !open && 'is-clamped')} data-testid="node-doc">
        {text}
      </p>
      {long && (
        <button type="button" className="sg-link sg-more" onClick={() => setOpen(!open)}>
          {open ? 'less' : 'more'}
        </button>
      )}
    </div>
  );
}

function DiagnosticList({ items, onPick }: { items: Diagnostic[]; onPick?: (d: Diagnostic) => void }) {
  if (!items.length) return null;
  return (
    <ul className="sg-diags" data-testid="diagnostics">
      {items.map((d, i) => (
        <li key={i} className={cx('sg-diag', `is-${d.severity}`)}>
          {onPick && d.node ? (
            <button type="button" className="sg-link" onClick={() => onPick(d)}>
              {d.message}
            </button>
          ) : (
            d.message
          )}
        </li>
      ))}
    </ul>
  );
}

const NodeDetails = observer(function NodeDetails({ node }: { node: DocNode }) {
  const { graph } = useApp();
  const def = getNodeDef(node.type);
  if (!def) return <p className="sg-empty">Unknown node type “{node.type}”.</p>;
  const params = withDefaults(def, node.params);
  const diags = graph.nodeDiagnostics(node.id);
  const byParam = (k: string) => diags.filter((d) => d.param === k && d.severity === 'error').map((d) => d.message.replace(/^[^:]*\([^)]*\): /, ''));
  const links = graph.links(node.id);
  const outShapes = graph.nodeShapes(node.id);
  const weights = graph.analysis.weightShapes[node.id];
  const fromFile = own(graph.doc.weights, node.id);
  const visible = (Object.entries(def.params) as [string, ParamSpec][]).filter(([, s]) => !s.when || s.when(params));
  return (
    <div className="sg-node-details" data-testid="params-panel" data-node={node.name}>
      <header className="sg-panel-head">
        <span className="sg-badge" style={{ '--cat': `var(--cat-${def.category})` } as React.CSSProperties}>
          {def.label}
        </span>
        <span className="sg-panel-sub">{def.category}</span>
      </header>
      <DocText text={def.doc} />
      <NameField node={node} />
      {visible.length > 0 && <h4 className="sg-section">Params</h4>}
      {visible.map(([k, spec]) => (
        <ParamField key={`${node.id}:${k}`} nodeId={node.id} def={def} name={k} spec={spec} params={params} compilerProblems={byParam(k)} />
      ))}
      <h4 className="sg-section">Ports</h4>
      <table className="sg-ports-table">
        <tbody>
          {activePorts(def.inputs, params).map((p) => {
            const e = links.fed[p.name];
            const s = e ? graph.edgeShape(e) : undefined;
            return (
              <tr key={`in-${p.name}`} title={p.help}>
                <td className="sg-dir">in</td>
                <td>{p.name}</td>
                <td style={{ color: `var(--pt-${s?.type ?? p.types[0]})` }}>{s?.type ?? p.types.join(' | ')}</td>
                <td className="sg-mono">{s ? shapeStr(s.shape) : e ? '?' : p.optional ? 'optional' : 'not connected'}</td>
              </tr>
            );
          })}
          {activePorts(def.outputs, params).map((p) => {
            const s = outShapes?.[p.name];
            return (
              <tr key={`out-${p.name}`} title={p.help}>
                <td className="sg-dir">out</td>
                <td>{p.name}</td>
                <td style={{ color: `var(--pt-${s?.type ?? p.types[0]})` }}>{s?.type ?? p.types.join(' | ')}</td>
                <td className="sg-mono">{s ? shapeStr(s.shape) : '?'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {weights && Object.keys(weights).length > 0 && (
        <>
          <h4 className="sg-section">
            Weights <span className="sg-section-meta">{paramCount(weights).toLocaleString('en-US')} params · {fromFile ? 'from the file' : `fresh (seed ${graph.doc.seed ?? 0})`}</span>
          </h4>
          <table className="sg-ports-table sg-weights" data-testid="weights-table">
            <tbody>
              {Object.entries(weights).map(([k, s]) => (
                <tr key={k}>
                  <td className="sg-mono">{k}</td>
                  <td className="sg-mono">{shapeStr(s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {diags.length > 0 && <h4 className="sg-section">Problems</h4>}
      <DiagnosticList items={diags} />
    </div>
  );
});

/** "3 nodes, 1 group and 2 edges": what a multiple selection holds. */
function selectionText(ids: readonly string[], edges: number): string {
  const groups = ids.filter((id) => groupOfFrame(id)).length;
  const notes = ids.filter((id) => commentOfNote(id)).length;
  const parts = [count(ids.length - groups - notes, 'node'), groups && count(groups, 'group'), notes && count(notes, 'note'), count(edges, 'edge')].filter(Boolean) as string[];
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

const GraphOverview = observer(function GraphOverview() {
  const app = useApp();
  const { graph } = app;
  const doc = graph.doc;
  const a = graph.analysis;
  const total = Object.values(a.weightShapes).reduce((n, w) => n + paramCount(w), 0);
  const pick = (d: Diagnostic) => d.node && graph.select({ nodes: [d.node], edges: [] });
  const sel = graph.selection;
  return (
    <div className="sg-node-details" data-testid="graph-overview">
      <header className="sg-panel-head">
        <span className="sg-badge">Graph</span>
        <span className="sg-panel-sub">{doc.name}</span>
      </header>
      {doc.description && <DocText text={doc.description} />}
      {sel.nodes.length + sel.edges.length > 1 && (
        <p className="sg-note" data-testid="multi-selection">
          {selectionText(sel.nodes, sel.edges.length)} selected. Delete, copy or duplicate them together; select one node to edit its params.
        </p>
      )}
      <dl className="sg-stats">
        <dt>nodes</dt>
        <dd>{doc.nodes.length}</dd>
        <dt>edges</dt>
        <dd>{doc.edges.length}</dd>
        <dt>params</dt>
        <dd>{total.toLocaleString('en-US')}</dd>
        <dt>weights</dt>
        <dd>{doc.weights && Object.keys(doc.weights).length ? `from the file for ${count(Object.keys(doc.weights).length, 'node')}` : `fresh, seed ${doc.seed ?? 0}`}</dd>
        <dt>samples</dt>
        <dd>{doc.samples.map((s) => s.name).join(', ') || 'none'}</dd>
      </dl>
      <h4 className="sg-section">
        Problems <span className="sg-section-meta">{count(a.errorCount, 'error')} · {count(a.warningCount, 'warning')}</span>
      </h4>
      {a.all.length ? <DiagnosticList items={a.all} onPick={pick} /> : <p className="sg-ok">No problems: the graph compiles.</p>}
      <p className="sg-hint">Select a node to edit its params. Double-click the canvas to add a node; drag from a port to connect.</p>
    </div>
  );
});

export const ParamsPanel = observer(function ParamsPanel() {
  const { graph } = useApp();
  const sole = graph.selection.nodes.length === 1 && !graph.selection.edges.length ? graph.selection.nodes[0] : null;
  const group = sole && groupOfFrame(sole);
  if (group) return <GroupDetails key={group} id={group} />;
  const note = sole && commentOfNote(sole);
  if (note) return <NoteDetails key={note} id={note} />;
  const node = graph.soleSelectedNode;
  return node && graph.selection.edges.length === 0 ? <NodeDetails key={node.id} node={node} /> : <GraphOverview />;
});
