// The task metrics a training session reports, as plain functions over plain arrays (no runtime,
// no DOM): accuracy and a confusion matrix for classifiers, per-token accuracy for taggers, phoneme
// (symbol) and word error rates for sequence-to-sequence models, RMSE against the "same as last
// value" baseline for forecasters, and per-symbol cross-entropy for language models. Kept apart from
// the session so each formula can be checked against hand-computed cases.

/** Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`
 *  (each costs 1). Symbols compare with ===, so ids and strings both work. */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const n = a.length;
  const m = b.length;
  if (!n) return m;
  if (!m) return n;
  // one row of the DP table, rolled: prev[j] = distance(a[0..i), b[0..j))
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    const ai = a[i - 1];
    for (let j = 1; j <= m; j++) {
      const sub = prev[j - 1] + (ai === b[j - 1] ? 0 : 1);
      const del = prev[j] + 1;
      const ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

export interface SequenceErrorRates {
  /** Σ edit distance / Σ reference length: the phoneme (symbol) error rate */
  symbolErrorRate: number;
  /** share of sequences that are not exactly right: the word error rate of G2P */
  sequenceErrorRate: number;
  /** Σ edit distance */
  edits: number;
  /** Σ reference length */
  symbols: number;
  /** sequences compared */
  sequences: number;
  /** sequences with at least one error */
  wrong: number;
}

/** Accumulates symbol and sequence error rates over (reference, hypothesis) pairs. G2P's PER is
 *  the symbol rate over phonemes; its WER counts a word wrong when any phoneme is wrong. */
export class ErrorRateCounter {
  edits = 0;
  symbols = 0;
  sequences = 0;
  wrong = 0;
  add<T>(reference: ArrayLike<T>, hypothesis: ArrayLike<T>): number {
    const d = editDistance(reference, hypothesis);
    this.edits += d;
    this.symbols += reference.length;
    this.sequences++;
    if (d > 0) this.wrong++;
    return d;
  }
  result(): SequenceErrorRates {
    return {
      symbolErrorRate: this.symbols ? this.edits / this.symbols : 0,
      sequenceErrorRate: this.sequences ? this.wrong / this.sequences : 0,
      edits: this.edits,
      symbols: this.symbols,
      sequences: this.sequences,
      wrong: this.wrong,
    };
  }
}

export function errorRates<T>(pairs: Iterable<[ArrayLike<T>, ArrayLike<T>]>): SequenceErrorRates {
  const c = new ErrorRateCounter();
  for (const [r, h] of pairs) c.add(r, h);
  return c.result();
}

export interface ConfusionMatrix {
  labels: string[];
  /** matrix[target][predicted]: how many examples of class `target` were called `predicted` */
  matrix: number[][];
}

/** Counts (target, prediction) class-id pairs; ids outside 0..labels.length-1 are refused. */
export class ConfusionCounter {
  readonly matrix: number[][];
  constructor(readonly labels: string[]) {
    this.matrix = labels.map(() => labels.map(() => 0));
  }
  add(target: number, predicted: number): void {
    const C = this.labels.length;
    if (!(target >= 0 && target < C && predicted >= 0 && predicted < C)) throw new RangeError(`confusion matrix: class ids must be 0..${C - 1} (got target ${target}, prediction ${predicted})`);
    this.matrix[target][predicted]++;
  }
  result(): ConfusionMatrix {
    return { labels: [...this.labels], matrix: this.matrix.map((r) => [...r]) };
  }
}

export function confusionMatrix(labels: string[], targets: ArrayLike<number>, predictions: ArrayLike<number>): ConfusionMatrix {
  if (targets.length !== predictions.length) throw new RangeError(`confusion matrix: ${targets.length} targets but ${predictions.length} predictions`);
  const c = new ConfusionCounter(labels);
  for (let i = 0; i < targets.length; i++) c.add(targets[i], predictions[i]);
  return c.result();
}

/** The diagonal's share of all counts. */
export function accuracyOf(m: ConfusionMatrix): number {
  let right = 0;
  let all = 0;
  m.matrix.forEach((row, i) => row.forEach((v, j) => ((all += v), i === j && (right += v))));
  return all ? right / all : 0;
}

export interface ClassReport {
  label: string;
  /** examples of this class */
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class precision, recall and F1 read off a confusion matrix (0 where undefined). */
export function classReport(m: ConfusionMatrix): ClassReport[] {
  return m.labels.map((label, k) => {
    const tp = m.matrix[k][k];
    const support = m.matrix[k].reduce((a, b) => a + b, 0);
    const called = m.matrix.reduce((a, row) => a + row[k], 0);
    const precision = called ? tp / called : 0;
    const recall = support ? tp / support : 0;
    return { label, support, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
  });
}

/** Index of the largest of `n` values at `offset` (the lowest index on ties, as torch.argmax). */
export function argmax(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let v = values[offset];
  for (let k = 1; k < n; k++) {
    const x = values[offset + k];
    if (x > v) {
      v = x;
      best = k;
    }
  }
  return best;
}

/** Root mean squared error over paired values. */
export function rmse(targets: ArrayLike<number>, predictions: ArrayLike<number>): number {
  if (targets.length !== predictions.length) throw new RangeError(`rmse: ${targets.length} targets but ${predictions.length} predictions`);
  let s = 0;
  for (let i = 0; i < targets.length; i++) s += (predictions[i] - targets[i]) ** 2;
  return targets.length ? Math.sqrt(s / targets.length) : NaN;
}

/** How much lower the model's RMSE is than the baseline's: 0.2 = 20 % lower (negative: worse). */
export function improvementOver(baseline: number, model: number): number {
  return baseline > 0 ? 1 - model / baseline : 0;
}

/** Natural-log cross-entropy per symbol → bits per symbol and perplexity. */
export function crossEntropyReport(nats: number): { nats: number; bits: number; perplexity: number } {
  return { nats, bits: nats / Math.LN2, perplexity: Math.exp(nats) };
}
