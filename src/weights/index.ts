// Weights files in: a PyTorch state_dict (torch.save's zip) or safetensors, told apart by their
// first bytes; and out: safetensors with PyTorch's names (<node name>.<weight name>).
import { compile } from '../compiler/compile';
import type { GraphDoc } from '../doc/schema';
import { readSafetensors, writeSafetensors } from './safetensors';
import { readTorch } from './torch';
import { WeightsError, type NamedTensor } from './tensors';

export { WeightsError, type NamedTensor };
export { matchWeights, applyWeights, parsePrefixes, formatMatch, type WeightMatch, type PrefixMap } from './match';

export function readWeights(bytes: Uint8Array, file: string): { tensors: NamedTensor[]; notes: string[] } {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return readTorch(bytes, file);
  if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] <= 5) return readTorch(bytes, file);
  if (bytes.length >= 10 && bytes[8] === 0x7b) return { tensors: readSafetensors(bytes, file).tensors, notes: [] };
  const ext = file.toLowerCase().split('.').pop();
  if (ext === 'safetensors') return { tensors: readSafetensors(bytes, file).tensors, notes: [] };
  throw new WeightsError(`${file}: not a PyTorch state_dict (.pt/.pth, a zip archive) or a safetensors file`);
}

/** every weight of the graph (fresh ones from its seed where the file has none) as safetensors, named <node>.<weight> */
export function saveWeights(doc: GraphDoc): { bytes: Uint8Array; count: number; fresh: string[] } {
  const r = compile(doc, { lower: false, initWeights: true });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new WeightsError(`the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors[0].message}`);
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  const fresh: string[] = [];
  for (const n of doc.nodes) {
    for (const [k, t] of Object.entries(r.weights[n.id] ?? {})) {
      tensors.push({ name: `${n.name}.${k}`, shape: t.shape, data: t.data as Float32Array });
      if (!doc.weights?.[n.id]?.[k]) fresh.push(`${n.name}.${k}`);
    }
  }
  return { bytes: writeSafetensors(tensors, { format: 'pt', producer: 'seqgraph' }), count: tensors.length, fresh };
}
