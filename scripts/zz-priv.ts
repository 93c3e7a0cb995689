import { layerCase } from '../src/bench/cases';
import { execute } from '../src/runtime/execute';
import { simdRuntime } from '../src/runtime/kernels/wasm/runtime';
import { initThreads, setThreads } from '../src/runtime/kernels/wasm/threads';
const cell = (process.argv[2] ?? 'LSTM') as 'LSTM';
const c = layerCase(cell, 1, 128, 128, 256);
await initThreads(2);
const rt = simdRuntime()!;
const priv = rt.alloc(1 << 16);
const g = globalThis as any;
const conf: [string, number, number, boolean][] = [['x1', 1, 0, false], ['x2', 2, 0, false], ['x2 priv h', 2, priv, false], ['x2 nobar', 2, 0, true], ['x2 priv nobar', 2, priv, true]];
const times: Record<string, number[]> = {};
for (let rep = 0; rep < 30; rep++) for (const [name, th, pv, nb] of conf) {
  setThreads(th); g.__priv = pv; g.__nobar = nb;
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) execute(c.program, c.feeds);
  (times[name] ??= []).push((performance.now() - t0) / 5);
}
for (const [name] of conf) { const t = times[name].slice(5).sort((a, b) => a - b); console.log(name.padEnd(14), 'median', t[t.length >> 1].toFixed(3), 'min', t[0].toFixed(3)); }
process.exit(0);
