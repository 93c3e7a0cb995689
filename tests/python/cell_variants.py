"""Reference numbers for the cells PyTorch has no module for: the minimal gated unit (MGU), the GRU
with the paper's update gate, and the LSTM with peepholes — forward and gradients.

stdin: {"cases": [{name, cell (MGU | GRU | LSTM), I, H, L, bidirectional, merge_mode, bias,
activation, recurrent_activation, linear_before_reset, update_gate, peephole, initial, B, T,
lengths?, vocab?, seed}]}
stdout: per case
  weights    the node's weights by seqgraph's (PyTorch-style) names, as the graph file holds them
  x | tokens + embedding, h0, c0            the inputs
  output, h_n, c_n, last                    the node's outputs (directions merged by merge_mode)
  gates      per layer and direction ("l0_forward", "l1_reverse"): every gate [B,T,H] at every
             real step (0 at padded steps), and c for an LSTM
  seeds      random R per output; the loss is L = sum over outputs of sum(R * output)
  grads      dL/d(every weight) by name, dL/d x (float input) or dL/d embedding (tokens), dL/d h0, c0

The cells are written out by hand in torch, float64, with autograd for the gradients:
  MGU   f = ract(x W_f^T + b_if + h U_f^T + b_hf); n = act(x W_n^T + b_in + (f*h) U_n^T + b_hn);
        h' = (1 - f) * h + f * n          (weight_ih [2H, I] rows f then n, as nn.GRU lays out gates)
  GRU   nn.GRU's cell, with update_gate "paper": h' = z * n + (1 - z) * h
  LSTM  nn.LSTM's cell with peepholes (ONNX's LSTM, P): i, f read p_i * c, p_f * c (old c); o reads
        p_o * c' (new c); weight_peephole [3H] in the order i, f, o
Where torch has a module that must agree, the hand-written cell is checked against it first: the
GRU by hand (both update gates) against nn.GRU (the paper's z is nn.GRU's with the z rows negated,
since sigmoid(-x) = 1 - sigmoid(x)), the LSTM by hand with zero peepholes against nn.LSTM.
"""
import json
import sys

import torch

D64 = torch.float64
GATES = {"MGU": 2, "GRU": 3, "LSTM": 4}
GATE_NAMES = {"MGU": ["f", "n"], "GRU": ["r", "z", "n"], "LSTM": ["i", "f", "g", "o"]}


def act(x, kind):
    return torch.tanh(x) if kind == "tanh" else torch.relu(x)


def ract(x, kind):
    return torch.sigmoid(x) if kind == "sigmoid" else torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


def step(case, x, h, c, w):
    """one step of one direction for one row: x [1,I], h, c [1,H] -> h', c', gates"""
    cell, a, ra = case["cell"], case.get("activation", "tanh"), case.get("recurrent_activation", "sigmoid")
    W_ih, W_hh, b_ih, b_hh, P = w
    H = h.shape[1]
    gi = x @ W_ih.T + b_ih
    if cell == "MGU":
        f = ract(gi[:, :H] + h @ W_hh[:H].T + b_hh[:H], ra)
        n = act(gi[:, H:] + (f * h) @ W_hh[H:].T + b_hh[H:], a)
        return (1 - f) * h + f * n, c, {"f": f, "n": n}
    if cell == "LSTM":
        g = gi + h @ W_hh.T + b_hh
        pi, pf, po = (P[:H], P[H:2 * H], P[2 * H:]) if P is not None else (0.0, 0.0, 0.0)
        i = ract(g[:, :H] + pi * c, ra)
        f = ract(g[:, H:2 * H] + pf * c, ra)
        gg = act(g[:, 2 * H:3 * H], a)
        c2 = f * c + i * gg
        o = ract(g[:, 3 * H:] + po * c2, ra)
        return o * act(c2, a), c2, {"i": i, "f": f, "g": gg, "o": o}
    gh = h @ W_hh.T + b_hh
    r = ract(gi[:, :H] + gh[:, :H], ra)
    z = ract(gi[:, H:2 * H] + gh[:, H:2 * H], ra)
    if case.get("linear_before_reset", True):
        n = act(gi[:, 2 * H:] + r * gh[:, 2 * H:], a)
    else:
        n = act(gi[:, 2 * H:] + (r * h) @ W_hh[2 * H:].T + b_hh[2 * H:], a)
    h2 = z * n + (1 - z) * h if case.get("update_gate", "pytorch") == "paper" else (1 - z) * n + z * h
    return h2, c, {"r": r, "z": z, "n": n}


