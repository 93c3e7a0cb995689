// Symbols -> ids exactly as the runtime tokenises (src/runtime/tokenize.ts: splitText, then
// vocabulary lookup with <unk>, then <s>/</s>), vocabularies built from the training split, and
// class label lists.
import type { TokenInputInfo } from '../ir/program';
import { SPECIALS, splitText } from '../runtime/tokenize';

/** The loss ignores target positions holding this id (padding, <s>, a language model's step after
 *  </s>): PyTorch's CrossEntropyLoss / NLLLoss default ignore_index. */
export const IGNORE_INDEX = -100;

export { splitText };

export interface Encoder {
  info: TokenInputInfo;
  index: Map<string, number>;
}

export function encoder(info: TokenInputInfo): Encoder {
  return { info, index: new Map(info.vocab.map((s, i) => [s, i])) };
}

/** How many tokens a row of `n` symbols becomes (the <s> and </s> the Input adds included). */
export function fedLength(n: number, info: TokenInputInfo): number {
  return n + (info.add_bos && info.bos !== undefined ? 1 : 0) + (info.add_eos && info.eos !== undefined ? 1 : 0);
}

/** ids as encodeText gives for these symbols; `unknown` lists the symbols the vocabulary lacks. */
export function encodeSymbols(symbols: readonly string[], enc: Encoder): { ids: Int32Array; unknown: string[] } {
  const { info, index } = enc;
  const bos = info.add_bos && info.bos !== undefined;
  const eos = info.add_eos && info.eos !== undefined;
  const ids = new Int32Array(symbols.length + (bos ? 1 : 0) + (eos ? 1 : 0));
  const unknown: string[] = [];
  let k = 0;
  if (bos) ids[k++] = info.bos!;
  for (const s of symbols) {
    const id = index.get(s);
    if (id === undefined) {
      unknown.push(s);
      ids[k++] = info.unk ?? -1; // -1: no <unk>; the caller refuses the row (prepare.ts)
    } else ids[k++] = id;
  }
  if (eos) ids[k++] = info.eos!;
  return { ids, unknown };
}

export interface VocabOptions {
  min_count: number;
  max_vocab?: number;
}

/** <pad> <unk> <s> </s>, then the training split's symbols, most frequent first (ties in code
 *  point order, so the same data always gives the same ids), at least min_count times seen, at
 *  most max_vocab in all. Symbols that are themselves special names are not repeated. */
export function buildVocab(counts: Map<string, number>, opts: VocabOptions): string[] {
  const specials = new Set(SPECIALS);
  const symbols = [...counts.entries()]
    .filter(([s, c]) => c >= opts.min_count && !specials.has(s))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([s]) => s);
  const room = opts.max_vocab !== undefined ? Math.max(0, opts.max_vocab - SPECIALS.length) : symbols.length;
  return [...SPECIALS, ...symbols.slice(0, room)];
}

/** The tokenisation of a token Input with another vocabulary: ids of the specials follow it. */
export function withVocab(info: TokenInputInfo, vocab: string[]): TokenInputInfo {
  const id = (s: string) => {
    const i = vocab.indexOf(s);
    return i >= 0 ? i : undefined;
  };
  return { ...info, vocab, pad: id('<pad>')!, unk: id('<unk>')!, bos: id('<s>'), eos: id('</s>') };
}

export function countSymbols(lists: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of lists) for (const s of l) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts;
}

/** Class labels found in the data, in a stable order: sorted as strings ("female" < "male"). */
export function labelsFrom(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Per-token labels of a tags column: whitespace separated. */
export function splitLabels(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** Symbols of a text cell as the Input splits them. */
export function symbolsOf(text: string, info: Pick<TokenInputInfo, 'tokenizer' | 'lowercase'>): string[] {
  return splitText(text, info);
}
