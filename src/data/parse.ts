// The user's own files -> Table: CSV and TSV (papaparse: quoted fields, embedded newlines and
// delimiters, doubled quotes), JSON lines, and plain text (lines, or windows for a character
// language model). A byte-order mark and CRLF line ends are accepted everywhere. Rows that
// can't be read are kept out and reported with their file, line and reason; nothing throws on a
// bad row.
import Papa from 'papaparse';
import type { FileFormat, TextOptions } from './spec';
import type { Cell, DataProblem, Row, Table } from './table';

export interface ParseOptions {
  /** the file's name, for messages (and the format, when `format` is absent) */
  file: string;
  format?: FileFormat;
  /** CSV/TSV: the first row names the columns (default true) */
  header?: boolean;
  delimiter?: string;
  /** the rows are one time series in time order */
  series?: boolean;
  text?: Partial<TextOptions>;
}

export function formatFromName(file: string): FileFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(file)?.[1]?.toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv' || ext === 'tab') return 'tsv';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  return 'text';
}

export function parseTable(text: string, opts: ParseOptions): Table {
  const format = opts.format ?? formatFromName(opts.file);
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (format === 'jsonl') return parseJSONLines(clean, opts);
  if (format === 'text') return parseText(clean, opts);
  // one line end everywhere: papaparse guesses it from the first line, so a file mixing CRLF
  // and LF would keep a stray \r at the end of some rows' last field
  return parseDelimited(clean.replace(/\r\n?/g, '\n'), { ...opts, delimiter: opts.delimiter ?? (format === 'tsv' ? '\t' : undefined) });
}

/** 1-based line numbers of character offsets, counted incrementally (offsets only grow). */
function lineCounter(text: string) {
  let pos = 0;
  let line = 1;
  return (offset: number) => {
    for (; pos < offset && pos < text.length; pos++) if (text.charCodeAt(pos) === 10) line++;
    return line;
  };
}

function parseDelimited(text: string, opts: ParseOptions): Table {
  const file = opts.file;
  const header = opts.header ?? true;
  const problems: DataProblem[] = [];
  const rawRows: { cells: string[]; line: number; errors: string[] }[] = [];
  const lineAt = lineCounter(text);
  let start = 0;
  Papa.parse<string[]>(text, {
    delimiter: opts.delimiter ?? '',
    skipEmptyLines: false,
    step: (res) => {
      const line = lineAt(start);
      // the cursor is the offset just past this row and its line end: where the next row starts
      start = res.meta.cursor;
      // "could not detect the delimiter" is about the file (one column), not this row
      const errors = res.errors.filter((e) => e.type !== 'Delimiter').map((e) => e.message);
      rawRows.push({ cells: res.data, line, errors });
    },
  });
  // the line end after the last row gives papaparse one more, empty row: not a row of the file
  const last = rawRows[rawRows.length - 1];
  if (last && last.cells.length === 1 && last.cells[0] === '' && /\r?\n$/.test(text)) rawRows.pop();

  let columns: string[] = [];
  let body = rawRows;
  if (header) {
    const first = rawRows[0];
    if (!first) return { name: file, kind: opts.series ? 'series' : 'rows', columns: [], rows: [], lines: [], problems };
    const seen = new Map<string, number>();
    columns = first.cells.map((c, i) => {
      let name = c.trim() || String(i + 1);
      // duplicate names get a suffix, so no column hides another
      if (seen.has(name)) name = `${name}_${i + 1}`;
      seen.set(name, i);
      return name;
    });
    body = rawRows.slice(1);
  } else {
    const width = Math.max(0, ...rawRows.map((r) => r.cells.length));
    columns = Array.from({ length: width }, (_, i) => String(i + 1));
  }

  const rows: Row[] = [];
  const lines: number[] = [];
  body.forEach((r, i) => {
    const at = { file, line: r.line, row: i + 1 };
    if (r.errors.length) {
      problems.push({ kind: 'parse_error', ...at, message: r.errors.join('; ') });
      return;
    }
    if (r.cells.every((c) => c.trim() === '')) {
      problems.push({ kind: 'empty', ...at, message: 'the row is empty' });
      return;
    }
    if (r.cells.length !== columns.length) {
      problems.push({ kind: 'parse_error', ...at, message: `has ${r.cells.length} fields, the ${header ? 'header has' : 'widest row has'} ${columns.length}` });
      return;
    }
    const row: Row = {};
    columns.forEach((c, j) => (row[c] = r.cells[j]));
    rows.push(row);
    lines.push(r.line);
  });
  return { name: file, kind: opts.series ? 'series' : 'rows', columns, rows, lines, problems };
}

