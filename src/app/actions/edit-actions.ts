// Editing actions: the graph's structure and params. Each returns the new document and says
// whether it is an undo step; a multi-node action (delete, paste, ...) is always one step.
import { defineAction, type Action, type EditorState } from './types';
import { allAnnotationIds, selectedAnnotations } from './annotation-actions';
import { removeComments, ungroup } from '../store/annotation-ops';
import {
  addNode,
  connect,
  extractFragment,
  nameProblem,
  pasteFragment,
  removeItems,
  renameNode,
  setGraphName,
  setParam,
  type Endpoints,
  type Fragment,
  type XY,
} from '../store/doc-ops';
import { connectionIssue, endpointsOf, portsOf, type HandleRef } from '../store/connections';
import { NO_SELECTION } from '../store/history';
import type { AppState } from '../store/app-state';
import type { GraphDoc } from '../../doc/schema';
import { count } from '../plural';

const hasSelection = (s: { selection: { nodes: readonly string[]; edges: readonly string[] } }) => s.selection.nodes.length + s.selection.edges.length > 0;

/** Undoing (or redoing) an open brings back a whole other graph: show all of it. */
function refitIfReplaced(app: AppState, before: GraphDoc): void {
  const now = app.graph.doc;
  const ids = new Set(before.nodes.map((n) => n.id));
  const shared = now.nodes.filter((n) => ids.has(n.id)).length;
  if (shared < Math.max(now.nodes.length, before.nodes.length) / 2) app.fitWhenMeasured();
}

export const undo = defineAction({
  name: 'undo',
  label: 'Undo',
  group: 'Edit',
  keys: ['Mod+Z'],
  enabled: (_, app) => app.graph.history.canUndo,
  perform: (_, app) => {
    const before = app.graph.doc;
    if (app.graph.undo()) refitIfReplaced(app, before);
    return null;
  },
});

export const redo = defineAction({
  name: 'redo',
  label: 'Redo',
  group: 'Edit',
  keys: ['Mod+Shift+Z', 'Mod+Y'],
  enabled: (_, app) => app.graph.history.canRedo,
  perform: (_, app) => {
    const before = app.graph.doc;
    if (app.graph.redo()) refitIfReplaced(app, before);
    return null;
  },
});

export const deleteSelection = defineAction({
  name: 'deleteSelection',
  label: 'Delete selection',
  group: 'Edit',
  keys: ['Delete', 'Backspace'],
  enabled: hasSelection,
  perform: (s) => ({ doc: removeSelected(s), selection: NO_SELECTION, history: true }),
});

/** Deletes the selection: nodes with their edges, edges, notes — and frames, which leave their nodes be. */
function removeSelected(s: EditorState): GraphDoc {
  const { groups, comments } = selectedAnnotations(s);
  return removeComments(ungroup(removeItems(s.doc, s.selection.nodes, s.selection.edges), groups), comments);
}

export const selectAll = defineAction({
  name: 'selectAll',
  label: 'Select all',
  group: 'Edit',
  keys: ['Mod+A'],
  perform: (s) => ({ selection: { nodes: [...s.doc.nodes.map((n) => n.id), ...allAnnotationIds(s)], edges: s.doc.edges.map((e) => e.id) }, history: false }),
});

export const deselect = defineAction({
  name: 'deselect',
  label: 'Clear selection, close overlays',
  group: 'Edit',
  keys: ['Escape'],
  perform: (_, app) => {
    if (app.ui.closeOverlays()) return null;
    return { selection: NO_SELECTION, history: false };
  },
});

export const copy = defineAction({
  name: 'copy',
  label: 'Copy',
  group: 'Edit',
  keys: ['Mod+C'],
  enabled: (s) => s.selection.nodes.length > 0,
  perform: ({ doc, selection }, app) => {
    const frag = extractFragment(doc, selection.nodes);
    if (!frag) return null;
    app.clipboard = { fragment: frag, pastes: 0 };
    void navigator.clipboard?.writeText(JSON.stringify(frag)).catch(() => undefined);
    const notes = frag.comments?.length ? ` and ${count(frag.comments.length, 'note')}` : '';
    app.ui.toast(`Copied ${count(frag.nodes.length, 'node')}${notes}`, 'info', 2000);
    return null;
  },
});

