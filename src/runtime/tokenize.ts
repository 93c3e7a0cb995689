// Text <-> token ids with an Input node's vocabulary, and a graph's samples -> feeds.
// Used by the CLI, the app's run panel and the tests alike, so "run on this text" means the
// same thing everywhere.
import type { GraphInput, TokenInputInfo, Program } from '../ir/program';
import type { SampleValue } from '../doc/schema';
import { intTensor, type Tensor } from './tensor';
import { floatSampleToTensor } from './sample-values';
import { dict, own } from '../doc/dict';

export const SPECIALS = ['<pad>', '<unk>', '<s>', '</s>'];

export function splitText(text: string, info: Pick<TokenInputInfo, 'tokenizer' | 'lowercase'>): string[] {
  const t = info.lowercase ? text.toLowerCase() : text;
  return info.tokenizer === 'words' ? t.split(/\s+/).filter(Boolean) : Array.from(t);
}

export function encodeText(text: string, info: TokenInputInfo): number[] {
  const index = new Map(info.vocab.map((s, i) => [s, i]));
  const ids = splitText(text, info).map((s) => index.get(s) ?? info.unk);
  if (info.add_bos && info.bos !== undefined) ids.unshift(info.bos);
  if (info.add_eos && info.eos !== undefined) ids.push(info.eos);
  return ids;
}

/** ids [B,T] padded at the end */
export function encodeBatch(texts: string[], info: TokenInputInfo): Tensor {
  const rows = texts.map((t) => encodeText(t, info));
  const T = Math.max(1, ...rows.map((r) => r.length));
  const t = intTensor([rows.length, T]);
  t.data.fill(info.pad);
  rows.forEach((r, b) => t.data.set(r, b * T));
  return t;
}

export function decodeIds(ids: ArrayLike<number>, vocab: string[]): string[] {
  return Array.from(ids, (i) => vocab[i] ?? `#${i}`);
}

/** One sample value for one graph input -> a tensor, or a message saying why it doesn't fit. */
export function sampleToTensor(input: GraphInput, value: SampleValue): Tensor | string {
  const info = input.info;
  if (info.kind === 'tokens') {
    if (typeof value === 'string') return encodeBatch([value], info);
    if (Array.isArray(value) && value.length === 0) return `input "${input.name}": the sample has no rows (an empty list); give a text or a list of texts`;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return encodeBatch(value as string[], info);
    return `input "${input.name}" takes text (or a list of texts), got numbers`;
  }
  return floatSampleToTensor(input, value);
}

export function sampleFeeds(program: Program, inputs: Record<string, SampleValue>): Record<string, Tensor> {
  const feeds = dict<Tensor>();
  for (const inp of program.inputs) {
    const v = own(inputs, inp.name);
    if (v === undefined) throw new Error(`the sample has no value for input "${inp.name}"`);
    const t = sampleToTensor(inp, v);
    if (typeof t === 'string') throw new Error(t);
    feeds[inp.name] = t;
  }
  return feeds;
}
