// Losses as PyTorch defines them, each returning the reduced loss and d(loss)/d(input):
//   crossEntropy  nn.CrossEntropyLoss(ignore_index, label_smoothing, reduction) on logits [N, C]
//   nllLoss       nn.NLLLoss(ignore_index, reduction) on log-probabilities [N, C]
//   mseLoss       nn.MSELoss(reduction) on float values [N, F]
// N is every position the loss reads: B rows (per sequence) or B·T steps (per step), flattened.
// `valid` (optional, one byte per position) marks padded steps past a row's length: they count
// as if their target were ignore_index, which is what PyTorch gives when the targets are padded
// with ignore_index (the usual practice with packed sequences). Sums run in float64; the
// gradient is float32 like everything the runtime's backward reads.

export type Reduction = 'mean' | 'sum';

export interface ClassLossOptions {
  /** a target equal to this is skipped (PyTorch default -100) */
  ignoreIndex: number;
  /** ε: the target distribution is (1-ε)·onehot + ε/C (CrossEntropyLoss only) */
  labelSmoothing: number;
  reduction: Reduction;
}

export interface LossValue {
  loss: number;
  grad: Float32Array;
  /** positions (classification) or elements (MSE) that counted */
  count: number;
}

/** A bad target; `position` is the flat index into the targets (or -1 for the whole batch). */
export class TargetError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = 'TargetError';
  }
}

function checkTarget(y: number, C: number, ignoreIndex: number, i: number): boolean {
  if (y === ignoreIndex) return false;
  if (!Number.isInteger(y) || y < 0 || y >= C) {
    throw new TargetError(`target class ${y} is out of range (the output has ${C} classes, ids 0..${C - 1}; ignore_index is ${ignoreIndex})`, i);
  }
  return true;
}

function noneCounted(): TargetError {
  return new TargetError('every target is ignore_index or padding, so the mean loss is undefined (PyTorch gives nan)', -1);
}

/** nn.CrossEntropyLoss: -(1-ε)·log p_y - (ε/C)·Σ_c log p_c per counted position, p = softmax(x). */
export function crossEntropy(logits: Float32Array, C: number, targets: Int32Array, opts: ClassLossOptions, valid?: Uint8Array): LossValue {
  const N = targets.length;
  if (logits.length !== N * C) throw new Error(`internal: ${logits.length} logits for ${N} targets of ${C} classes`);
  const eps = opts.labelSmoothing;
  const grad = new Float32Array(N * C);
  const counted = new Uint8Array(N);
  let count = 0;
  for (let i = 0; i < N; i++) {
    if (valid && !valid[i]) continue;
    if (checkTarget(targets[i], C, opts.ignoreIndex, i)) {
      counted[i] = 1;
      count++;
    }
  }
  if (opts.reduction === 'mean' && count === 0) throw noneCounted();
  const scale = opts.reduction === 'mean' ? 1 / count : 1;
  let nll = 0;
  let smooth = 0;
  for (let i = 0; i < N; i++) {
    if (!counted[i]) continue;
    const o = i * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (logits[o + c] > max) max = logits[o + c];
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c] - max);
    const lse = max + Math.log(sum);
    const y = targets[i];
    nll += lse - logits[o + y];
    if (eps > 0) {
      let s = 0;
      for (let c = 0; c < C; c++) s += lse - logits[o + c];
      smooth += s;
    }
    // d/dx_c = p_c - (1-ε)·[c = y] - ε/C
    for (let c = 0; c < C; c++) {
      const p = Math.exp(logits[o + c] - lse);
      grad[o + c] = (p - (c === y ? 1 - eps : 0) - eps / C) * scale;
    }
  }
  const loss = ((1 - eps) * nll + (eps / C) * smooth) * scale;
  return { loss, grad, count };
}

/** nn.NLLLoss: -logp[y] per counted position. */
export function nllLoss(logp: Float32Array, C: number, targets: Int32Array, opts: Omit<ClassLossOptions, 'labelSmoothing'>, valid?: Uint8Array): LossValue {
  const N = targets.length;
  if (logp.length !== N * C) throw new Error(`internal: ${logp.length} log-probabilities for ${N} targets of ${C} classes`);
  const grad = new Float32Array(N * C);
  let count = 0;
  for (let i = 0; i < N; i++) {
    if (valid && !valid[i]) continue;
    if (checkTarget(targets[i], C, opts.ignoreIndex, i)) count++;
  }
  if (opts.reduction === 'mean' && count === 0) throw noneCounted();
  const scale = opts.reduction === 'mean' ? 1 / count : 1;
  let loss = 0;
  for (let i = 0; i < N; i++) {
    if (valid && !valid[i]) continue;
    const y = targets[i];
    if (y === opts.ignoreIndex) continue;
    loss -= logp[i * C + y];
    grad[i * C + y] = -scale;
  }
  return { loss: loss * scale, grad, count };
}

/** nn.MSELoss: (x - t)² over every counted element; pred and target are [N, F]. */
export function mseLoss(pred: Float32Array, target: Float32Array, F: number, reduction: Reduction, valid?: Uint8Array): LossValue {
  if (pred.length !== target.length) throw new Error(`internal: ${pred.length} predictions for ${target.length} targets`);
  const N = pred.length / F;
  for (let j = 0; j < target.length; j++) {
    if (!Number.isFinite(target[j])) throw new TargetError(`target value is ${target[j]}`, j);
  }
  let rows = 0;
  for (let i = 0; i < N; i++) if (!valid || valid[i]) rows++;
  const count = rows * F;
  if (reduction === 'mean' && count === 0) throw noneCounted();
  const scale = reduction === 'mean' ? 1 / count : 1;
  const grad = new Float32Array(pred.length);
  let loss = 0;
  for (let i = 0; i < N; i++) {
    if (valid && !valid[i]) continue;
    for (let f = 0; f < F; f++) {
      const j = i * F + f;
      const d = pred[j] - target[j];
      loss += d * d;
      grad[j] = 2 * d * scale;
    }
  }
  return { loss: loss * scale, grad, count };
}

/** How many counted positions the model got right (argmax = target), for accuracy. */
export function countCorrect(scores: Float32Array, C: number, targets: Int32Array, ignoreIndex: number, valid?: Uint8Array): { correct: number; total: number } {
  let correct = 0;
  let total = 0;
  for (let i = 0; i < targets.length; i++) {
    if ((valid && !valid[i]) || targets[i] === ignoreIndex) continue;
    let best = 0;
    for (let c = 1; c < C; c++) if (scores[i * C + c] > scores[i * C + best]) best = c;
    total++;
    if (best === targets[i]) correct++;
  }
  return { correct, total };
}