export const cut = defineAction({
  name: 'cut',
  label: 'Cut',
  group: 'Edit',
  keys: ['Mod+X'],
  enabled: (s) => s.selection.nodes.length > 0,
  perform: (s, app) => {
    const frag = extractFragment(s.doc, s.selection.nodes);
    if (!frag) return null;
    app.clipboard = { fragment: frag, pastes: 0 };
    // cutting a frame cuts its nodes too (they are on the clipboard with it)
    const frames = selectedAnnotations(s).groups.flatMap((g) => s.doc.groups?.find((x) => x.id === g)?.nodes ?? []);
    return { doc: removeSelected({ ...s, selection: { ...s.selection, nodes: [...s.selection.nodes, ...frames] } }), selection: NO_SELECTION, history: true };
  },
});

function pasteResult(doc: Parameters<typeof pasteFragment>[0], frag: Fragment, offset: XY) {
  const r = pasteFragment(doc, frag, offset);
  const ids = new Set(r.ids);
  const edges = r.doc.edges.filter((e) => ids.has(e.source.node) && ids.has(e.target.node)).map((e) => e.id);
  return { doc: r.doc, selection: { nodes: r.ids, edges }, history: true };
}

export const paste = defineAction({
  name: 'paste',
  label: 'Paste',
  group: 'Edit',
  keys: ['Mod+V'],
  enabled: (_, app) => app.clipboard !== null,
  perform: ({ doc }, app) => {
    const c = app.clipboard;
    if (!c) return null;
    c.pastes += 1;
    return pasteResult(doc, c.fragment, { x: 40 * c.pastes, y: 40 * c.pastes });
  },
});

export const duplicate = defineAction({
  name: 'duplicate',
  label: 'Duplicate',
  group: 'Edit',
  keys: ['Mod+D'],
  enabled: (s) => s.selection.nodes.length > 0,
  perform: ({ doc, selection }) => {
    const frag = extractFragment(doc, selection.nodes);
    return frag ? pasteResult(doc, frag, { x: 40, y: 40 }) : null;
  },
});

export const addNodeAction = defineAction<{ type: string; position: XY; from?: HandleRef }>({
  name: 'addNode',
  label: 'Add a node',
  group: 'Canvas',
  gesture: 'drag from the palette, or double-click the canvas',
  perform: ({ doc }, app, { type, position, from }) => {
    const r = addNode(doc, type, position);
    let next = r.doc;
    if (from) {
      // opened by dropping a connection on the canvas: wire the new node to where it came from
      const side = from.side === 'out' ? 'in' : 'out';
      for (const p of portsOf(next, r.id, side)) {
        const ends = endpointsOf(from, { nodeId: r.id, side, port: p.name });
        if (ends && !connectionIssue(next, app.graph.analysis, ends)) {
          next = connect(next, ends).doc;
          break;
        }
      }
    }
    return { doc: next, selection: { nodes: [r.id], edges: [] }, history: true };
  },
});

export const connectAction = defineAction<Endpoints>({
  name: 'connect',
  label: 'Connect two ports',
  group: 'Canvas',
  gesture: 'drag from a port to a port',
  perform: ({ doc }, app, ends) => {
    const why = connectionIssue(doc, app.graph.analysis, ends);
    if (why) {
      app.ui.toast(why, 'error');
      return null;
    }
    return { doc: connect(doc, ends).doc, history: true };
  },
});

export const setParamAction = defineAction<{ id: string; key: string; value: unknown }>({
  name: 'setParam',
  label: 'Change a param',
  group: 'Edit',
  perform: ({ doc }, _app, { id, key, value }) => ({ doc: setParam(doc, id, key, value), history: true, coalesce: `param:${id}:${key}` }),
});

export const renameNodeAction = defineAction<{ id: string; name: string }>({
  name: 'renameNode',
  label: 'Rename a node',
  group: 'Edit',
  perform: ({ doc }, app, { id, name }) => {
    const why = nameProblem(doc, id, name);
    if (why) {
      app.ui.toast(why, 'error');
      return null;
    }
    return { doc: renameNode(doc, id, name), history: true, coalesce: `name:${id}` };
  },
});

export const renameGraph = defineAction<string>({
  name: 'renameGraph',
  label: 'Rename the graph',
  group: 'Edit',
  perform: ({ doc }, _app, name) => (name.trim() ? { doc: setGraphName(doc, name.trim()), history: true, coalesce: 'graph-name' } : null),
});

export const EDIT_ACTIONS = [undo, redo, deleteSelection, selectAll, deselect, copy, cut, paste, duplicate, addNodeAction, connectAction, setParamAction, renameNodeAction, renameGraph] as Action<never>[];
