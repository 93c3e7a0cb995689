// `npx tsx scripts/bench-execute.ts [rounds]`: median execute() time of a few recurrent layers on
// both kernel backends, interleaved rounds (so machine drift lands on every row alike). A quick
// before/after check for changes to the executor and the kernels; `npm run bench` is the full one.
import { layerCase } from '../src/bench/cases';
import { execute } from '../src/runtime/execute';
import { setKernelBackend } from '../src/runtime/kernels/wasm/runtime';

const rounds = Number(process.argv[2] ?? 15);
const cases = [layerCase('LSTM', 1, 128, 128, 256), layerCase('LSTM', 32, 64, 128, 256)];
const rows: { name: string; backend: 'ts' | 'simd'; trace: boolean; run: () => void; ms: number[] }[] = [];
for (const c of cases) {
  for (const backend of ['simd', 'ts'] as const) {
    for (const trace of backend === 'simd' ? [false, true] : [false]) {
      rows.push({ name: c.name, backend, trace, ms: [], run: () => { setKernelBackend(backend); execute(c.program, c.feeds, { trace }); } });
    }
  }
}
for (const r of rows) for (let i = 0; i < 3; i++) r.run(); // warm-up (wasm tier-up, V8 optimisation)
for (let k = 0; k < rounds; k++) {
  for (let j = 0; j < rows.length; j++) {
    const r = rows[(j + k) % rows.length];
    const t0 = performance.now();
    r.run();
    r.ms.push(performance.now() - t0);
  }
}
setKernelBackend('auto');
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const r of rows) console.log(`${r.name.padEnd(28)} ${r.backend.padEnd(5)} ${r.trace ? 'trace' : '     '} ${median(r.ms).toFixed(2).padStart(8)} ms`);
