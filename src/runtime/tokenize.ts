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

/** A text that cannot become ids with this input's settings (an unknown symbol without <unk>,
 *  rows of different lengths without padding). The message names the input, row and position. */
export class TokenizeError extends Error {}

const inputLabel = (name?: string) => (name ? `input "${name}"` : 'the text');

/** One text -> ids, or why not (a symbol missing from the vocabulary when there is no unk). */
function encodeRow(text: string, info: TokenInputInfo, name?: string, row?: number): number[] | string {
  const index = new Map(info.vocab.map((s, i) => [s, i]));
  const symbols = splitText(text, info);
  const ids: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    const id = index.get(symbols[i]) ?? info.unk;
    if (id === undefined) {
      const where = row === undefined ? `position ${i}` : `row ${row}, position ${i}`;
      return `${inputLabel(name)}: "${symbols[i]}" (${where}) is not in the vocabulary, and the input has no unk_token to stand for unknown symbols: add it to the vocabulary, or set unk_token`;
    }
    ids.push(id);
  }
  if (info.add_bos && info.bos !== undefined) ids.unshift(info.bos);
  if (info.add_eos && info.eos !== undefined) ids.push(info.eos);
  return ids;
}

/** One text -> ids (<s> and </s> added as the input says); throws TokenizeError on an unknown symbol without unk. */
export function encodeText(text: string, info: TokenInputInfo): number[] {
  const r = encodeRow(text, info);
  if (typeof r === 'string') throw new TokenizeError(r);
  return r;
}

/**
 * Texts -> ids [B,T]: padded at the end with the pad id, or, for an input without padding, rows
 * that must all have the same length. Returns a message naming the input, row and position when
 * the texts do not fit the input's settings.
 */
export function encodeTexts(texts: string[], info: TokenInputInfo, name?: string): Tensor | string {
  const rows: number[][] = [];
  for (let b = 0; b < texts.length; b++) {
    const r = encodeRow(texts[b], info, name, texts.length > 1 ? b : undefined);
    if (typeof r === 'string') return r;
    if (r.length === 0) return `${inputLabel(name)}: ${texts.length > 1 ? `row ${b} is` : 'it is'} empty: give every row at least one token`;
    rows.push(r);
  }
  const T = Math.max(1, ...rows.map((r) => r.length));
  if (info.pad === undefined) {
    const b = rows.findIndex((r) => r.length !== rows[0].length);
    if (b >= 0) return `${inputLabel(name)} has no padding, so every row needs the same number of tokens: row 0 has ${rows[0].length}, row ${b} has ${rows[b].length} (turn padding on, or give rows of one length)`;
  }
  const t = intTensor([rows.length, T]);
  if (info.pad !== undefined) t.data.fill(info.pad);
  rows.forEach((r, b) => t.data.set(r, b * T));
  return t;
}

/** ids [B,T], padded at the end (see encodeTexts); throws TokenizeError when the texts do not fit */
export function encodeBatch(texts: string[], info: TokenInputInfo): Tensor {
  const t = encodeTexts(texts, info);
  if (typeof t === 'string') throw new TokenizeError(t);
  return t;
}

/**
 * Where padding may sit: only at the end of a row, and never filling a whole row. Token ids
 * [B,T] of an input with padding -> a message naming the input, row and step, or null.
 * The runtime refuses such feeds before any op runs; the ONNX export refuses them too
 * (onnx/export-guards.ts), so both give the same answer or both refuse.
 */
export function paddingProblem(name: string, info: TokenInputInfo, t: Tensor): string | null {
  const pad = info.pad;
  if (pad === undefined) return null;
  const [B, T] = t.shape;
  const sym = info.vocab[pad] ?? `#${pad}`;
  for (let b = 0; b < B; b++) {
    let len = 0;
    for (let k = 0; k < T; k++) {
      if (t.data[b * T + k] === pad) continue;
      if (len !== k) return `input "${name}": row ${b} has the padding symbol ${sym} (id ${pad}) at step ${len} before a real token at step ${k}: padding must be at the end of a row (if id ${pad} is a real token here, turn the input's padding off)`;
      len = k + 1;
    }
    if (len === 0) return `input "${name}": row ${b} is all padding (${sym}, id ${pad}): give every row at least one token`;
  }
  return null;
}

export function decodeIds(ids: ArrayLike<number>, vocab: string[]): string[] {
  return Array.from(ids, (i) => vocab[i] ?? `#${i}`);
}

/** One sample value for one graph input -> a tensor, or a message saying why it doesn't fit. */
export function sampleToTensor(input: GraphInput, value: SampleValue): Tensor | string {
  const info = input.info;
  if (info.kind === 'tokens') {
    if (typeof value === 'string') return encodeTexts([value], info, input.name);
    if (Array.isArray(value) && value.length === 0) return `input "${input.name}": the sample has no rows (an empty list); give a text or a list of texts`;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return encodeTexts(value as string[], info, input.name);
    return `input "${input.name}" takes text (or a list of texts), got numbers`;
  }
  if (input.dtype === 'int64') {
    // per-row lengths [B]
    if (typeof value === 'string' || (Array.isArray(value) && value.some((v) => typeof v === 'string'))) return `input "${input.name}" takes numbers, got text`;
    const flat = (Array.isArray(value) ? value : [value]).flat(2) as unknown[];
    const bad = flat.findIndex((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0);
    if (bad >= 0) return `input "${input.name}" takes whole numbers ≥ 0 (a length per row); [${bad}] is ${JSON.stringify(flat[bad])}`;
    return intTensor([flat.length], flat as number[]);
  }
  return floatSampleToTensor(input, value);
}

/**
 * The `<name>_lengths` input of a float sequence Input with per-row lengths, when nothing gives
 * it: every row is as long as the sequence fed for <name>.
 */
export function defaultLengths(program: Program, inp: GraphInput, feeds: Record<string, Tensor>): Tensor | undefined {
  if (inp.dtype !== 'int64' || inp.shape.length !== 1 || !inp.name.endsWith('_lengths')) return undefined;
  const seq = program.inputs.find((i) => i.node === inp.node && i !== inp);
  const x = seq && own(feeds, seq.name);
  if (!x) return undefined;
  return intTensor([x.shape[0]], new Array(x.shape[0]).fill(x.shape[1]));
}

export function sampleFeeds(program: Program, inputs: Record<string, SampleValue>): Record<string, Tensor> {
  const feeds = dict<Tensor>();
  for (const inp of program.inputs) {
    const v = own(inputs, inp.name);
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
