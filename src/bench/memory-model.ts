// The training-memory check's model and loop, free of Node and DOM APIs so the same code runs in
// a Node worker_threads Worker (memory-worker.ts) and, unchanged, in a browser
// Web Worker: a character-level language model — tokens → Embedding → LSTM(H) →
// Dense(vocabulary) → CrossEntropyLoss on every step — trained with Adam on random ragged
// batches (each step a new batch, rows of different lengths), as a user's training loop would.
import { compile } from '../compiler/compile';
import type { GraphDoc } from '../doc/schema';
import { TrainingSchema } from '../doc/training';
import { simdRuntime } from '../runtime/kernels/wasm/runtime';
import { createTrainer, type Batch } from '../train';

export interface MemoryConfig {
  B: number;
  T: number;
  H: number;
  /** symbols, <pad> included */
  vocab: number;
  emb: number;
  steps: number;
  /** take a sample every this many steps (and at the first and last) */
  every: number;
  /** growth is counted from this fraction of the run (default 0.1). A short run under heavy load
   *  can still settle a little after 10% (a one-time rise, not a leak); counting from halfway
   *  keeps a per-step leak in view (it grows linearly) without flagging that plateau */
  warmFraction?: number;
}

export const FULL_MEMORY: Omit<MemoryConfig, 'steps' | 'every'> = { B: 32, T: 256, H: 512, vocab: 64, emb: 64 };

export interface MemorySample {
  step: number;
  /** milliseconds of the last step */
  ms: number;
  loss: number;
  /** the WebAssembly memory the kernels use (it never shrinks: growth would show here for good) */
  wasmBytes: number;
  /** bytes the wasm allocator has handed out */
  wasmInUse: number;
  /** the JS heap as the host reports it (Node: v8.getHeapStatistics after a GC; browser: what it can) */
  heapUsed?: number;
  heapTotal?: number;
  /** memory outside the JS heap held by JS objects (typed arrays' contents; Node: v8 external_memory) */
  external?: number;
}

export function charLmDoc(c: Omit<MemoryConfig, 'steps' | 'every'>): GraphDoc {
  const at = { x: 0, y: 0 };
  const vocab = ['<pad>', ...Array.from({ length: c.vocab - 1 }, (_, i) => `c${i}`)];
  const edge = (id: string, a: string, ap: string, b: string, bp: string) => ({ id, source: { node: a, port: ap }, target: { node: b, port: bp } });
  return {
    format: 'seqgraph', version: 2, name: 'char-lm-memory', seed: 1,
    nodes: [
      { id: 'in', type: 'Input', name: 'text', position: at, params: { kind: 'tokens', vocab, tokenizer: 'chars', unk_token: '' } },
      { id: 'emb', type: 'Embedding', name: 'embed', position: at, params: { embedding_dim: c.emb, padding_idx: 0 } },
      { id: 'lstm', type: 'LSTM', name: 'lstm', position: at, params: { hidden_size: c.H } },
      { id: 'head', type: 'Dense', name: 'head', position: at, params: { units: c.vocab, activation: 'none' } },
      { id: 'out', type: 'Output', name: 'logits', position: at, params: {} },
    ],
    edges: [
      edge('e1', 'in', 'tokens', 'emb', 'tokens'),
      edge('e2', 'emb', 'output', 'lstm', 'input'),
      edge('e3', 'lstm', 'output', 'head', 'input'),
      edge('e4', 'head', 'output', 'out', 'value'),
    ],
    samples: [],
  } as unknown as GraphDoc;
}

/** A ragged batch: row 0 full length, the others T/2..T; ids 1..V-1, padded with 0; next-id targets. */
function batchOf(c: MemoryConfig, seed: number): Batch {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const { B, T, vocab } = c;
  const ids = new Int32Array(B * T), targets = new Int32Array(B * T).fill(-100);
  for (let b = 0; b < B; b++) {
    const L = b === 0 ? T : Math.ceil(T / 2 + rand() * (T / 2));
    for (let t = 0; t < L; t++) ids[b * T + t] = 1 + Math.floor(rand() * (vocab - 1));
    for (let t = 0; t < L; t++) targets[b * T + t] = t + 1 < L ? ids[b * T + t + 1] : 0;
  }
  return { feeds: { text: { dtype: 'int64', shape: [B, T], data: ids } }, targets: { logits: { dtype: 'int64', shape: [B, T], data: targets } }, size: B };
}

/**
 * Train for c.steps steps; `sample` is called at step 1, every c.every steps and at the last,
 * and gets the kernels' wasm memory figures (the caller adds the host's heap figures).
 */
export async function runMemoryTraining(c: MemoryConfig, sample: (s: MemorySample) => void | Promise<void>): Promise<void> {
  const r = compile(charLmDoc(c));
  if (!r.program) throw new Error(`the memory model does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  const trainer = createTrainer(r.program, TrainingSchema.parse({
    losses: [{ loss: 'CrossEntropyLoss', output: 'logits' }],
    optimizer: { type: 'Adam', lr: 2e-3 },
    clip_grad_norm: { max_norm: 1 },
  }));
  for (let step = 1; step <= c.steps; step++) {
    const batch = batchOf(c, step * 7919);
    const t0 = performance.now();
    const res = trainer.step(batch);
    const ms = performance.now() - t0;
    if (step === 1 || step % c.every === 0 || step === c.steps) {
      const rt = simdRuntime();
      await sample({ step, ms, loss: res.loss, wasmBytes: rt?.memory.buffer.byteLength ?? 0, wasmInUse: rt?.inUse() ?? 0 });
    }
  }
}
