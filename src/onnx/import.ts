// ONNX -> seqgraph: the public entry points.
//
//   importOnnx(bytes, opts)          a GraphDoc (nodes, edges, weights by PyTorch names) that
//                                    compiles, plus notes and how the model's inputs and outputs
//                                    map onto the graph's (import-io.ts). Nodes are at (0, 0).
//   importOnnxLaidOut(bytes, opts)   the same, laid out left to right (src/doc/layout.ts).
//
// A model seqgraph exported carries its graph in the metadata; it comes back exactly, with its
// weights recovered from the file's tensors (import-seqgraph.ts) — unless the file was changed
// since, or `structure: true` asks for the op-by-op import, which reads any exporter's graph
// (import-graph.ts). Either way the result is compiled before it is returned: an import that
// would not compile is an error, never a half-working graph.
import { compile } from '../compiler/compile';
import { formatDiagnostic } from '../doc/diagnostics';
import { laidOut } from '../doc/layout';
import type { GraphDoc } from '../doc/schema';
import type { Tensor } from '../runtime/tensor';
import { arr, type Arr } from './import-array';
import { importStructure, ImportRefused, type IoMap } from './import-graph';
import { decodeOnnx, ImportError, tensorReader, type ExternalFiles } from './import-read';
import { importSeqgraph } from './import-seqgraph';
import './import-patterns';
import { META_GRAPH } from './export-graph';

export interface ImportOptions {
  /** the file's name, for messages */
  file?: string;
  /** external-data files, by the location the model names (checked not to leave its folder) */
  external?: ExternalFiles;
  /** graph inputs to take as constants (weights fed as inputs) */
  constants?: Record<string, Tensor>;
  /** vocabulary for token inputs: one list for all, or per ONNX input name */
  vocab?: string[] | Record<string, string[]>;
  /** read the ONNX graph op by op even when it carries seqgraph's own graph */
  structure?: boolean;
}

export interface ImportResult {
  doc: GraphDoc;
  notes: string[];
  inputs: IoMap[];
  outputs: IoMap[];
  /** how it was read: seqgraph's metadata (a round trip) or the ONNX graph's structure */
  via: 'seqgraph' | 'structure';
}

export { ImportError, ImportRefused };
export type { IoMap };

export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): ImportResult {
  const file = opts.file ?? 'model.onnx';
  const model = decodeOnnx(bytes, file);
  const reader = tensorReader(file, opts.external);
  let result: ImportResult | undefined;
  if (!opts.structure) {
    const r = importSeqgraph(model, reader, file);
    if (r) result = { ...r, via: 'seqgraph' };
  }
  if (!result) {
    const constants: Record<string, Arr> = {};
    for (const [k, t] of Object.entries(opts.constants ?? {})) constants[k] = arr(t.dtype === 'int64' ? 'int' : 'float', t.shape, t.data);
    const tampered = !opts.structure && model.metadata_props?.some((e) => e.key === META_GRAPH);
    const why = `${file} carries a seqgraph graph in its metadata, but its ops or tensors are not what that graph exports (changed since it was written?), so it was read op by op`;
    try {
      result = { ...importStructure(model, { file, reader, constants, vocab: opts.vocab }), via: 'structure' };
    } catch (e) {
      if (tampered && e instanceof ImportError) throw new ImportError(`${why}. ${e.message}`);
      throw e;
    }
    if (tampered) result.notes.unshift(why);
  }
  const c = compile(result.doc);
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new ImportError(`${file}: the imported graph does not compile (an importer bug; please report it):\n${errors.map((d) => '  ' + formatDiagnostic(d)).join('\n')}`);
  return result;
}

export async function importOnnxLaidOut(bytes: Uint8Array, opts: ImportOptions = {}): Promise<ImportResult> {
  const r = importOnnx(bytes, opts);
  return { ...r, doc: await laidOut(r.doc) };
}
