// The benchmark's cases: single recurrent layers at fixed sizes, the example graphs as whole
// programs, and a 200-node graph for compile time. Each case carries its Program (what seqgraph
// runs and what is exported to ONNX), its feeds, its FLOP count, and for single layers the
// PyTorch-layout weights so the TensorFlow.js engines compute the same function.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseGraphText } from '../doc/load';
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';
import { sampleFeeds } from '../runtime/tokenize';
import { compileOrThrow, type BenchCase } from './layer-cases';

export { compileOrThrow, layerCase, type BenchCase, type LayerWeights } from './layer-cases';

/** FLOPs of a program's matrix products for the fed batch and length (symbolic dims resolved). */
export function programFlops(p: Program, B: number, T: number): number {
  const dim = (d: number | string) => (typeof d === 'number' ? d : d === 'B' ? B : T);
  let flops = 0;
  for (const op of p.ops) {
    const shape = (i: number) => (p.values[op.inputs[i]]?.shape ?? []).map(dim);
    if (op.op === 'LSTM' || op.op === 'GRU' || op.op === 'RNN') {
      const [b, t, I] = shape(0);
      const H = op.attrs.hidden_size as number, G = op.op === 'LSTM' ? 4 : op.op === 'GRU' ? 3 : 1;
      const D = op.attrs.direction === 'bidirectional' ? 2 : 1;
      flops += 2 * b * t * D * (I + H) * G * H;
    } else if (op.op === 'Linear') {
      const x = shape(0), w = shape(1);
      flops += 2 * (x.reduce((a, c) => a * c, 1) / x[x.length - 1]) * w[0] * w[1];
    }
  }
  return flops;
}

/** A graph file as a case, on its largest sample; null (with the reason) when absent or unusable. */
export function graphCase(file: string): BenchCase | string {
  if (!existsSync(file)) return `${file} is not there`;
  const loaded = parseGraphText(readFileSync(file, 'utf8'));
  if (!loaded.ok) return `${file} does not load: ${loaded.diagnostics.map((d) => d.message).join('; ')}`;
  const doc = loaded.doc;
  if (!doc.samples.length) return `${file} has no samples`;
  const program = compileOrThrow(doc, file);
  // the sample with the most values (e.g. "a batch of names")
  const sized = doc.samples.map((s) => ({ s, feeds: sampleFeeds(program, s.inputs) }));
  const size = (f: Record<string, Tensor>) => Object.values(f).reduce((a, t) => a + t.data.length, 0);
  const best = sized.reduce((a, b) => (size(b.feeds) > size(a.feeds) ? b : a));
  const first = Object.values(best.feeds)[0];
  const [B, T] = first.shape;
  return {
    name: `${path.basename(file, '.json')} (sample "${best.s.name}", B=${B} T=${T ?? 1})`,
    program,
    feeds: best.feeds,
    flops: programFlops(program, B, T ?? 1),
    output: program.outputs[0].name,
    traceBytes: 0, // small graphs: their traces are small
  };
}

/** graphs/g2p*.json, if any */
export function g2pFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^g2p.*\.json$/.test(f)).map((f) => path.join(dir, f));
}

/**
 * A graph with `n` nodes: Input -> LSTM(16) -> (Dense(16) -> Activation) chains -> Output. It
 * stresses the compiler's passes (validation, shape inference, lowering, weight init), not kernels.
 */
export function bigGraphDoc(n: number): GraphDoc {
  const at = { x: 0, y: 0 };
  const nodes: GraphDoc['nodes'] = [
    { id: 'in', type: 'Input', name: 'x', position: at, params: { kind: 'sequence', features: 16 } },
    { id: 'lstm', type: 'LSTM', name: 'lstm', position: at, params: { hidden_size: 16 } },
  ] as GraphDoc['nodes'];
  const edges: GraphDoc['edges'] = [];
  const link = (a: string, ap: string, b: string, bp: string) =>
    edges.push({ id: `e${edges.length}`, source: { node: a, port: ap }, target: { node: b, port: bp } } as GraphDoc['edges'][number]);
  link('in', 'sequence', 'lstm', 'input');
  let prev = 'lstm';
  for (let i = 0; nodes.length < n - 1; i++) {
    const id = `n${i}`;
    const dense = i % 2 === 0;
    nodes.push({ id, type: dense ? 'Dense' : 'Activation', name: id, position: at, params: dense ? { units: 16 } : { fn: 'tanh' } } as GraphDoc['nodes'][number]);
    link(prev, 'output', id, 'input');
    prev = id;
  }
  nodes.push({ id: 'out', type: 'Output', name: 'y', position: at, params: {} } as GraphDoc['nodes'][number]);
  link(prev, 'output', 'out', 'value');
  return { format: 'seqgraph', version: 2, name: `big-${n}`, seed: 1, nodes, edges, samples: [] } as unknown as GraphDoc;
}
