// File actions: new, open (picker, drop, gallery), save, and running the graph.
import { defineAction, type Action } from './types';
import { blankDoc, docToText } from '../store/doc-ops';
import { NO_SELECTION } from '../store/history';
import type { GraphDoc } from '../../doc/schema';

export const newGraph = defineAction({
  name: 'newGraph',
  label: 'New graph',
  group: 'File',
  keys: ['Alt+N'],
  perform: (_, app) => {
    const doc = blankDoc();
    app.replacing(doc, 'New graph', true);
    return { doc, selection: NO_SELECTION, history: true, load: true };
  },
});

/** Opens a document that was read and checked already (file, drop, gallery). */
export const openDoc = defineAction<{ doc: GraphDoc; source?: string }>({
  name: 'openDoc',
  label: 'Open a graph',
  group: 'File',
  perform: (_, app, { doc, source }) => {
    app.replacing(doc, `Opened ${source ?? `“${doc.name}”`}`, !source);
    return { doc, selection: NO_SELECTION, history: true, load: true };
  },
});

export const openFile = defineAction({
  name: 'openFile',
  label: 'Open a file…',
  group: 'File',
  keys: ['Mod+O'],
  gesture: 'or drop a .json graph, an .onnx model or weights on the page',
  perform: () => {
    document.querySelector<HTMLInputElement>('[data-testid="file-input"]')?.click();
    return null;
  },
});

export const saveFile = defineAction({
  name: 'saveFile',
  label: 'Save (download)',
  group: 'File',
  keys: ['Mod+S'],
  perform: ({ doc }, app) => {
    const blob = new Blob([docToText(doc)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${doc.name.replace(/[^A-Za-z0-9_.-]+/g, '-') || 'graph'}.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    app.savedDoc = doc;
    app.ui.toast(`Saved ${a.download}`, 'success', 2500);
    app.recovery.markSaved();
    return null;
  },
});

export const openGallery = defineAction({
  name: 'openGallery',
  label: 'Example graphs',
  group: 'File',
  keys: ['Alt+G'],
  perform: (_, app) => {
    app.ui.setGallery(true);
    return null;
  },
});

export const runGraph = defineAction({
  name: 'runGraph',
  label: 'Run the graph',
  group: 'Run',
  keys: ['Mod+Enter'],
  perform: ({ doc }, app) => {
    app.ui.setTab('run');
    void app.run.run(doc);
    return null;
  },
});

export const FILE_ACTIONS = [newGraph, openDoc, openFile, saveFile, openGallery, runGraph] as Action<never>[];
