// The example graphs: every graphs/*.json, bundled at build time, so a new file there simply
// appears in the gallery. Each is checked by the same loader as a file a person opens.
import { checkGraph } from '../../doc/load';
import type { GraphDoc } from '../../doc/schema';
import type { Diagnostic } from '../../doc/diagnostics';

const modules = import.meta.glob('../../../graphs/*.json', { eager: true, import: 'default' }) as Record<string, unknown>;

export interface GalleryEntry {
  /** file name without .json */
  id: string;
  file: string;
  name: string;
  description: string;
  nodeCount: number;
  nodeTypes: string[];
  groupCount: number;
  commentCount: number;
  raw: unknown;
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

export const GALLERY: GalleryEntry[] = Object.entries(modules)
  .map(([path, raw]) => {
    const file = path.split('/').pop()!;
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
      raw,
    };
  })
  .sort((a, b) => a.id.localeCompare(b.id));

/** A fresh, checked copy of a gallery graph. */
export function loadGalleryEntry(e: GalleryEntry): { ok: true; doc: GraphDoc } | { ok: false; diagnostics: Diagnostic[] } {
  return checkGraph(structuredClone(e.raw));
}

/** The graph the editor opens with when nothing was saved: the name classifier if present. */
export const DEFAULT_GALLERY_ID = 'name-classifier';
