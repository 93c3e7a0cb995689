// Bringing models and weights into the editor: an ONNX file (with its external-data file, dropped
// or picked together), and a PyTorch state_dict or safetensors file dropped on the canvas. Both
// show a dialog before anything changes: the ONNX import asks for a vocabulary when the model has
// none and for a missing external-data file; the weights dialog shows what matched which node,
// what is left over and what has the wrong shape, with a prefix map, and loads all or nothing.
import { action, makeObservable, observableRef } from 'mobx';
import type { GraphDoc } from '../../doc/schema';
import { importOnnxLaidOut, ImportError, type ImportResult } from '../../onnx/import';
import { externalFromBytes, LIMITS, mib } from '../../onnx/import-read';
import { parseVocab } from '../../onnx/import-tokens';
import { applyWeights, matchWeights, parsePrefixes, readWeights, WeightsError, type NamedTensor, type WeightMatch } from '../../weights/index';

export interface OnnxPending {
  file: string;
  bytes: Uint8Array;
  /** other files dropped or picked with it (external data), by name */
  others: Record<string, Uint8Array>;
  /** the external-data file the model names but nobody gave */
  missing?: string;
  /** token inputs the model holds no vocabulary for: ONNX input name -> ids */
  needVocab?: { input: string; ids: number }[];
  /** vocabularies chosen so far, by input */
  vocab: Record<string, string[]>;
  error?: string;
  busy?: boolean;
}

export interface WeightsPending {
  file: string;
  tensors: NamedTensor[];
  notes: string[];
  /** "from=to, from=to" as typed */
  prefixes: string;
  match: WeightMatch | null;
  error?: string;
}

export type WeightsKind = 'onnx' | 'weights' | 'graph' | 'data';

/** what a file is, by its name (and first bytes for the ambiguous ones) */
export function kindOf(name: string, head: Uint8Array): WeightsKind {
  const n = name.toLowerCase();
  if (n.endsWith('.onnx')) return 'onnx';
  if (n.endsWith('.pt') || n.endsWith('.pth') || n.endsWith('.safetensors') || n.endsWith('.ckpt')) return 'weights';
  if (n.endsWith('.json')) return 'graph';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'weights';
  if (head[0] === 0x7b) return 'graph';
  return 'data';
}

export class ImportStore {
  onnx: OnnxPending | null = null;
  weights: WeightsPending | null = null;

  constructor() {
    makeObservable(this, { onnx: observableRef, weights: observableRef, setOnnx: action, setWeights: action });
  }

  setOnnx(p: OnnxPending | null): void {
    this.onnx = p;
  }

  setWeights(p: WeightsPending | null): void {
    this.weights = p;
  }

  /**
   * Try the ONNX import with what is at hand. Returns the result when the graph is ready to open;
   * otherwise the pending state says what is still needed (a vocabulary, a data file) or what failed.
   */
  async tryOnnx(p: OnnxPending, numbered = false): Promise<ImportResult | null> {
    this.setOnnx({ ...p, busy: true, error: undefined });
    try {
      const r = await importOnnxLaidOut(p.bytes, { file: p.file, external: externalFromBytes(p.others), vocab: p.vocab });
      const need = numbered ? [] : numberedInputs(r);
      if (need.length) {
        this.setOnnx({ ...p, busy: false, missing: undefined, needVocab: need });
        return null;
      }
      this.setOnnx(null);
      return r;
    } catch (e) {
      const msg = (e as Error).message;
      const missing = /in the external file '([^']+)', which was not given/.exec(msg)?.[1];
      if (missing) this.setOnnx({ ...p, busy: false, missing, error: undefined });
      else if (e instanceof ImportError) this.setOnnx({ ...p, busy: false, missing: undefined, error: msg });
      else this.setOnnx({ ...p, busy: false, error: `the import failed: ${msg}` });
      return null;
    }
  }

  /** a vocabulary file for one token input (text: one symbol per line, or a JSON list) */
  withVocab(p: OnnxPending, input: string, text: string, file: string): OnnxPending | string {
    try {
      return { ...p, vocab: { ...p.vocab, [input]: parseVocab(text, file) } };
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** read a weights file and match it against the graph */
  openWeights(doc: GraphDoc, file: string, bytes: Uint8Array): void {
    try {
      const { tensors, notes } = readWeights(bytes, file);
      this.setWeights({ file, tensors, notes, prefixes: '', match: matchWeights(doc, tensors) });
    } catch (e) {
      this.setWeights({ file, tensors: [], notes: [], prefixes: '', match: null, error: (e as Error).message });
    }
  }

  /** re-match with the prefix map as typed ("from=to, from=to") */
  setPrefixes(doc: GraphDoc, text: string): void {
    const w = this.weights;
    if (!w) return;
    try {
      const items = text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
      this.setWeights({ ...w, prefixes: text, match: matchWeights(doc, w.tensors, parsePrefixes(items)), error: undefined });
    } catch (e) {
      this.setWeights({ ...w, prefixes: text, error: (e as Error).message });
    }
  }

  /** the graph with the matched weights, or an error (wrong shapes, nothing matched) */
  applied(doc: GraphDoc): GraphDoc | string {
    const w = this.weights;
    if (!w?.match) return 'nothing to load';
    try {
      return applyWeights(doc, w.match, w.tensors);
    } catch (e) {
      return e instanceof WeightsError ? e.message : `loading failed: ${(e as Error).message}`;
    }
  }
}

/** token inputs that got numbered symbols because the model has no vocabulary */
function numberedInputs(r: ImportResult): { input: string; ids: number }[] {
  return r.doc.nodes
    .filter((n) => n.type === 'Input' && n.params.kind === 'tokens')
    .filter((n) => (n.params.vocab as string[]).every((s, i) => s === String(i)))
    .map((n) => ({ input: r.inputs.find((io) => io.seqgraph === n.name)?.onnx ?? n.name, ids: (n.params.vocab as string[]).length }));
}

/** refuse files too big to read in the page, before reading them */
export function tooBig(f: { name: string; size: number }): string | null {
  return f.size > LIMITS.totalBytes ? `${f.name} is ${mib(f.size)}; the editor reads files up to ${mib(LIMITS.totalBytes)} (use the command line: seqgraph import)` : null;
}
