"""ONNX models in the styles of other exporters, built with the onnx helper API, for the import
tests (tests/unit/import-exporters.test.ts). No Keras or dynamo exporter is at hand (Debian's
torch 1.13 has no dynamo export), so these mimic what they write:

- keras_*: what Keras converters (tf2onnx / keras2onnx) write for LSTM and GRU: explicit
  activations, linear_before_reset=0, HardSigmoid gates, reverse and bidirectional directions,
  layout=1 (batch-first), a Transpose to time-major around layout-0 ops, states fed as inputs.
- dynamo_lstm: what torch.onnx.export(dynamo=True) writes: opset 18, weights in external data
  under their PyTorch names, gate blocks split and reordered by Split/Concat ops in the graph,
  shapes frozen to the traced batch (2) and length (7), Linear as a Reshape to [B*T, H] (with
  the frozen 14), MatMul and Reshape back.

Reference outputs come from PyTorch: nn.LSTM / nn.GRU where PyTorch has the cell, and the ONNX
equations written out by hand in torch (float64) where it has not (linear_before_reset=0,
HardSigmoid gates). import_models.py runs these too; alone: import_helper_models.py <out_dir>.
"""
import json
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

torch.manual_seed(7)
rng = np.random.default_rng(7)
F32 = TensorProto.FLOAT


def rand(*shape):
    return rng.uniform(-0.6, 0.6, size=shape).astype(np.float32)


def init(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


def tensor(t):
    t = torch.as_tensor(t)
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).double().tolist()}


def onnx_to_torch_gates(w, cell, H):
    """ONNX gate blocks (LSTM i,o,f,c; GRU z,r,h) -> PyTorch's (i,f,g,o; r,z,n)"""
    order = {'LSTM': [0, 2, 3, 1], 'GRU': [1, 0, 2]}[cell]
    return np.concatenate([w[k * H:(k + 1) * H] for k in order], axis=0)


def gru_ref(x, W, R, B, h0, lbr, hard, reverse):
    """ONNX GRU equations for one direction, float64. x [B,T,I]; W,R [3H,*] ONNX order z,r,h."""
    x, W, R, B, h = (torch.tensor(a, dtype=torch.float64) for a in (x, W, R, B, h0))
    H = R.shape[1]
    Wz, Wr, Wh = W[:H], W[H:2 * H], W[2 * H:]
    Rz, Rr, Rh = R[:H], R[H:2 * H], R[2 * H:]
    Wbz, Wbr, Wbh, Rbz, Rbr, Rbh = (B[k * H:(k + 1) * H] for k in range(6))
    f = (lambda v: torch.clamp(0.2 * v + 0.5, 0, 1)) if hard else torch.sigmoid
    T = x.shape[1]
    ys = [None] * T
    for t in (reversed(range(T)) if reverse else range(T)):
        xt = x[:, t]
        z = f(xt @ Wz.T + h @ Rz.T + Wbz + Rbz)
        r = f(xt @ Wr.T + h @ Rr.T + Wbr + Rbr)
        if lbr:
            n = torch.tanh(xt @ Wh.T + r * (h @ Rh.T + Rbh) + Wbh)
        else:
            n = torch.tanh(xt @ Wh.T + (r * h) @ Rh.T + Rbh + Wbh)
        h = (1 - z) * n + z * h
        ys[t] = h
    return torch.stack(ys, 1), h


def keras_gru(out_dir):
    """batch-first (layout=1) reverse GRU, linear_before_reset=0, hard_sigmoid gates, initial state input; Y_h -> Dense -> Softmax"""
    I, H, C = 3, 4, 3
    W, R, B = rand(1, 3 * H, I), rand(1, 3 * H, H), rand(1, 6 * H)
    Wd, bd = rand(H, C), rand(C)
    nodes = [
        helper.make_node('GRU', ['x', 'W', 'R', 'B', '', 'h0'], ['Y', 'Y_h'], name='gru_1/GRU', hidden_size=H, direction='reverse', layout=1,
                         linear_before_reset=0, activations=['HardSigmoid', 'Tanh'], activation_alpha=[0.2], activation_beta=[0.5]),
        helper.make_node('Squeeze', ['Y_h', 'axes1'], ['h'], name='gru_1/Squeeze'),
        helper.make_node('MatMul', ['h', 'Wd'], ['mm'], name='dense/MatMul'),
        helper.make_node('Add', ['mm', 'bd'], ['logits'], name='dense/BiasAdd'),
        helper.make_node('Softmax', ['logits'], ['probs'], name='dense/Softmax', axis=-1),
    ]
    g = helper.make_graph(nodes, 'keras_gru', [helper.make_tensor_value_info('x', F32, ['N', 'T', I]), helper.make_tensor_value_info('h0', F32, ['N', 1, H])],
                          [helper.make_tensor_value_info('probs', F32, ['N', C]), helper.make_tensor_value_info('Y', F32, ['N', 'T', 1, H])],
                          [init('W', W), init('R', R), init('B', B), init('Wd', Wd), init('bd', bd), init('axes1', np.array([1], np.int64))])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 14)], producer_name='tf2onnx'), f'{out_dir}/keras_gru.onnx')
    x, h0 = rand(3, 6, I), rand(3, 1, H)
    y, hT = gru_ref(x, W[0], R[0], B[0], h0[:, 0], lbr=False, hard=True, reverse=True)
    probs = torch.softmax(hT @ torch.tensor(Wd, dtype=torch.float64) + torch.tensor(bd, dtype=torch.float64), -1)
    return {'inputs': {'x': tensor(x), 'h0': tensor(h0)}, 'outputs': {'probs': tensor(probs), 'Y': tensor(y.unsqueeze(2))}}


