// View actions: what the person sees, not what the graph is. Fit, layout, theme, help, the
// node search, and the right-hand tabs.
import { defineAction, type Action } from './types';
import { moveNodes, type XY } from '../store/doc-ops';

// Auto-layout: src/doc/layout.ts (shared with the importer), with the sizes the canvas measured.
import { layoutPositions } from '../../doc/layout';

export const fitView = defineAction({
  name: 'fitView',
  label: 'Fit the graph in view',
  group: 'View',
  keys: ['.'],
  perform: (_, app) => {
    void app.flow?.fitView({ padding: 0.15, duration: 250, maxZoom: 1.1 });
    return null;
  },
});

export const autoLayout = defineAction({
  name: 'autoLayout',
  label: 'Auto-layout (left to right)',
  group: 'View',
  keys: ['Shift+L'],
  enabled: (s) => s.doc.nodes.length > 0,
  perform: async ({ doc }, app) => {
    const positions = await layoutPositions(doc, (id) => app.ui.measured.get(id));
    // the document may have changed while elk worked: apply to the current one
    const next = moveNodes(app.graph.doc, positions);
    setTimeout(() => void app.flow?.fitView({ padding: 0.15, duration: 300, maxZoom: 1.1 }), 30);
    return { doc: next, history: true };
  },
});

export const toggleTheme = defineAction({
  name: 'toggleTheme',
  label: 'Dark / light theme',
  group: 'View',
  keys: ['Alt+T'],
  perform: (_, app) => {
    app.ui.setTheme(app.ui.theme === 'dark' ? 'light' : 'dark');
    return null;
  },
});

export const toggleHelp = defineAction({
  name: 'toggleHelp',
  label: 'Keyboard shortcuts',
  group: 'View',
  keys: ['?'],
  perform: (_, app) => {
    app.ui.setHelp(!app.ui.helpOpen);
    return null;
  },
});

export const searchNodes = defineAction({
  name: 'searchNodes',
  label: 'Add a node by name',
  group: 'Canvas',
  keys: ['/'],
  gesture: 'or double-click the canvas',
  perform: (_, app) => {
    const el = document.querySelector('.react-flow');
    const r = el?.getBoundingClientRect();
    const screen = r ? { x: r.left + r.width / 2 - 160, y: r.top + r.height / 3 } : { x: 300, y: 200 };
    const flow = app.flow?.screenToFlowPosition({ x: screen.x + 160, y: screen.y }) ?? { x: 0, y: 0 };
    app.ui.setQuickAdd({ screen, flow });
    return null;
  },
});

export const focusPalette = defineAction({
  name: 'focusPalette',
  label: 'Search the palette',
  group: 'Canvas',
  keys: ['Mod+K'],
  perform: () => {
    document.querySelector<HTMLInputElement>('[data-testid="palette-search"]')?.focus();
    return null;
  },
});

const tab = (name: string, label: string, key: string, t: 'params' | 'run' | 'train' | 'inspector') =>
  defineAction({
    name,
    label,
    group: 'View',
    keys: [key],
    perform: (_, app) => {
      app.ui.setTab(t);
      return null;
    },
  });

export const showParams = tab('showParams', 'Params tab', 'Alt+1', 'params');
export const showRun = tab('showRun', 'Run tab', 'Alt+2', 'run');
export const showTrain = tab('showTrain', 'Train tab', 'Alt+4', 'train');
export const showInspector = tab('showInspector', 'Inspector tab', 'Alt+3', 'inspector');

export const VIEW_ACTIONS = [fitView, autoLayout, toggleTheme, toggleHelp, searchNodes, focusPalette, showParams, showRun, showTrain, showInspector] as Action<never>[];
