// Telling the person about their stored work when something went wrong with it:
//   - UnreadableNotice: graphs stored in this browser that could not be opened, set aside; each
//     can be downloaded (as it was stored) or discarded; "Later" keeps them and asks again at the
//     next start
//   - StorageBanner: autosave can't work (a newer seqgraph upgraded the storage, no storage, a
//     full disk): why, how to keep the work now, how to get autosave back
//   - CrashScreen: the editor failed to draw the graph; the graph is offered for download, can be
//     saved in the browser before a reload, or set aside (kept, downloadable) so that the editor
//     opens with the example instead
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { observer } from 'mobx-react-lite';
import { discardAside, setAside, writeAutosave, type SavedGraph } from '../store/persistence';
import { storageAdvice } from '../store/recovery-store';
import { docToText } from '../store/doc-ops';
import { downloadText } from '../inspector/download';
import type { AppState } from '../store/app-state';
import { Modal } from './Dialogs';
import { useApp } from './ui';

function graphName(g: SavedGraph): string {
  try {
    const name = (JSON.parse(g.text) as { name?: unknown }).name;
    if (typeof name === 'string' && name) return name;
  } catch {
    /* not JSON: the file name says when it was saved */
  }
  return 'graph';
}

function fileNameOf(g: SavedGraph): string {
  const when = g.savedAt ? new Date(g.savedAt).toISOString().slice(0, 16).replace(/[:T]/g, '-') : 'unknown-time';
  return `${graphName(g).replace(/[^A-Za-z0-9_.-]+/g, '-')}-unreadable-${when}.json`;
}

export const UnreadableNotice = observer(function UnreadableNotice() {
  const { recovery, ui } = useApp();
  if (!recovery.noticeOpen || !recovery.unreadable.length) return null;
  const n = recovery.unreadable.length;
  return (
    <Modal title={n === 1 ? 'A graph saved in this browser could not be opened' : `${n} graphs saved in this browser could not be opened`} onClose={() => recovery.setNotice(false)} testId="recovery-notice">
      <p className="sg-note">
        It is kept, as it was stored, until you decide: download it to fix it by hand (the problems are listed below) or to open it with a newer seqgraph, or
        discard it. The editor opened {n === 1 ? 'the example graph instead' : 'the example graph'}; your new edits are saved as usual.
      </p>
      {recovery.unreadable.map((g, i) => (
        <section key={g.key ?? i} className="sg-recovery-item" data-testid="recovery-item">
          <h3>
            “{graphName(g)}”{g.savedAt ? <span className="sg-muted"> · saved {new Date(g.savedAt).toLocaleString()}</span> : null}
          </h3>
          <ul className="sg-diags" data-testid="recovery-problems">
            {(g.problems ?? ['it could not be read']).slice(0, 20).map((p, k) => (
              <li key={k} className="sg-diag is-error">
                {p}
              </li>
            ))}
            {(g.problems?.length ?? 0) > 20 && <li className="sg-diag">… and {g.problems!.length - 20} more</li>}
          </ul>
          <div className="sg-recovery-actions">
            <button type="button" className="sg-button is-primary" data-testid="recovery-download" onClick={() => downloadText(fileNameOf(g), g.text, 'application/json')}>
              Download it
            </button>
            <button
              type="button"
              className="sg-button"
              data-testid="recovery-discard"
              onClick={() => {
                if (!confirm(`Discard “${graphName(g)}” for good? Download it first if you may want it.`)) return;
                void (g.key ? discardAside(g.key) : Promise.resolve()).then(
                  () => recovery.dropUnreadable(g),
                  (e: Error) => ui.toast(`Could not discard it: ${e.message}`, 'error'),
                );
              }}
            >
              Discard it
            </button>
          </div>
        </section>
      ))}
      <p className="sg-note">“Later” keeps {n === 1 ? 'it' : 'them'} and asks again the next time the editor starts.</p>
      <div className="sg-recovery-actions">
        <button type="button" className="sg-button" data-testid="recovery-later" onClick={() => recovery.setNotice(false)}>
          Later
        </button>
      </div>
    </Modal>
  );
});

export const StorageBanner = observer(function StorageBanner() {
  const { recovery } = useApp();
  const p = recovery.storageProblem;
  if (!p) return null;
  const a = storageAdvice(p);
  return (
    <div className="sg-storage-banner" role="alert" data-testid="storage-banner" data-kind={p.kind}>
      <strong>{a.title}</strong> <span>{a.why}</span> <span>{a.keep}</span> <span className="sg-muted">{a.fix}</span>
    </div>
  );
});

interface CrashProps {
  app: AppState;
  children: ReactNode;
}

/** The editor, or — if drawing it fails — a page that keeps the graph safe and offers a way out. */
export class CrashScreen extends Component<CrashProps, { error: Error | null; setAside: boolean }> {
  state = { error: null as Error | null, setAside: false };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('the editor failed', error, info.componentStack);
  }

  private text(): string {
    try {
      return docToText(this.props.app.graph.doc);
    } catch {
      return JSON.stringify(this.props.app.graph.doc);
    }
  }

  private openExample = async () => {
    const { app } = this.props;
    app.stopAutosave?.(); // nothing may store the graph again behind the move
    try {
      await setAside({ text: this.text(), savedAt: Date.now(), problems: [`the editor failed to show it: ${this.state.error?.message ?? 'unknown error'}`] });
    } catch (e) {
      if (!confirm(`The graph could not be kept in this browser (${(e as Error).message}). Download it first? (Cancel opens the example anyway.)`)) {
        location.assign(`${location.pathname}?fresh`);
        return;
      }
      downloadText(`${app.graph.doc.name || 'graph'}.json`, this.text(), 'application/json');
      return;
    }
    location.assign(location.pathname);
  };

  /** Stores the graph as it is now (autosave may be a moment behind), then reloads; at the next
   *  start it opens again, or — if it can't be opened — is set aside and offered for download. */
  private saveAndReload = async () => {
    const { app } = this.props;
    app.stopAutosave?.();
    try {
      await writeAutosave(this.text());
    } catch (e) {
      if (!confirm(`The graph could not be kept in this browser (${(e as Error).message}), so a reload would lose it. Download it first? (Cancel reloads anyway.)`)) {
        location.assign(location.pathname); // not ?fresh: the stored graph opens
        return;
      }
      downloadText(`${app.graph.doc.name || 'graph'}.json`, this.text(), 'application/json');
      return;
    }
    location.assign(location.pathname); // not ?fresh: the stored graph opens
  };

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const name = this.props.app.graph.doc.name || 'graph';
    return (
      <div className="sg-crash" role="alert" data-testid="crash-screen">
        <h1>The editor could not show “{name}”</h1>
        <p>
          <code>{error.message}</code>
        </p>
        <p>
          Your graph is safe. Download it as a file; or save it in this browser and reload the editor; or open the example graph instead (your graph is then kept
          in this browser and offered for download at the next start until you discard it).
        </p>
        <div className="sg-recovery-actions">
          <button type="button" className="sg-button is-primary" data-testid="crash-download" onClick={() => downloadText(`${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.json`, this.text(), 'application/json')}>
            Download the graph
          </button>
          <button type="button" className="sg-button" data-testid="crash-reload" onClick={() => void this.saveAndReload()}>
            Save and reload
          </button>
          <button type="button" className="sg-button" data-testid="crash-example" onClick={() => void this.openExample()}>
            Open the example instead
          </button>
        </div>
      </div>
    );
  }
}