def keras_lstm(out_dir):
    """Keras Bidirectional(LSTM) as tf2onnx writes it: Transpose to time-major, layout-0 LSTM with explicit activations, Y back to [B,T,2H]; then ReduceMax over time"""
    I, H = 3, 4
    lstm = torch.nn.LSTM(I, H, bidirectional=True, batch_first=True).double()
    W = np.stack([np.concatenate([w[k * H:(k + 1) * H] for k in [0, 3, 1, 2]]) for w in (lstm.weight_ih_l0.detach().numpy(), lstm.weight_ih_l0_reverse.detach().numpy())]).astype(np.float32)
    R = np.stack([np.concatenate([w[k * H:(k + 1) * H] for k in [0, 3, 1, 2]]) for w in (lstm.weight_hh_l0.detach().numpy(), lstm.weight_hh_l0_reverse.detach().numpy())]).astype(np.float32)
    bias = lambda b: np.concatenate([b[k * H:(k + 1) * H] for k in [0, 3, 1, 2]])
    B = np.stack([np.concatenate([bias(lstm.bias_ih_l0.detach().numpy()), bias(lstm.bias_hh_l0.detach().numpy())]),
                  np.concatenate([bias(lstm.bias_ih_l0_reverse.detach().numpy()), bias(lstm.bias_hh_l0_reverse.detach().numpy())])]).astype(np.float32)
    for name, a in [('weight_ih_l0', W[0]), ('weight_ih_l0_reverse', W[1]), ('weight_hh_l0', R[0]), ('weight_hh_l0_reverse', R[1])]:
        getattr(lstm, name).data = torch.tensor(onnx_to_torch_gates(a, 'LSTM', H), dtype=torch.float64)
    for d, sfx in enumerate(['l0', 'l0_reverse']):
        getattr(lstm, f'bias_ih_{sfx}').data = torch.tensor(onnx_to_torch_gates(B[d][:4 * H], 'LSTM', H), dtype=torch.float64)
        getattr(lstm, f'bias_hh_{sfx}').data = torch.tensor(onnx_to_torch_gates(B[d][4 * H:], 'LSTM', H), dtype=torch.float64)
    nodes = [
        helper.make_node('Transpose', ['x'], ['xt'], name='bidirectional/transpose', perm=[1, 0, 2]),
        helper.make_node('LSTM', ['xt', 'W', 'R', 'B'], ['Y', 'Y_h', 'Y_c'], name='bidirectional/LSTM', hidden_size=H, direction='bidirectional',
                         activations=['Sigmoid', 'Tanh', 'Tanh', 'Sigmoid', 'Tanh', 'Tanh']),
        helper.make_node('Transpose', ['Y'], ['Yt'], name='bidirectional/transpose_1', perm=[2, 0, 1, 3]),
        helper.make_node('Reshape', ['Yt', 'shape'], ['seq'], name='bidirectional/Reshape'),
        helper.make_node('ReduceMax', ['seq'], ['pooled'], name='global_max_pooling1d/Max', axes=[1], keepdims=0),
    ]
    g = helper.make_graph(nodes, 'keras_lstm', [helper.make_tensor_value_info('x', F32, ['N', 'T', I])],
                          [helper.make_tensor_value_info('pooled', F32, ['N', 2 * H]), helper.make_tensor_value_info('seq', F32, ['N', 'T', 2 * H])],
                          [init('W', W), init('R', R), init('B', B), init('shape', np.array([0, 0, -1], np.int64))])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='tf2onnx'), f'{out_dir}/keras_lstm.onnx')
    x = rand(2, 5, I)
    with torch.no_grad():
        seq, _ = lstm(torch.tensor(x, dtype=torch.float64))
    return {'inputs': {'x': tensor(x)}, 'outputs': {'pooled': tensor(seq.max(1).values), 'seq': tensor(seq)}}


