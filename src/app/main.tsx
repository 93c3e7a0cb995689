// Starts the editor: the graph saved in this browser if there is one, else the example graph,
// else a new one; then autosave, then React. Nothing stored can stop it from starting: a stored
// graph that can't be opened is set aside (kept, downloadable, see Recovery.tsx) and the example
// opens instead; a storage that can't be used is said in a banner; a graph that fails to draw
// gets the crash screen, which offers it for download.
import { createRoot } from 'react-dom/client';
import { parseGraphText } from '../doc/load';
import { formatDiagnostic } from '../doc/diagnostics';
import type { GraphDoc } from '../doc/schema';
import { App } from './components/App';
import { CrashScreen } from './components/Recovery';
import { AppState } from './store/app-state';
import { blankDoc } from './store/doc-ops';
import { DEFAULT_GALLERY_ID, GALLERY, loadGalleryEntry } from './store/gallery';
import { readStored, setAside, startAutosave, type SavedGraph, type Stored } from './store/persistence';
import '@xyflow/react/dist/style.css';
import './styles/base.css';
import './styles/canvas.css';
import './styles/panels.css';
import './styles/run.css';
import './styles/dialogs.css';
import './styles/onnx.css';
import './styles/recovery.css';
import './styles/train.css';
import './styles/import.css';
import './styles/annotations.css';

async function exampleDoc(): Promise<GraphDoc> {
  const entry = GALLERY.find((g) => g.id === DEFAULT_GALLERY_ID) ?? GALLERY[0];
  const r = entry && (await loadGalleryEntry(entry));
  return r && r.ok ? r.doc : blankDoc();
}

/** Moves a stored graph that can't be opened aside; if even that fails, it stays in memory for download. */
async function putAside(g: SavedGraph, problems: string[]): Promise<SavedGraph> {
  const record = { ...g, problems };
  try {
    return await setAside(record);
  } catch (e) {
    console.error('the unreadable graph could not be set aside', e);
    return record;
  }
}

async function start() {
  // ?fresh: start with the example (the stored graph is replaced at the first edit)
  const fresh = new URLSearchParams(location.search).has('fresh');
  const stored: Stored = await readStored();
  const unreadable = [...stored.unreadable];
  let doc: GraphDoc | null = null;
  if (stored.current) {
    const r = parseGraphText(stored.current.text);
    if (!r.ok) unreadable.push(await putAside(stored.current, r.diagnostics.map(formatDiagnostic)));
    else if (!fresh) doc = r.doc;
  }
  let app: AppState;
  try {
    app = new AppState(doc ?? (await exampleDoc()), { restored: !!doc });
  } catch (e) {
    // a graph that loads but breaks the editor's own state: set it aside too
    if (!doc || !stored.current) throw e;
    unreadable.push(await putAside(stored.current, [`the editor failed to open it: ${(e as Error).message}`]));
    app = new AppState(await exampleDoc());
  }
  app.recovery.setUnreadable(unreadable);
  app.recovery.setStorageProblem(stored.problem);
  if (stored.problem) app.ui.setSaveStatus('error');
  app.stopAutosave = startAutosave(app.graph, app.ui, app.recovery);
  (window as unknown as { seqgraph: AppState }).seqgraph = app; // for debugging from the console
  createRoot(document.getElementById('root')!).render(
    <CrashScreen app={app}>
      <App app={app} />
    </CrashScreen>,
  );
}

/** Last resort, for a failure before the editor could draw at all: plain DOM, no React. */
function startFailed(e: unknown): void {
  console.error('the editor failed to start', e);
  const root = document.getElementById('root')!;
  root.replaceChildren();
  const box = document.createElement('div');
  box.className = 'sg-crash';
  box.setAttribute('role', 'alert');
  box.dataset.testid = 'start-failed';
  const h = document.createElement('h1');
  h.textContent = 'The editor could not start';
  const msg = document.createElement('p');
  msg.textContent = `${(e as Error)?.message ?? String(e)}. Your stored graphs are untouched; reload to try again, or open a new window.`;
  box.append(h, msg);
  root.append(box);
}

start().catch(startFailed);
