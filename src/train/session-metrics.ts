// The task's own metric for a training session, chosen from what the first loss's output is
// scored against (src/data's target kinds):
//   class target            → accuracy (+ confusion matrix, per-class F1)
//   a tag per token          → per-token accuracy
//   the next token (an LM)   → cross-entropy per character / token (nats; + bits, perplexity, accuracy)
//   a Decoder's token target → phoneme (symbol) error rate on free greedy decoding (+ word error rate)
//   float values             → RMSE in the data's units (+ the last-value baseline's RMSE for a series)
// The loss always comes from Trainer.evaluate (no dropout, targets as trained); predictions come
// from the model as it is used (execute(): no dropout, no teacher forcing).
import type { Program, TokenInputInfo } from '../ir/program';
import type { TrainingSettings } from '../doc/training';
import type { DataBatch } from '../data/batches';
import type { PreparedData } from '../data/prepare';
import { denormalise, forecastRMSE } from '../data/series';
import { IGNORE_INDEX } from '../data/vocab';
import { execute } from '../runtime/execute';
import { forwardTrain, markWeightsChanged } from './runtime';
import type { Trainer } from './trainer';
import { argmax, ConfusionCounter, ErrorRateCounter, crossEntropyReport, classReport } from './metrics';
import type { Tensor } from '../runtime/tensor';

export interface Metrics {
  loss: number;
  metric: { name: 'accuracy' | 'per' | 'rmse' | 'ce_per_char' | 'ce_per_token'; value: number; higherIsBetter: boolean };
  extra?: Record<string, number>;
}

export interface EvaluationReport {
  metrics: Metrics;
  confusion?: { labels: string[]; counts: number[][] };
  /** the worst first: wrong ones, then by loss (NaN where an example has no own loss: decoders, regression use the error) */
  examples: { index: number; input: string; target: string; prediction: string; correct: boolean; loss: number }[];
  /** examples scored */
  rows: number;
}

export type TaskKind = 'classify' | 'tag' | 'lm' | 'decode' | 'regress';
export interface Task {
  kind: TaskKind;
  /** the output the metric reads (the first loss's) */
  output: string;
  /** class names (classify, tag), or the symbols (lm, decode) */
  labels?: string[];
}

export function taskOf(program: Program, settings: TrainingSettings, data: PreparedData): Task {
  const output = settings.losses[0].output;
  const t = data.targets[output];
  if (!t) throw new Error(`the data maps no target to output "${output}", which the first loss scores`);
  const labels = t.labels;
  switch (t.kind) {
    case 'class':
      return { kind: 'classify', output, labels };
    case 'tags':
      return { kind: 'tag', output, labels };
    case 'next_of':
      return { kind: 'lm', output, labels };
    case 'same_as': {
      const inp = data.inputs[t.align ?? ''];
      return { kind: inp && inp.kind === 'tokens' && inp.decoder ? 'decode' : 'lm', output, labels };
    }
    default:
      return { kind: 'regress', output };
  }
}

interface MeasureArgs {
  program: Program;
  inference?: Program;
  trainer: Trainer;
  task: Task;
  data: PreparedData;
  batches: DataBatch[];
  /** how many examples to list */
  examples: number;
}

type Row = EvaluationReport['examples'][number];

/** ids → text, without <pad>, <s>, </s> */
function textOf(ids: ArrayLike<number>, info: TokenInputInfo | undefined, labels?: string[]): string {
  const vocab = info?.vocab ?? labels ?? [];
  const skip = new Set([info?.pad, info?.bos, info?.eos, IGNORE_INDEX]);
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) if (!skip.has(ids[i])) out.push(vocab[ids[i]] ?? `#${ids[i]}`);
  return out.join(info?.tokenizer === 'words' || !info ? ' ' : '');
}

/** -log p(k) at a row of C values, whatever the output holds */
function nll(out: Tensor, kind: Program['outputs'][number]['kind'], offset: number, C: number, k: number): number {
  const d = out.data as Float32Array;
  if (kind === 'probs') return -Math.log(Math.max(d[offset + k], 1e-30));
  if (kind === 'logprobs') return -d[offset + k];
  let m = -Infinity;
  for (let j = 0; j < C; j++) m = Math.max(m, d[offset + j]);
  let s = 0;
  for (let j = 0; j < C; j++) s += Math.exp(d[offset + j] - m);
  return m + Math.log(s) - d[offset + k];
}

