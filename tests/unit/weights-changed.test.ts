// Weights written in place are never ignored: after markWeightsChanged, every cache derived from
// the weights (prepared recurrent layers and their wasm packing, Dense layers' pre-transposed
// weights and their wasm panels, decoders' prepared matrices) gives exactly what a fresh compile
// with those weights gives — zeroing, and an optimiser-like update repeated over several steps,
// on both kernel backends.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import type { Program } from '../../src/ir/program';
import { execute } from '../../src/runtime/execute';
import { markWeightsChanged, weightsVersion } from '../../src/runtime/prepared';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { setKernelBackend } from '../../src/runtime/kernels/wasm/runtime';
import type { Tensor } from '../../src/runtime/tensor';

type Edit = (g: { nodes: { type: string; params: Record<string, unknown> }[]; weights?: unknown }) => void;

function load(file: string, edit?: Edit): { fresh: () => Program; feeds: Record<string, Tensor> } {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  edit?.(raw);
  const r = checkGraph(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const fresh = () => {
    const c = compile(r.doc);
    if (!c.program) throw new Error(JSON.stringify(c.diagnostics));
    return c.program;
  };
  const p = fresh();
  const sample = r.doc.samples[r.doc.samples.length - 1];
  return { fresh, feeds: sampleFeeds(p, sample.inputs) };
}

const params = (type: string, set: Record<string, unknown>): Edit => (g) => {
  delete g.weights; // seeded fresh weights, whatever the params
  for (const n of g.nodes) if (n.type === type) Object.assign(n.params, set);
};

const CASES: [string, string, Edit?][] = [
  ['name classifier (bi GRU, Dense)', 'tests/fixtures/graphs/name-classifier.json'],
  ['bi GRU, linear_before_reset off, hard_sigmoid', 'tests/fixtures/graphs/name-classifier.json', params('GRU', { linear_before_reset: false, recurrent_activation: 'hard_sigmoid' })],
  ['2-layer LSTM tagger with dropout (inactive at inference)', 'tests/fixtures/graphs/pos-tagger.json', params('LSTM', { dropout: 0.3 })],
  // big enough for the SIMD gemm on the Dense layer's prepared weights (M·K·N ≥ 8192)
  ['time series (GRU, a wide Dense on every step)', 'tests/fixtures/graphs/time-series-regressor.json', (g) => { params('GRU', { hidden_size: 64 })(g); params('Dense', { units: 48 })(g); }],
  ['G2P decoder with additive attention', 'tests/fixtures/graphs/g2p-attention.json'],
  ['vector-to-text LSTM decoder', 'tests/fixtures/graphs/vector-to-text-decoder.json'],
];

function outputsOf(p: Program, feeds: Record<string, Tensor>): Float32Array[] {
  const r = execute(p, feeds);
  return p.outputs.map((o) => Float32Array.from(r.outputs[o.name].data));
}

/** a fresh program's outputs from its second run on (the SIMD gemm packs a prepared weight at its second use, and rounds differently from the TS one) */
function settled(q: Program, feeds: Record<string, Tensor>): Float32Array[] {
  outputsOf(q, feeds);
  return outputsOf(q, feeds);
}

for (const backend of ['simd', 'ts'] as const) {
  describe(`markWeightsChanged: every cache follows in-place weight updates (${backend})`, () => {
    afterAll(() => setKernelBackend('auto'));
    for (const [what, file, edit] of CASES) {
      it(what, () => {
        setKernelBackend(backend);
        const { fresh, feeds } = load(file, edit);
        const p = fresh();
        // run twice first: prepared weights are packed for the SIMD gemm from their second use on
        const before = outputsOf(p, feeds);
        outputsOf(p, feeds);
        const names = Object.keys(p.weightRefs);
        // an optimiser-like update, in place, three times; compare with a program compiled fresh and given the same values
        for (let step = 1; step <= 3; step++) {
          names.forEach((n, k) => {
            const d = p.initializers[n].data;
            for (let i = 0; i < d.length; i++) d[i] -= 0.05 * Math.sin(i + k + step) * (1 + Math.abs(d[i]));
          });
          const v = weightsVersion(p);
          markWeightsChanged(p);
          expect(weightsVersion(p)).toBe(v + 1);
          const q = fresh();
          for (const n of names) q.initializers[n].data.set(p.initializers[n].data);
          const got = outputsOf(p, feeds), want = settled(q, feeds);
          got.forEach((g, i) => expect(Array.from(g), `${what}: output ${p.outputs[i].name} after step ${step}`).toEqual(Array.from(want[i])));
          expect(got.some((g, i) => g.some((x, j) => x !== before[i][j])), 'the update changed the outputs').toBe(true);
        }
        // zeroing only some weights, named: the others' caches stay, the named ones follow
        const half = names.filter((_, k) => k % 2 === 0);
        for (const n of half) p.initializers[n].data.fill(0);
        markWeightsChanged(p, half);
        const q = fresh();
        for (const n of names) q.initializers[n].data.set(p.initializers[n].data);
        expect(outputsOf(p, feeds).map((a) => Array.from(a))).toEqual(settled(q, feeds).map((a) => Array.from(a)));
      });
    }
  });
}

describe('weights replaced rather than written in place', () => {
  it('a new tensor object for a weight is noticed without markWeightsChanged', () => {
    const { fresh, feeds } = load('tests/fixtures/graphs/name-classifier.json');
    const p = fresh();
    outputsOf(p, feeds);
    outputsOf(p, feeds);
    for (const n of Object.keys(p.weightRefs)) {
      const t = p.initializers[n];
      p.initializers[n] = { ...t, data: t.data.map((x) => x * 0.5) as Float32Array };
    }
    const q = fresh();
    for (const n of Object.keys(p.weightRefs)) q.initializers[n] = p.initializers[n];
    expect(outputsOf(p, feeds).map((a) => Array.from(a))).toEqual(settled(q, feeds).map((a) => Array.from(a)));
  });

  it('markWeightsChanged refuses a name that is not a weight', () => {
    const { fresh } = load('tests/fixtures/graphs/name-classifier.json');
    expect(() => markWeightsChanged(fresh(), ['no such weight'])).toThrow(/not a weight/);
  });
});
