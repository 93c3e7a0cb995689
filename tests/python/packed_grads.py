"""Gradients of nn.Embedding(padding_idx=0) -> nn.RNN/LSTM/GRU over a ragged (packed) batch.

stdin: JSON list of cases {name, cell, nonlinearity?, V, I, H, layers, bidirectional, tokens [B][T], seed}.
stdout: JSON list, per case: the weights (state_dict names, emb.* and rnn.*), the initial
state(s), the fixed random R tensors of the loss
    L = sum(output * R_output) + sum(h_n * R_h_n) (+ sum(c_n * R_c_n))
(output padded back to T with zeros, as pad_packed_sequence gives it), and d L / d every weight,
h0 (and c0). Float32, CPU, as a seqgraph graph computes it.
"""
import json
import sys

import torch

torch.set_num_threads(1)
out = []
for c in json.load(sys.stdin):
    torch.manual_seed(c["seed"])
    kind = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[c["cell"]]
    extra = {"nonlinearity": c["nonlinearity"]} if c["cell"] == "RNN" else {}
    emb = torch.nn.Embedding(c["V"], c["I"], padding_idx=0)
    rnn = kind(c["I"], c["H"], num_layers=c["layers"], bidirectional=c["bidirectional"], batch_first=True, **extra)
    tokens = torch.tensor(c["tokens"], dtype=torch.long)
    B, T = tokens.shape
    lengths = (tokens != 0).sum(1)
    D = 2 if c["bidirectional"] else 1
    h0 = (torch.rand(c["layers"] * D, B, c["H"]) - 0.5).requires_grad_()
    c0 = (torch.rand(c["layers"] * D, B, c["H"]) - 0.5).requires_grad_() if c["cell"] == "LSTM" else None
    x = emb(tokens)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    y, state = rnn(packed, (h0, c0) if c0 is not None else h0)
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=T)
    h_n, c_n = state if c0 is not None else (state, None)
    R = {"R_output": torch.rand_like(y) - 0.5, "R_h_n": torch.rand_like(h_n) - 0.5}
    loss = (y * R["R_output"]).sum() + (h_n * R["R_h_n"]).sum()
    if c_n is not None:
        R["R_c_n"] = torch.rand_like(c_n) - 0.5
        loss = loss + (c_n * R["R_c_n"]).sum()
    loss.backward()
    t = lambda v: {"shape": list(v.shape), "data": v.detach().reshape(-1).tolist()}
    params = {f"emb.{k}": p for k, p in emb.named_parameters()}
    params.update({f"rnn.{k}": p for k, p in rnn.named_parameters()})
    grad = {k: t(p.grad) for k, p in params.items()}
    grad["h0"] = t(h0.grad)
    if c0 is not None:
        grad["c0"] = t(c0.grad)
    out.append({
        "name": c["name"], "weights": {k: t(p) for k, p in params.items()}, "h0": t(h0), **({"c0": t(c0)} if c0 is not None else {}),
        **{k: t(v) for k, v in R.items()}, "loss": loss.item(), "grad": grad,
    })
json.dump(out, sys.stdout)
