// The editor's gallery lists exactly graphs/*.json (every one a trained example, see
// trained-graphs.test.ts) and opens on a trained one: the listing as the Vite plugin computes it
// at build time, fed to the app's gallery module as the build would.
import { readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { galleryListing } from '../helpers/gallery-listing';

// the app's gallery module imports the build's virtual module: give it what the build would
vi.mock('virtual:seqgraph-gallery', async () => ({ default: (await import('../helpers/gallery-listing')).galleryListing() }));

const FILES = readdirSync('graphs').filter((f) => f.endsWith('.json')).sort();

describe('the gallery', () => {
  it('the build lists exactly graphs/*.json', () => {
    expect(galleryListing().map((e) => e.file)).toEqual(FILES);
  });

  it('the app lists exactly graphs/*.json, and each opens', async () => {
    const { GALLERY, loadGalleryEntry } = await import('../../src/app/store/gallery');
    expect(GALLERY.map((e) => e.file)).toEqual(FILES);
    for (const e of GALLERY) {
      const r = await loadGalleryEntry(e);
      expect(r.ok, `${e.file}: ${r.ok ? '' : JSON.stringify(r.diagnostics)}`).toBe(true);
      if (r.ok) expect(r.doc.trained, e.file).toBeDefined();
    }
  }, 120_000);

  it('the editor opens on a trained example, name-gender', async () => {
    const { DEFAULT_GALLERY_ID, GALLERY } = await import('../../src/app/store/gallery');
    expect(DEFAULT_GALLERY_ID).toBe('name-gender');
    expect(GALLERY.map((e) => e.id)).toContain(DEFAULT_GALLERY_ID);
  });
});
