// The Train tab's settings: loss per output, optimiser and learning rate, schedule, batch size,
// epochs, gradient clipping, teacher forcing. Every edit is an edit of the graph's `training`
// section (Undo takes it back; Save writes it to the file). Names are PyTorch's.
import { observer } from 'mobx-react-lite';
import { useEffect, useState } from 'react';
import { trainingOf, withTraining, type TrainingInput } from '../store/train-settings';
import type { AppState } from '../store/app-state';
import { useApp } from './ui';

const OPTIMIZERS = ['Adam', 'AdamW', 'SGD', 'RMSprop', 'Adagrad'] as const;
const SCHEDULES = ['', 'StepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR'] as const;
const LOSSES = ['CrossEntropyLoss', 'NLLLoss', 'MSELoss'] as const;

function edit(app: AppState, key: string, f: (t: TrainingInput) => TrainingInput): void {
  const doc = app.graph.doc;
  app.graph.commit(withTraining(doc, f(structuredClone(trainingOf(doc)))), { coalesce: `training:${key}` });
}

/** A number field that keeps what is typed until it reads as a number in range. */
function NumberField(props: { id: string; label: string; value: number | undefined; min?: number; max?: number; integer?: boolean; placeholder?: string; help?: string; onChange: (v: number | undefined) => void; disabled?: boolean }) {
  const [text, setText] = useState(props.value === undefined ? '' : String(props.value));
  const [bad, setBad] = useState<string | null>(null);
  useEffect(() => setText(props.value === undefined ? '' : String(props.value)), [props.value]);
  return (
    <label className="sg-train-field" title={props.help}>
      <span>{props.label}</span>
      <input
        type="text"
        inputMode="decimal"
        value={text}
        placeholder={props.placeholder}
        disabled={props.disabled}
        data-testid={`train-${props.id}`}
        aria-invalid={!!bad}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          if (t.trim() === '' && props.placeholder) {
            setBad(null);
            props.onChange(undefined);
            return;
          }
          const v = Number(t);
          const why = !Number.isFinite(v) || t.trim() === '' ? 'a number' : props.integer && !Number.isInteger(v) ? 'a whole number' : props.min !== undefined && v < props.min ? `≥ ${props.min}` : props.max !== undefined && v > props.max ? `≤ ${props.max}` : null;
          setBad(why);
          if (!why) props.onChange(v);
        }}
      />
      {bad && <em className="sg-train-bad">must be {bad}</em>}
    </label>
  );
}

