// Reading and writing the CLI's files: graphs, feeds and outputs (the JSON tensor format of
// DESIGN.md), each with an error that names the file and what is wrong in it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseGraphText } from '../doc/load';
import type { GraphDoc } from '../doc/schema';
import { formatPath, type Diagnostic } from '../doc/diagnostics';
import { dict } from '../doc/dict';
import { floatTensor, intTensor, positionOf, size, type Tensor } from '../runtime/tensor';
import { streamJSON } from '../runtime/json-stream';
import { CliError, writeFileAtomic, type Write } from './output-files';

export { CliError };

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (e as Error).message}`);
  }
}

export function readGraph(file: string): { doc: GraphDoc } | { problems: Diagnostic[] } {
  const r = parseGraphText(readText(file));
  return r.ok ? { doc: r.doc } : { problems: r.diagnostics };
}

const TensorEntrySchema = z
  .object({
    dtype: z.enum(['float32', 'int64']),
    shape: z.array(z.number().int().nonnegative()),
    data: z.array(z.number()),
  })
  .strict();

/** int64 values are held as 32-bit integers (tensor.ts): these are the ones that fit */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

export function readFeeds(file: string): Record<string, Tensor> {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const form = '{ "<input>": { "dtype", "shape", "data" } }';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliError(`${file}: not a feeds file (${form})`);
  // input names are the user's: read every own key, "__proto__" included, into a null-prototype object
  const feeds = dict<Tensor>();
  const problems: string[] = [];
  for (const name of Object.keys(raw)) {
    const r = TensorEntrySchema.safeParse((raw as Record<string, unknown>)[name]);
    if (!r.success) {
      problems.push(...r.error.issues.map((i) => `  ${formatPath([name, ...i.path])}: ${i.message}`));
      continue;
    }
    const t = r.data;
    const n = size(t.shape);
    if (t.data.length !== n) throw new CliError(`${file}: "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}`);
    if (t.dtype === 'int64') {
      for (let i = 0; i < n; i++) {
        const v = t.data[i];
        if (!Number.isInteger(v)) throw new CliError(`${file}: "${name}" is int64 but holds ${v} at ${positionOf(t.shape, i)}`);
        if (v < INT_MIN || v > INT_MAX) throw new CliError(`${file}: "${name}": ${v} at ${positionOf(t.shape, i)} does not fit: seqgraph holds int64 feeds as 32-bit integers (${INT_MIN}..${INT_MAX}), which any token id fits`);
      }
    }
    feeds[name] = t.dtype === 'int64' ? intTensor(t.shape, t.data) : floatTensor(t.shape, t.data);
  }
  if (problems.length) throw new CliError(`${file}: not a feeds file (${form}):\n${problems.join('\n')}`);
  return feeds;
}

/** Writes tensors as the feeds/outputs JSON, in chunks (a result may be too large for one string). */
export function writeTensorsJSON(ts: Record<string, Tensor>, write: Write): void {
  const out = dict<unknown>();
  for (const [k, t] of Object.entries(ts)) out[k] = { dtype: t.dtype, shape: t.shape, data: t.data };
  streamJSON(out, write);
  write('\n');
}

/** The same JSON as one string (for small results). */
export function tensorsToJSON(ts: Record<string, Tensor>): string {
  let s = '';
  writeTensorsJSON(ts, (c) => (s += c));
  return s.slice(0, -1);
}

/** Writes a file whole, or not at all (see output-files.ts). */
export function writeText(file: string, text: string | Uint8Array): void {
  writeFileAtomic(file, (write) => write(text));
}