/** copy the trained weights into the inference program (same graph minus target inputs) */
function syncWeights(from: Program, to: Program): void {
  const byRef = new Map(Object.entries(from.weightRefs).map(([ir, r]) => [`${r.node}\u0000${r.name}`, ir]));
  const names: string[] = [];
  for (const [ir, r] of Object.entries(to.weightRefs)) {
    const src = byRef.get(`${r.node}\u0000${r.name}`);
    if (!src) throw new Error(`the inference graph has weight ${r.node}.${r.name}, which the trained graph lacks`);
    (to.initializers[ir].data as Float32Array).set(from.initializers[src].data as Float32Array);
    names.push(ir);
  }
  markWeightsChanged(to, names);
}

export function measure(a: MeasureArgs): EvaluationReport {
  const { program, task, data, batches } = a;
  const lossMetrics = a.trainer.evaluate(batches);
  const out = program.outputs.find((o) => o.name === task.output)!;
  const textInput = Object.entries(data.inputs).find(([, p]) => p.kind === 'tokens' && !p.decoder);
  const textInfo = textInput && textInput[1].kind === 'tokens' ? textInput[1].info : undefined;
  const inputText = (ex: DataBatch['examples'][number]) => {
    if (textInput) return textOf(ex.feeds[textInput[0]], textInfo);
    const f = Object.values(ex.feeds)[0];
    return f ? `row ${ex.row}: ${ex.length > 1 ? `${ex.length} steps, ` : ''}${f.length} values` : '';
  };
  const rows: Row[] = [];
  let index = 0;
  let metric: Metrics['metric'];
  const extra: Record<string, number> = {};
  let confusion: EvaluationReport['confusion'];

  if (task.kind === 'classify' || task.kind === 'tag' || task.kind === 'lm') {
    const labels = task.labels ?? out.labels ?? [];
    const counter = task.kind === 'classify' && labels.length ? new ConfusionCounter(labels) : undefined;
    let right = 0;
    let total = 0;
    for (const b of batches) {
      const y = execute(program, b.feeds, { checkFinite: false }).outputs[task.output];
      const C = y.shape[y.shape.length - 1] as number;
      b.examples.forEach((ex, i) => {
        const t = ex.targets[task.output] as Int32Array;
        const T = task.kind === 'classify' ? 1 : (y.shape[1] as number);
        let ok = 0;
        let n = 0;
        let l = 0;
        const pred: number[] = [];
        for (let s = 0; s < Math.min(T, t.length); s++) {
          if (t[s] === IGNORE_INDEX) continue;
          const off = (i * T + s) * C;
          const p = argmax(y.data as Float32Array, off, C);
          pred.push(p);
          n++;
          if (p === t[s]) ok++;
          l += nll(y, out.kind, off, C, t[s]);
          if (counter) counter.add(t[s], p);
        }
        right += ok;
        total += n;
        const target = Array.from(t).filter((k) => k !== IGNORE_INDEX);
        const name = (k: number) => labels[k] ?? `#${k}`;
        rows.push({
          index: index++,
          input: inputText(ex),
          target: target.map(name).join(task.kind === 'lm' && textInfo?.tokenizer === 'chars' ? '' : ' '),
          prediction: pred.map(name).join(task.kind === 'lm' && textInfo?.tokenizer === 'chars' ? '' : ' '),
          correct: ok === n,
          loss: n ? l / n : 0,
        });
      });
    }
    const acc = total ? right / total : 0;
    if (task.kind === 'lm') {
      const ce = lossMetrics.outputs[task.output]?.loss ?? lossMetrics.loss;
      const r = crossEntropyReport(ce);
      metric = { name: textInfo?.tokenizer === 'words' ? 'ce_per_token' : 'ce_per_char', value: ce, higherIsBetter: false };
      Object.assign(extra, { accuracy: acc, bits: r.bits, perplexity: r.perplexity });
    } else metric = { name: 'accuracy', value: acc, higherIsBetter: true };
    if (counter) {
      const m = counter.result();
      confusion = { labels: m.labels, counts: m.matrix };
      for (const c of classReport(m)) extra[`f1_${c.label}`] = c.f1;
    }
  } else if (task.kind === 'decode') {
    const target = data.targets[task.output];
    const tin = data.inputs[target.align ?? ''];
    const info = tin && tin.kind === 'tokens' ? tin.info : undefined;
    const eos = info?.eos;
    const strip = (ids: ArrayLike<number>) => {
      const o: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const k = ids[i];
        if (k === eos || k === IGNORE_INDEX || k === info?.pad) break;
        if (k !== info?.bos) o.push(k);
      }
      return o;
    };
    const errs = new ErrorRateCounter();
    if (a.inference) syncWeights(program, a.inference);
    for (const b of batches) {
      let hyp: (i: number) => number[];
      if (a.inference) {
        const inf = a.inference;
        const feeds = Object.fromEntries(inf.inputs.map((i) => [i.name, b.feeds[i.name]]));
        const res = execute(inf, feeds, { checkFinite: false }).outputs;
        const tokOut = inf.outputs.find((o) => o.kind === 'tokens');
        if (!tokOut) throw new Error('the inference graph has no Output of the Decoder\'s tokens: add one to measure the phoneme error rate');
        const tk = res[tokOut.name];
        const M = tk.shape[1] as number;
        hyp = (i) => strip(tk.data.subarray(i * M, (i + 1) * M) as Int32Array);
      } else {
        // no inference graph: the decoder fed its own choices for the target's length
        const fw = forwardTrain(program, b.feeds, { seed: 0, teacherForcingRatio: 0 });
        const lp = fw.values.get(out.value)!;
        const [, M, V] = lp.shape as number[];
        hyp = (i) => strip(Array.from({ length: M }, (_, s) => argmax(lp.data as Float32Array, (i * M + s) * V, V)));
      }
      b.examples.forEach((ex, i) => {
        const ref = strip(ex.targets[task.output]);
        const h = hyp(i);
        const d = errs.add(ref, h);
        rows.push({ index: index++, input: inputText(ex), target: textOf(ref, info), prediction: textOf(h, info), correct: d === 0, loss: NaN });
      });
    }
    const r = errs.result();
    metric = { name: 'per', value: r.symbolErrorRate, higherIsBetter: false };
    Object.assign(extra, { wer: r.sequenceErrorRate });
  } else {
    const preds: Float32Array[] = [];
    const exs: DataBatch['examples'] = [];
    for (const b of batches) {
      const y = execute(program, b.feeds, { checkFinite: false }).outputs[task.output];
      const per = y.data.length / b.size;
      b.examples.forEach((ex, i) => {
        preds.push((y.data as Float32Array).slice(i * per, (i + 1) * per));
        exs.push(ex);
      });
    }
    const value = forecastRMSE(data, task.output, exs, preds);
    metric = { name: 'rmse', value, higherIsBetter: false };
    if (data.series) {
      const base = forecastRMSE(data, task.output, exs, exs.map((e) => e.baseline?.[task.output] ?? new Float32Array(0)));
      Object.assign(extra, { baseline_rmse: base, improvement: base > 0 ? 1 - value / base : 0 });
    }
    exs.forEach((ex, i) => {
      const err = forecastRMSE(data, task.output, [ex], [preds[i]]);
      // in the data's units (a differenced series: the change from the step before)
      const shown = (v: ArrayLike<number>) => Array.from(denormalise(data, task.output, v), (x) => x.toFixed(3)).join(' ');
      rows.push({ index: index++, input: inputText(ex), target: shown(ex.targets[task.output]), prediction: shown(preds[i]), correct: true, loss: err });
    });
  }
  const worst = rows
    .slice()
    .sort((x, y) => Number(x.correct) - Number(y.correct) || (Number.isNaN(y.loss) ? 0 : y.loss) - (Number.isNaN(x.loss) ? 0 : x.loss))
    .slice(0, a.examples);
  return { metrics: { loss: lossMetrics.loss, metric, extra }, ...(confusion ? { confusion } : {}), examples: worst, rows: rows.length };
}
