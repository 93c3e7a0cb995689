// Build-time side of the built-in data sets (Vite, for the app and its workers; never loaded by
// the app itself):
//  - files.ts (Node: require, fs) is swapped for files.browser.ts (dynamic imports -> lazy chunks);
//  - `vega-datasets/data/<file>` resolves into the package, whose exports map hides the folder;
//  - the stdlib JSON lists become `export default JSON.parse("...")` (the default JSON handling
//    writes an object literal with an export per key: 6.6 MB for CMUdict instead of 4.2 MB);
//  - each SpamAssassin mail is cleaned here (mail.ts, the same function Node runs at load time)
//    and marked clean, so the browser chunk holds ~6 MB of words instead of ~33 MB of raw mail.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';
import { cleanMail } from './mail';

const here = path.dirname(new URL(import.meta.url).pathname);
const JSON_ID = '\0seqgraph-json:';
const STDLIB_JSON = /^@stdlib\/datasets-[a-z-]+\/data\/[a-z]+\.json$/;
const SPAM_MAIL = /datasets-spam-assassin[\\/]data[\\/][^\\/]+[\\/][^\\/]+\.json$/;

export function seqgraphData(): Plugin {
  const req = createRequire(import.meta.url);
  const vegaData = path.join(path.dirname(req.resolve('vega-datasets')), '..', 'data');
  return {
    name: 'seqgraph-data',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './files' && importer && path.dirname(importer) === here) return path.join(here, 'files.browser.ts');
      const m = /^vega-datasets\/data\/(.+)$/.exec(source);
      if (m) return path.join(vegaData, m[1]);
      if (STDLIB_JSON.test(source)) return `${JSON_ID}${req.resolve(source)}.js`; // not .json: the JSON plugin would take it
      return null;
    },
    load(id) {
      if (!id.startsWith(JSON_ID)) return null;
      const text = readFileSync(id.slice(JSON_ID.length, -'.js'.length), 'utf8');
      JSON.parse(text); // a broken file fails the build, not the page
      return { code: `export default JSON.parse(${JSON.stringify(text)});`, map: null };
    },
    transform(code, id) {
      if (!SPAM_MAIL.test(id)) return null;
      const mail = JSON.parse(code) as { id: string; group: string; text: string };
      return { code: JSON.stringify({ id: mail.id, group: mail.group, text: cleanMail(mail.text), clean: true }), map: null };
    },
  };
}
