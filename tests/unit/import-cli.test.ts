// seqgraph import | weights load | weights save, in-process (as tests/unit/cli.test.ts runs the CLI).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseGraphText } from '../../src/doc/load';
import { cli } from '../helpers/cli';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'seqgraph-import-cli-'));
});
afterEach(() => vi.restoreAllMocks());

const f = (name: string) => path.join(dir, name);
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('seqgraph import', () => {
  it('export -> import -> run gives the same outputs', async () => {
    expect((await cli('export', 'tests/fixtures/graphs/name-classifier.json', '-o', f('nc.onnx'))).code).toBe(0);
    const r = await cli('import', f('nc.onnx'), '-o', f('nc.json'));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/nc\.json: written — 7 nodes \(Embedding, GRU, LastStep, Dense, Softmax\), read from seqgraph's own export/);
    expect((await cli('run', 'tests/fixtures/graphs/name-classifier.json', '-o', f('a.json'))).code).toBe(0);
    expect((await cli('run', f('nc.json'), '-o', f('b.json'))).code).toBe(0);
    expect(json(f('b.json'))).toEqual(json(f('a.json')));
  });

  it('a file that is not a model: exit 1, a message, nothing written', async () => {
    writeFileSync(f('bad.onnx'), 'not a model at all, just text');
    const r = await cli('import', f('bad.onnx'), '-o', f('bad.json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: .*bad\.onnx: (not an ONNX model|the file is truncated or corrupt)/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(f('bad.json'))).toBe(false);
    expect((await cli('import', f('nowhere.onnx'), '-o', f('x.json'))).err).toMatch(/nowhere\.onnx: no such file/);
  });

  it('a vocabulary file with a repeated symbol, or for an input the model lacks, is refused naming it', async () => {
    copyFileSync('tests/fixtures/import/lstm_classifier.onnx', f('lc.onnx'));
    writeFileSync(f('dup.txt'), 'a\nb\na\n');
    const dup = await cli('import', f('lc.onnx'), '-o', f('lc.json'), '--vocab', f('dup.txt'));
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/dup\.txt: symbol "a" appears twice \(ids 0 and 2\)/);
    writeFileSync(f('v.txt'), 'a\nb\n');
    const stray = await cli('import', f('lc.onnx'), '-o', f('lc.json'), '--vocab', `src=${f('v.txt')}`);
    expect(stray.code).toBe(1);
    expect(stray.err).toMatch(/lc\.onnx: a vocabulary is given for 'src', but the model has no such token input \(its token inputs: 'tokens'\)/);
    expect(existsSync(f('lc.json'))).toBe(false);
  });
});

describe('seqgraph weights save | load', () => {
  it('save as safetensors, load into a copy without weights: the same weights', async () => {
    const r = await cli('weights', 'save', 'tests/fixtures/graphs/pos-tagger.json', f('pos.safetensors'));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/pos\.safetensors: written, \d+ tensors/);
    const doc = json('tests/fixtures/graphs/pos-tagger.json');
    const bare = { ...doc, weights: undefined };
    writeFileSync(f('bare.json'), JSON.stringify(bare));
    const l = await cli('weights', 'load', f('bare.json'), f('pos.safetensors'), '-o', f('loaded.json'));
    expect(l.code, l.err).toBe(0);
    expect(l.err).toMatch(/matched \d+:/);
    expect((await cli('run', 'tests/fixtures/graphs/pos-tagger.json', '-o', f('p1.json'))).code).toBe(0);
    expect((await cli('run', f('loaded.json'), '-o', f('p2.json'))).code).toBe(0);
    expect(json(f('p2.json'))).toEqual(json(f('p1.json')));
  });

  it('--prefix maps a file\'s module names onto node names; --strict refuses leftovers', async () => {
    const doc = json('tests/fixtures/graphs/pos-tagger.json');
    const renamed = structuredClone(doc);
    const embed = renamed.nodes.find((n: { type: string }) => n.type === 'Embedding');
    const old = embed.name;
    embed.name = 'table';
    renamed.weights = undefined;
    writeFileSync(f('renamed.json'), JSON.stringify(renamed));
    copyFileSync(f('pos.safetensors'), f('pos2.safetensors'));
    const plain = await cli('weights', 'load', f('renamed.json'), f('pos2.safetensors'), '-o', f('r1.json'));
    expect(plain.code).toBe(0);
    expect(plain.err).toMatch(new RegExp(`left over 1:\\n  ${old}\\.weight \\[[\\d, ]+\\]: no node has this name`));
    expect(plain.err).toMatch(/not in the file 1 \(keep their values\):\n {2}table\.weight/);
    const strict = await cli('weights', 'load', f('renamed.json'), f('pos2.safetensors'), '-o', f('r2.json'), '--strict');
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/--strict: 1 left over, 1 not in the file; nothing was written/);
    expect(existsSync(f('r2.json'))).toBe(false);
    const mapped = await cli('weights', 'load', f('renamed.json'), f('pos2.safetensors'), '-o', f('r3.json'), '--prefix', `${old}=table`, '--strict');
    expect(mapped.code, mapped.err).toBe(0);
    expect(mapped.err).toMatch(new RegExp(`${old}\\.weight -> table\\.weight`));
    expect(mapped.err).not.toMatch(/prefix map/);
    const typo = await cli('weights', 'load', f('renamed.json'), f('pos2.safetensors'), '-o', f('r4.json'), '--prefix', `${old}x=table`);
    expect(typo.err).toContain(`prefix map ${old}x=table: no tensor of the file starts with '${old}x.'`);
  });

  it('a tensor of the wrong shape: exit 1, the mismatch listed, the graph file untouched', async () => {
    const doc = json('tests/fixtures/graphs/pos-tagger.json');
    const rnn = doc.nodes.find((n: { type: string }) => n.type === 'LSTM');
    rnn.params.hidden_size += 1;
    doc.weights = undefined;
    writeFileSync(f('other.json'), JSON.stringify(doc));
    const before = readFileSync(f('other.json'), 'utf8');
    const r = await cli('weights', 'load', f('other.json'), f('pos.safetensors'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/wrong shape 9:\n(.|\n)* {2}lstm\.weight_ih_l0 \[192, 24\] -> lstm\.weight_ih_l0 needs \[196, 24\]/);
    expect(r.err).toMatch(/have the wrong shape \(([^;]*; ){4}and 5 more\); nothing was loaded/);
    expect(readFileSync(f('other.json'), 'utf8')).toBe(before);
    expect(parseGraphText(before).ok).toBe(true);
  });
});
