// ONNX export of the MGU, the GRU with the paper's update gate and the LSTM with peepholes: every
// variant exported, run in onnxruntime-web, against the runtime (1e-4) — outputs, final states and
// last vectors; ragged token batches (sequence_lens), both directions, stacked layers, initial
// states, tanh/relu, sigmoid/hard_sigmoid (the exporter rewrites z = 1 − z' as a negated gate,
// which must hold for hard_sigmoid too: inputs are scaled so gates saturate at both ends).
// The runtime itself is checked against PyTorch by hand in cell-variants-pytorch.test.ts; every
// exported model also passes the onnx library's checker and strict shape inference.
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/compiler/rng';
import { execute } from '../../src/runtime/execute';
import { exportOnnx } from '../../src/onnx/export';
import { clearOrtSessions, runOnnx } from '../../src/onnx/ort';
import { decodeModel, attrValue } from '../../src/onnx/proto';
import { floatTensor, intTensor, type Tensor } from '../../src/runtime/tensor';
import { graphDoc, programOf, type NodeSpec } from '../helpers/graph';
import { pytorchTest, runPythonJSON } from '../helpers/pytorch';

const rng = new Rng(4242);
const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));

// one graph per configuration holds all four cells reading the same input (fewer onnxruntime sessions)
const CELLS: [id: string, type: 'MGU' | 'GRU' | 'LSTM', extra: Record<string, unknown>][] = [
  ['mgu', 'MGU', {}],
  ['gru', 'GRU', { update_gate: 'paper', linear_before_reset: true }],
  ['gru_nolbr', 'GRU', { update_gate: 'paper', linear_before_reset: false }],
  ['lstm', 'LSTM', { peephole: true }],
];
interface Case { label: string; params: Record<string, unknown>; tokens: boolean; initial: boolean }

const CASES: Case[] = [];
for (const activation of ['tanh', 'relu'] as const) {
  for (const recurrent_activation of ['sigmoid', 'hard_sigmoid'] as const) {
    for (const bidirectional of [false, true]) {
      const n = CASES.length;
      const params = { hidden_size: int(2, 9), num_layers: 1 + (n % 2), bidirectional, merge_mode: (['concat', 'sum', 'mul', 'ave'] as const)[(n >> 1) % 4], activation, recurrent_activation, bias: n % 3 !== 2 };
      const tokens = n % 4 < 2, initial = n % 3 === 1;
      const label = `${activation}/${recurrent_activation}${bidirectional ? ` bi ${params.merge_mode}` : ''} ×${params.num_layers}${params.bias ? '' : ' no bias'}${tokens ? ' ragged tokens' : ''}${initial ? ' h0' : ''}`;
      CASES.push({ label, params, tokens, initial });
    }
  }
}

function build(c: Case, seed: number) {
  const B = int(1, 4), T = int(2, 7), I = int(1, 5), V = 9;
  const H = c.params.hidden_size as number, D = c.params.bidirectional ? 2 : 1, L = c.params.num_layers as number;
  const nodes: NodeSpec[] = [];
  const edges: [string, string][] = [];
  const feeds: Record<string, Tensor> = {};
  const src = c.tokens ? 'emb.output' : 'x.sequence';
  if (c.tokens) {
    nodes.push(['x', 'Input', { kind: 'tokens', vocab: ['<pad>', '<unk>', '<s>', '</s>', 'a', 'b', 'c', 'd', 'e'], tokenizer: 'words' }], ['emb', 'Embedding', { embedding_dim: I, padding_idx: 0 }]);
    edges.push(['x.tokens', 'emb.tokens']);
    const ids = intTensor([B, T]);
    const lens = Array.from({ length: B }, () => int(1, T));
    lens[int(0, B - 1)] = T;
    for (let b = 0; b < B; b++) for (let t = 0; t < lens[b]; t++) ids.data[b * T + t] = int(1, V - 1);
    feeds.x = ids;
  } else {
    nodes.push(['x', 'Input', { kind: 'sequence', features: I }]);
    // large inputs: gates reach both ends of hard_sigmoid's clamp
    feeds.x = floatTensor([B, T, I], Array.from({ length: B * T * I }, () => rng.uniform(-6, 6)));
  }
  const state = (n: number) => floatTensor([L * D, B, H], Array.from({ length: n }, () => rng.uniform(-1, 1)));
  if (c.initial) {
    nodes.push(['h0', 'Input', { kind: 'state', layers: L * D, features: H }], ['hc0', 'Input', { kind: 'state', layers: L * D, features: H, cell: true }]);
    feeds.h0 = state(L * D * B * H);
    feeds.hc0 = state(L * D * B * H);
    feeds.hc0_c = state(L * D * B * H);
  }
  for (const [id, type, extra] of CELLS) {
    nodes.push([id, type, { ...c.params, ...extra }], [`${id}_output`, 'Output'], [`${id}_state`, 'Output'], [`${id}_last`, 'Output']);
    edges.push([src, `${id}.input`], [`${id}.output`, `${id}_output.value`], [`${id}.state`, `${id}_state.value`], [`${id}.last`, `${id}_last.value`]);
    if (c.initial) edges.push([type === 'LSTM' ? 'hc0.state' : 'h0.state', `${id}.initial_state`]);
  }
  return { program: programOf(graphDoc(nodes, edges, { seed })), feeds };
}

let worst = 0;
/** every exported model, for the onnx library's checker */
const exported: { name: string; base64: string }[] = [];
afterAll(() => {
  console.log(`MGU / GRU paper / LSTM peephole: max abs diff runtime vs onnxruntime ${worst}`);
  clearOrtSessions();
});

describe('MGU, GRU update_gate paper, LSTM peepholes: ONNX export in onnxruntime-web gives the runtime\'s numbers', () => {
  CASES.forEach((c, k) => {
    it(c.label, async () => {
      const { program, feeds } = build(c, k + 1);
      const want = execute(program, feeds).outputs;
      const bytes = exportOnnx(program);
      exported.push({ name: c.label, base64: Buffer.from(bytes).toString('base64') });
      const got = await runOnnx(bytes, feeds);
      for (const [name, t] of Object.entries(want)) {
        expect(got[name]?.shape, `${c.label} ${name} shape`).toEqual(t.shape);
        let d = 0;
        for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - got[name].data[i]));
        worst = Math.max(worst, d);
        expect(d, `${c.label} ${name}`).toBeLessThanOrEqual(1e-4);
      }
      // what was written: ONNX's own ops, no Loop/Scan
      const nodes = decodeModel(bytes).graph!.node!;
      for (const [id, type] of CELLS) {
        const rec = nodes.filter((n) => n.name!.startsWith(`${id}/`) && ['RNN', 'LSTM', 'GRU', 'Loop', 'Scan'].includes(n.op_type!));
        expect(rec.length, id).toBe(c.params.num_layers);
        for (const n of rec) {
          expect(n.op_type).toBe(type === 'LSTM' ? 'LSTM' : 'GRU');
          if (type === 'LSTM') expect(n.input![7], 'P').toBeTruthy();
          if (type === 'MGU') expect(attrValue(n.attribute!.find((a) => a.name === 'linear_before_reset')!)).toBe(0);
        }
      }
    });
  });
  // runs after the cases above (vitest runs a file's tests in order): the models they exported
  pytorchTest('onnx')('every model passes onnx.checker (full check) and strict shape inference', () => {
    expect(exported).toHaveLength(CASES.length);
    const verdicts = runPythonJSON<Record<string, string>>('onnx_check.py', [], { models: exported });
    for (const { name } of exported) expect(verdicts[name], name).toBe('ok');
  });
});
