// Groups and comment notes: put the selected nodes in a named, coloured frame (and take them
// out again), fold a group to one box, write notes on the canvas. Every one is an undo step and
// is saved in the file (the document's `groups` and `comments`).
import { defineAction, type Action } from './types';
import type { DocComment, DocGroup } from '../../doc/schema';
import { addComment, commentOfNote, frameId, groupNodes, groupOf, groupOfFrame, noteId, setComment, setGroup, ungroup, NOTE_SIZE } from '../store/annotation-ops';
import type { XY } from '../store/doc-ops';
import type { EditorState } from './types';

/** The document nodes a selection means: selected nodes, and the nodes of selected frames. */
function selectedDocNodes({ doc, selection }: EditorState): string[] {
  const ids = new Set(doc.nodes.map((n) => n.id));
  const out = new Set<string>();
  for (const id of selection.nodes) {
    if (ids.has(id)) out.add(id);
    const g = groupOfFrame(id);
    if (g) doc.groups?.find((x) => x.id === g)?.nodes.forEach((n) => out.add(n));
  }
  return [...out];
}

/** The groups a selection points at: selected frames, else the groups of selected nodes. */
function selectedGroups(s: EditorState): string[] {
  const frames = s.selection.nodes.map(groupOfFrame).filter((g): g is string => !!g);
  if (frames.length) return frames;
  return [...new Set(s.selection.nodes.map((id) => groupOf(s.doc, id)?.id).filter((g): g is string => !!g))];
}

export const groupSelection = defineAction<{ name?: string } | undefined>({
  name: 'groupSelection',
  label: 'Group the selected nodes',
  group: 'Edit',
  keys: ['Mod+G'],
  enabled: (s) => selectedDocNodes(s).length > 0,
  perform: (s, app, value) => {
    const r = groupNodes(s.doc, selectedDocNodes(s), value?.name);
    if (!r) return null;
    app.ui.setTab('params'); // where the new group is named and coloured
    return { doc: r.doc, selection: { nodes: [frameId(r.id)], edges: [] }, history: true };
  },
});

export const ungroupSelection = defineAction({
  name: 'ungroupSelection',
  label: 'Ungroup',
  group: 'Edit',
  keys: ['Mod+Shift+G'],
  enabled: (s) => selectedGroups(s).length > 0,
  perform: (s) => {
    const groups = selectedGroups(s);
    const members = (s.doc.groups ?? []).filter((g) => groups.includes(g.id)).flatMap((g) => g.nodes);
    return { doc: ungroup(s.doc, groups), selection: { nodes: members, edges: [] }, history: true };
  },
});

export const setGroupAction = defineAction<{ id: string; patch: Partial<Pick<DocGroup, 'name' | 'color' | 'collapsed'>> }>({
  name: 'setGroup',
  label: 'Change a group',
  group: 'Edit',
  perform: ({ doc }, _app, { id, patch }) => ({ doc: setGroup(doc, id, patch), history: true, coalesce: `group:${id}:${Object.keys(patch).join()}` }),
});

export const toggleGroup = defineAction<{ id: string } | undefined>({
  name: 'toggleGroup',
  label: 'Fold or unfold the group',
  group: 'Edit',
  keys: ['Shift+F'],
  perform: (s, _app, value) => {
    const ids = value ? [value.id] : selectedGroups(s);
    if (!ids.length) return null;
    let doc = s.doc;
    for (const id of ids) doc = setGroup(doc, id, { collapsed: !doc.groups?.find((g) => g.id === id)?.collapsed });
    return { doc, history: true };
  },
});

export const addNote = defineAction<{ position?: XY; text?: string } | undefined>({
  name: 'addNote',
  label: 'Add a comment note',
  group: 'Canvas',
  keys: ['Shift+N'],
  perform: ({ doc }, app, value) => {
    let at = value?.position;
    if (!at) {
      const r = document.querySelector('.react-flow')?.getBoundingClientRect();
      const c = app.flow?.screenToFlowPosition(r ? { x: r.left + r.width / 2, y: r.top + r.height / 3 } : { x: 400, y: 200 }) ?? { x: 0, y: 0 };
      at = { x: c.x - NOTE_SIZE.width / 2, y: c.y - NOTE_SIZE.height / 2 };
    }
    const r = addComment(doc, at, value?.text ?? '');
    if (value?.text === undefined) app.ui.setEditingNote(r.id);
    return { doc: r.doc, selection: { nodes: [noteId(r.id)], edges: [] }, history: true };
  },
});

export const setCommentAction = defineAction<{ id: string; patch: Partial<Omit<DocComment, 'id'>> }>({
  name: 'setComment',
  label: 'Change a comment note',
  group: 'Edit',
  perform: ({ doc }, _app, { id, patch }) => ({ doc: setComment(doc, id, patch), history: true, coalesce: `note:${id}:${Object.keys(patch).join()}` }),
});

/** Canvas ids of every frame and note, for select-all. */
export function allAnnotationIds(s: EditorState): string[] {
  return [...(s.doc.groups ?? []).map((g) => frameId(g.id)), ...(s.doc.comments ?? []).map((c) => noteId(c.id))];
}

/** The selected frames' groups and the selected notes' comments. */
export function selectedAnnotations(s: EditorState): { groups: string[]; comments: string[] } {
  return {
    groups: s.selection.nodes.map(groupOfFrame).filter((g): g is string => !!g),
    comments: s.selection.nodes.map(commentOfNote).filter((c): c is string => !!c),
  };
}

export const ANNOTATION_ACTIONS = [groupSelection, ungroupSelection, toggleGroup, setGroupAction, addNote, setCommentAction] as Action<never>[];
