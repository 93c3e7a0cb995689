// Starts the editor: the graph saved in this browser if there is one, else the example graph,
// else a new one; then autosave, then React.
import { createRoot } from 'react-dom/client';
import { parseGraphText } from '../doc/load';
import type { GraphDoc } from '../doc/schema';
import { App } from './components/App';
import { AppState } from './store/app-state';
import { blankDoc } from './store/doc-ops';
import { DEFAULT_GALLERY_ID, GALLERY, loadGalleryEntry } from './store/gallery';
import { readAutosave, startAutosave } from './store/persistence';
import '@xyflow/react/dist/style.css';
import './styles/base.css';
import './styles/canvas.css';
import './styles/panels.css';
import './styles/run.css';
import './styles/dialogs.css';
import './styles/onnx.css';
import './styles/train.css';
import './styles/import.css';
import './styles/annotations.css';

async function exampleDoc(): Promise<GraphDoc> {
  const entry = GALLERY.find((g) => g.id === DEFAULT_GALLERY_ID) ?? GALLERY[0];
  const r = entry && (await loadGalleryEntry(entry));
  return r && r.ok ? r.doc : blankDoc();
}

async function start() {
  const fresh = new URLSearchParams(location.search).has('fresh');
  const saved = fresh ? null : await readAutosave();
  let doc: GraphDoc | null = null;
  if (saved) {
    const r = parseGraphText(saved.text);
    if (r.ok) doc = r.doc;
    else console.warn('the autosaved graph could not be read; opening the example', r.diagnostics);
  }
  const app = new AppState(doc ?? (await exampleDoc()), { restored: !!doc });
  startAutosave(app.graph, app.ui);
  (window as unknown as { seqgraph: AppState }).seqgraph = app; // for debugging from the console
  createRoot(document.getElementById('root')!).render(<App app={app} />);
}

void start();
