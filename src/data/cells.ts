// Reading one row's cells for one mapping, before any vocabulary exists: the text a token input
// splits, the numbers a float input takes, the label a class target names. Each reader returns
// the value or the problem (kind + message) that drops the row.
import type { TokenInputInfo } from '../ir/program';
import type { Cell, ProblemKind, Row } from './table';
import { cellText } from './table';
import { fedLength, splitLabels, symbolsOf } from './vocab';
import type { TokenInputMap } from './spec';

export type Read<T> = { ok: true; value: T } | { ok: false; kind: ProblemKind; column: string; message: string };
const fail = (kind: ProblemKind, column: string, message: string): Read<never> => ({ ok: false, kind, column, message });

function cell(row: Row, column: string): Cell | undefined {
  return Object.prototype.hasOwnProperty.call(row, column) ? row[column] : undefined;
}

/** A text cell as the Input splits it, cut to max_length when too_long is truncate. `total` is
 *  the count before the cut (labels that follow the tokens are checked against it). */
export function readSymbols(row: Row, column: string, info: TokenInputInfo, map: TokenInputMap): Read<{ symbols: string[]; total: number }> {
  const v = cell(row, column);
  if (v === undefined) return fail('missing_column', column, `has no "${column}"`);
  const text = cellText(v);
  if (text.trim() === '') return fail('empty', column, `"${column}" is empty`);
  let symbols = symbolsOf(text, info);
  if (!symbols.length) return fail('empty', column, `"${column}" has no ${info.tokenizer === 'words' ? 'words' : 'characters'}`);
  const total = symbols.length;
  const n = fedLength(total, info);
  if (map.max_length !== undefined && n > map.max_length) {
    const room = map.max_length - (n - symbols.length);
    if (map.too_long === 'drop' || room < 1) return fail('too_long', column, `${n} tokens, over max_length ${map.max_length}`);
    symbols = symbols.slice(0, room);
  }
  return { ok: true, value: { symbols, total } };
}

/** A finite number from a cell ("3.5", " -2e-3 ", 7). */
export function toNumber(v: Cell | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const x = Number(v.trim());
  return Number.isFinite(x) ? x : null;
}

/** F numbers: one per column, or all from one column holding a list (JSON array, or numbers
 *  separated by spaces, commas or semicolons). */
export function readNumbers(row: Row, columns: string[], F: number): Read<Float32Array> {
  const out = new Float32Array(F);
  if (columns.length === F) {
    for (let j = 0; j < F; j++) {
      const v = cell(row, columns[j]);
      if (v === undefined) return fail('missing_column', columns[j], `has no "${columns[j]}"`);
      const x = toNumber(v);
      if (x === null) return fail(cellText(v).trim() === '' ? 'empty' : 'unparseable_number', columns[j], `"${cellText(v).slice(0, 40)}" in "${columns[j]}" is not a number`);
      out[j] = x;
    }
    return { ok: true, value: out };
  }
  const c = columns[0];
  const v = cell(row, c);
  if (v === undefined) return fail('missing_column', c, `has no "${c}"`);
  const parts: Cell[] = Array.isArray(v) ? flatten(v) : cellText(v).trim().split(/[\s,;]+/).filter(Boolean);
  if (!parts.length) return fail('empty', c, `"${c}" is empty`);
  if (parts.length !== F) return fail('unparseable_number', c, `"${c}" holds ${parts.length} numbers, the input takes ${F}`);
  for (let j = 0; j < F; j++) {
    const x = toNumber(parts[j]);
    if (x === null) return fail('unparseable_number', c, `"${cellText(parts[j]).slice(0, 40)}" in "${c}" is not a number`);
    out[j] = x;
  }
  return { ok: true, value: out };
}

function flatten(v: Cell[]): Cell[] {
  return v.flatMap((x) => (Array.isArray(x) ? flatten(x) : [x]));
}

/** One class label. */
export function readLabel(row: Row, column: string): Read<string> {
  const v = cell(row, column);
  if (v === undefined) return fail('missing_column', column, `has no "${column}"`);
  const t = cellText(v).trim();
  if (t === '') return fail('empty', column, `"${column}" is empty`);
  return { ok: true, value: t };
}

/** Per-token labels: one per symbol of the aligned text (`total`), cut as the symbols were (`kept`). */
export function readTags(row: Row, column: string, total: number, kept: number): Read<string[]> {
  const l = readLabel(row, column);
  if (!l.ok) return l;
  const tags = splitLabels(l.value);
  if (tags.length !== total) return fail('length_mismatch', column, `${tags.length} labels in "${column}" for ${total} tokens`);
  return { ok: true, value: tags.slice(0, kept) };
}
