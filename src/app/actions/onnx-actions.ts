// ONNX actions: download the exported model, and check it in onnxruntime-web against the TS
// runtime on the run panel's current input.
import { defineAction, type Action } from './types';
import { parseRunInput, runInputFields } from '../store/run-inputs';
import type { SampleValue } from '../../doc/schema';
import type { AppState } from '../store/app-state';
import { beamDecoders } from '../onnx-greedy';

export function download(bytes: Uint8Array, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** the run panel's inputs, parsed as a run would parse them, or why they don't parse */
export function currentInputs(app: AppState): Record<string, SampleValue> | string {
  const doc = app.graph.doc;
  const inputs: Record<string, SampleValue> = {};
  for (const f of runInputFields(doc)) {
    const parsed = parseRunInput(f, app.run.textFor(doc, f));
    if (!parsed.ok) return `input "${f.name}": ${parsed.message}`;
    inputs[f.name] = parsed.value;
  }
  return inputs;
}

const compiles = (_: unknown, app: AppState) => app.graph.analysis.errorCount === 0;

export const exportOnnx = defineAction<{ greedy?: boolean } | undefined>({
  name: 'exportOnnx',
  label: 'Export ONNX',
  group: 'File',
  keys: ['Mod+E'],
  enabled: compiles,
  perform: async ({ doc }, app, value) => {
    const greedy = value?.greedy ?? app.onnx.greedy;
    const res = await app.onnx.exportModel(doc, greedy);
    if (res.ok) {
      download(res.bytes, res.fileName);
      app.ui.toast(`Exported ${res.fileName} (${(res.bytes.length / 1024).toFixed(1)} KB${res.greedy ? ', beam search exported as greedy' : ''})`, 'success', 3000);
    } else if (!greedy && res.stage === 'export' && beamDecoders(doc).length) {
      // the CLI's --greedy, offered where the refusal is read
      app.ui.toast(`ONNX export failed: ${res.message}`, 'error', 15000, { label: 'Export as greedy', run: () => app.perform('exportOnnx', { greedy: true }) });
    } else {
      app.ui.toast(`ONNX export failed: ${res.message}`, 'error');
    }
    return null;
  },
});

export const checkOnnx = defineAction<{ greedy?: boolean } | undefined>({
  name: 'checkOnnx',
  label: 'Check in onnxruntime',
  group: 'Run',
  keys: ['Mod+Shift+Enter'],
  enabled: compiles,
  perform: async ({ doc }, app, value) => {
    app.ui.setTab('run');
    const inputs = currentInputs(app);
    if (typeof inputs === 'string') {
      app.ui.toast(inputs, 'error');
      return null;
    }
    await app.onnx.check(doc, inputs, value?.greedy ?? app.onnx.greedy);
    return null;
  },
});

export const ONNX_ACTIONS = [exportOnnx, checkOnnx] as Action<never>[];