function parseJSONLines(text: string, opts: ParseOptions): Table {
  const file = opts.file;
  const problems: DataProblem[] = [];
  const rows: Row[] = [];
  const lines: number[] = [];
  const columns: string[] = [];
  const known = new Set<string>();
  const all = text.split(/\r?\n/);
  // a final line end is not an empty row
  if (all.length && all[all.length - 1] === '') all.pop();
  let rowNo = 0;
  all.forEach((src, i) => {
    const at = { file, line: i + 1, row: ++rowNo };
    if (src.trim() === '') {
      problems.push({ kind: 'empty', ...at, message: 'the line is empty' });
      return;
    }
    let v: unknown;
    try {
      v = JSON.parse(src);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      problems.push({ kind: 'parse_error', ...at, message: `not valid JSON${m ? ` (at character ${Number(m[1]) + 1})` : ''}: ${(e as Error).message}` });
      return;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      problems.push({ kind: 'parse_error', ...at, message: `each line must hold a JSON object ({"column": value, ...}), got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)}` });
      return;
    }
    const row = Object.create(null) as Row;
    for (const [k, val] of Object.entries(v as Record<string, Cell>)) {
      row[k] = val;
      if (!known.has(k)) {
        known.add(k);
        columns.push(k);
      }
    }
    rows.push(row);
    lines.push(i + 1);
  });
  return { name: file, kind: opts.series ? 'series' : 'rows', columns, rows, lines, problems };
}

/** Plain text: `lines` makes each non-empty line an example; `windows` cuts the whole text into
 *  stretches of window + 1 characters (the model reads the first `window` and is scored on the
 *  next character at every step), starting every `stride` characters. Column: "text". */
function parseText(text: string, opts: ParseOptions): Table {
  const file = opts.file;
  const mode = opts.text?.mode ?? 'windows';
  const body = text.replace(/\r\n?/g, '\n');
  const rows: Row[] = [];
  const lines: number[] = [];
  const problems: DataProblem[] = [];
  if (mode === 'lines') {
    const all = body.split('\n');
    if (all.length && all[all.length - 1] === '') all.pop();
    all.forEach((l, i) => {
      if (l.trim() === '') problems.push({ kind: 'empty', file, line: i + 1, message: 'the line is empty' });
      else {
        rows.push({ text: l });
        lines.push(i + 1);
      }
    });
    return { name: file, kind: 'rows', columns: ['text'], rows, lines, problems };
  }
  const window = opts.text?.window ?? 64;
  const stride = opts.text?.stride ?? window;
  // by code point, as the runtime's character tokenizer splits (Array.from)
  const chars = Array.from(body);
  const lineAt = lineCounter(body);
  let offset = 0; // in UTF-16 units, for the line numbers
  let consumed = 0; // code points walked so far
  for (let s = 0; s + window + 1 <= chars.length; s += stride) {
    for (; consumed < s; consumed++) offset += chars[consumed].length;
    rows.push({ text: chars.slice(s, s + window + 1).join('') });
    lines.push(lineAt(offset));
  }
  if (!rows.length && chars.length) {
    problems.push({ kind: 'empty', file, line: 1, message: `the text has ${chars.length} characters, fewer than one window of ${window} + 1` });
  }
  return { name: file, kind: 'windows', columns: ['text'], rows, lines, problems };
}