export const TrainSettings = observer(function TrainSettings() {
  const app = useApp();
  const doc = app.graph.doc;
  const t = trainingOf(doc);
  const off = app.train.running;
  const opt = t.optimizer;
  const sched = t.schedule;
  const hasDecoder = doc.nodes.some((n) => n.type === 'Decoder');
  return (
    <section className="sg-train-section" aria-label="Training settings" data-testid="train-settings">
      <h3 className="sg-train-h">2 · Settings</h3>
      {t.losses.length === 0 && <p className="sg-field-help">Pick a data set first: each output with a target gets a loss.</p>}
      {t.losses.map((l, i) => (
        <label key={l.output} className="sg-train-field is-wide">
          <span>loss on “{l.output}”</span>
          <select
            value={l.loss}
            disabled={off}
            data-testid={`train-loss-${l.output}`}
            onChange={(e) => edit(app, `loss${i}`, (x) => ({ ...x, losses: x.losses.map((y, j) => (j === i ? { loss: e.target.value as never, output: y.output } : y)) }))}
          >
            {LOSSES.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
      ))}
      <div className="sg-train-grid">
        <label className="sg-train-field">
          <span>optimizer</span>
          <select value={opt.type} disabled={off} data-testid="train-optimizer" onChange={(e) => edit(app, 'opt', (x) => ({ ...x, optimizer: { type: e.target.value as never, lr: x.optimizer.lr } }))}>
            {OPTIMIZERS.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <NumberField id="lr" label="lr" value={opt.lr} min={1e-8} max={10} disabled={off} help="learning rate" onChange={(v) => v !== undefined && edit(app, 'lr', (x) => ({ ...x, optimizer: { ...x.optimizer, lr: v } }))} />
        <NumberField id="batch-size" label="batch size" value={t.batch_size ?? 32} min={1} max={4096} integer disabled={off} onChange={(v) => v !== undefined && edit(app, 'bs', (x) => ({ ...x, batch_size: v }))} />
        <NumberField id="epochs" label="epochs" value={t.epochs ?? 10} min={1} max={10000} integer disabled={off} onChange={(v) => v !== undefined && edit(app, 'ep', (x) => ({ ...x, epochs: v }))} />
        <NumberField
          id="clip"
          label="clip grad norm"
          value={t.clip_grad_norm?.max_norm}
          min={1e-6}
          placeholder="off"
          disabled={off}
          help="torch.nn.utils.clip_grad_norm_(max_norm): empty = no clipping"
          onChange={(v) => edit(app, 'clip', (x) => (v === undefined ? { ...x, clip_grad_norm: undefined } : { ...x, clip_grad_norm: { max_norm: v } }))}
        />
        <NumberField id="seed" label="seed" value={t.seed ?? 0} min={0} integer disabled={off} help="initial shuffling, dropout masks, scheduled sampling" onChange={(v) => v !== undefined && edit(app, 'seed', (x) => ({ ...x, seed: v }))} />
        <label className="sg-train-field">
          <span>schedule</span>
          <select
            value={sched?.type ?? ''}
            disabled={off}
            data-testid="train-schedule"
            onChange={(e) =>
              edit(app, 'sched', (x) => {
                const v = e.target.value;
                const epochs = x.epochs ?? 10;
                if (!v) return { ...x, schedule: undefined };
                if (v === 'StepLR') return { ...x, schedule: { type: 'StepLR', step_size: Math.max(1, Math.round(epochs / 3)), gamma: 0.5, interval: 'epoch' } };
                if (v === 'ExponentialLR') return { ...x, schedule: { type: 'ExponentialLR', gamma: 0.9, interval: 'epoch' } };
                if (v === 'CosineAnnealingLR') return { ...x, schedule: { type: 'CosineAnnealingLR', T_max: epochs, interval: 'epoch' } };
                return { ...x, schedule: { type: 'LinearLR', start_factor: 1 / 3, total_iters: Math.max(1, Math.round(epochs / 2)), interval: 'epoch' } };
              })
            }
          >
            {SCHEDULES.map((n) => (
              <option key={n} value={n}>
                {n || 'constant'}
              </option>
            ))}
          </select>
        </label>
        {sched?.type === 'StepLR' && <NumberField id="gamma" label="gamma" value={sched.gamma ?? 0.1} min={1e-6} disabled={off} onChange={(v) => v !== undefined && edit(app, 'gamma', (x) => ({ ...x, schedule: { ...(x.schedule as object), gamma: v } as never }))} />}
        {sched?.type === 'ExponentialLR' && <NumberField id="gamma" label="gamma" value={sched.gamma} min={1e-6} disabled={off} onChange={(v) => v !== undefined && edit(app, 'gamma', (x) => ({ ...x, schedule: { ...(x.schedule as object), gamma: v } as never }))} />}
        {hasDecoder && (
          <NumberField
            id="tf"
            label="teacher forcing"
            value={t.teacher_forcing_ratio ?? 1}
            min={0}
            max={1}
            disabled={off}
            help="Decoders with a target: the chance of feeding the true previous token at each step (1 = always)"
            onChange={(v) => v !== undefined && edit(app, 'tf', (x) => ({ ...x, teacher_forcing_ratio: v }))}
          />
        )}
      </div>
      {sched && <p className="sg-field-help">{sched.type} steps once per {sched.interval ?? 'step'}.</p>}
    </section>
  );
});
