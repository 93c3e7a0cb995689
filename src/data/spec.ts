// The data part of a graph file's training setup (`training.data`): where the examples come
// from, which column feeds which graph input and which column is each output's target, how the
// rows are split, and the tokenisation choices. Only what a valid spec looks like lives here;
// src/data/plan.ts checks it against a compiled graph and a loaded table.
import { z } from 'zod';
import { formatPath } from '../doc/diagnostics';

/** The built-in data sets (src/data/builtin/catalog.ts says what each is). */
export const BUILTIN_NAMES = [
  'cmudict-g2p',
  'cmudict-stress',
  'names-gender',
  'names',
  'spam-assassin',
  'co2-concentration',
  'seattle-weather',
] as const;
export type BuiltinName = (typeof BUILTIN_NAMES)[number];

export const FILE_FORMATS = ['csv', 'tsv', 'jsonl', 'text'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

const column = z.string().min(1, 'a column name must not be empty').max(200);
const count = z.number().int().min(1);

export const TextOptionsSchema = z
  .object({
    /** lines: every non-empty line is an example; windows: overlapping stretches of the text
     *  (window symbols plus the one after, for a character language model) */
    mode: z.enum(['lines', 'windows']).default('windows'),
    window: count.max(100_000).default(64),
    /** characters between the starts of two windows (default: the window, so they don't overlap) */
    stride: count.max(100_000).optional(),
  })
  .strict();

export const SourceSchema = z.union([
  z.object({ builtin: z.enum(BUILTIN_NAMES, { error: `must be one of ${BUILTIN_NAMES.join(', ')}` }) }).strict(),
  z
    .object({
      /** a path (the CLI reads it relative to the graph file) or, in the editor, the picked file's name */
      file: z.string().min(1),
      /** default: from the file name's extension (.csv, .tsv/.tab, .jsonl/.ndjson, anything else text) */
      format: z.enum(FILE_FORMATS).optional(),
      /** CSV/TSV: whether the first row names the columns (else they are "1", "2", ...) */
      header: z.boolean().default(true),
      /** CSV: a delimiter other than the format's (auto-detected when absent) */
      delimiter: z.string().min(1).max(4).optional(),
      /** the rows hold one time series, in time order (split by time, windowed) */
      series: z.boolean().default(false),
      text: TextOptionsSchema.optional(),
    })
    .strict(),
]);

/** A token Input fed from a text column. */
export const TokenInputMapSchema = z
  .object({
    column,
    /** graph: the Input's own vocabulary (symbols it lacks are reported and become <unk>);
     *  data: a new vocabulary from the training split (<pad> <unk> <s> </s> first, then symbols by
     *  frequency), which the graph then adopts (applyToDoc) */
    vocab: z.enum(['graph', 'data']).default('graph'),
    /** data vocabulary: keep symbols seen at least this often in the training split */
    min_count: count.default(1),
    /** data vocabulary: at most this many symbols, specials included */
    max_vocab: count.max(1_000_000).optional(),
    /** longest sequence fed, in tokens, <s> and </s> included */
    max_length: count.max(100_000).optional(),
    /** rows over max_length: dropped (and reported) or cut to fit */
    too_long: z.enum(['drop', 'truncate']).default('drop'),
    /** rows with symbols outside the vocabulary: read as <unk>, or dropped */
    unknown: z.enum(['unk', 'drop']).default('unk'),
  })
  .strict();

/** A float Input: a vector [B,F] from F numeric columns (or one column holding F numbers), or, in
 *  a time series, a sequence [B,T,F] whose steps are consecutive rows of these columns. */
export const FloatInputMapSchema = z.object({ columns: z.array(column).min(1) }).strict();
/** A float vector Input fed the one-hot code of a categorical column (e.g. condition a name
 *  generator on gender). */
export const OneHotInputMapSchema = z.object({ one_hot: column, labels: z.array(z.string().min(1)).min(1).optional() }).strict();
/** An Input fed zeros (e.g. an initial State nobody sets). */
export const ZerosInputMapSchema = z.object({ zeros: z.literal(true) }).strict();

export const InputMapSchema = z.union([
  column.transform((c) => TokenInputMapSchema.parse({ column: c })),
  TokenInputMapSchema,
  FloatInputMapSchema,
  OneHotInputMapSchema,
  ZerosInputMapSchema,
]);

/** An output's target. What it means follows from the output's shape:
 *  - [B,C] over classes: the column's label per row -> class ids [B];
 *  - [B,T,C] over classes, T an input's time axis: one label per token of that input, space
 *    separated (a tagger) -> class ids [B,T];
 *  - float values: the columns' numbers ([B,F]), or in a time series the next values. */
export const ColumnTargetSchema = z
  .object({
    column,
    /** class names: the Output's own labels (when it has them), or those found in the training split */
    labels: z.enum(['output', 'data']).default('output'),
  })
  .strict();
export const ColumnsTargetSchema = z.object({ columns: z.array(column).min(1) }).strict();
/** The ids fed to another (token) input: a Decoder's target, which is fed without <s> and ends
 *  with </s>, is also what its log-probabilities are scored against. */
export const SameAsTargetSchema = z.object({ same_as: z.string().min(1) }).strict();
/** A language model: at each step, the input's next token. end: eos scores </s> after the last
 *  symbol (whole sequences: names), continue scores the symbol after a window (plain text). */
export const NextOfTargetSchema = z.object({ next_of: z.string().min(1), end: z.enum(['eos', 'continue']).optional() }).strict();

export const TargetMapSchema = z.union([
  column.transform((c) => ColumnTargetSchema.parse({ column: c })),
  ColumnTargetSchema,
  ColumnsTargetSchema,
  SameAsTargetSchema,
  NextOfTargetSchema,
]);

export const SplitSchema = z
  .object({
    validation: z.number().min(0).max(0.9).default(0.1),
    test: z.number().min(0).max(0.9).default(0.1),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  })
  .strict()
  .refine((s) => s.validation + s.test < 1, { message: 'validation + test must leave rows for training (sum below 1)' });

export const SeriesSchema = z
  .object({
    /** steps per example */
    window: count.max(100_000).default(24),
    /** steps between the starts of two training windows (validation/test windows don't overlap) */
    stride: count.max(100_000).default(1),
    /** how far ahead the target is: 1 = the next step */
    horizon: count.max(10_000).default(1),
    /** columns taken as changes from the previous step (x_t - x_{t-1}): a trending series
     *  becomes one whose scale the training split covers */
    difference: z.array(column).default([]),
    /** scale every column to mean 0, std 1 with the training split's mean and std */
    normalise: z.boolean().default(true),
  })
  .strict();

export const DataSpecSchema = z
  .object({
    source: SourceSchema,
    /** graph input name -> what feeds it */
    inputs: z.record(z.string(), InputMapSchema),
    /** graph output name -> its target (outputs left out get none) */
    targets: z.record(z.string(), TargetMapSchema).default({}),
    split: SplitSchema.default({ validation: 0.1, test: 0.1, seed: 1 }),
    series: SeriesSchema.optional(),
    /** read at most this many rows (after the source's own cleaning), for quick runs */
    max_rows: count.optional(),
  })
  .strict();

export type DataSpec = z.output<typeof DataSpecSchema>;
export type DataSpecInput = z.input<typeof DataSpecSchema>;
export type DataSource = DataSpec['source'];
export type FileSource = Extract<DataSource, { file: string }>;
export type InputMap = z.output<typeof InputMapSchema>;
export type TokenInputMap = z.output<typeof TokenInputMapSchema>;
export type TargetMap = z.output<typeof TargetMapSchema>;
export type SeriesOptions = z.output<typeof SeriesSchema>;
export type TextOptions = z.output<typeof TextOptionsSchema>;

export interface SpecProblem {
  /** where in the graph file, e.g. "training.data.inputs.word.column" */
  path: string;
  message: string;
}

export type SpecResult = { ok: true; spec: DataSpec } | { ok: false; problems: SpecProblem[] };

/** Check a `training.data` value; every problem names its path (under `prefix`) and reason. */
export function parseDataSpec(raw: unknown, prefix = 'training.data'): SpecResult {
  const r = DataSpecSchema.safeParse(raw);
  if (r.success) return { ok: true, spec: r.data };
  const problems = r.error.issues.map((iss) => {
    const rel = formatPath(iss.path);
    return { path: rel === '(file)' ? prefix : `${prefix}.${rel}`, message: issueMessage(iss) };
  });
  return { ok: false, problems };
}

/** zod's union errors say "Invalid input"; say which forms a mapping may take instead. */
export function issueMessage(iss: z.core.$ZodIssue): string {
  if (iss.code !== 'invalid_union') return iss.message;
  const where = iss.path.map(String);
  if (where[0] === 'inputs') return 'an input takes a column name, {column, ...} (tokens), {columns: [...]} (floats), {one_hot: column} or {zeros: true}';
  if (where[0] === 'targets') return 'a target takes a column name, {column, labels}, {columns: [...]}, {same_as: input} or {next_of: input}';
  if (where[0] === 'source') return 'the source is {builtin: name} or {file: path, format?, ...}';
  return iss.message;
}
