// A spec's source -> Table: a built-in set, or a file read by the caller's reader (the CLI reads
// from disk relative to the graph file; the editor hands over the picked or dropped file).
import type { DataSource } from './spec';
import type { Table } from './table';
import { loadBuiltin } from './builtin/catalog';
import { parseTable } from './parse';

export type ReadFile = (file: string) => Promise<string>;

export async function loadSource(source: DataSource, readFile?: ReadFile): Promise<Table> {
  if ('builtin' in source) return loadBuiltin(source.builtin);
  if (!readFile) throw new Error(`reading "${source.file}" needs a file reader (the CLI reads from disk; the editor passes the picked file)`);
  let text: string;
  try {
    text = await readFile(source.file);
  } catch (e) {
    throw new Error(`could not read the data file "${source.file}": ${(e as Error).message}`);
  }
  return parseTable(text, { file: source.file, format: source.format, header: source.header, delimiter: source.delimiter, series: source.series, text: source.text });
}