def dynamo_lstm(out_dir):
    """Embedding -> LSTM -> Linear as the dynamo exporter writes it (opset 18, external data, frozen B=2, T=7)"""
    V, E, H, C, Bt, Tt = 11, 5, 6, 3, 2, 7

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(V, E)
            self.lstm = torch.nn.LSTM(E, H, batch_first=True)
            self.head = torch.nn.Linear(H, C)

        def forward(self, ids):
            out, _ = self.lstm(self.embedding(ids))
            return self.head(out)

    m = M().eval()
    sd = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    inits = [init(k, v) for k, v in sd.items()]
    c = lambda name, v: inits.append(init(name, np.array(v, np.int64)))
    c('split4', [H] * 4)
    c('zero_axis', [0])
    c('h0_shape', [1, Bt, H])
    c('flat', [Bt * Tt, H])
    c('back', [Bt, Tt, C])
    c('sq1', [1])
    nodes = [helper.make_node('Gather', ['embedding.weight', 'ids'], ['emb'], name='node_embedding')]
    for src, dst in [('lstm.weight_ih_l0', 'W'), ('lstm.weight_hh_l0', 'R'), ('lstm.bias_ih_l0', 'Wb'), ('lstm.bias_hh_l0', 'Rb')]:
        parts = [f'{dst}_{g}' for g in 'ifgo']
        nodes.append(helper.make_node('Split', [src, 'split4'], parts, name=f'node_split_{dst}', axis=0))
        nodes.append(helper.make_node('Concat', [parts[0], parts[3], parts[1], parts[2]], [f'{dst}_iofc'], name=f'node_concat_{dst}', axis=0))
    nodes += [
        helper.make_node('Unsqueeze', ['W_iofc', 'zero_axis'], ['W'], name='node_unsqueeze_W'),
        helper.make_node('Unsqueeze', ['R_iofc', 'zero_axis'], ['R'], name='node_unsqueeze_R'),
        helper.make_node('Concat', ['Wb_iofc', 'Rb_iofc'], ['Bcat'], name='node_concat_B', axis=0),
        helper.make_node('Unsqueeze', ['Bcat', 'zero_axis'], ['B'], name='node_unsqueeze_B'),
        helper.make_node('ConstantOfShape', ['h0_shape'], ['h0'], name='node_zeros', value=helper.make_tensor('v', F32, [1], [0.0])),
        helper.make_node('Transpose', ['emb'], ['x_tbf'], name='node_transpose', perm=[1, 0, 2]),
        helper.make_node('LSTM', ['x_tbf', 'W', 'R', 'B', '', 'h0', 'h0'], ['Y', 'Y_h', 'Y_c'], name='node_lstm', hidden_size=H),
        helper.make_node('Squeeze', ['Y', 'sq1'], ['y_tbh'], name='node_squeeze'),
        helper.make_node('Transpose', ['y_tbh'], ['y_bth'], name='node_transpose_1', perm=[1, 0, 2]),
        helper.make_node('Reshape', ['y_bth', 'flat'], ['y_flat'], name='node_view'),
        helper.make_node('Gemm', ['y_flat', 'head.weight', 'head.bias'], ['logits_flat'], name='node_addmm', transB=1),
        helper.make_node('Reshape', ['logits_flat', 'back'], ['logits'], name='node_view_1'),
    ]
    g = helper.make_graph(nodes, 'main_graph', [helper.make_tensor_value_info('ids', TensorProto.INT64, [Bt, Tt])],
                          [helper.make_tensor_value_info('logits', F32, [Bt, Tt, C])], inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid('', 18)], producer_name='pytorch', producer_version='2.5.0')
    model.ir_version = 8
    onnx.save_model(model, f'{out_dir}/dynamo_lstm.onnx', save_as_external_data=True, all_tensors_to_one_file=True, location='dynamo_lstm.onnx.data', size_threshold=0)
    ids = torch.tensor([[0, 3, 10, 0, 2], [7, 7, 1, 0, 0], [5, 0, 9, 4, 8]])  # 3 rows of 5: another B and T than traced
    with torch.no_grad():
        y = m(ids)
    return {'inputs': {'ids': {'shape': list(ids.shape), 'data': ids.reshape(-1).tolist()}}, 'outputs': {'logits': tensor(y)}}


def main():
    out_dir = sys.argv[1]
    print(json.dumps({'keras_gru': keras_gru(out_dir), 'keras_lstm': keras_lstm(out_dir), 'dynamo_lstm': dynamo_lstm(out_dir)}))


if __name__ == '__main__':
    main()
