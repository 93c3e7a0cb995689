// The gallery listing generated at build time by src/app/build/gallery-plugin.ts.
declare module 'virtual:seqgraph-gallery' {
  const entries: import('./gallery-meta').GalleryMeta[];
  export default entries;
}
