// Sampling from a trained language model (a token Input whose next token an Output scores over
// the same vocabulary, e.g. graphs/name-generator.json): start from <s>, run the graph on the
// text so far, draw the next symbol from the last step's distribution (with a temperature),
// stop at </s> or maxLength. Seeded, so the same seed gives the same samples.
import type { Program, TokenInputInfo } from '../ir/program';
import { execute } from '../runtime/execute';
import { intTensor } from '../runtime/tensor';

/** mulberry32: small, seedable, good enough to draw symbols */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleOptions {
  count: number;
  seed: number;
  /** < 1: safer, more common choices; > 1: more varied */
  temperature?: number;
  maxLength?: number;
  /** the first symbols of every sample */
  prefix?: string;
}

export function sampleLanguageModel(program: Program, o: SampleOptions): string[] {
  const inp = program.inputs.find((i) => i.info.kind === 'tokens');
  if (!inp) throw new Error('the graph has no token Input to feed the text so far');
  const info = inp.info as TokenInputInfo;
  const out = program.outputs.find((x) => x.kind === 'probs' || x.kind === 'logprobs' || x.kind === 'values');
  if (!out || out.shape.length !== 3 || out.shape[2] !== info.vocab.length) throw new Error(`sampling needs an Output of the next symbol at every step over "${inp.name}"'s ${info.vocab.length} symbols ([B, T, ${info.vocab.length}])`);
  if (info.bos === undefined || info.eos === undefined) throw new Error(`"${inp.name}" needs <s> and </s> to start and end a sample`);
  const V = info.vocab.length;
  const T = o.temperature ?? 1;
  if (!(T > 0)) throw new Error(`temperature must be > 0 (got ${T})`);
  const draw = rng(o.seed);
  const skip = new Set([info.pad, info.unk, info.bos].filter((x): x is number => x !== undefined));
  const prefix = [...(o.prefix ?? '')].map((ch) => {
    const k = info.vocab.indexOf(info.lowercase ? ch.toLowerCase() : ch);
    if (k < 0) throw new Error(`the prefix's "${ch}" is not in the vocabulary`);
    return k;
  });
  const samples: string[] = [];
  for (let n = 0; n < o.count; n++) {
    const ids = [info.bos, ...prefix];
    while (ids.length <= (o.maxLength ?? 30)) {
      const y = execute(program, { [inp.name]: intTensor([1, ids.length], ids) }).outputs[out.name];
      const off = (ids.length - 1) * V;
      // scores → log-probabilities → tempered weights (pad, unk and <s> are never drawn)
      const lp = new Float64Array(V);
      for (let k = 0; k < V; k++) {
        const v = y.data[off + k];
        lp[k] = out.kind === 'probs' ? Math.log(Math.max(v, 1e-30)) : v;
      }
      let m = -Infinity;
      for (let k = 0; k < V; k++) if (!skip.has(k)) m = Math.max(m, lp[k] / T);
      let sum = 0;
      const w = new Float64Array(V);
      for (let k = 0; k < V; k++) sum += w[k] = skip.has(k) ? 0 : Math.exp(lp[k] / T - m);
      let r = draw() * sum;
      let next = V - 1;
      for (let k = 0; k < V; k++) if ((r -= w[k]) <= 0 && w[k] > 0) { next = k; break; }
      if (next === info.eos) break;
      ids.push(next);
    }
    samples.push(ids.slice(1).map((k) => info.vocab[k]).join(info.tokenizer === 'words' ? ' ' : ''));
  }
  return samples;
}
