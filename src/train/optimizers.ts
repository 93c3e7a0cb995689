// torch.optim's update rules (the single-tensor code paths of PyTorch 1.13 and 2.x, which agree):
// SGD (momentum, dampening, nesterov, weight_decay), Adam and AdamW (amsgrad, weight_decay),
// RMSprop (alpha, momentum, centered, weight_decay), Adagrad (lr_decay, weight_decay,
// initial_accumulator_value, eps). Parameters and state are float32 as in PyTorch; each
// element's arithmetic runs in float64 and is rounded where PyTorch stores a tensor, so results
// agree with torch.optim to float32 rounding. A parameter without a gradient this step (the loss
// does not reach it) is skipped, as PyTorch skips a `.grad` of None.
import type { OptimizerSettings } from '../doc/training';
import { base64ToF32, f32ToBase64 } from './codec';

export interface Param {
  /** a stable name (the IR initializer's), keying gradients and state */
  name: string;
  /** the live weight, updated in place */
  data: Float32Array;
}

export interface OptimizerStateJSON {
  type: OptimizerSettings['type'];
  /** param name -> { step?, buffers: name -> base64 float32 } */
  params: Record<string, { step?: number; buffers: Record<string, string> }>;
}

interface Slot {
  step: number;
  buf: Record<string, Float32Array>;
}

const f = Math.fround;

export class Optimizer {
  /** the learning rate the next step uses (the schedule sets it) */
  lr: number;
  private slots = new Map<string, Slot>();
  private backup: Map<string, { step: number; buf: Record<string, Float32Array> } | null> | null = null;

  constructor(readonly settings: OptimizerSettings) {
    this.lr = settings.lr;
  }

  /** one update of every param that has a gradient */
  step(params: readonly Param[], grads: ReadonlyMap<string, Float32Array>): void {
    for (const p of params) {
      const g = grads.get(p.name);
      if (!g) continue;
      if (g.length !== p.data.length) throw new Error(`internal: gradient of ${p.name} has ${g.length} values, the weight ${p.data.length}`);
      this.update(p, g, this.slot(p));
    }
  }

  private slot(p: Param): Slot {
    let s = this.slots.get(p.name);
    if (s) return s;
    const n = p.data.length;
    const o = this.settings;
    const buf: Record<string, Float32Array> = {};
    if (o.type === 'Adam' || o.type === 'AdamW') {
      buf.exp_avg = new Float32Array(n);
      buf.exp_avg_sq = new Float32Array(n);
      if (o.amsgrad) buf.max_exp_avg_sq = new Float32Array(n);
    } else if (o.type === 'RMSprop') {
      buf.square_avg = new Float32Array(n);
      if (o.momentum > 0) buf.momentum_buffer = new Float32Array(n);
      if (o.centered) buf.grad_avg = new Float32Array(n);
    } else if (o.type === 'Adagrad') {
      buf.sum = new Float32Array(n).fill(o.initial_accumulator_value);
    }
    // SGD's momentum_buffer is created from the first gradient (torch.clone(d_p))
    s = { step: 0, buf };
    this.slots.set(p.name, s);
    return s;
  }