def run_layers(case, params, x, h0, c0, lengths):
    """the stacked, maybe bidirectional layer, row by row over each row's real steps"""
    cell, H, L = case["cell"], case["H"], case["L"]
    D = 2 if case["bidirectional"] else 1
    B, T = x.shape[0], x.shape[1]
    inp = x
    hN, cN, gates = [], [], {}
    for l in range(L):
        outs = []
        for d in range(D):
            sfx = "_reverse" if d == 1 else ""
            w = [params[f"weight_ih_l{l}{sfx}"], params[f"weight_hh_l{l}{sfx}"]]
            zero = torch.zeros(GATES[cell] * H, dtype=D64)
            w += [params[f"bias_ih_l{l}{sfx}"], params[f"bias_hh_l{l}{sfx}"]] if case["bias"] else [zero, zero]
            w.append(params.get(f"weight_peephole_l{l}{sfx}"))
            rows, hs, cs = [], [], []
            rec = {k: torch.zeros(B, T, H, dtype=D64) for k in GATE_NAMES[cell] + (["c"] if cell == "LSTM" else [])}
            for b in range(B):
                h = h0[l * D + d, b:b + 1] if h0 is not None else torch.zeros(1, H, dtype=D64)
                c = c0[l * D + d, b:b + 1] if c0 is not None else torch.zeros(1, H, dtype=D64)
                ys = [None] * T
                for t in (range(lengths[b] - 1, -1, -1) if d == 1 else range(lengths[b])):
                    h, c, g = step(case, inp[b:b + 1, t], h, c, w)
                    ys[t] = h
                    for k, v in g.items():
                        rec[k][b, t] = v[0].detach()
                    if cell == "LSTM":
                        rec["c"][b, t] = c[0].detach()
                rows.append(torch.cat([y if y is not None else torch.zeros(1, H, dtype=D64) for y in ys]).unsqueeze(0))
                hs.append(h)
                cs.append(c)
            outs.append(torch.cat(rows))
            hN.append(torch.cat(hs))
            cN.append(torch.cat(cs))
            gates[f"l{l}_{'reverse' if d == 1 else 'forward'}"] = rec
        inp = torch.cat(outs, dim=2)
    return inp, torch.stack(hN), torch.stack(cN), gates


def merge(x, H, mode):
    if mode == "concat":
        return x
    f, r = x[..., :H], x[..., H:]
    return {"sum": f + r, "mul": f * r, "ave": 0.5 * (f + r)}[mode]


