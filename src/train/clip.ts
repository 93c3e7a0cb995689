// Gradient clipping as torch.nn.utils does it, over every gradient together:
//   clip_grad_norm_: total = ‖(‖g_1‖, …, ‖g_k‖)‖ (float32 per tensor, as torch.norm), then every
//                    gradient is multiplied by clamp(max_norm / (total + 1e-6), max=1) — always,
//                    even when that is 1, exactly as PyTorch does.
//   clip_grad_value_: every element clamped to [-clip_value, clip_value].
const f = Math.fround;

/** torch.norm of one tensor, float32 result (norm 2, or 'inf' for the largest |x|) */
function tensorNorm(g: Float32Array, normType: 2 | 'inf'): number {
  if (normType === 'inf') {
    let m = 0;
    for (let i = 0; i < g.length; i++) m = Math.max(m, Math.abs(g[i]));
    return m;
  }
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return f(Math.sqrt(s));
}

/** The total norm over all gradients, as clip_grad_norm_ computes it (float32). */
export function totalNorm(grads: Iterable<Float32Array>, normType: 2 | 'inf' = 2): number {
  const norms: number[] = [];
  for (const g of grads) norms.push(tensorNorm(g, normType));
  return tensorNorm(Float32Array.from(norms), normType);
}

/** torch.nn.utils.clip_grad_norm_: scales the gradients in place; returns the norm before. */
export function clipGradNorm(grads: Float32Array[], maxNorm: number, normType: 2 | 'inf' = 2): number {
  const total = totalNorm(grads, normType);
  const coef = Math.min(f(maxNorm / f(total + 1e-6)), 1);
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = f(g[i] * coef);
  return total;
}

/** torch.nn.utils.clip_grad_value_: clamps every element in place. */
export function clipGradValue(grads: Float32Array[], clipValue: number): void {
  const hi = f(clipValue);
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = Math.min(hi, Math.max(-hi, g[i]));
}
