// Token inputs with and without padding, and named special symbols: the runtime and the exported
// ONNX model (in onnxruntime-web) agree on every feed the runtime accepts, and refuse together
// what it refuses — padding in the middle of a row, rows of only padding, ids out of range, NaN,
// batch sizes that differ — never a third answer. Compile-time problems (a special symbol the
// vocabulary lacks, a pad symbol the input also writes as a real token, a mask edge from an input
// without padding) are validate errors, not run-time surprises.
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execute, RunError } from '../../src/runtime/execute';
import { exportOnnx } from '../../src/onnx/export';
import { runOnnx } from '../../src/onnx/ort';
import { encodeTexts, sampleToTensor } from '../../src/runtime/tokenize';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import type { Program, TokenInputInfo } from '../../src/ir/program';
import { compile } from '../../src/compiler/compile';
import type { GraphDoc } from '../../src/doc/schema';
import { compileErrors, graphDoc, programOf, type NodeSpec } from '../helpers/graph';

type Outcome = { ok: true; outputs: Record<string, Tensor> } | { ok: false; message: string };

async function bothRuns(program: Program, bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<{ rt: Outcome; ort: Outcome }> {
  let rt: Outcome, ort: Outcome;
  try {
    rt = { ok: true, outputs: execute(program, feeds).outputs };
  } catch (e) {
    expect(e, 'the runtime refuses with a RunError').toBeInstanceOf(RunError);
    rt = { ok: false, message: (e as Error).message };
  }
  try {
    ort = { ok: true, outputs: await runOnnx(bytes, feeds) };
  } catch (e) {
    ort = { ok: false, message: (e as Error).message };
  }
  return { rt, ort };
}

/** both accept with the same numbers (≤ 1e-4), returning the runtime's outputs */
async function agree(program: Program, bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const { rt, ort } = await bothRuns(program, bytes, feeds);
  if (!rt.ok) throw new Error(`the runtime refused: ${rt.message}`);
  if (!ort.ok) throw new Error(`onnxruntime refused what the runtime accepts: ${ort.message}`);
  for (const [name, t] of Object.entries(rt.outputs)) {
    const o = ort.outputs[name];
    expect(o.shape, name).toEqual(t.shape);
    let d = 0;
    for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - o.data[i]));
    expect(d, `${name}: runtime vs onnxruntime`).toBeLessThanOrEqual(1e-4);
  }
  return rt.outputs;
}

