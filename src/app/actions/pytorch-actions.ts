// "Export PyTorch": the graph as a PyTorch package (model.py, train.py when the graph has a
// training section, the weights, vocabularies, README) in one zip download (src/pytorch/zip.ts).
import { defineAction, type Action } from './types';
import { download } from './onnx-actions';
import type { AppState } from '../store/app-state';

const compiles = (_: unknown, app: AppState) => app.graph.analysis.errorCount === 0;

export const exportPyTorch = defineAction({
  name: 'exportPyTorch',
  label: 'Export PyTorch (model.py, train.py, weights)',
  group: 'File',
  keys: ['Mod+Shift+E'],
  enabled: compiles,
  perform: async ({ doc }, app) => {
    const { pytorchZip } = await import('../../pytorch/zip');
    try {
      const z = pytorchZip(doc);
      download(z.bytes, z.fileName);
      const missing = z.files.includes('train.py') ? '' : ' (no train.py: the graph has no training section)';
      app.ui.toast(`Exported ${z.fileName}: ${z.files.join(', ')}${missing}`, 'success', 5000);
    } catch (e) {
      app.ui.toast(`PyTorch export failed: ${(e as Error).message}`, 'error');
    }
    return null;
  },
});

export const PYTORCH_ACTIONS = [exportPyTorch] as Action<never>[];