  private update(p: Param, g: Float32Array, s: Slot): void {
    const o = this.settings;
    const w = p.data;
    const n = w.length;
    const lr = this.lr;
    s.step++;
    switch (o.type) {
      case 'SGD': {
        const wd = f(o.weight_decay);
        const mom = f(o.momentum);
        const damp = f(1 - o.dampening);
        const first = !s.buf.momentum_buffer;
        if (o.momentum !== 0 && first) s.buf.momentum_buffer = new Float32Array(n);
        const buf = s.buf.momentum_buffer;
        for (let i = 0; i < n; i++) {
          let d = o.weight_decay !== 0 ? f(g[i] + wd * w[i]) : g[i];
          if (o.momentum !== 0) {
            const b = first ? d : f(f(buf[i] * mom) + damp * d);
            buf[i] = b;
            d = o.nesterov ? f(d + mom * b) : b;
          }
          w[i] = f(w[i] - lr * d);
        }
        return;
      }
      case 'Adam':
      case 'AdamW': {
        const [beta1, beta2] = o.betas;
        const b1 = f(beta1);
        const b2 = f(beta2);
        const c1 = f(1 - beta1);
        const c2 = f(1 - beta2);
        const wd = f(o.weight_decay);
        const decay = f(1 - lr * o.weight_decay); // AdamW: param.mul_(1 - lr·weight_decay)
        const bc1 = 1 - beta1 ** s.step;
        const bc2sqrt = Math.sqrt(1 - beta2 ** s.step);
        const stepSize = lr / bc1;
        const { exp_avg: m, exp_avg_sq: v, max_exp_avg_sq: vmax } = s.buf;
        for (let i = 0; i < n; i++) {
          let gi = g[i];
          if (o.weight_decay !== 0) {
            if (o.type === 'Adam') gi = f(gi + wd * w[i]);
            else w[i] = f(w[i] * decay);
          }
          m[i] = f(f(m[i] * b1) + c1 * gi);
          v[i] = f(f(v[i] * b2) + c2 * gi * gi);
          let sq = v[i];
          if (vmax) sq = vmax[i] = Math.max(vmax[i], v[i]);
          const denom = f(f(f(Math.sqrt(sq)) / bc2sqrt) + o.eps);
          w[i] = f(w[i] - (stepSize * m[i]) / denom);
        }
        return;
      }
      case 'RMSprop': {
        const a = f(o.alpha);
        const ca = f(1 - o.alpha);
        const wd = f(o.weight_decay);
        const mom = f(o.momentum);
        const { square_avg: sqa, momentum_buffer: buf, grad_avg: ga } = s.buf;
        for (let i = 0; i < n; i++) {
          const gi = o.weight_decay !== 0 ? f(g[i] + wd * w[i]) : g[i];
          sqa[i] = f(f(sqa[i] * a) + ca * gi * gi);
          let avg: number;
          if (ga) {
            ga[i] = f(f(ga[i] * a) + ca * gi);
            avg = f(Math.sqrt(f(sqa[i] - ga[i] * ga[i])));
          } else avg = f(Math.sqrt(sqa[i]));
          avg = f(avg + o.eps);
          if (buf) {
            buf[i] = f(f(buf[i] * mom) + gi / avg);
            w[i] = f(w[i] - lr * buf[i]);
          } else w[i] = f(w[i] - (lr * gi) / avg);
        }
        return;
      }
      case 'Adagrad': {
        const wd = f(o.weight_decay);
        const clr = lr / (1 + (s.step - 1) * o.lr_decay);
        const sum = s.buf.sum;
        for (let i = 0; i < n; i++) {
          const gi = o.weight_decay !== 0 ? f(g[i] + wd * w[i]) : g[i];
          sum[i] = f(sum[i] + gi * gi);
          const std = f(f(Math.sqrt(sum[i])) + o.eps);
          w[i] = f(w[i] - (clr * gi) / std);
        }
        return;
      }
    }
  }

  /** Remember the state (not the weights: the trainer keeps those) so a failed step can be undone. */
  checkpoint(): void {
    const b = this.backup ?? new Map();
    for (const [name, s] of this.slots) {
      const prev = b.get(name);
      const buf: Record<string, Float32Array> = prev?.buf ?? {};
      for (const [k, v] of Object.entries(s.buf)) {
        if (buf[k]?.length === v.length) buf[k].set(v);
        else buf[k] = new Float32Array(v);
      }
      for (const k of Object.keys(buf)) if (!(k in s.buf)) delete buf[k];
      b.set(name, { step: s.step, buf });
    }
    for (const name of b.keys()) if (!this.slots.has(name)) b.set(name, null);
    this.backup = b;
  }

  /** Back to the last checkpoint(). */
  rollback(): void {
    if (!this.backup) {
      this.slots.clear();
      return;
    }
    for (const [name, saved] of this.backup) {
      if (!saved) {
        this.slots.delete(name);
        continue;
      }
      const buf: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(saved.buf)) buf[k] = new Float32Array(v);
      this.slots.set(name, { step: saved.step, buf });
    }
    for (const name of [...this.slots.keys()]) if (!this.backup.has(name)) this.slots.delete(name);
  }

  state(): OptimizerStateJSON {
    const params: OptimizerStateJSON['params'] = {};
    for (const [name, s] of this.slots) {
      const buffers: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.buf)) buffers[k] = f32ToBase64(v);
      params[name] = { step: s.step, buffers };
    }
    return { type: this.settings.type, params };
  }

  /** Restore state(); `sizes` gives each param's length, so a mismatched state is refused by name. */
  restore(state: OptimizerStateJSON, sizes: ReadonlyMap<string, number>): void {
    if (state.type !== this.settings.type) throw new Error(`optimizer state is for ${state.type}, but the settings say ${this.settings.type}`);
    const slots = new Map<string, Slot>();
    for (const [name, s] of Object.entries(state.params)) {
      const n = sizes.get(name);
      if (n === undefined) throw new Error(`optimizer state has a weight "${name}" that the model does not have`);
      const buf: Record<string, Float32Array> = {};
      for (const [k, b64] of Object.entries(s.buffers)) buf[k] = base64ToF32(b64, n, `optimizer state ${name}.${k}`);
      slots.set(name, { step: s.step ?? 0, buf });
    }
    this.slots = slots;
    this.backup = null;
  }
}
