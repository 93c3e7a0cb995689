// The PyTorch export as one zip (the editor's download): every file under a folder named after
// the graph, so unzipping gives <graph>-pytorch/model.py, train.py, ... (fflate, no DOM).
import { zipSync, strToU8 } from 'fflate';
import type { GraphDoc } from '../doc/schema';
import { exportPyTorch, type PyTorchExportOptions } from './index';

export function pytorchZip(doc: GraphDoc, opts: PyTorchExportOptions = {}): { bytes: Uint8Array; fileName: string; files: string[] } {
  const folder = `${doc.name.replace(/[^A-Za-z0-9_.-]+/g, '-') || 'model'}-pytorch`;
  const { files } = exportPyTorch(doc, opts);
  const entries: Record<string, Uint8Array> = {};
  for (const f of files) entries[`${folder}/${f.path}`] = typeof f.data === 'string' ? strToU8(f.data) : f.data;
  return { bytes: zipSync(entries, { level: 6 }), fileName: `${folder}.zip`, files: files.map((f) => f.path) };
}
