// How fast one core streams memory into WebAssembly SIMD loads here: the ceiling for the B = 1
// recurrent step, which reads all of W_hh once per step (docs/performance.md, "Targets").
//   npx tsx scripts/bench-bandwidth.ts
// A module with one function sums a buffer with eight f32x4 accumulators (128 bytes per
// iteration, one add per load): eight independent add chains hide the add's 3-cycle latency, so
// GB/s is the load bandwidth from the cache level the buffer fits in (L2, L3) or from DRAM. (With
// four chains, as this script first had, the adds limited it to ~85 GB/s at every cache level.) The buffer is written first: untouched pages would
// all map the one zero page and read at L1 speed.
import os from 'node:os';
import { forLt, get, I32, i32, i32c, ModuleBuilder, set, V128, v } from '../src/runtime/kernels/wasm/emit';

const m = new ModuleBuilder();
const f = m.func('sum', [I32, I32, I32]); // ptr, bytes, out
const acc = f.localsOf(V128, 8), i = f.local(I32);
f.body = ([] as number[]).concat(
  forLt(i, get(0), i32.add(get(0), get(1)), i32c(128), ...acc.map((a, k) => set(a, v.add(get(a), v.load(get(i), 16 * k))))),
  v.store(get(2), acc.slice(1).reduce((a, b) => v.add(a, get(b)), get(acc[0]))),
);
const memory = new WebAssembly.Memory({ initial: 9000 }); // ~560 MiB
const sum = new WebAssembly.Instance(new WebAssembly.Module(m.bytes() as BufferSource), { env: { memory } }).exports.sum as (p: number, n: number, o: number) => void;
new Float32Array(memory.buffer).fill(1.5);
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const mb of [1 / 64, 0.25, 0.5, 1, 4, 16, 64, 512]) {
  const bytes = Math.round(mb * 1048576), reps = Math.max(3, Math.round(1024 / mb));
  for (let r = 0; r < 3; r++) sum(1024, bytes, 0);
  const ts: number[] = [];
  for (let k = 0; k < 9; k++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) sum(1024, bytes, 0);
    ts.push((performance.now() - t0) / reps);
  }
  ts.sort((x, y) => x - y);
  console.log(`${mb >= 1 ? `${mb} MiB` : `${mb * 1024} KiB`}: median ${(bytes / ts[4] / 1e6).toFixed(1)} GB/s, best ${(bytes / ts[0] / 1e6).toFixed(1)} GB/s`);
}
