"""ONNX RNN / LSTM / GRU models that use ONNX's other activations with alpha/beta, clip and
input_forget, built with the onnx helper API (no seqgraph code), for tests/unit/onnx-acts.test.ts.

Usage: onnx_acts_models.py <out_dir>
Writes <out_dir>/<case>.onnx (weights as initializers; inputs X [T, B, I] and, where a case has
them, sequence_lens [B] int32) and prints {"cases": [{"name", "file", "feeds": {name: {"shape",
"data"}}}]}. The reference outputs are onnxruntime's (the test runs the models there).
"""
import json
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

OUT = sys.argv[1]
T, B, I, H = 5, 3, 4, 3
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}

# name, op, direction, activations (one direction), alpha, beta (one direction), extra attributes, ragged lengths, peepholes
CASES = [
    ("rnn_leakyrelu_clip", "RNN", "forward", ["LeakyRelu"], [0.3], [], {"clip": 0.7}, False, False),
    ("rnn_scaledtanh_reverse", "RNN", "reverse", ["ScaledTanh"], [1.5], [0.7], {}, True, False),
    ("rnn_elu_bidirectional_clip", "RNN", "bidirectional", ["Elu"], [0.5], [], {"clip": 1.1}, False, False),
    ("rnn_softplus", "RNN", "forward", ["Softplus"], [], [], {}, False, False),
    ("lstm_input_forget_clip", "LSTM", "forward", ["HardSigmoid", "Softsign", "Softplus"], [0.3], [0.4], {"clip": 1.5, "input_forget": 1}, False, False),
    ("lstm_affine_thresholded_reverse_peepholes", "LSTM", "reverse", ["Sigmoid", "Affine", "ThresholdedRelu"], [0.8, 0.2], [0.1], {}, True, True),
    ("lstm_bidirectional_input_forget_clip", "LSTM", "bidirectional", ["HardSigmoid", "ScaledTanh", "Tanh"], [0.25, 1.2], [0.45, 0.9], {"clip": 0.9, "input_forget": 1}, True, False),
    ("lstm_elu_leakyrelu", "LSTM", "forward", ["Sigmoid", "Elu", "LeakyRelu"], [0.6, 0.05], [], {}, False, False),
    ("gru_hardsigmoid_elu_clip", "GRU", "forward", ["HardSigmoid", "Elu"], [0.3, 0.7], [0.5], {"clip": 1.2, "linear_before_reset": 0}, False, False),
    ("gru_leakyrelu_reverse_lbr_clip", "GRU", "reverse", ["Sigmoid", "LeakyRelu"], [0.2], [], {"clip": 0.5, "linear_before_reset": 1}, True, False),
    ("gru_softplus_bidirectional_lbr", "GRU", "bidirectional", ["Softsign", "Softplus"], [], [], {"linear_before_reset": 1}, False, False),
    ("gru_affine_scaledtanh", "GRU", "forward", ["Affine", "ScaledTanh"], [0.4, 1.3], [0.5, 0.8], {"clip": 2.0}, False, False),
]

rng = np.random.default_rng(20261202)
cases = []
for name, op, direction, acts, alpha, beta, extra, ragged, peep in CASES:
    D = 2 if direction == "bidirectional" else 1
    G = GATES[op]
    W = rng.uniform(-0.9, 0.9, (D, G * H, I)).astype(np.float32)
    R = rng.uniform(-0.9, 0.9, (D, G * H, H)).astype(np.float32)
    Bv = rng.uniform(-0.5, 0.5, (D, 2 * G * H)).astype(np.float32)
    X = rng.uniform(-2, 2, (T, B, I)).astype(np.float32)
    inits = [numpy_helper.from_array(W, "W"), numpy_helper.from_array(R, "R"), numpy_helper.from_array(Bv, "B")]
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["T", "N", I])]
    feeds = {"X": {"shape": list(X.shape), "data": X.ravel().tolist()}}
    node_in = ["X", "W", "R", "B"]
    if ragged:
        lens = np.array([T, 2, 4], dtype=np.int32)
        inputs.append(helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, ["N"]))
        feeds["sequence_lens"] = {"shape": [B], "data": lens.tolist()}
        node_in.append("sequence_lens")
    else:
        node_in.append("")
    if peep:
        P = rng.uniform(-0.7, 0.7, (D, 3 * H)).astype(np.float32)
        inits.append(numpy_helper.from_array(P, "P"))
        node_in += ["", "", "P"]
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    attrs = dict(hidden_size=H, direction=direction, activations=acts * D, **extra)
    if alpha:
        attrs["activation_alpha"] = alpha * D
    if beta:
        attrs["activation_beta"] = beta * D
    node = helper.make_node(op, node_in, outs, **attrs)
    outputs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["T", D, "N", H]), helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [D, "N", H])]
    if op == "LSTM":
        outputs.append(helper.make_tensor_value_info("Y_c", TensorProto.FLOAT, [D, "N", H]))
    graph = helper.make_graph([node], name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="onnx_acts_models.py")
    model.ir_version = 7
    path = os.path.join(OUT, name + ".onnx")
    save(model, path)
    cases.append({"name": name, "file": path, "feeds": feeds})
json.dump({"cases": cases}, sys.stdout)
