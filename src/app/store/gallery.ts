// The example graphs: every graphs/*.json, so a new file there simply appears in the gallery. Only
// trained examples live there (tests/unit/trained-graphs.test.ts holds it); test-only graphs are in
// tests/fixtures/graphs/.
// The listing (names, descriptions, node summaries) is small and known up front (computed at build
// time by build/gallery-plugin.ts); each graph's JSON, weights included, is its own lazy chunk,
// fetched when it is opened. Each is checked by the same loader as a file a person opens.
import { checkGraph } from '../../doc/load';
import type { GraphDoc } from '../../doc/schema';
import type { Diagnostic } from '../../doc/diagnostics';
import type { GalleryMeta } from './gallery-meta';
import entries from 'virtual:seqgraph-gallery';

const loaders = import.meta.glob('../../../graphs/*.json', { import: 'default' }) as Record<string, () => Promise<unknown>>;

export type GalleryEntry = GalleryMeta;

export const GALLERY: GalleryEntry[] = (entries as GalleryMeta[]).filter((e) => loaders[`../../../graphs/${e.file}`]);

export type GalleryLoad = { ok: true; doc: GraphDoc } | { ok: false; diagnostics: Diagnostic[] };

/** A fresh, checked copy of a gallery graph (fetches its chunk; a failed fetch is a diagnostic). */
export async function loadGalleryEntry(e: GalleryEntry): Promise<GalleryLoad> {
  let raw: unknown;
  try {
    raw = await loaders[`../../../graphs/${e.file}`]();
  } catch (err) {
    return { ok: false, diagnostics: [{ severity: 'error', path: e.file, message: `could not be fetched: ${(err as Error).message}` } ] };
  }
  return checkGraph(structuredClone(raw));
}

/**
 * The graph the editor opens with when nothing was saved: the name-gender classifier (a small
 * bidirectional GRU trained by `seqgraph train`, so a first run gives real predictions), if present.
 */
export const DEFAULT_GALLERY_ID = 'name-gender';
