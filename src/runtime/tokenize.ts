// Text <-> token ids with an Input node's vocabulary, and a graph's samples -> feeds.
// Used by the CLI, the app's run panel and the tests alike, so "run on this text" means the
// same thing everywhere.
import type { GraphInput, TokenInputInfo, Program } from '../ir/program';
import type { SampleValue } from '../doc/schema';
import { floatTensor, intTensor, type Tensor } from './tensor';

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

function depth(v: unknown): number {
  return Array.isArray(v) ? 1 + depth(v[0]) : 0;
}

/** One sample value for one graph input -> a tensor, or a message saying why it doesn't fit. */
export function sampleToTensor(input: GraphInput, value: SampleValue): Tensor | string {
  const info = input.info;
  if (info.kind === 'tokens') {
    if (typeof value === 'string') return encodeBatch([value], info);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return encodeBatch(value as string[], info);
    return `input "${input.name}" takes text (or a list of texts), got numbers`;
  }
  if (typeof value === 'string' || (Array.isArray(value) && typeof value[0] === 'string')) return `input "${input.name}" takes numbers, got text`;
  if (input.dtype === 'int64') {
    // per-row lengths [B]
    const flat = (Array.isArray(value) ? value : [value]).flat(2) as number[];
    if (flat.some((x) => !Number.isInteger(x))) return `input "${input.name}" takes whole numbers (a length per row)`;
    return intTensor([flat.length], flat);
  }
  const d = depth(value);
  const rank = input.shape.length; // 3 for a sequence, 2 for a vector
  const batched = d === rank ? value : d === rank - 1 ? [value] : null;
  if (!batched) return `input "${input.name}" takes ${rank === 3 ? '[T][F] or [B][T][F]' : '[F] or [B][F]'} numbers, got ${d}-level nested lists`;
  const flat = (batched as unknown[]).flat(2) as number[];
  const B = (batched as unknown[]).length;
  if (rank === 3) {
    const rows = batched as number[][][];
    const T = rows[0].length;
    if (rows.some((r) => r.length !== T)) return `input "${input.name}": every row of a float batch needs the same number of steps`;
    if (rows.some((r) => r.some((s) => s.length !== info.features))) return `input "${input.name}" has ${info.features} features per step; a step of the sample has another count`;
    return floatTensor([B, T, info.features], flat);
  }
  const rows = batched as number[][];
  if (rows.some((r) => r.length !== info.features)) return `input "${input.name}" has ${info.features} features; a row of the sample has another count`;
  return floatTensor([B, info.features], flat);
}

/**
 * The `<name>_lengths` input of a float sequence Input with per-row lengths, when nothing gives
 * it: every row is as long as the sequence fed for <name>.
 */
export function defaultLengths(program: Program, inp: GraphInput, feeds: Record<string, Tensor>): Tensor | undefined {
  if (inp.dtype !== 'int64' || inp.shape.length !== 1 || !inp.name.endsWith('_lengths')) return undefined;
  const seq = program.inputs.find((i) => i.node === inp.node && i !== inp);
  const x = seq && feeds[seq.name];
  if (!x) return undefined;
  return intTensor([x.shape[0]], new Array(x.shape[0]).fill(x.shape[1]));
}

export function sampleFeeds(program: Program, inputs: Record<string, SampleValue>): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const inp of program.inputs) {
    const v = inputs[inp.name];
    if (v === undefined) {
      const d = defaultLengths(program, inp, feeds);
      if (d) {
        feeds[inp.name] = d;
        continue;
      }
    }
    if (v === undefined) throw new Error(`the sample has no value for input "${inp.name}"`);
    const t = sampleToTensor(inp, v);
    if (typeof t === 'string') throw new Error(t);
    feeds[inp.name] = t;
  }
  return feeds;
}
