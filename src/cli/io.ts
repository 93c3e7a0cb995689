// Reading and writing the CLI's files: graphs, feeds and outputs (the JSON tensor format of
// DESIGN.md), each with an error that names the file and what is wrong in it.
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { parseGraphText } from '../doc/load';
import type { GraphDoc } from '../doc/schema';
import { formatPath, type Diagnostic } from '../doc/diagnostics';
import { floatTensor, intTensor, toJSON, type Tensor } from '../runtime/tensor';

export class CliError extends Error {}

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

const TensorFileSchema = z.record(
  z.string(),
  z
    .object({
      dtype: z.enum(['float32', 'int64']),
      shape: z.array(z.number().int().nonnegative()),
      data: z.array(z.number()),
    })
    .strict(),
);

export function readFeeds(file: string): Record<string, Tensor> {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const r = TensorFileSchema.safeParse(raw);
  if (!r.success) throw new CliError(`${file}: not a feeds file ({ "<input>": { "dtype", "shape", "data" } }):\n${r.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`).join('\n')}`);
  const feeds: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(r.data)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new CliError(`${file}: "${name}" has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}`);
    if (t.dtype === 'int64' && t.data.some((v) => !Number.isInteger(v))) throw new CliError(`${file}: "${name}" is int64 but holds a non-integer`);
    feeds[name] = t.dtype === 'int64' ? intTensor(t.shape, t.data) : floatTensor(t.shape, t.data);
  }
  return feeds;
}

export function tensorsToJSON(ts: Record<string, Tensor>): string {
  const out: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(ts)) out[k] = toJSON(t);
  return JSON.stringify(out);
}

export function writeText(file: string, text: string | Uint8Array): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`${file}: cannot write: ${(e as Error).message}`);
  }
}
