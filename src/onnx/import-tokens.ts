// The vocabulary of an imported token input. An ONNX model holds only ids; the symbols come from,
// in order: what the caller gives (`seqgraph import --vocab`, the editor's prompt), the model's
// metadata (seqgraph writes `vocab.<input>` on export), or numbered symbols "0", "1", ... so that
// any model imports and runs (typed as space-separated ids). Imported token inputs have no
// padding: PyTorch and ONNX models treat every id, 0 included, as a real token.

/** a vocabulary file: a JSON list of symbols, or one symbol per line (id = line number) */
export function parseVocab(text: string, file: string): string[] {
  const t = text.replace(/^\uFEFF/, '');
  if (t.trimStart().startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new Error(`${file}: a JSON vocabulary must be a list of strings`);
    return v as string[];
  }
  const lines = t.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** why a vocabulary cannot be used (an empty or repeated symbol), naming `what`; null when it can */
export function checkVocab(v: string[], what: string): string | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '') return `${what}: symbol ${i} is empty`;
    if (seen.has(v[i])) return `${what}: symbol "${v[i]}" appears twice (ids ${seen.get(v[i])} and ${i})`;
    seen.set(v[i], i);
  }
  return null;
}

export function tokenParams(input: string, rows: number | undefined, given: string[] | undefined, meta: Map<string, string>, notes: string[]): Record<string, unknown> | string {
  let vocab = given;
  let from = 'the vocabulary given';
  if (!vocab && meta.has(`vocab.${input}`)) {
    try {
      const v = JSON.parse(meta.get(`vocab.${input}`)!);
      if (Array.isArray(v) && v.every((s) => typeof s === 'string')) {
        vocab = v;
        from = `the model's metadata (vocab.${input})`;
      }
    } catch {
      notes.push(`input '${input}': the model's vocab.${input} metadata is not a JSON list of symbols; ignored`);
    }
  }
  if (rows === undefined && !vocab) return `token input '${input}' feeds no embedding table, so its vocabulary size is unknown: give a vocabulary`;
  const V = rows ?? vocab!.length;
  if (!vocab) {
    vocab = Array.from({ length: V }, (_, i) => String(i));
    notes.push(`input '${input}': the model holds no vocabulary, so its ${V} ids are named 0..${V - 1} (type ids separated by spaces; give symbols with --vocab or in the editor)`);
  } else {
    const bad = checkVocab(vocab, `the vocabulary of '${input}'`);
    if (bad) return bad;
    if (vocab.length > V) return `${from} for '${input}' has ${vocab.length} symbols but its embedding table has ${V} rows`;
    if (vocab.length < V) notes.push(`input '${input}': ${from} has ${vocab.length} symbols for ${V} embedding rows; ids ${vocab.length}..${V - 1} have no symbol`);
  }
  const chars = vocab.every((s) => Array.from(s).length === 1 && !/\s/.test(s));
  return { kind: 'tokens', vocab, tokenizer: chars ? 'chars' : 'words', padding: false, unk_token: '', lowercase: false, add_bos: false, add_eos: false };
}
