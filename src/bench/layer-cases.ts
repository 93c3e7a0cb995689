// The bench's layer cases, with no Node imports, so the browser bench page (browser-page.ts)
// builds the very same programs and inputs in the page instead of shipping weights over.
// A case is a GraphDoc Input -> LSTM/GRU -> Output compiled with the compiler's seeded init;
// the stacked case is the same node with num_layers/bidirectional set (concat merge).
import { compile } from '../compiler/compile';
import type { GraphDoc } from '../doc/schema';
import type { Program } from '../ir/program';
import type { Tensor } from '../runtime/tensor';

export interface LayerWeights {
  cell: 'LSTM' | 'GRU';
  B: number; T: number; I: number; H: number;
  w_ih: Float32Array; w_hh: Float32Array; b_ih: Float32Array; b_hh: Float32Array;
}

export interface BenchCase {
  name: string;
  program: Program;
  feeds: Record<string, Tensor>;
  /** multiply-adds x 2 of the matrix products (gate math not counted, as usual) */
  flops: number;
  /** the output compared across engines */
  output: string;
  /** single-layer cases: what the tfjs engines need (absent: tfjs does not run the case) */
  layer?: LayerWeights;
  /** bytes one traced run records (h, c and gates of every step): the bench skips huge traces */
  traceBytes: number;
  /** the case exists to measure the trace's cost: report traced / untraced */
  traceCost?: boolean;
}

export interface LayerShape {
  cell: 'LSTM' | 'GRU';
  B: number; T: number; I: number; H: number;
  /** stacked layers (default 1) */
  layers?: number;
  bidirectional?: boolean;
}

/** A GraphDoc: Input(sequence, I) -> LSTM/GRU(H, layers, directions) -> Output. */
export function layerDoc(cell: 'LSTM' | 'GRU', I: number, H: number, layers = 1, bidirectional = false): GraphDoc {
  const at = { x: 0, y: 0 };
  const params: Record<string, unknown> = { hidden_size: H };
  if (layers > 1) params.num_layers = layers;
  if (bidirectional) Object.assign(params, { bidirectional: true, merge_mode: 'concat' });
  return {
    format: 'seqgraph', version: 2, name: `${cell.toLowerCase()}-bench`, seed: 1,
    nodes: [
      { id: 'in', type: 'Input', name: 'x', position: at, params: { kind: 'sequence', features: I } },
      { id: 'rnn', type: cell, name: 'rnn', position: at, params },
      { id: 'out', type: 'Output', name: 'y', position: at, params: {} },
    ],
    edges: [
      { id: 'e1', source: { node: 'in', port: 'sequence' }, target: { node: 'rnn', port: 'input' } },
      { id: 'e2', source: { node: 'rnn', port: 'output' }, target: { node: 'out', port: 'value' } },
    ],
    samples: [],
  } as unknown as GraphDoc;
}

export function compileOrThrow(doc: GraphDoc, what: string): Program {
  const r = compile(doc);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.program || errors.length) throw new Error(`${what}: does not compile: ${errors.map((e) => e.message).join('; ')}`);
  return r.program;
}

/** deterministic inputs in [-1, 1) */
export function inputs(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** FLOPs of the matrix products: every layer and direction, layer l > 0 reading D*H features */
export function layerFlops(s: LayerShape): number {
  const G = s.cell === 'LSTM' ? 4 : 3, D = s.bidirectional ? 2 : 1;
  let flops = 0;
  for (let l = 0; l < (s.layers ?? 1); l++) flops += 2 * s.B * s.T * D * ((l === 0 ? s.I : D * s.H) + s.H) * G * s.H;
  return flops;
}

/** bytes of one run's trace: h (and c) plus G gates per step, layer and direction, float32 */
export function layerTraceBytes(s: LayerShape): number {
  const G = s.cell === 'LSTM' ? 4 : 3, perStep = (s.cell === 'LSTM' ? 2 : 1) + G;
  return 4 * s.B * s.T * s.H * perStep * (s.bidirectional ? 2 : 1) * (s.layers ?? 1);
}

export function layerCaseName(s: LayerShape): string {
  const stack = (s.layers ?? 1) > 1 || s.bidirectional ? `${s.layers ?? 1}-layer${s.bidirectional ? ' bi' : ''} ` : '';
  return `${stack}${s.cell} B=${s.B} T=${s.T} I=${s.I} H=${s.H}`;
}

/** the case's name, known before building it (so --only does not allocate the big cases) */
export function caseName(s: LayerShape, traceCost = false): string {
  return layerCaseName(s) + (traceCost ? ' (trace cost)' : '');
}

export function shapedCase(s: LayerShape, traceCost = false): BenchCase {
  const { cell, B, T, I, H } = s;
  const layers = s.layers ?? 1, bi = s.bidirectional ?? false;
  const program = compileOrThrow(layerDoc(cell, I, H, layers, bi), `${cell} layer`);
  const w = (suffix: string) => program.initializers[`rnn.${suffix}`].data as Float32Array;
  const single = layers === 1 && !bi;
  return {
    name: caseName(s, traceCost),
    program,
    feeds: { x: { dtype: 'float32', shape: [B, T, I], data: inputs(B * T * I, B * 7919 + T) } },
    flops: layerFlops(s),
    output: 'y',
    // tfjs engines are written for one forward layer only
    layer: single ? { cell, B, T, I, H, w_ih: w('weight_ih_l0'), w_hh: w('weight_hh_l0'), b_ih: w('bias_ih_l0'), b_hh: w('bias_hh_l0') } : undefined,
    traceBytes: layerTraceBytes(s),
    traceCost,
  };
}

export function layerCase(cell: 'LSTM' | 'GRU', B: number, T: number, I: number, H: number): BenchCase {
  return shapedCase({ cell, B, T, I, H });
}

/**
 * The layer cases of the bench, in order: the original small ones, then what users of an
 * inspector run (issue 13): a long char-level text (B=1 T=2000), a big batch of a wide layer
 * (B=64 H=1024, ~67 GFLOP a run), a 3-layer bidirectional stack, and the trace-cost case.
 */
export function layerShapes(): { shape: LayerShape; traceCost?: boolean }[] {
  const out: { shape: LayerShape; traceCost?: boolean }[] = [];
  for (const cell of ['LSTM', 'GRU'] as const) out.push({ shape: { cell, B: 1, T: 128, I: 128, H: 256 } }, { shape: { cell, B: 32, T: 64, I: 128, H: 256 } });
  for (const cell of ['LSTM', 'GRU'] as const) out.push({ shape: { cell, B: 1, T: 2000, I: 64, H: 512 } });
  for (const cell of ['LSTM', 'GRU'] as const) out.push({ shape: { cell, B: 64, T: 100, I: 256, H: 1024 } });
  out.push({ shape: { cell: 'LSTM', B: 32, T: 64, I: 128, H: 256, layers: 3, bidirectional: true } });
  out.push({ shape: { cell: 'LSTM', B: 1, T: 1000, I: 64, H: 1024 }, traceCost: true });
  return out;
}
