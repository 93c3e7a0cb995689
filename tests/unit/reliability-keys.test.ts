// Keys that JavaScript treats specially, and keys the format does not know: a file with them
// is refused with the path (never silently changed), and user names that collide with Object's
// members (an Output called "constructor") run and export like any other name.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseGraphText } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { exportGraph } from '../../src/onnx/export-graph';
import type { Diagnostic } from '../../src/doc/diagnostics';

const read = (f: string) => readFileSync(f, 'utf8');
const regressor = () => JSON.parse(read('tests/fixtures/graphs/time-series-regressor.json'));
const classifier = () => JSON.parse(read('tests/fixtures/graphs/name-classifier.json'));

/** every error the loader and compiler report for a file's text */
function errors(text: string): Diagnostic[] {
  const r = parseGraphText(text);
  if (!r.ok) return r.diagnostics.filter((d) => d.severity === 'error');
  return compile(r.doc, { initWeights: false }).diagnostics.filter((d) => d.severity === 'error');
}
const show = (ds: Diagnostic[]) => ds.map((d) => `${d.path}: ${d.message}`).join('\n');

/** JSON text with a "__proto__" key spliced in where `marker` is (JSON.stringify can't write one) */
function withProto(doc: unknown, marker: string, value: string): string {
  const text = JSON.stringify(doc);
  expect(text).toContain(`"${marker}"`);
  return text.replace(`"${marker}"`, `"__proto__":${value},"${marker}"`);
}

describe('"__proto__" keys anywhere in a graph file are errors, with their path', () => {
  const cases: { name: string; text: () => string; path: RegExp }[] = [
    { name: 'in params', text: () => withProto(regressor(), 'features', '{"x":1}'), path: /^nodes\[0\]\.params\.__proto__$/ },
    { name: 'in a position', text: () => withProto(regressor(), 'x', '{"x":1}'), path: /^nodes\[0\]\.position\.__proto__$/ },
    {
      name: 'as a node id in weights (a trained graph would run with fresh weights)',
      text: () => {
        const g = classifier();
        g.nodes[1].id = 'P';
        g.edges.forEach((e: { source: { node: string }; target: { node: string } }) => {
          if (e.source.node === 'emb') e.source.node = 'P';
          if (e.target.node === 'emb') e.target.node = 'P';
        });
        g.weights.P = g.weights.emb;
        delete g.weights.emb;
        return JSON.stringify(g).replace(/"P"/g, '"__proto__"');
      },
      path: /__proto__/,
    },
    { name: 'as a weight name', text: () => withProto(classifier(), 'weight', '{"shape":[1],"data":[0]}'), path: /^weights\.emb\.__proto__$/ },
    {
      name: 'in a sample',
      text: () => JSON.stringify(regressor()).replace('"inputs":{"series"', '"inputs":{"__proto__":[[1,2,3]],"series"'),
      path: /^samples\[0\]\.inputs\.__proto__$/,
    },
    { name: 'at the top level', text: () => withProto(regressor(), 'format', '{}'), path: /^__proto__$/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ps = errors(c.text());
      const hit = ps.find((d) => /__proto__/.test(d.message));
      expect(hit, show(ps)).toBeTruthy();
      expect(hit!.path).toMatch(c.path);
    });
  }
});

describe('unknown keys in nodes, edges, samples and weights are errors (a typo is never dropped)', () => {
  it('"parmas" on an Input', () => {
    const g = classifier();
    g.nodes[0].parmas = g.nodes[0].params;
    delete g.nodes[0].params;
    const ps = errors(JSON.stringify(g));
    const hit = ps.find((d) => /unknown key "parmas"/.test(d.message));
    expect(hit, show(ps)).toBeTruthy();
    expect(hit!.path).toBe('nodes[0].parmas');
  });
  it('in an edge, an endpoint, a position, a sample', () => {
    const g = regressor();
    g.edges[1].label = 'x';
    g.edges[0].source.handle = 'h';
    g.nodes[2].position.z = 1;
    g.samples[0].input = {};
    const ps = errors(JSON.stringify(g));
    for (const p of ['edges[1].label', 'edges[0].source.handle', 'nodes[2].position.z', 'samples[0].input']) {
      expect(ps.some((d) => d.path === p && /unknown key/.test(d.message)), `${p} in\n${show(ps)}`).toBe(true);
    }
  });
  it('the message says what to do (a typo, or a newer seqgraph)', () => {
    const g = regressor();
    g.nodes[1].colour = 'red';
    const [d] = errors(JSON.stringify(g));
    expect(d.message).toMatch(/typo|newer seqgraph/);
  });
});

