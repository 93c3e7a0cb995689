// One param of the selected node, as its schema says: a number with its range, a select for an
// enum, a toggle for a boolean, a text area for a list. Validated as typed: a bad value shows
// the reason and is not applied; a good one is applied at once (typing is one undo step).
import { useEffect, useId, useRef, useState } from 'react';
import type { NodeDef, ParamSpec, Params } from '../../compiler/node-def';
import { formatParam, paramProblem, parseParam, rangeText } from '../store/param-text';
import { WEIGHT_BUDGET, weightCountWith } from '../store/analysis';
import { setParam } from '../store/doc-ops';
import { nodeNames, weightsAnEditWouldDrop } from '../store/weight-loss';
import { cx, useApp } from './ui';

interface Props {
  nodeId: string;
  def: NodeDef;
  name: string;
  spec: ParamSpec;
  params: Params;
  /** the compiler's messages about this param (e.g. "is 20 but the vocabulary has 33 symbols") */
  compilerProblems: string[];
}

export function ParamField({ nodeId, def, name, spec, params, compilerProblems }: Props) {
  const app = useApp();
  const id = useId();
  const value = params[name];
  const [draft, setDraft] = useState(() => formatParam(spec, value));
  const [error, setError] = useState<string | null>(null);
  /** a value that would drop trained weights, waiting for the person to say yes */
  const [pending, setPending] = useState<{ value: unknown; lost: string[] } | null>(null);
  const applied = useRef(value);

  // the value changed from elsewhere (undo, another node selected): show it
  useEffect(() => {
    if (!Object.is(applied.current, value)) {
      applied.current = value;
      setDraft(formatParam(spec, value));
      setError(null);
      setPending(null);
    }
  }, [value, spec]);

  const apply = (v: unknown) => {
    setPending(null);
    applied.current = v;
    app.perform('setParam', { id: nodeId, key: name, value: v });
  };

  /** Applies `v`, unless it would drop trained weights: then it asks first. */
  const commit = (v: unknown) => {
    const doc = app.graph.doc;
    const lost = weightsAnEditWouldDrop(doc, setParam(doc, nodeId, name, v));
    if (lost.length) return setPending({ value: v, lost });
    apply(v);
  };

  const keep = () => {
    setPending(null);
    setDraft(formatParam(spec, value));
  };

  const onText = (text: string) => {
    setDraft(text);
    const parsed = parseParam(spec, text);
    if (!parsed.ok) return setError(parsed.message);
    const why = paramProblem(def, params, name, parsed.value);
    if (why) return setError(why);
    const count = weightCountWith(app.graph.doc, app.graph.analysis, nodeId, { ...params, [name]: parsed.value });
    if (count !== null && count > WEIGHT_BUDGET) {
      return setError(`would need ${(count / 1e6).toFixed(0)}M weights (${((count * 4) / 2 ** 30).toFixed(1)} GB); the editor holds at most ${WEIGHT_BUDGET / 2 ** 20}M per node`);
    }
    setError(null);
    commit(parsed.value);
  };

  const confirm = pending && (
    <div className="sg-field-confirm" role="alert" data-testid={`param-confirm-${name}`}>
      <p>
        <b>{formatParam(spec, pending.value) || 'this value'}</b>: the trained weights of <b>{nodeNames(app.graph.doc, pending.lost)}</b> would no longer fit and would be
        dropped (fresh ones would be used). Undo brings them back.
      </p>
      <div className="sg-field-confirm-actions">
        <button type="button" className="sg-button is-danger" onClick={() => apply(pending.value)} data-testid="param-confirm-apply">
          Apply and drop the weights
        </button>
        <button type="button" className="sg-button" onClick={keep} data-testid="param-confirm-keep">
          Keep {formatParam(spec, value) || 'the weights'}
        </button>
      </div>
    </div>
  );

  const step = (dir: 1 | -1) => {
    if (spec.kind !== 'int' && spec.kind !== 'float') return;
    const cur = Number(draft);
    if (!Number.isFinite(cur)) return;
    const inc = spec.kind === 'int' ? 1 : 0.05;
    let next = Math.round((cur + dir * inc) * 1e6) / 1e6;
    if (spec.min !== undefined) next = Math.max(spec.min, next);
    if (spec.max !== undefined) next = Math.min(spec.max, next);
    onText(String(next));
  };

  const range = rangeText(spec);
  const problem = error ?? null;
  let control: React.ReactNode;
  switch (spec.kind) {
    case 'bool':
      control = (
        <button
          type="button"
          role="switch"
          id={id}
          aria-checked={value === true}
          className={cx('sg-switch', value === true && 'is-on')}
          onClick={() => commit(!(value === true))}
          data-testid={`param-${name}`}
        >
          <span className="sg-switch-knob" />
          <span className="sg-switch-text">{value === true ? 'on' : 'off'}</span>
        </button>
      );
      break;
    case 'enum':
      control = (
        <select id={id} value={String(pending ? pending.value : value)} onChange={(e) => commit(e.target.value)} data-testid={`param-${name}`}>
          {spec.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    case 'strings':
      control = (
        <textarea
          id={id}
          value={draft}
          rows={Math.min(8, Math.max(3, draft.split('\n').length))}
          spellCheck={false}
          onChange={(e) => onText(e.target.value)}
          aria-invalid={!!problem}
          data-testid={`param-${name}`}
        />
      );
      break;
    default:
      control = (
        <input
          id={id}
          type="text"
          inputMode={spec.kind === 'int' ? 'numeric' : spec.kind === 'float' ? 'decimal' : 'text'}
          value={draft}
          placeholder={(spec.kind === 'int' || spec.kind === 'float') && spec.nullable ? 'empty = automatic' : undefined}
          spellCheck={false}
          onChange={(e) => onText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowUp') (e.preventDefault(), step(1));
            if (e.key === 'ArrowDown') (e.preventDefault(), step(-1));
            if (e.key === 'Enter' && pending) (e.preventDefault(), apply(pending.value));
          }}
          onBlur={() => {
            if (error) {
              setDraft(formatParam(spec, value));
              setError(null);
            }
          }}
          aria-invalid={!!problem}
          data-testid={`param-${name}`}
        />
      );
  }

  return (
    <div className={cx('sg-field', problem && 'has-error', `kind-${spec.kind}`)} data-param={name}>
      <div className="sg-field-head">
        <label htmlFor={id} className="sg-field-label">
          {name}
        </label>
        <span className="sg-field-meta">
          {spec.kind === 'strings' ? `${(value as string[] | undefined)?.length ?? 0} entries` : range}
        </span>
      </div>
      {control}
      {confirm}
      {problem && (
        <div className="sg-field-error" role="alert" data-testid={`param-error-${name}`}>
          {problem} — not applied
        </div>
      )}
      {!problem &&
        compilerProblems.map((m, i) => (
          <div className="sg-field-error is-compiler" key={i} data-testid={`param-problem-${name}`}>
            {m}
          </div>
        ))}
      <p className="sg-field-help">
        {spec.help}
        {spec.kind === 'strings' && ' — one per line (␠ is a space), or a comma list'}
      </p>
    </div>
  );
}
