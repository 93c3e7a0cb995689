// What the gallery shows about one graph file before it is loaded: computed at build time by
// build/gallery-plugin.ts (and by tests) from the file's JSON. No DOM, no Node.

export interface GalleryMeta {
  /** file name without .json */
  id: string;
  file: string;
  name: string;
  description: string;
  nodeCount: number;
  nodeTypes: string[];
  groupCount: number;
  commentCount: number;
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

export function galleryMeta(file: string, raw: unknown): GalleryMeta {
  const r = raw as { name?: unknown; description?: unknown; nodes?: { type?: unknown }[]; groups?: unknown; comments?: unknown };
  const nodes = Array.isArray(r?.nodes) ? r.nodes : [];
  return {
    id: file.replace(/\.json$/, ''),
    file,
    name: str(r?.name, file),
    description: str(r?.description, ''),
    nodeCount: nodes.length,
    nodeTypes: [...new Set(nodes.map((n) => str(n?.type, '?')))],
    groupCount: Array.isArray(r?.groups) ? r.groups.length : 0,
    commentCount: Array.isArray(r?.comments) ? r.comments.length : 0,
  };
}
