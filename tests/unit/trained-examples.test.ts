// The name-classifier test graph, run with our own runtime: tests/fixtures/graphs/name-classifier.json
// holds weights fitted by scripts/train-name-classifier.ts (TensorFlow.js, outside `seqgraph train`,
// hence a test fixture, not a gallery example) on the surnames in scripts/names-data.ts.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseGraphText } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { execute } from '../../src/runtime/execute';
import { encodeBatch } from '../../src/runtime/tokenize';
import type { TokenInputInfo } from '../../src/ir/program';
import { LABELS, TRAIN, TEST, type Example } from '../../scripts/names-data';

describe('tests/fixtures/graphs/name-classifier.json (trained weights)', () => {
  const loaded = parseGraphText(readFileSync('tests/fixtures/graphs/name-classifier.json', 'utf8'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const compiled = compile(loaded.doc);
  const program = compiled.program!;
  const info = program.inputs[0].info as TokenInputInfo;
  const C = LABELS.length;

  /** the index of the top label for each name, run as one padded batch */
  const predict = (names: string[]) => {
    const probs = execute(program, { [program.inputs[0].name]: encodeBatch(names, info) }).outputs[program.outputs[0].name];
    expect(probs.shape).toEqual([names.length, C]);
    return names.map((_, b) => {
      const row = Array.from(probs.data.subarray(b * C, (b + 1) * C));
      return row.indexOf(Math.max(...row));
    });
  };
  const accuracy = (data: Example[]) => {
    const pred = predict(data.map((e) => e.name));
    return data.filter((e, i) => pred[i] === e.label).length / data.length;
  };

  it('holds weights for every parameter, and its labels are the dataset labels', () => {
    expect(compiled.program).toBeTruthy();
    expect(Object.keys(loaded.doc.weights ?? {}).sort()).toEqual(['dense', 'emb', 'gru']);
    const out = loaded.doc.nodes.find((n) => n.type === 'Output')!;
    expect((out.params as { labels: string[] }).labels).toEqual([...LABELS]);
  });

  it('classifies the training names (>= 85%) and held-out names (>= 55%)', () => {
    const train = accuracy(TRAIN);
    const test = accuracy(TEST);
    console.log(`name-classifier: train ${(100 * train).toFixed(1)}% of ${TRAIN.length}, held-out ${(100 * test).toFixed(1)}% of ${TEST.length}`);
    expect(train).toBeGreaterThanOrEqual(0.85);
    expect(test).toBeGreaterThanOrEqual(0.55);
  });

  it('puts the right language on top for clear cases', () => {
    const cases: [string, string][] = [
      ['Nakamura', 'Japanese'],
      ['ivanov', 'Russian'],
      ['Rossi', 'Italian'],
      ['Schmidt', 'German'],
      ['gonzalez', 'Spanish'],
      ['haddad', 'Arabic'],
    ];
    const pred = predict(cases.map(([n]) => n));
    cases.forEach(([name, lang], i) => expect(`${name}: ${LABELS[pred[i]]}`).toBe(`${name}: ${lang}`));
  });
});
