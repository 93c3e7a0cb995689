// The inspector's exports: the trace JSON holds PyTorch's numbers (gates.json) at every step,
// reads back into the same Trace, and the CSVs hold the shown numbers (an attention matrix's rows
// summing to 1). Traces come from runJob, as the app's worker makes them.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import type { GraphDoc } from '../../src/doc/schema';
import { runJob } from '../../src/app/run-job';
import type { Trace } from '../../src/runtime/trace';
import { expectClose, loadFixture, type FixTensor } from '../helpers/fixtures';
import { attentionCSV, csvField, nodeCSV, parseCSV, traceJSONText } from '../../src/app/inspector/trace-export';
import { traceFromJSON } from '../../src/runtime/trace';

function traceOf(file: string): Trace {
  const r = checkGraph(JSON.parse(readFileSync(file, 'utf8')));
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  const doc: GraphDoc = r.doc;
  const res = runJob({ id: 1, doc, inputs: doc.samples[doc.samples.length - 1].inputs, trace: true });
  if (!res.ok || !res.trace) throw new Error(res.ok ? 'no trace' : res.message);
  return res.trace;
}

const lstm = traceOf('tests/fixtures/graphs/gates-lstm.json');
const g2p = traceOf('tests/fixtures/graphs/g2p-attention.json'); // its last sample: a batch of 5 words of different lengths

describe('trace JSON', () => {
  it('holds PyTorch\'s numbers (gates.json) for h, c and every gate at every step, row by row', () => {
    // the text the inspector exports, read as a file reader would: values[b][t][unit], real steps only
    const json = JSON.parse(traceJSONText(lstm));
    expect(traceJSONText(lstm).endsWith('}\n')).toBe(true);
    const fx = loadFixture<{ lstm: { x: FixTensor; steps: Record<string, FixTensor>[] } }>('pytorch/gates.json').lstm;
    const [B, T] = fx.x.shape;
    const layer = json.nodes[0].layers[0];
    const read = (q: string) => (q === 'h' || q === 'c' ? layer[q] : layer.gates[q]) as number[][][];
    let worst = 0;
    for (const q of ['i', 'f', 'g', 'o', 'c', 'h']) {
      const v = read(q);
      expect(v.length, q).toBe(B);
      for (let t = 0; t < T; t++) {
        const want = fx.steps[t][q];
        const H = want.shape[1];
        for (let b = 0; b < B; b++) worst = Math.max(worst, expectClose(`${q} row ${b} step ${t}`, v[b][t], want.data.slice(b * H, (b + 1) * H), 1e-5));
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });
  it('reads back into the same Trace (padding zeros included), for recurrent, decoder and attention traces', () => {
    for (const t of [lstm, g2p]) {
      const back = traceFromJSON(JSON.parse(traceJSONText(t)));
      expect(back.nodes.length).toBe(t.nodes.length);
      back.nodes.forEach((n, i) => {
        const o = t.nodes[i];
        expect({ ...n, layers: undefined }).toEqual({ ...o, layers: undefined, ...(o.tokens ? {} : { tokens: undefined }) });
        n.layers.forEach((l, j) => {
          expect(Array.from(l.h)).toEqual(Array.from(o.layers[j].h));
          if (o.layers[j].c) expect(Array.from(l.c!)).toEqual(Array.from(o.layers[j].c!));
          for (const g of Object.keys(o.layers[j].gates)) expect(Array.from(l.gates[g])).toEqual(Array.from(o.layers[j].gates[g]));
        });
      });
      expect(traceJSONText(back)).toBe(traceJSONText(t));
    }
  });
  it('refuses what is not a trace', () => {
    expect(() => traceFromJSON({ format: 'seqgraph', nodes: [] })).toThrow(/not a seqgraph trace/);
    expect(() => traceFromJSON(null)).toThrow();
  });
});

describe('CSV', () => {
  it('a node: one value per line, real steps only, exact float32 values', () => {
    const n = lstm.nodes[0];
    const rows = parseCSV(nodeCSV(n, n.layers));
    expect(rows[0]).toEqual(['quantity', 'layer', 'direction', 'row', 'step', 'token', 'unit', 'value']);
    expect(rows.length - 1).toBe(6 * n.batch * n.steps * n.hidden_size); // h c i f g o
    const line = rows.find((r) => r[0] === 'g' && r[3] === '1' && r[4] === '7' && r[6] === '2')!;
    expect(Number(line[7])).toBe(n.layers[0].gates.g[(1 * n.steps + 7) * n.hidden_size + 2]);
  });
  it('a ragged batch leaves padding out; tokens are quoted when they need it', () => {
    const dec = g2p.nodes.find((n) => n.type === 'Decoder')!;
    const rows = parseCSV(nodeCSV(dec, dec.layers, [0]));
    expect(rows.length - 1).toBe(4 * dec.lengths[0] * dec.hidden_size); // h r z n (a GRU decoder)
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(parseCSV('x,"a,b","q""q"\n')).toEqual([['x', 'a,b', 'q"q']]);
  });
  it('attention: key symbols across, output symbols down, every row sums to 1', () => {
    const a = g2p.attention![0];
    for (let b = 0; b < a.batch; b++) {
      const rows = parseCSV(attentionCSV(a, b, 0));
      expect(rows[0].slice(1)).toEqual(a.key_tokens![b]);
      expect(rows.slice(1).map((r) => r[0])).toEqual(a.query_tokens![b]);
      for (const r of rows.slice(1)) expect(Math.abs(r.slice(1).reduce((s, v) => s + Number(v), 0) - 1)).toBeLessThan(1e-5);
    }
  });
});
