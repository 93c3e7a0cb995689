// The ONNX project's own operator conformance cases, run through our proto layer (decoding the
// model and the TensorProto .pb files) and our onnxruntime-web runner.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { attrValue, decodeModel, decodeTensor, encodeModel, readTensor, type GraphProto } from '../../src/onnx/proto';
import { runOnnx } from '../../src/onnx/ort';
import type { Tensor } from '../../src/runtime/tensor';

const DIR = fileURLToPath(new URL('../fixtures/onnx_node_tests/', import.meta.url));
const CASES = readdirSync(DIR).filter((c) => c.startsWith('test_')).sort();

function readSet(c: string, prefix: 'input' | 'output'): { name: string; tensor: Tensor }[] {
  const dir = `${DIR}${c}/test_data_set_0/`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix + '_') && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3)))
    .map((f) => {
      const bytes = readFileSync(dir + f);
      return { name: decodeTensor(bytes).name ?? '', tensor: readTensor(bytes) };
    });
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

const KNOWN_OPS = new Set(['RNN', 'LSTM', 'GRU', 'Scan', 'Softmax', 'Gather', 'Add', 'Exp', 'Sub', 'Div', 'ReduceMax', 'ReduceSum', 'Identity', 'Constant', 'Shape', 'Reshape', 'Flatten', 'Unsqueeze', 'Cast', 'Mul']);

function checkGraph(g: GraphProto): void {
  expect(g.node?.length).toBeGreaterThan(0);
  for (const n of g.node ?? []) {
    expect(KNOWN_OPS.has(n.op_type ?? ''), `op ${n.op_type}`).toBe(true);
    for (const a of n.attribute ?? []) {
      expect(a.name).toBeTruthy();
      expect(a.type).toBeGreaterThan(0);
      const v = attrValue(a);
      expect(v).not.toBeUndefined();
      if (a.name === 'hidden_size') expect(v).toBeGreaterThan(0);
      if (a.name === 'direction') expect(['forward', 'reverse', 'bidirectional']).toContain(v);
      if (a.name === 'activations') expect((v as string[]).every((s) => /^[A-Z][A-Za-z]+$/.test(s))).toBe(true);
      if (a.type === 5) checkGraph(a.g!); // Scan's body
    }
  }
  for (const vi of [...(g.input ?? []), ...(g.output ?? [])]) {
    expect(vi.name).toBeTruthy();
    expect([1, 6, 7]).toContain(vi.type?.tensor_type?.elem_type);
  }
}

describe('ONNX node tests: decode', () => {
  it('finds the 32 cases', () => expect(CASES.length).toBe(32));
  it.each(CASES)('%s decodes sensibly', (c) => {
    const m = decodeModel(readFileSync(`${DIR}${c}/model.onnx`));
    expect(m.ir_version).toBeGreaterThanOrEqual(3);
    expect(m.opset_import?.some((o) => (o.domain ?? '') === '' && (o.version ?? 0) >= 1)).toBe(true);
    checkGraph(m.graph!);
    const ins = readSet(c, 'input');
    const outs = readSet(c, 'output');
    expect(ins.map((x) => x.name)).toEqual(m.graph!.input!.slice(0, ins.length).map((v) => v.name));
    expect(outs.map((x) => x.name)).toEqual(m.graph!.output!.map((v) => v.name));
    // every tensor's shape matches the declared dims
    const declared = [...m.graph!.input!, ...m.graph!.output!];
    for (const { name, tensor } of [...ins, ...outs]) {
      const vi = declared.find((v) => v.name === name)!;
      const dims = vi.type!.tensor_type!.shape!.dim!.map((d) => d.dim_value);
      expect(tensor.shape).toEqual(dims);
      expect(tensor.data.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
      for (const x of tensor.data) expect(Number.isFinite(x)).toBe(true);
    }
  });
});

describe('ONNX node tests: onnxruntime-web', () => {
  let worst = 0;
  it.each(CASES)('%s', async (c) => {
    const bytes = new Uint8Array(readFileSync(`${DIR}${c}/model.onnx`));
    const feeds = Object.fromEntries(readSet(c, 'input').map(({ name, tensor }) => [name, tensor]));
    if (c.endsWith('_batchwise')) {
      // layout=1: onnxruntime refuses batchwise recurrent ops
      await expect(runOnnx(bytes, feeds)).rejects.toThrow(/layout|[Bb]atchwise/);
      return;
    }
    // the file as it is, and decoded + re-encoded by our proto layer
    const reencoded = encodeModel(decodeModel(bytes));
    expect(decodeModel(reencoded)).toEqual(decodeModel(bytes));
    for (const model of [bytes, reencoded]) {
      const got = await runOnnx(model, feeds);
      for (const { name, tensor } of readSet(c, 'output')) {
        expect(got[name], name).toBeDefined();
        const d = maxAbsDiff(got[name], tensor);
        worst = Math.max(worst, d);
        expect(d, `${c} ${name}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });
  afterAll(() => console.log(`ONNX node tests through onnxruntime-web: max abs diff ${worst}`));
});
