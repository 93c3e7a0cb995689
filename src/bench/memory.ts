// `npm run bench -- --memory [steps]`: does training fit in a Worker without growing? Trains the
// character-level LSTM of memory-model.ts (B=32, T=256, H=512, ragged batches, Adam) for `steps`
// steps (1,000 by default) in a Node worker_threads Worker with a 1 GiB JS heap limit, and
// records, every few steps, the kernels' WebAssembly memory, the worker's JS heap after a full GC
// and the process's resident set. It prints the peaks and the growth after warm-up and exits 1 if
// anything grew: wasm memory at all, or the JS heap, the memory typed arrays hold outside it, or RSS
// by more than `tolerance`.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FULL_MEMORY, type MemoryConfig, type MemorySample } from './memory-model';

export interface MemoryReport {
  config: MemoryConfig;
  samples: (MemorySample & { rss: number })[];
  /** the first sample counted as warmed up (every buffer has reached its size by then) */
  warm: number;
  peak: { wasmBytes: number; heapUsed: number; external: number; rss: number };
  /** last − first warmed-up sample */
  growth: { wasmBytes: number; heapUsed: number; external: number; rss: number };
  grew: string[];
  seconds: number;
}

const MiB = 2 ** 20;

/** Run the check in a worker; resolves with the samples and the verdict. */
export function memoryCheck(c: MemoryConfig, tolerance = { heapUsed: 8 * MiB, external: 8 * MiB, rss: 64 * MiB }, onSample?: (s: MemorySample & { rss: number }) => void): Promise<MemoryReport> {
  const t0 = performance.now();
  const samples: (MemorySample & { rss: number })[] = [];
  return new Promise((resolve, reject) => {
    // the worker is TypeScript: it registers tsx's loader first (the bench itself runs under tsx)
    const api = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
    const entry = new URL('./memory-worker.ts', import.meta.url).href;
    const w = new Worker(`import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); })`, {
      eval: true,
      workerData: c,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    w.on('message', (m: (MemorySample & { done?: boolean; error?: string })) => {
      if (m.error) return reject(new Error(`memory worker: ${m.error}`));
      if (m.done) {
        void w.terminate();
        return resolve(report(c, samples, tolerance, (performance.now() - t0) / 1000));
      }
      const s = { ...m, rss: process.memoryUsage.rss() };
      samples.push(s);
      onSample?.(s);
    });
    w.on('error', reject);
  });
}

function report(c: MemoryConfig, samples: (MemorySample & { rss: number })[], tol: { heapUsed: number; external: number; rss: number }, seconds: number): MemoryReport {
  // warmed up from the sample nearest 10% of the run, or c.warmFraction (at least the second sample)
  const warm = Math.max(1, samples.findIndex((s) => s.step >= c.steps * (c.warmFraction ?? 0.1)));
  const a = samples[warm], z = samples[samples.length - 1];
  const max = (k: 'wasmBytes' | 'heapUsed' | 'external' | 'rss') => Math.max(...samples.map((s) => s[k] ?? 0));
  const after = samples.slice(warm);
  const growth = {
    wasmBytes: Math.max(...after.map((s) => s.wasmBytes)) - a.wasmBytes,
    heapUsed: (z.heapUsed ?? 0) - (a.heapUsed ?? 0),
    external: (z.external ?? 0) - (a.external ?? 0),
    rss: z.rss - a.rss,
  };
  const grew: string[] = [];
  if (growth.wasmBytes > 0) grew.push(`wasm memory grew by ${(growth.wasmBytes / MiB).toFixed(1)} MiB after warm-up`);
  if (growth.heapUsed > tol.heapUsed) grew.push(`the JS heap grew by ${(growth.heapUsed / MiB).toFixed(1)} MiB after warm-up`);
  if (growth.external > tol.external) grew.push(`memory outside the JS heap (typed arrays) grew by ${(growth.external / MiB).toFixed(1)} MiB after warm-up`);
  if (growth.rss > tol.rss) grew.push(`RSS grew by ${(growth.rss / MiB).toFixed(1)} MiB after warm-up`);
  return { config: c, samples, warm: a.step, peak: { wasmBytes: max('wasmBytes'), heapUsed: max('heapUsed'), external: max('external'), rss: max('rss') }, growth, grew, seconds };
}

export async function memoryBench(steps: number, json: string | undefined, log: (s: string) => void): Promise<void> {
  const c: MemoryConfig = { ...FULL_MEMORY, steps, every: Math.max(1, Math.round(steps / 50)) };
  log(`training memory: char-level LSTM B=${c.B} T=${c.T} H=${c.H} (vocabulary ${c.vocab}, embedding ${c.emb}), ${steps} steps in a worker_threads Worker (JS heap limit 1 GiB)`);
  const mb = (x: number) => `${(x / MiB).toFixed(1)} MiB`;
  const r = await memoryCheck(c, undefined, (s) => log(`  step ${s.step}: ${s.ms.toFixed(0)} ms, loss ${s.loss.toFixed(3)}, wasm ${mb(s.wasmBytes)} (in use ${mb(s.wasmInUse)}), JS heap ${mb(s.heapUsed ?? 0)}, external ${mb(s.external ?? 0)}, RSS ${mb(s.rss)}`));
  const lines = [
    `training memory, ${steps} steps of B=${c.B} T=${c.T} H=${c.H} in ${r.seconds.toFixed(0)} s:`,
    `  peak: wasm memory ${mb(r.peak.wasmBytes)}, JS heap (after GC) ${mb(r.peak.heapUsed)}, typed arrays etc. ${mb(r.peak.external)}, process RSS ${mb(r.peak.rss)}`,
    `  from step ${r.warm} to step ${steps}: wasm memory ${r.growth.wasmBytes === 0 ? 'unchanged' : `+${mb(r.growth.wasmBytes)}`}, JS heap ${r.growth.heapUsed >= 0 ? '+' : ''}${mb(r.growth.heapUsed)}, external ${r.growth.external >= 0 ? '+' : ''}${mb(r.growth.external)}, RSS ${r.growth.rss >= 0 ? '+' : ''}${mb(r.growth.rss)}`,
    r.grew.length ? `  GREW: ${r.grew.join('; ')}` : '  no growth',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (json) writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  if (r.grew.length) process.exitCode = 1;
}