/** both refuse: the runtime with exactly `message`, onnxruntime with a guard naming `guard` */
async function refuse(program: Program, bytes: Uint8Array, feeds: Record<string, Tensor>, message: string | RegExp, guard: string) {
  const { rt, ort } = await bothRuns(program, bytes, feeds);
  expect(rt.ok, 'the runtime refuses').toBe(false);
  if (!rt.ok) expect(rt.message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
  expect(ort.ok, 'onnxruntime refuses too').toBe(false);
  if (!ort.ok) expect(ort.message).toContain(`seqgraph refuses ${guard}`);
}

const VOCAB = ['<pad>', '<unk>', '<s>', '</s>', 'a', 'b', 'c'];

/** tokens -> Embedding -> bidirectional GRU; outputs the sequence, the merged last state and class probabilities */
function classifier(input: Record<string, unknown>): NodeSpec[] {
  return [
    ['x', 'Input', { kind: 'tokens', ...input }],
    ['emb', 'Embedding', { embedding_dim: 5 }],
    ['gru', 'GRU', { hidden_size: 4, bidirectional: true }],
    ['dense', 'Dense', { units: 3 }],
    ['soft', 'Softmax', {}],
    ['seq', 'Output', {}],
    ['probs', 'Output', {}],
  ];
}
const EDGES: [string, string][] = [['x.tokens', 'emb.tokens'], ['emb.output', 'gru.input'], ['gru.output', 'seq.value'], ['gru.last', 'dense.input'], ['dense.output', 'soft.input'], ['soft.output', 'probs.value']];

describe('a token input with padding (the default): runtime and ONNX agree or both refuse', () => {
  const program = programOf(graphDoc(classifier({ vocab: VOCAB, add_bos: true, add_eos: true }), EDGES));
  const bytes = exportOnnx(program);
  const info = program.inputs[0].info as TokenInputInfo;

  it('keeps the meaning old files had: <pad> 0, <unk> 1, <s> 2, </s> 3', () => {
    expect({ pad: info.pad, unk: info.unk, bos: info.bos, eos: info.eos }).toEqual({ pad: 0, unk: 1, bos: 2, eos: 3 });
    // a version 1 file, which has none of the new params, reads the same
    const v1 = programOf({ ...graphDoc(classifier({ vocab: ['<unk>', 'q', '<pad>', '</s>', '<s>'], add_eos: true }), EDGES), version: 1 });
    expect(v1.inputs[0].info).toMatchObject({ pad: 2, unk: 0, bos: 4, eos: 3, add_eos: true });
  });
  it('a ragged batch with <s> and </s> added (padding at the end) gives the same numbers', async () => {
    const feeds = { x: encodeTexts(['abc', 'a', 'cbz'], info) as Tensor };
    expect(Array.from(feeds.x.data)).toEqual([2, 4, 5, 6, 3, 2, 4, 3, 0, 0, 2, 6, 5, 1, 3]);
    await agree(program, bytes, feeds);
  });
  it('padding at the end of a row is padding: the row reads as its real tokens alone', async () => {
    const padded = await agree(program, bytes, { x: intTensor([1, 4], [4, 5, 0, 0]) });
    const alone = await agree(program, bytes, { x: intTensor([1, 2], [4, 5]) });
    expect(Array.from(padded.probs.data)).toEqual(Array.from(alone.probs.data));
  });
  it('padding in the middle of a row', async () => {
    await refuse(program, bytes, { x: intTensor([2, 3], [4, 5, 6, 4, 0, 5]) },
      'input "x": row 1 has the padding symbol <pad> (id 0) at step 1 before a real token at step 2: padding must be at the end of a row (if id 0 is a real token here, turn the input\'s padding off)',
      'input "x": padding (id 0) must be only at the end of a row');
  });
  it('a row of only padding', async () => {
    await refuse(program, bytes, { x: intTensor([2, 2], [4, 5, 0, 0]) }, 'input "x": row 1 is all padding (<pad>, id 0): give every row at least one token', 'input "x": a row must not be all padding (id 0)');
  });
  it('ids out of range, negative ones included (ONNX Gather would wrap them around)', async () => {
    for (const bad of [-1, 7]) {
      await refuse(program, bytes, { x: intTensor([1, 2], [4, bad]) }, `input "x": token id ${bad} at [0, 1] is out of range (the vocabulary has 7 symbols, ids 0..6)`, 'input "x": token ids must be in 0..6');
    }
  });
});

describe('a token input without padding: every id is a real token', () => {
  // a PyTorch embedding whose table has no spare row: ids 0..3 are all letters, no <pad>, no <unk>
  const LETTERS = ['a', 'b', 'c', 'd'];
  const doc = graphDoc(classifier({ vocab: LETTERS, padding: false, unk_token: '' }), EDGES);
  const program = programOf(doc);
  const bytes = exportOnnx(program);
  const info = program.inputs[0].info as TokenInputInfo;

  it('has no pad and no unk, and no lengths in the IR', () => {
    expect(info.pad).toBeUndefined();
    expect(info.unk).toBeUndefined();
    expect(program.ops.some((o) => o.op === 'SeqLengths')).toBe(false);
  });
  it('id 0 in the middle and at the end of a row, and a row of only id 0, are real tokens (runtime = ONNX)', async () => {
    const out = await agree(program, bytes, { x: intTensor([3, 4], [1, 0, 2, 0, 0, 0, 0, 0, 3, 3, 1, 2]) });
    // the trailing 0 is read: the row differs from the same row without it
    const shorter = await agree(program, bytes, { x: intTensor([1, 3], [1, 0, 2]) });
    let d = 0;
    for (let i = 0; i < 3; i++) d = Math.max(d, Math.abs(out.probs.data[i] - shorter.probs.data[i]));
    expect(d).toBeGreaterThan(1e-4);
    // and every step of every row has an output (nothing is masked to zero)
    expect(Array.from(out.seq.data.subarray(4 * 8, 8 * 8)).some((v) => v === 0)).toBe(false);
  });
  it('texts of different lengths are refused, naming the rows; unknown symbols too (no unk)', () => {
    expect(encodeTexts(['abc', 'ab'], info, 'x')).toBe('input "x" has no padding, so every row needs the same number of tokens: row 0 has 3, row 1 has 2 (turn padding on, or give rows of one length)');
    expect(sampleToTensor(program.inputs[0], ['abd', 'axc'])).toBe(
      'input "x": "x" (row 1, position 1) is not in the vocabulary, and the input has no unk_token to stand for unknown symbols: add it to the vocabulary, or set unk_token',
    );
    expect(Array.from((encodeTexts(['dab', 'cab'], info) as Tensor).data)).toEqual([3, 0, 1, 2, 0, 1]);
  });
  it('negative ids are refused by both', async () => {
    await refuse(program, bytes, { x: intTensor([1, 2], [1, -2]) }, 'input "x": token id -2 at [0, 1] is out of range (the vocabulary has 4 symbols, ids 0..3)', 'input "x": token ids must be in 0..3');
  });
  it('has no mask port: an edge from it is a compile error naming the edge, not a silent stall', () => {
    const withMask = graphDoc([...classifier({ vocab: LETTERS, padding: false, unk_token: '' }), ['att', 'Attention', { score: 'dot' }], ['ctx', 'Output', {}]],
      [...EDGES, ['gru.last', 'att.query'], ['gru.output', 'att.keys'], ['x.mask', 'att.mask'], ['att.context', 'ctx.value']]);
    // reading a file says so, and so does the editor's live compile (which skips the file checks)
    expect(() => compileErrors(withMask)).toThrow('edge e8: x (Input) has no output port "mask" (it has: tokens)');
    const live = compile(withMask as unknown as GraphDoc).diagnostics.map((d) => d.message);
    expect(live).toContain('x has no output "mask" with these params, so att.mask gets nothing: reconnect or remove the edge');
  });
});

describe('float inputs and outputs: NaN, Inf and batch sizes', () => {
  const program = programOf(graphDoc(
    [['s', 'Input', { kind: 'sequence', features: 2 }], ['h', 'Input', { kind: 'state', features: 3 }], ['gru', 'GRU', { hidden_size: 3 }], ['y', 'Output', {}]],
    [['s.sequence', 'gru.input'], ['h.state', 'gru.initial_state'], ['gru.output', 'y.value']],
  ));
  const bytes = exportOnnx(program);
  const seq = (B: number, v = 0.5) => floatTensor([B, 2, 2], new Array(B * 4).fill(v));
  it('NaN in a float input', async () => {
    const x = seq(1);
    x.data[3] = NaN;
    await refuse(program, bytes, { s: x, h: floatTensor([1, 1, 3]) }, 'input "s" has NaN at [0, 1, 1]', 'input "s": NaN and Inf values are not allowed');
  });
  it('inputs of different batch sizes', async () => {
    await refuse(program, bytes, { s: seq(2), h: floatTensor([1, 1, 3]) }, 'input "h" has batch size 1 but "s" has 2', 'input "h": its batch size must equal that of input "s"');
  });
  it('a result that overflows to Inf', async () => {
    const p = programOf(graphDoc([['x', 'Input', { kind: 'vector', features: 2 }], ['d', 'Dense', { units: 2 }], ['y', 'Output', {}]], [['x.vector', 'd.input'], ['d.output', 'y.value']],
      { weights: { d: { weight: { shape: [2, 2], data: [1, 0, 0, 3e38] }, bias: { shape: [2], data: [0, 0] } } } }));
    await refuse(p, exportOnnx(p), { x: floatTensor([1, 2], [1, 10]) }, 'node "d" (Linear) produced Infinity at [0, 1] of its result', 'output "y"');
  });
});

describe('special symbols are checked when the graph is compiled (what run would refuse or misread)', () => {
  const errs = (input: Record<string, unknown>) => compileErrors(graphDoc(classifier({ vocab: VOCAB, ...input }), EDGES));
  it('a named symbol the vocabulary lacks', () => {
    expect(errs({ pad_token: '<blank>' })).toEqual(['x (pad_token): "<blank>" is not in the vocabulary, but padding is on: add it, name another symbol, or turn padding off (then every id is a real token)']);
    expect(errs({ unk_token: '?' })).toEqual(['x (unk_token): "?" is not in the vocabulary: add it, or leave unk_token empty so that unknown symbols are an error']);
    expect(errs({ add_bos: true, bos_token: 'BOS' })).toEqual(['x (bos_token): "BOS" is not in the vocabulary, but add_bos puts it before every sequence: add it, or name another symbol']);
    expect(errs({ add_eos: true, eos_token: '' })).toEqual(['x (eos_token): is empty, but add_eos puts it after every sequence: add it, or name another symbol']);
  });
  it('a padding symbol that the input also writes as a real token', () => {
    expect(errs({ add_eos: true, eos_token: '<pad>' })).toEqual(['x (eos_token): is "<pad>", the padding symbol too: every eos the input writes would be read as padding; use two symbols']);
    expect(errs({ unk_token: '<pad>' })).toEqual(['x (unk_token): is "<pad>", the padding symbol too: every unk the input writes would be read as padding; use two symbols']);
  });
  it('a vocabulary without any special symbol is fine without padding and unk, and names any id as padding', () => {
    expect(errs({ vocab: ['a', 'b', 'c'], padding: false, unk_token: '' })).toEqual([]);
    const p = programOf(graphDoc(classifier({ vocab: ['x', 'y', 'z'], pad_token: 'z', unk_token: '' }), EDGES));
    expect((p.inputs[0].info as TokenInputInfo).pad).toBe(2);
    expect(p.ops.find((o) => o.op === 'SeqLengths')!.attrs.pad).toBe(2);
  });
});

describe('seqgraph validate reports what run would refuse; run and the samples honour the settings', () => {
  const cli = async (...args: string[]) => {
    const { main } = await import('../../src/cli/main');
    let out = '', err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const code = await main(args);
    o.mockRestore();
    e.mockRestore();
    return { code, out, err };
  };
  const write = (doc: unknown) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sg-pad-')), 'g.json');
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };
  it('a vocabulary without the padding symbol: validate fails naming the param; without padding it validates and runs', async () => {
    const bad = write(graphDoc(classifier({ vocab: ['a', 'b', 'c'] }), EDGES, { samples: [{ name: 's', inputs: { x: ['abc', 'cab'] } }] }));
    const v = await cli('validate', bad);
    expect(v.code).toBe(1);
    expect(v.err).toContain('x (pad_token): "<pad>" is not in the vocabulary, but padding is on');
    const noPad = classifier({ vocab: ['a', 'b', 'c'], padding: false, unk_token: '' });
    const good = write(graphDoc(noPad, EDGES, { samples: [{ name: 's', inputs: { x: ['abc', 'cab'] } }] }));
    expect((await cli('validate', good)).code).toBe(0);
    const r = await cli('run', good);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).probs.shape).toEqual([2, 3]);
    // a ragged sample is what run would refuse, so validate refuses it (issue 16), and run too
    const withRagged = write(graphDoc(noPad, EDGES, { samples: [{ name: 's', inputs: { x: ['abc', 'cab'] } }, { name: 'ragged', inputs: { x: ['abc', 'ab'] } }] }));
    const v2 = await cli('validate', withRagged);
    expect(v2.code).toBe(1);
    expect(v2.err).toContain('input "x" has no padding, so every row needs the same number of tokens: row 0 has 3, row 1 has 2');
    const ragged = await cli('run', withRagged, '--sample', 'ragged');
    expect(ragged.code).toBe(1);
    expect(ragged.err).toContain('input "x" has no padding, so every row needs the same number of tokens: row 0 has 3, row 1 has 2');
  });
});
