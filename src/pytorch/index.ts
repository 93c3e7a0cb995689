// The PyTorch code export: a graph -> a folder a person can read, run, train at scale and bring
// back (issue 14). No DOM: the CLI writes the files to a folder, the editor zips them.
//
//   model.py            the graph as an nn.Module (model.ts), weights I/O, a `seqgraph run`-like CLI
//   train.py            the graph's training section as a PyTorch script, DDP under torchrun (train.ts)
//   weights.safetensors the graph's weights by their state_dict names (or weights.pt)
//   vocab.json          each token input's tokenisation and vocabulary, outputs' labels
//   samples.json        the graph's samples as feeds
//   data.json, data/    the data set mapping and its prepared examples (when given data)
//   README.md           how to run, train and bring the weights back
import { compile } from '../compiler/compile';
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import { sampleFeeds } from '../runtime/tokenize';
import { writeSafetensors } from '../weights/safetensors';
import { PyTorchExportError } from './context';
import { generateModel, type ModelSource } from './model';
import { writeTorchSave } from './torch-save';
import { generateTrain } from './train';
import { dataFiles } from './data';
import { readme } from './readme';
import type { PreparedData } from '../data/prepare';

export { PyTorchExportError };

export interface PyTorchExportOptions {
  /** the weights file: weights.safetensors (default) or weights.pt (a torch.save state_dict) */
  weights?: 'safetensors' | 'pt';
  /** the data set, prepared by src/data against this graph: written as data.json and data/*.jsonl for train.py */
  data?: PreparedData;
}

export interface ExportedFile {
  path: string;
  data: string | Uint8Array;
}

export interface PyTorchExport {
  files: ExportedFile[];
  model: ModelSource;
}

/** the graph's weights by their state_dict names ("<node>.<weight>"), fresh ones from its seed included */
export function stateDict(program: Program): { name: string; shape: number[]; data: Float32Array }[] {
  return Object.keys(program.weightRefs).map((name) => {
    const t = program.initializers[name];
    return { name, shape: [...t.shape], data: t.data as Float32Array };
  });
}

export function tensorJSON(t: Tensor): { dtype: string; shape: number[]; data: number[] } {
  return { dtype: t.dtype, shape: [...t.shape], data: Array.from(t.data) };
}

function vocabJSON(program: Program, doc: GraphDoc) {
  const inputs: Record<string, unknown> = {};
  for (const i of program.inputs) {
    if (i.info.kind !== 'tokens') continue;
    const { vocab, tokenizer, lowercase, pad, unk, bos, eos, add_bos, add_eos } = i.info;
    inputs[i.name] = { tokenizer, lowercase, add_bos, add_eos, pad: pad ?? null, unk: unk ?? null, bos: bos ?? null, eos: eos ?? null, vocab };
  }
  const outputs: Record<string, string[]> = {};
  for (const o of program.outputs) if (o.labels) outputs[o.name] = o.labels;
  const decoders: Record<string, string[]> = {};
  for (const n of doc.nodes) if (n.type === 'Decoder' && Array.isArray(n.params.vocab)) decoders[n.name] = n.params.vocab as string[];
  return { inputs, outputs, decoders };
}

export function exportPyTorch(doc: GraphDoc, opts: PyTorchExportOptions = {}): PyTorchExport {
  const result = compile(doc);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !result.program) throw new PyTorchExportError(`the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors[0]?.message ?? 'it does not compile'}`);
  const program = result.program;
  const model = generateModel(doc, program, result);
  const files: ExportedFile[] = [{ path: 'model.py', data: model.code }];
  const weights = stateDict(program);
  if (opts.weights === 'pt') files.push({ path: 'weights.pt', data: writeTorchSave(weights) });
  else files.push({ path: 'weights.safetensors', data: writeSafetensors(weights, { format: 'pt', producer: 'seqgraph' }) });
  files.push({ path: 'vocab.json', data: JSON.stringify(vocabJSON(program, doc), null, 1) + '\n' });
  const samples = doc.samples.map((s) => {
    const feeds = sampleFeeds(program, s.inputs);
    return { name: s.name, feeds: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, tensorJSON(t)])) };
  });
  files.push({ path: 'samples.json', data: JSON.stringify(samples) + '\n' });
  if (doc.training) files.push({ path: 'train.py', data: generateTrain(doc, program, model) });
  if (opts.data) files.push(...dataFiles(opts.data, program));
  const notes = [...model.notes];
  if (doc.training && doc.nodes.some((n) => n.type === 'Dropout' || ((n.params.dropout as number) > 0 && (n.params.num_layers as number) > 1))) {
    notes.push('Dropout draws its masks from PyTorch\'s generator, not seqgraph\'s: the same seed gives other masks, so runs with dropout match seqgraph\'s in distribution, not number for number.');
  }
  if (doc.training && doc.training.teacher_forcing_ratio !== undefined && doc.training.teacher_forcing_ratio < 1) {
    notes.push('Scheduled sampling (teacher_forcing_ratio < 1) draws from PyTorch\'s generator: the same rule as seqgraph, other draws.');
  }
  const counts = opts.data ? Object.fromEntries(Object.entries(opts.data.splits).map(([k, v]) => [k, v.length])) : undefined;
  const weightsFile = opts.weights === 'pt' ? 'weights.pt' : 'weights.safetensors';
  files.push({ path: 'README.md', data: readme(doc, program, model, { weightsFile, train: !!doc.training, counts, notes }) });
  return { files, model };
}
