// Build-time side of the example gallery (Vite; Node only, never loaded by the app itself).
// The gallery lists every graphs/*.json with its name, description and node summary, but a
// trained graph carries megabytes of weights (spam-filter.json: 2 MB). So the listing is computed
// here from the files, as a small virtual module (`virtual:seqgraph-gallery`), and each graph's
// JSON is fetched as its own lazy chunk only when someone opens it (store/gallery.ts).
import path from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import type { Plugin } from 'vite';
import { galleryMeta, type GalleryMeta } from '../store/gallery-meta';

const VIRTUAL = 'virtual:seqgraph-gallery';
const RESOLVED = '\0seqgraph-gallery.js';

export function seqgraphGallery(graphsDir = path.resolve('graphs')): Plugin {
  return {
    name: 'seqgraph-gallery',
    resolveId(source) {
      return source === VIRTUAL ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      const entries: GalleryMeta[] = [];
      for (const file of readdirSync(graphsDir).filter((f) => f.endsWith('.json')).sort()) {
        const full = path.join(graphsDir, file);
        this.addWatchFile(full);
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(full, 'utf8'));
        } catch (e) {
          this.error(`graphs/${file} is not valid JSON: ${(e as Error).message}`);
        }
        entries.push(galleryMeta(file, raw));
      }
      return { code: `export default ${JSON.stringify(entries)};`, map: null };
    },
  };
}
