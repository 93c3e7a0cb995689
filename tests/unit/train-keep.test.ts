// Keeping a run on the person's own file for a reload (issue 11): the worker keeps the file's text
// once beside the checkpoints, names it in each checkpoint by SHA-256 (checked here against
// node:crypto, an implementation that is not ours), and does not copy a file over the size limit.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { RunKeeper, storedSource, type CheckpointSink } from '../../src/app/train-keep';
import { sha256Hex, type KeptFile, type StoredCheckpoint } from '../../src/app/store/checkpoint-db';
import type { GraphDoc } from '../../src/doc/schema';

const text = 'name,gender\nrosamund,female\nÅsmund,male\n'; // a non-ASCII name: bytes, not characters
const node = createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

function sink(failFiles = false) {
  const s = {
    checkpoints: [] as StoredCheckpoint[],
    files: [] as KeptFile[],
    order: [] as string[],
    saveCheckpoint: async (c: StoredCheckpoint) => void (s.checkpoints.push(c), s.order.push(`checkpoint ${c.step}`)),
    saveFile: async (f: KeptFile) => {
      if (failFiles) throw new Error('QuotaExceededError');
      s.files.push(f);
      s.order.push('file');
    },
    clearCheckpoints: async (g: string) => void s.order.push(`clear ${g}`),
  } satisfies CheckpointSink & Record<string, unknown>;
  return s;
}

const doc = { name: 'g' } as unknown as GraphDoc;
const data = { which: 'last' as const, step: 25, epoch: 0, state: { s: 1 }, weights: {}, totalSteps: 100 };

describe('keeping a file of your own with the checkpoints', () => {
  it('hashes the UTF-8 bytes as node:crypto does', async () => {
    expect(await sha256Hex(text)).toBe(node);
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('keeps the file once, after clearing the old run, and names it by hash in each checkpoint', async () => {
    const s = sink();
    const k = new RunKeeper(s, { graph: 'g', doc, sourceLabel: 'names.csv' }, { file: 'names.csv', text });
    await k.save(data);
    await k.save({ ...data, step: 50 });
    expect(s.order).toEqual(['clear g', 'file', 'checkpoint 25', 'checkpoint 50']);
    expect(s.files).toEqual([{ graph: 'g', file: 'names.csv', sha256: node, bytes: Buffer.byteLength(text), text }]);
    expect(s.checkpoints[1].source).toEqual({ file: 'names.csv', sha256: node, bytes: Buffer.byteLength(text), kept: true });
    expect(s.checkpoints[1]).toMatchObject({ graph: 'g', step: 50, sourceLabel: 'names.csv', totalSteps: 100, state: { s: 1 } });
  });

  it('does not copy a file over the limit: the checkpoint says so and still has its hash', async () => {
    const bytes = Buffer.byteLength(text);
    expect((await storedSource({ file: 'f.csv', text }, bytes)).source).toMatchObject({ kept: true });
    const over = await storedSource({ file: 'f.csv', text }, bytes - 1);
    expect(over).toEqual({ source: { file: 'f.csv', sha256: node, bytes, kept: false, limit: bytes - 1 } });
    const s = sink();
    const k = new RunKeeper(s, { graph: 'g', doc, sourceLabel: 'f.csv', maxFileBytes: bytes - 1 }, { file: 'f.csv', text });
    await k.save(data);
    expect(s.files).toEqual([]);
    expect(s.checkpoints[0].source).toEqual({ file: 'f.csv', sha256: node, bytes, kept: false, limit: bytes - 1 });
  });

  it('storage too full for the file: the checkpoints are still kept, and say the file is not', async () => {
    const s = sink(true);
    const k = new RunKeeper(s, { graph: 'g', doc, sourceLabel: 'f.csv' }, { file: 'f.csv', text });
    await k.save(data);
    expect(s.checkpoints[0].source).toEqual({ file: 'f.csv', sha256: node, bytes: Buffer.byteLength(text), kept: false });
  });

  it('a built-in set is named, not copied', async () => {
    const s = sink();
    await new RunKeeper(s, { graph: 'g', doc, sourceLabel: 'Names' }, { builtin: 'names-gender' }).save(data);
    expect(s.files).toEqual([]);
    expect(s.checkpoints[0].source).toEqual({ builtin: 'names-gender' });
  });
});
