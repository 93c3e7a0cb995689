// Export of a compiled graph file: the Program as ONNX (export.ts) plus, in the model's
// metadata_props, what a reader needs to use the model without the editor and what an importer
// needs to rebuild the editor graph:
//   seqgraph.format   "seqgraph/<version>" of the graph file
//   seqgraph.graph    the GraphDoc as JSON without its weights (those are the initializers)
//   seqgraph.inputs   per graph input: name, dtype, shape and its info (vocabulary, tokenizer, pad...)
//   seqgraph.outputs  per graph output: name, dtype, shape, kind (probs/logprobs/...) and labels
//   seqgraph.version  the seqgraph that wrote it; seqgraph.name the graph's name
//   vocab.<input>     each token input's vocabulary (a JSON list of symbols, in id order), so the
//                     model file alone is enough to tokenise text for it
//   seqgraph.decoder.<node name>.strategy            what each decoder in the file does: greedy, or
//                     forced when it is fed a target (written by export.ts for every export)
//   seqgraph.decoder.<node name>.requested_strategy  the graph's strategy when the export replaced
//                     it: beam, exported as greedy with { decodeStrategy: 'greedy' } (ONNX export
//                     has no beam search; without the option a beam decoder is refused)
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import { exportOnnx, type ExportOptions } from './export';
import { SEQGRAPH_VERSION } from '../version';

export const META_FORMAT = 'seqgraph.format';
export const META_GRAPH = 'seqgraph.graph';
export const META_INPUTS = 'seqgraph.inputs';
export const META_OUTPUTS = 'seqgraph.outputs';
export const META_VERSION = 'seqgraph.version';
export const META_NAME = 'seqgraph.name';
export const metaVocab = (input: string) => `vocab.${input}`;
export { metaDecoderRequested, metaDecoderStrategy } from './export-decoder';

export function graphMetadata(program: Program, doc: GraphDoc): Record<string, string> {
  const { weights: _weights, ...rest } = doc;
  const vocabs: Record<string, string> = {};
  for (const i of program.inputs) if (i.info.kind === 'tokens') vocabs[metaVocab(i.name)] = JSON.stringify(i.info.vocab);
  return {
    [META_NAME]: doc.name,
    [META_VERSION]: SEQGRAPH_VERSION,
    ...vocabs,
    [META_FORMAT]: `${doc.format}/${doc.version}`,
    [META_GRAPH]: JSON.stringify(rest),
    [META_INPUTS]: JSON.stringify(program.inputs.map(({ name, dtype, shape, info }) => ({ name, dtype, shape, info }))),
    [META_OUTPUTS]: JSON.stringify(program.outputs.map(({ name, dtype, shape, kind, labels }) => ({ name, dtype, shape, kind, ...(labels ? { labels } : {}) }))),
  };
}

/**
 * GraphDoc + its compiled Program -> ONNX bytes, named after the graph, with the metadata above.
 * `{ decodeStrategy: 'greedy' }` exports beam-search decoders as greedy ones (`seqgraph export --greedy`).
 */
export function exportGraph(program: Program, doc: GraphDoc, opts: Omit<ExportOptions, 'graphName'> = {}): Uint8Array {
  return exportOnnx(program, {
    ...opts,
    graphName: doc.name,
    docString: opts.docString ?? doc.description,
    metadata: { ...graphMetadata(program, doc), ...opts.metadata },
  });
}
