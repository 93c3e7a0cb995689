// A plainly written seq2seq decoder, one batch row at a time, in float64 with number[] vectors:
// the reference the Decoder node's kernel is tested against. It shares no code with the runtime;
// it follows the formulas of the PyTorch docs (nn.RNN/LSTM/GRU cells), Bahdanau, Luong and the
// PyTorch seq2seq tutorial as nodes/decoder.ts documents them.
import type { Tensor } from '../../src/runtime/tensor';

export interface RefConfig {
  cell: 'RNN' | 'LSTM' | 'GRU';
  H: number;
  L: number;
  attention: 'none' | 'dot' | 'scaled_dot' | 'general' | 'additive' | 'concat';
  style: 'luong' | 'bahdanau';
  bos: number;
  eos: number;
  /** never chosen by greedy decoding */
  pad: number;
  maxLen: number;
}

export type Weights = Record<string, Tensor>;

export interface RefStep {
  token: number;
  logp: number[];
  attn: number[];
  /** h of every layer after the step */
  h: number[][];
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** y = W x (+ b), W row-major [rows, cols] */
function mv(W: Tensor, x: number[], b?: Tensor): number[] {
  const [rows, cols] = W.shape;
  if (cols !== x.length) throw new Error(`reference: [${W.shape}] times a vector of ${x.length}`);
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    let s = b ? b.data[i] : 0;
    for (let j = 0; j < cols; j++) s += W.data[i * cols + j] * x[j];
    y.push(s);
  }
  return y;
}
const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]);
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

function softmax(s: number[]): number[] {
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** One cell step as torch.nn documents it; returns [h', c'] */
function cell(cfg: RefConfig, W: Weights, l: number, x: number[], h: number[], c: number[]): [number[], number[]] {
  const H = cfg.H;
  const gi = mv(W[`rnn.weight_ih_l${l}`], x, W[`rnn.bias_ih_l${l}`]);
  const gh = mv(W[`rnn.weight_hh_l${l}`], h, W[`rnn.bias_hh_l${l}`]);
  const part = (v: number[], k: number) => v.slice(k * H, (k + 1) * H);
  if (cfg.cell === 'RNN') return [add(gi, gh).map(Math.tanh), c];
  if (cfg.cell === 'GRU') {
    const r = add(part(gi, 0), part(gh, 0)).map(sig);
    const z = add(part(gi, 1), part(gh, 1)).map(sig);
    const n = part(gi, 2).map((v, j) => Math.tanh(v + r[j] * gh[2 * H + j]));
    return [n.map((nv, j) => (1 - z[j]) * nv + z[j] * h[j]), c];
  }
  const g = add(gi, gh);
  const i = part(g, 0).map(sig), f = part(g, 1).map(sig), gg = part(g, 2).map(Math.tanh), o = part(g, 3).map(sig);
  const c2 = c.map((cv, j) => f[j] * cv + i[j] * gg[j]);
  return [c2.map((cv, j) => o[j] * Math.tanh(cv)), c2];
}

/** score rules over the memory rows (only the real steps of this row are passed) */
function attend(cfg: RefConfig, W: Weights, q: number[], mem: number[][]): { w: number[]; ctx: number[] } {
  const scores = mem.map((m) => {
    switch (cfg.attention) {
      case 'dot':
        return dot(q, m);
      case 'scaled_dot':
        return dot(q, m) / Math.sqrt(m.length);
      case 'general':
        return dot(q, mv(W['attn.W'], m)); // qᵀ W m
      case 'additive': {
        const a = add(mv(W['attn.W_query'], q), mv(W['attn.W_key'], m)).map(Math.tanh);
        return dot(Array.from(W['attn.v'].data), a);
      }
      default:
        throw new Error('reference: not a score rule');
    }
  });
  const w = softmax(scores);
  const ctx = mem[0].map((_, j) => mem.reduce((s, m, k) => s + w[k] * m[j], 0));
  return { w, ctx };
}

/**
 * Decodes one row: greedy (argmax over all but <pad> and <s>, lowest id on ties) or forced along `target`.
 * mem: this row's real memory steps; concatValid: positions the concat rule's softmax spans.
 */
export function refDecodeRow(cfg: RefConfig, W: Weights, h0: number[][], c0: number[][], mem: number[][], target?: number[], concatValid?: number): RefStep[] {
  const h = h0.map((r) => [...r]);
  const c = c0.map((r) => [...r]);
  const E = W['embedding.weight'].shape[1];
  const steps: RefStep[] = [];
  let prev = cfg.bos;
  const n = target ? target.length : cfg.maxLen;
  for (let t = 0; t < n; t++) {
    const emb = Array.from(W['embedding.weight'].data.slice(prev * E, prev * E + E));
    let x = emb;
    let attn: number[] = [];
    let ctx: number[] = [];
    const rules = cfg.attention !== 'none' && cfg.attention !== 'concat';
    if (cfg.attention === 'concat') {
      const Smax = W['attn.bias'].shape[0];
      const logits = mv(W['attn.weight'], [...emb, ...h[cfg.L - 1]], W['attn.bias']);
      const valid = concatValid ?? Smax;
      const w = softmax(logits.slice(0, valid));
      attn = [...w, ...new Array(Smax - valid).fill(0)];
      ctx = mem[0].map((_, j) => mem.reduce((s, m, k) => s + (k < valid ? w[k] * m[j] : 0), 0));
      x = mv(W['attn_combine.weight'], [...emb, ...ctx], W['attn_combine.bias']).map((v) => Math.max(0, v));
    } else if (rules && cfg.style === 'bahdanau') {
      ({ w: attn, ctx } = attend(cfg, W, h[cfg.L - 1], mem));
      x = [...emb, ...ctx];
    }
    for (let l = 0; l < cfg.L; l++) {
      [h[l], c[l]] = cell(cfg, W, l, l === 0 ? x : h[l - 1], h[l], c[l]);
    }
    let feat = h[cfg.L - 1];
    if (rules && cfg.style === 'luong') {
      ({ w: attn, ctx } = attend(cfg, W, h[cfg.L - 1], mem));
      feat = mv(W['concat.weight'], [...ctx, ...h[cfg.L - 1]], W['concat.bias']).map(Math.tanh);
    } else if (rules) feat = [...h[cfg.L - 1], ...ctx];
    const logits = mv(W['out.weight'], feat, W['out.bias']);
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((s, v) => s + Math.exp(v - m), 0));
    const logp = logits.map((v) => v - lse);
    let token = -1;
    if (target) token = target[t];
    else for (let v = 0; v < logp.length; v++) if (v !== cfg.pad && v !== cfg.bos && (token < 0 || logp[v] > logp[token])) token = v;
    steps.push({ token, logp, attn, h: h.map((r) => [...r]) });
    prev = token;
    if (!target && token === cfg.eos) break;
  }
  return steps;
}

/** The decoder's h0 for one row, as the node's doc says: passed, bridged (tanh(W x + b) split per layer) or the vector itself. */
export function refInitialState(cfg: RefConfig, W: Weights, x: number[] | null, passH?: number[][]): number[][] {
  if (passH) return passH;
  if (!x) return Array.from({ length: cfg.L }, () => new Array(cfg.H).fill(0));
  if (!W['bridge.weight']) return Array.from({ length: cfg.L }, () => [...x]);
  const y = mv(W['bridge.weight'], x, W['bridge.bias']).map(Math.tanh);
  return Array.from({ length: cfg.L }, (_, l) => y.slice(l * cfg.H, (l + 1) * cfg.H));
}
