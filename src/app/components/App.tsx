// The editor's frame: top bar; palette left, canvas in the middle, tabs right; status line.
// Also the page-wide keyboard shortcuts (through the action registry) and file drops (graphs,
// ONNX models, weights: actions/import-actions.ts).
import { useEffect, useState } from 'react';
import { observer } from 'mobx-react-lite';
import { ReactFlowProvider } from '@xyflow/react';
import { actionForKey } from '../actions/registry';
import type { AppState } from '../store/app-state';
import { AppContext, cx } from './ui';
import { Canvas } from './Canvas';
import { GalleryDialog, HelpOverlay, ProblemsDialog } from './Dialogs';
import { Palette } from './Palette';
import { QuickAdd } from './QuickAdd';
import { RightPanel } from './RightPanel';
import { StatusBar, Toasts, TopBar } from './Bars';
import { StorageBanner, UnreadableNotice } from './Recovery';
import { OnnxImportDialog, WeightsDialog } from './ImportDialogs';
import { openFiles } from '../actions/import-actions';

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

function useShortcuts(app: AppState) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const typing = isTyping(e.target);
      if (typing && e.key === 'Escape') {
        (e.target as HTMLElement).blur(); // leave the field; the selection stays
        return;
      }
      const a = actionForKey(e);
      if (!a) return;
      // while typing, only the Mod+ shortcuts that mean nothing to a text field act
      if (typing && !['saveFile', 'openFile', 'runGraph'].includes(a.name)) return;
      if ((app.ui.helpOpen || app.ui.galleryOpen || app.ui.problems) && !['deselect', 'toggleHelp'].includes(a.name)) return;
      e.preventDefault();
      app.perform(a.name);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [app]);
}


export const App = observer(function App({ app }: { app: AppState }) {
  useShortcuts(app);
  const [dropping, setDropping] = useState(false);
  const hasFiles = (e: React.DragEvent) => e.dataTransfer.types.includes('Files');
  return (
    <AppContext.Provider value={app}>
      <ReactFlowProvider>
        <div
          className={cx('sg-app', dropping && 'is-dropping')}
          onDragOver={(e) => {
            if (!hasFiles(e)) return;
            e.preventDefault();
            setDropping(true);
          }}
          onDragLeave={(e) => e.currentTarget === e.target && setDropping(false)}
          onDrop={(e) => {
            if (!hasFiles(e)) return;
            e.preventDefault();
            setDropping(false);
            void openFiles(app, e.dataTransfer.files);
          }}
        >
          <TopBar />
          <StorageBanner />
          <main
            className="sg-main"
            style={{ '--palette-w': `${app.layout.paletteWidth}px`, '--panel-w': `${app.layout.panelWidth}px`, '--inspector-w': `${app.layout.inspectorWidth}px` } as React.CSSProperties}
          >
            <Palette />
            <Canvas />
            <RightPanel />
          </main>
          <StatusBar />
          <input
            type="file"
            accept=".json,application/json,.onnx,.data,.bin,.pt,.pth,.safetensors"
            multiple
            hidden
            data-testid="file-input"
            aria-label="Open a graph, an ONNX model (with its data file) or weights"
            onChange={(e) => {
              void openFiles(app, e.target.files);
              e.target.value = '';
            }}
          />
          {dropping && <div className="sg-drop-hint">Drop a .json graph, an .onnx model (with its .data file) or weights (.pt, .safetensors)</div>}
          <QuickAdd />
          <HelpOverlay />
          <GalleryDialog />
          <ProblemsDialog />
          <UnreadableNotice />
          <OnnxImportDialog />
          <WeightsDialog />
          <Toasts />
        </div>
      </ReactFlowProvider>
    </AppContext.Provider>
  );
});