def tj(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def check_against_torch(case, params, x, h0, c0):
    """the hand-written cell against torch.nn where torch has the same maths"""
    cell, H, L = case["cell"], case["H"], case["L"]
    std = case.get("activation", "tanh") == "tanh" and case.get("recurrent_activation", "sigmoid") == "sigmoid" and case["bias"]
    if cell == "MGU" or not std or (cell == "GRU" and not case.get("linear_before_reset", True)):
        return "by hand (torch, float64)"
    D = 2 if case["bidirectional"] else 1
    B, T = x.shape[0], x.shape[1]
    mod = getattr(torch.nn, cell)(case["I"], H, num_layers=L, bidirectional=case["bidirectional"], batch_first=True).double()
    sd = {}
    for k, v in mod.state_dict().items():
        v = params[k].detach().clone()
        if cell == "GRU" and case.get("update_gate") == "paper":
            v[H:2 * H] = -v[H:2 * H]  # nn.GRU's z = 1 - the paper's z: negate the z rows
        sd[k] = v
    mod.load_state_dict(sd)
    hand = dict(case)
    if cell == "LSTM":
        hand["peephole"] = False
    zp = {k: (torch.zeros_like(v) if k.startswith("weight_peephole") else v) for k, v in params.items()}
    with torch.no_grad():
        y, h, c, _ = run_layers(hand, zp, x.detach(), None if h0 is None else h0.detach(), None if c0 is None else c0.detach(), [T] * B)
        st = None if h0 is None else ((h0, c0 if c0 is not None else torch.zeros_like(h0)) if cell == "LSTM" else h0)
        yt, stt = mod(x.detach(), st)
    worst = float((y - yt).abs().max())
    if worst > 1e-9:
        raise SystemExit(f"{case['name']}: the hand-written {cell} differs from torch.nn.{cell} by {worst}")
    return "by hand (torch, float64; the same cell checked against torch.nn." + cell + (" with zero peepholes)" if cell == "LSTM" else ")")


def run(case):
    torch.manual_seed(case["seed"])
    cell, I, H, L, B, T = case["cell"], case["I"], case["H"], case["L"], case["B"], case["T"]
    D = 2 if case["bidirectional"] else 1
    G = GATES[cell]
    names = []
    for l in range(L):
        In = I if l == 0 else D * H
        for sfx in ["", "_reverse"][:D]:
            names += [(f"weight_ih_l{l}{sfx}", [G * H, In]), (f"weight_hh_l{l}{sfx}", [G * H, H])]
            if case["bias"]:
                names += [(f"bias_ih_l{l}{sfx}", [G * H]), (f"bias_hh_l{l}{sfx}", [G * H])]
            if cell == "LSTM" and case.get("peephole"):
                names.append((f"weight_peephole_l{l}{sfx}", [3 * H]))
    # float32 values (what the graph file holds), computed on in float64
    params = {n: (torch.rand(*s) * 1.6 - 0.8).double().requires_grad_() for n, s in names}
    out = {"weights": {n: tj(p) for n, p in params.items()}}
    lengths = case.get("lengths") or [T] * B
    emb = None
    if case.get("lengths"):
        V = case["vocab"]
        emb = torch.randn(V, I).double()
        emb[0] = 0
        emb.requires_grad_()
        ids = torch.zeros(B, T, dtype=torch.long)
        for b in range(B):
            ids[b, :lengths[b]] = torch.randint(4, V, (lengths[b],))
        x = torch.nn.functional.embedding(ids, emb, padding_idx=0)
        out["embedding"] = tj(emb)
        out["tokens"] = {"shape": [B, T], "data": ids.reshape(-1).tolist()}
    else:
        x = torch.randn(B, T, I).double().requires_grad_()
        out["x"] = tj(x)
    h0 = c0 = None
    if case["initial"]:
        h0 = (torch.randn(L * D, B, H) * 0.5).double().requires_grad_()
        out["h0"] = tj(h0)
        if cell == "LSTM":
            c0 = (torch.randn(L * D, B, H) * 0.5).double().requires_grad_()
            out["c0"] = tj(c0)
    out["source"] = check_against_torch(case, params, x, h0, c0)
    y, hN, cN, gates = run_layers(case, params, x, h0, c0, lengths)
    mode = case.get("merge_mode", "concat") if D == 2 else "concat"
    top = hN[(L - 1) * D:L * D]
    results = {"output": merge(y, H, mode), "h_n": hN, "last": merge(torch.cat([top[d] for d in range(D)], dim=1), H, mode)}
    if cell == "LSTM":
        results["c_n"] = cN
    seeds = {k: torch.rand(*v.shape).double() * 2 - 1 for k, v in results.items()}
    loss = sum((seeds[k] * v).sum() for k, v in results.items())
    loss.backward()
    out.update({k: tj(v) for k, v in results.items()})
    out["seeds"] = {k: tj(v) for k, v in seeds.items()}
    out["gates"] = {k: {g: tj(v) for g, v in rec.items()} for k, rec in gates.items()}
    grads = {n: tj(p.grad) for n, p in params.items()}
    if emb is not None:
        grads["embedding"] = tj(emb.grad)
    else:
        grads["x"] = tj(x.grad)
    if h0 is not None:
        grads["h0"] = tj(h0.grad)
    if c0 is not None:
        grads["c0"] = tj(c0.grad)
    out["grads"] = grads
    return out


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({c["name"]: run(c) for c in cases}, sys.stdout)


if __name__ == "__main__":
    main()