describe('Inputs and Outputs named like Object members run and export', () => {
  for (const nm of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
    it(`an Output named ${nm}`, () => {
      const g = regressor();
      g.nodes[3].name = nm;
      const r = parseGraphText(JSON.stringify(g));
      expect(r.ok, r.ok ? '' : show(r.diagnostics)).toBe(true);
      if (!r.ok) return;
      const c = compile(r.doc);
      expect(c.program, show(c.diagnostics)).toBeTruthy();
      const out = execute(c.program!, sampleFeeds(c.program!, r.doc.samples[0].inputs)).outputs;
      expect(Object.keys(out)).toEqual([nm]);
      expect(Object.hasOwn(out, nm)).toBe(true);
      expect(out[nm].shape).toEqual([1, 16, 1]);
      const bytes = exportGraph(c.program!, r.doc);
      expect(bytes.length).toBeGreaterThan(1000);
    });
    if (nm === '__proto__') continue; // a sample can't name it (samples refuse "__proto__" keys)
    it(`an Input named ${nm}`, () => {
      const g = regressor();
      g.nodes[0].name = nm;
      for (const s of g.samples) s.inputs = { [nm]: s.inputs.series };
      const r = parseGraphText(JSON.stringify(g));
      expect(r.ok, r.ok ? '' : show(r.diagnostics)).toBe(true);
      if (!r.ok) return;
      const c = compile(r.doc);
      expect(c.program, show(c.diagnostics)).toBeTruthy();
      const out = execute(c.program!, sampleFeeds(c.program!, r.doc.samples[0].inputs)).outputs;
      expect(out.forecast.shape).toEqual([1, 16, 1]);
      expect(exportGraph(c.program!, r.doc).length).toBeGreaterThan(1000);
    });
  }
  it('node ids named like Object members keep their weights', () => {
    const g = classifier();
    const ref = parseGraphText(JSON.stringify(g));
    const text = JSON.stringify(g).replace(/"emb"/g, '"constructor"').replace(/"gru"/g, '"toString"');
    const r = parseGraphText(text);
    expect(r.ok && ref.ok).toBe(true);
    if (!r.ok || !ref.ok) return;
    const a = compile(ref.doc);
    const b = compile(r.doc);
    expect(b.program, show(b.diagnostics)).toBeTruthy();
    const feeds = sampleFeeds(a.program!, ref.doc.samples[0].inputs);
    expect(Array.from(execute(b.program!, feeds).outputs.probs.data)).toEqual(Array.from(execute(a.program!, feeds).outputs.probs.data));
  });
});

describe('ids the editor cannot select are refused, saying why; every other id still loads', () => {
  for (const bad of ['lstm"1', 'a\\b', 'x\ny', 'tab\there']) {
    it(JSON.stringify(bad), () => {
      const g = regressor();
      g.nodes[1].id = bad;
      g.edges[0].target.node = bad;
      g.edges[1].source.node = bad;
      const ps = errors(JSON.stringify(g));
      const hit = ps.find((d) => d.path === 'nodes[1].id');
      expect(hit, show(ps)).toBeTruthy();
      expect(hit!.message).toMatch(/CSS selectors/);
    });
  }
  it('an edge id too', () => {
    const g = regressor();
    g.edges[0].id = 'e"1';
    expect(errors(JSON.stringify(g)).some((d) => d.path === 'edges[0].id' && /CSS selectors/.test(d.message))).toBe(true);
  });
  for (const ok of ['lstm 1', 'ünï', '🙂', "it's", 'a.b/c:d', '[x]', '#id', '<b>']) {
    it(`${ok} is fine`, () => {
      const g = regressor();
      g.nodes[1].id = ok;
      g.edges[0].target.node = ok;
      g.edges[1].source.node = ok;
      expect(errors(JSON.stringify(g))).toEqual([]);
    });
  }
});
