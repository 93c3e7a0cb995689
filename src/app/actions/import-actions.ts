// Files into the editor: dropped anywhere on the page or picked with Open. A .json is a graph; a
// .onnx is imported (with its external-data file when given together); a .pt / .pth /
// .safetensors opens the weights dialog; an external-data file alone joins an import waiting for
// it. The weights dialog's Load is an action, so loading weights is one undo step.
import { defineAction, type Action } from './types';
import type { AppState } from '../store/app-state';
import type { ImportResult } from '../../onnx/import';
import { kindOf, tooBig } from '../store/import-store';

async function bytesOf(f: File): Promise<Uint8Array> {
  return new Uint8Array(await f.arrayBuffer());
}

export async function openFiles(app: AppState, list: FileList | File[] | null): Promise<void> {
  const files = [...(list ?? [])];
  if (!files.length) return;
  for (const f of files) {
    const why = tooBig(f);
    if (why) {
      app.ui.toast(why, 'error', 10000);
      return;
    }
  }
  const kinds = await Promise.all(files.map(async (f) => kindOf(f.name, new Uint8Array(await f.slice(0, 4).arrayBuffer()))));
  const of = (k: string) => files.filter((_, i) => kinds[i] === k);
  const [onnx] = of('onnx');
  if (onnx) {
    const others: Record<string, Uint8Array> = {};
    for (const f of files) if (f !== onnx) others[f.name] = await bytesOf(f);
    const r = await app.imports.tryOnnx({ file: onnx.name, bytes: await bytesOf(onnx), others, vocab: {} });
    if (r) openImported(app, r, onnx.name);
    return;
  }
  const [weights] = of('weights');
  if (weights) {
    app.imports.openWeights(app.graph.doc, weights.name, await bytesOf(weights));
    return;
  }
  const [graph] = of('graph');
  if (graph) {
    app.openText(await graph.text(), graph.name);
    return;
  }
  const pending = app.imports.onnx;
  if (pending?.missing) {
    const f = files[0];
    const r = await app.imports.tryOnnx({ ...pending, others: { ...pending.others, [f.name]: await bytesOf(f) } });
    if (r) openImported(app, r, pending.file);
    return;
  }
  if (/\.(data|bin)$/i.test(files[0].name)) {
    app.ui.toast(`${files[0].name} looks like a model's external data: drop or open it together with its .onnx file`, 'error', 10000);
    return;
  }
  // anything else is read as a graph file, whose checks say what is wrong with it
  app.openText(await files[0].text(), files[0].name);
}

export function openImported(app: AppState, r: ImportResult, file: string): void {
  app.perform('openDoc', { doc: r.doc, source: file });
  const layers = r.doc.nodes.filter((n) => n.type !== 'Input' && n.type !== 'Output').map((n) => n.type);
  app.ui.toast(`Imported ${file}: ${layers.join(' → ')}${r.via === 'seqgraph' ? ' (a seqgraph export)' : ''}`, 'success', 5000);
  const notes = r.notes.filter((n) => !/holds no vocabulary|was written by seqgraph/.test(n));
  if (notes.length) app.ui.toast(notes.join(' · '), 'info', 12000);
}

export const loadWeights = defineAction({
  name: 'loadWeights',
  label: 'Load the matched weights',
  group: 'File',
  gesture: 'drop a .pt / .pth / .safetensors file on the page',
  perform: ({ doc }, app) => {
    const next = app.imports.applied(doc);
    if (typeof next === 'string') {
      app.ui.toast(next, 'error', 10000);
      return null;
    }
    const n = app.imports.weights?.match?.matched.length ?? 0;
    app.ui.toast(`Loaded ${n} weight${n === 1 ? '' : 's'} from ${app.imports.weights?.file} (undo to take them back)`, 'success', 5000);
    app.imports.setWeights(null);
    return { doc: next, history: true };
  },
});

export const IMPORT_ACTIONS = [loadWeights] as Action<never>[];
