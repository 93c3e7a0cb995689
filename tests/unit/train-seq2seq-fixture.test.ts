// grads.json `seq2seq_teacher_forcing` (PyTorch 2.11) through the whole path a user's graph takes:
// tests/fixtures/graphs/seq2seq-teacher-forcing.json (GRU encoder → Decoder GRU with Bahdanau additive attention,
// the context fed into the cell with the target embedding; the fixture's weights) → schema →
// compiler → forwardTrain with the file's teacher_forcing_ratio → the file's NLLLoss (train/plan.ts)
// → backward. The loss (1e-5 relative), the per-step log-probabilities and attention weights and
// every gradient (1e-5 absolute) equal PyTorch's; the decoder's gradient trace (∂loss/∂h_t per
// step) equals PyTorch's h_t.grad, computed by tests/python/seq2seq_grad_trace.py.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkGraph } from '../../src/doc/load';
import { compile } from '../../src/compiler/compile';
import { backward, forwardTrain } from '../../src/runtime/train';
import { sampleFeeds } from '../../src/runtime/tokenize';
import { setKernelBackend } from '../../src/runtime/kernels/wasm/runtime';
import { computeLoss, planLosses } from '../../src/train/plan';
import { TrainingSchema } from '../../src/doc/training';
import { expectClose, FIXTURES, loadFixture, type FixTensor } from '../helpers/fixtures';
import { pytorchTest, runPythonJSON } from '../helpers/pytorch';

const fx = loadFixture<any>('pytorch/grads.json').seq2seq_teacher_forcing;
const GRAPH = path.resolve(process.cwd(), 'tests/fixtures/graphs/seq2seq-teacher-forcing.json');

/** the graph's weights (node id.weight name) as the fixture's PyTorch module names */
const TORCH_NAMES: Record<string, string> = {
  'emb.weight': 'src_emb.weight',
  'enc.weight_ih_l0': 'enc.weight_ih_l0', 'enc.weight_hh_l0': 'enc.weight_hh_l0', 'enc.bias_ih_l0': 'enc.bias_ih_l0', 'enc.bias_hh_l0': 'enc.bias_hh_l0',
  'dec.embedding.weight': 'tgt_emb.weight',
  'dec.rnn.weight_ih_l0': 'dec.weight_ih', 'dec.rnn.weight_hh_l0': 'dec.weight_hh', 'dec.rnn.bias_ih_l0': 'dec.bias_ih', 'dec.rnn.bias_hh_l0': 'dec.bias_hh',
  'dec.attn.W_query': 'Wq.weight', 'dec.attn.W_key': 'Wk.weight', 'dec.attn.v': 'v.weight',
  'dec.out.weight': 'out.weight', 'dec.out.bias': 'out.bias',
};

function load() {
  const raw = JSON.parse(readFileSync(GRAPH, 'utf8'));
  const loaded = checkGraph(raw);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const c = compile(loaded.doc);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const training = TrainingSchema.parse(loaded.doc.training);
  const feeds = sampleFeeds(c.program, loaded.doc.samples[0].inputs);
  return { program: c.program, training, feeds };
}

/** one training forward + loss + backward, as a trainer's step runs it */
function step(trace = false) {
  const { program, training, feeds } = load();
  const fwd = forwardTrain(program, feeds, { seed: training.seed, teacherForcingRatio: training.teacher_forcing_ratio, trace });
  const [plan] = planLosses(program, training.losses);
  // the batch's target for the decoder's log-probabilities is the decoder's own target input
  const loss = computeLoss(plan, fwd.values.get(plan.value)!, feeds.tgt, plan.lengths ? fwd.values.get(plan.lengths) : undefined);
  const back = backward(fwd.tape, new Map([[plan.value, loss.grad]]), { trace });
  return { program, feeds, fwd, loss, back };
}

describe('grads.json seq2seq_teacher_forcing: graph file → compiler → forwardTrain → NLLLoss → backward', () => {
  afterAll(() => setKernelBackend('auto'));
  for (const backend of ['ts', 'simd'] as const) {
    it(`loss, log-probs, attention and every gradient equal PyTorch's (${backend} forward)`, () => {
      setKernelBackend(backend);
      const { program, feeds, fwd, loss, back } = step();
      // the sample is the fixture's batch: src as it is, the target tgt[:, 1:] (without <s>)
      expect(Array.from(feeds.src.data)).toEqual(fx.src.data);
      const tgt = fx.tgt.data as number[];
      expect(Array.from(feeds.tgt.data)).toEqual([0, 1].flatMap((b) => tgt.slice(b * 5 + 1, b * 5 + 5)));
      expect(Math.abs(loss.loss - fx.loss) / fx.loss, `loss ${loss.loss} vs ${fx.loss}`).toBeLessThan(1e-5);
      expect(loss.count).toBe(7);
      // per-step log-probabilities and attention of the real target steps (row 1's last step is <pad>: both 0 there)
      const V = 10, S = 4, lens = [4, 3];
      const logp = fwd.outputs.logp.data, att = fwd.outputs.attention.data;
      expect(fwd.outputs.logp.shape).toEqual([2, 4, V]);
      for (let b = 0; b < 2; b++) {
        expectClose(`row ${b} log-probs`, logp.subarray(b * 4 * V, (b * 4 + lens[b]) * V), fx.logp.data.slice(b * 4 * V, (b * 4 + lens[b]) * V), 1e-5);
        expectClose(`row ${b} attention`, att.subarray(b * 4 * S, (b * 4 + lens[b]) * S), fx.attention.data.slice(b * 4 * S, (b * 4 + lens[b]) * S), 1e-5);
        expect(Array.from(logp.subarray((b * 4 + lens[b]) * V, (b + 1) * 4 * V)).every((x) => x === 0)).toBe(true);
      }
      // every gradient, by the fixture's PyTorch names
      const seen = new Set<string>();
      for (const [ir, g] of back.grads) {
        const ref = program.weightRefs[ir];
        const torch = TORCH_NAMES[`${ref.node}.${ref.name}`];
        expect(torch, `${ref.node}.${ref.name} has no fixture name`).toBeDefined();
        expectClose(`d ${torch}`, g, (fx.grad[torch] as FixTensor).data, 1e-5);
        seen.add(torch);
      }
      expect([...seen].sort()).toEqual(Object.keys(fx.grad).sort());
    });
  }

  pytorchTest()('the decoder\'s gradient trace (∂loss/∂h_t per step) equals PyTorch\'s h_t.grad', () => {
    setKernelBackend('ts');
    const { back, fwd } = step(true);
    const want = runPythonJSON<{ loss: number; dh: FixTensor }>('seq2seq_grad_trace.py', [path.join(FIXTURES, 'pytorch/grads.json')]);
    const node = back.gradTrace!.nodes.find((n) => n.type === 'Decoder')!;
    expect(node).toBeDefined();
    expect([node.batch, node.steps, node.hidden_size, node.lengths]).toEqual([2, 4, 6, [4, 3]]);
    expect(node.layers.map((l) => [l.layer, l.direction])).toEqual([[0, 'forward']]);
    const dh = node.layers[0].dh;
    // row 1 has 3 real steps; PyTorch's 4th step is padding (its loss term is ignored, so its h_t.grad is 0)
    expectClose('decoder ∂loss/∂h_t', dh, want.dh.data, 1e-5);
    // the forward trace of the same training run holds the decoder's h at every step
    const tr = fwd.trace!.nodes.find((n) => n.type === 'Decoder')!;
    expect(tr.layers[0].h.length).toBe(2 * 4 * 6);
  });
});
