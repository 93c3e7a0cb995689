// A data set as the data layer sees it before it meets a graph: named columns, one row per
// example (or per time step of a series), and every row the reader could not use, located.

/** A cell: text and numbers from CSV/TSV/text (always strings there), anything JSON holds from JSON lines. */
export type Cell = string | number | boolean | null | Cell[] | { [k: string]: Cell };
export type Row = Record<string, Cell>;

/** Why a row was not used. Each kind is counted and reported with its first few rows. */
export type ProblemKind =
  | 'parse_error' // the reader could not read the row (bad JSON, wrong number of fields, ...)
  | 'empty' // the row, or the cell a mapping reads, is empty
  | 'missing_column' // the row lacks a column a mapping reads
  | 'too_long' // over the length limit
  | 'unknown_symbol' // a symbol outside the vocabulary, with unknown: drop (or no <unk>)
  | 'unknown_label' // a class label the output doesn't have, or the training split never saw
  | 'unparseable_number' // a float column whose cell is not a finite number
  | 'length_mismatch' // per-token labels whose count differs from the tokens'
  | 'duplicate'; // the same example again (built-in sets that dedupe say so)

export const PROBLEM_TEXT: Record<ProblemKind, string> = {
  parse_error: 'could not be read',
  empty: 'empty',
  missing_column: 'missing a column',
  too_long: 'too long',
  unknown_symbol: 'unknown symbols',
  unknown_label: 'unknown label',
  unparseable_number: 'not a number',
  length_mismatch: 'labels and tokens differ in count',
  duplicate: 'duplicate',
};

export interface DataProblem {
  kind: ProblemKind;
  /** the file (or built-in set) the row is in */
  file: string;
  /** the row's line in the file (1-based; for CSV the line where the row starts) */
  line?: number;
  /** the data row (1-based, a header not counted) */
  row?: number;
  column?: string;
  message: string;
}

export interface Table {
  /** file name or built-in set name, for messages */
  name: string;
  /** rows: one example per row; series: one time step per row, in time order (split by time,
   *  examples are windows); windows: plain text cut into overlapping stretches (language model) */
  kind: 'rows' | 'series' | 'windows';
  columns: string[];
  rows: Row[];
  /** per row: its line in the file (1-based) */
  lines: number[];
  /** rows the reader left out, with where and why */
  problems: DataProblem[];
  /** what a built-in set's own cleaning did (counts of what it left out and why) */
  notes?: string[];
}

/** "names.csv line 14, column gender" */
export function where(p: Pick<DataProblem, 'file' | 'line' | 'row' | 'column'>): string {
  const at = p.line !== undefined ? ` line ${p.line}` : p.row !== undefined ? ` row ${p.row}` : '';
  return `${p.file}${at}${p.column !== undefined ? `, column ${p.column}` : ''}`;
}

export function formatProblem(p: DataProblem): string {
  return `${where(p)}: ${p.message}`;
}

/** Counts per kind of problem, each with its first few rows, for the mapping screen and the CLI. */
export interface DropReport {
  /** rows read (kept + dropped) */
  total: number;
  kept: number;
  dropped: Partial<Record<ProblemKind, { count: number; first: DataProblem[] }>>;
}

const FIRST = 5;

export function makeReport(total: number, problems: readonly DataProblem[]): DropReport {
  const dropped: DropReport['dropped'] = {};
  for (const p of problems) {
    const d = (dropped[p.kind] ??= { count: 0, first: [] });
    d.count++;
    if (d.first.length < FIRST) d.first.push(p);
  }
  return { total, kept: total - problems.length, dropped };
}

/** "1,204 of 1,250 rows kept; dropped: 30 too long (first: names.csv line 7, ...), 16 empty (...)" */
export function formatReport(r: DropReport): string {
  const parts = Object.entries(r.dropped).map(([k, d]) => `${d!.count} ${PROBLEM_TEXT[k as ProblemKind]} (first: ${d!.first.map(formatProblem).join('; ')})`);
  return `${r.kept} of ${r.total} rows kept${parts.length ? `; dropped: ${parts.join(', ')}` : ''}`;
}

/** A cell as text, for token columns ("" for null/undefined; numbers as JS writes them). */
export function cellText(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => cellText(x)).join(' ');
  return JSON.stringify(v);
}
