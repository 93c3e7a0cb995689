// The training worker's job without a worker: prepare a built-in data set for a gallery graph,
// the one-click fit of the output to the data's labels, and the Train tab's settings edits.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkGraph } from '../../src/doc/load';
import type { GraphDoc } from '../../src/doc/schema';
import { TrainJob, prepare } from '../../src/app/train-job';
import type { TrainResponse } from '../../src/app/train-protocol';
import { fitOutputToLabels, labelMismatches, lossesFor } from '../../src/app/store/train-settings';

function gallery(name: string): GraphDoc {
  const r = checkGraph(JSON.parse(readFileSync(`graphs/${name}.json`, 'utf8')));
  if (!r.ok) throw new Error(`graphs/${name}.json does not load`);
  return r.doc;
}

/** the name classifier with a 2-class output, as the "Fit" button makes it */
function namesGenderDoc(): GraphDoc {
  const doc = gallery('name-classifier');
  const fit = fitOutputToLabels(doc, 'probs', ['female', 'male']);
  if (!fit) throw new Error('no fit');
  return fit.doc;
}

describe('train job: prepare', () => {
  it('an output with the wrong number of classes is named, and the fix is offered and works', async () => {
    const doc = gallery('name-classifier');
    const units = doc.nodes.find((n) => n.id === 'dense')!.params.units as number;
    const posts: TrainResponse[] = [];
    const job = new TrainJob((m) => posts.push(m), (fn) => queueMicrotask(fn));
    await job.handle({ type: 'prepare', doc, source: { builtin: 'names-gender' } });
    expect(posts).toHaveLength(1);
    const err = posts[0];
    expect(err.type).toBe('error');
    if (err.type !== 'error') return;
    expect(err.stage).toBe('data');
    if (units !== 2) {
      expect(err.message).toMatch(/"probs" scores \d+ classes/);
      expect(labelMismatches(err.message)).toEqual([{ output: 'probs', labels: ['female', 'male'] }]);
    }
    const fit = fitOutputToLabels(doc, 'probs', ['female', 'male'])!;
    expect(fit.doc.nodes.find((n) => n.id === 'dense')!.params.units).toBe(2);
    expect(fit.doc.nodes.find((n) => n.id === 'out')!.params.labels).toEqual(['female', 'male']);
    expect(doc.nodes.find((n) => n.id === 'dense')!.params.units).toBe(units); // the original is untouched
  });

  it('previews the first rows as tokens, counts the rows kept and dropped, and the splits', async () => {
    const p = await prepare(namesGenderDoc(), { builtin: 'names-gender' });
    expect(p.columns).toEqual(expect.arrayContaining(['name', 'gender']));
    expect(p.spec.inputs.name).toMatchObject({ column: 'name' });
    expect(p.spec.targets.probs).toMatchObject({ column: 'gender' });
    const kept = p.splits.train + p.splits.validation + p.splits.test;
    expect(kept).toBe(p.report.kept);
    expect(p.report.kept).toBeGreaterThan(7000);
    const row = p.preview.find((r) => !r.dropped)!;
    expect(Array.isArray(row.inputs.name)).toBe(true);
    expect((row.inputs.name as string[]).length).toBeGreaterThan(1);
    expect(['female', 'male']).toContain((row.targets.probs as string[])[0]);
  });

  it('a user CSV: a row without a label is dropped and reported with its line', async () => {
    const csv = 'name,gender\nAnna,female\nBob,male\n,female\nCarl,male\nDora,female\nEve,female\nFinn,male\nGus,male\nHal,male\nIda,female\n';
    const p = await prepare(namesGenderDoc(), { file: 'people.csv', text: csv }, {
      source: { file: 'people.csv' },
      inputs: { name: { column: 'name' } },
      targets: { probs: { column: 'gender', labels: 'output' } },
      split: { validation: 0.2, test: 0.2, seed: 1 },
    });
    expect(p.report.total).toBe(10);
    expect(p.report.kept).toBe(9);
    expect(p.report.dropped.empty?.count).toBe(1);
    expect(p.report.dropped.empty?.first[0].line).toBe(4);
  });

  it('gives each mapped output a loss that fits it', async () => {
    const doc = namesGenderDoc();
    const p = await prepare(doc, { builtin: 'names-gender' });
    const losses = lossesFor(doc, p.spec, () => ({ type: 'Vector', dtype: 'float32', shape: ['B', 2], kind: 'probs' }) as never);
    expect(losses).toEqual([{ loss: 'CrossEntropyLoss', output: 'probs' }]);
    expect(lossesFor(doc, p.spec, () => ({ type: 'Vector', dtype: 'float32', shape: ['B', 1] }) as never)).toEqual([{ loss: 'MSELoss', output: 'probs' }]);
  });
});
