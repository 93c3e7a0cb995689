// Keeping a run's checkpoints, in the training worker: the worker has the weights and the
// optimiser state in hand, so it writes them to IndexedDB itself and tells the page only the
// step it kept (a checkpoint cloned to the page and written from there cost the canvas a long
// task every second). A file of the person's own is kept once per run, beside the checkpoints,
// so "continue from the checkpoint" after a reload has the data; a file over the size limit is
// not copied, and the checkpoint names it by SHA-256 so the person can pick the same file again.
import { MAX_KEPT_FILE_BYTES, sha256Hex, type KeptFile, type StoredCheckpoint, type StoredSource } from './store/checkpoint-db';
import type { KeepRequest, TrainSource } from './train-protocol';

/** where checkpoints go: IndexedDB in the worker (./store/checkpoint-db), memory in a test */
export interface CheckpointSink {
  saveCheckpoint(c: StoredCheckpoint): Promise<unknown>;
  saveFile(f: KeptFile): Promise<unknown>;
  clearCheckpoints(graph: string): Promise<void>;
}

/** The source as a checkpoint stores it: a file is named by its hash and size, its text kept apart. */
export async function storedSource(source: TrainSource, maxBytes = MAX_KEPT_FILE_BYTES): Promise<{ source: StoredSource; file?: Omit<KeptFile, 'graph'> }> {
  if ('builtin' in source) return { source: { builtin: source.builtin } };
  const bytes = new TextEncoder().encode(source.text).length;
  const sha256 = await sha256Hex(source.text);
  const kept = bytes <= maxBytes;
  if (!kept) return { source: { file: source.file, sha256, bytes, kept, limit: maxBytes } };
  return { source: { file: source.file, sha256, bytes, kept }, file: { file: source.file, sha256, bytes, text: source.text } };
}

export interface CheckpointData {
  which: 'best' | 'last';
  step: number;
  epoch: number;
  state: unknown;
  weights: StoredCheckpoint['weights'];
  totalSteps: number;
}

/** One run's keeper: clears the graph's old checkpoints, keeps its file, then each checkpoint. */
export class RunKeeper {
  private ready: Promise<StoredSource>;

  constructor(
    private readonly sink: CheckpointSink,
    private readonly keep: KeepRequest,
    source: TrainSource,
  ) {
    this.ready = (async () => {
      await sink.clearCheckpoints(keep.graph);
      const s = await storedSource(source, keep.maxFileBytes);
      if (!s.file) return s.source;
      try {
        await sink.saveFile({ graph: keep.graph, ...s.file });
        return s.source;
      } catch {
        // storage full: the checkpoints are still kept, and the file is picked again after a reload
        return { ...s.source, kept: false };
      }
    })();
  }

  /** the source as stored (a file: its hash, and whether its text is kept) */
  source(): Promise<StoredSource> {
    return this.ready;
  }

  async save(c: CheckpointData): Promise<void> {
    const source = await this.ready;
    await this.sink.saveCheckpoint({ graph: this.keep.graph, doc: this.keep.doc, sourceLabel: this.keep.sourceLabel, source, savedAt: Date.now(), ...c });
  }
}
