// The data layer's public API (no DOM; the same in Node, the CLI and a Web Worker):
//
//   table   = await loadBuiltin('names-gender')            or  parseTable(text, { file: 'x.csv' })
//   spec    = suggestSpec(program, table, source)          (or a `training.data` from the file: parseDataSpec)
//   data    = prepareData(program, table, spec)            splits, vocabularies, dropped rows (data.report)
//   changes = graphChanges(program, data)                  vocab/labels the graph must adopt -> applyToDoc
//   batches = epochBatches(data, 'train', { batchSize: 32, shuffle: true, seed, epoch })
//
// Batches are TEAM.md's `Batch`: feeds by graph input name as execute() takes them, targets by
// output name, IGNORE_INDEX (-100) where a per-step target is not scored.
export * from './spec';
export * from './table';
export { parseTable, formatFromName, type ParseOptions } from './parse';
export { BUILTINS, builtinInfo, loadBuiltin, type BuiltinInfo } from './builtin/catalog';
export { loadSource, type ReadFile } from './source';
export { planData, decoderTargets, type Plan, type Feed, type Target } from './plan';
export { prepareData, nextTokens, DataError, type Example, type PreparedData, type PreparedInput, type PreparedTarget } from './prepare';
export { suggestSpec } from './suggest';
export { graphChanges, applyToDoc, type GraphChange } from './graph-changes';
export { previewRows, type PreviewRow } from './preview';
export { epochBatches, batchOrder, makeBatch, paddingFraction, BUCKET_POOL, type Batch, type DataBatch, type BatchOptions } from './batches';
export { forecastRMSE, lastValueBaselineRMSE, denormalise, type SeriesInfo } from './series';
export { IGNORE_INDEX, buildVocab, encodeSymbols, encoder, withVocab } from './vocab';
export { splitRows, splitSeries, splitSizes, permutation, epochSeed, SPLITS, type SplitName } from './split';
