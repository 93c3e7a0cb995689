// The gallery's listing as the Vite build computes it (src/app/build/gallery-plugin.ts's virtual
// module, loaded with a minimal plugin context), for tests that check or stand in for the build.
import { seqgraphGallery } from '../../src/app/build/gallery-plugin';
import type { GalleryMeta } from '../../src/app/store/gallery-meta';

export function galleryListing(): GalleryMeta[] {
  const plugin = seqgraphGallery();
  const id = (plugin.resolveId as (s: string) => string | null)('virtual:seqgraph-gallery');
  if (!id) throw new Error('the gallery plugin does not resolve virtual:seqgraph-gallery');
  const ctx = { addWatchFile: () => undefined, error: (m: string) => { throw new Error(m); } };
  const out = (plugin.load as (this: unknown, id: string) => { code: string } | null).call(ctx, id);
  if (!out) throw new Error('the gallery plugin loads nothing for its own module');
  return JSON.parse(out.code.replace(/^export default /, '').replace(/;$/, ''));
}
