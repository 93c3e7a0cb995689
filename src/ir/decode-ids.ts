// The Decode op's special ids, read the same way by the runtime (kernels/decoder.ts, beam.ts) and
// the ONNX export (export-decoder*.ts), so both write the same tokens. bos is always a symbol;
// eos and pad may be −1 (none).

export interface DecodeIds {
  bos: number;
  eos: number;
  pad: number;
}

/** Ids a decoder never writes: the padding symbol, and the start symbol unless it is also the end symbol. */
export function bannedIds(ids: DecodeIds, V: number): Uint8Array {
  const banned = new Uint8Array(V);
  if (ids.pad >= 0 && ids.pad < V) banned[ids.pad] = 1;
  if (ids.bos !== ids.eos && ids.bos >= 0 && ids.bos < V) banned[ids.bos] = 1;
  return banned;
}

/** What fills a row's steps after it ended: the padding id, else the end id (as Hugging Face's generate does without a pad token), else 0. */
export function fillId(ids: Pick<DecodeIds, 'eos' | 'pad'>): number {
  return ids.pad >= 0 ? ids.pad : ids.eos >= 0 ? ids.eos : 0;
}
