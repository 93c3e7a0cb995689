"""Reference outputs of recurrent layers for every param seqgraph's RNN/LSTM/GRU nodes take.

stdin: {"cases": [{name, cell, I, H, L, bidirectional, merge_mode, bias, nonlinearity,
activation, recurrent_activation, linear_before_reset, initial, B, T, lengths?, vocab?, seed}]}
stdout: per case the weights (PyTorch state_dict names; with `lengths`, also the embedding table
and the token ids), the inputs and the outputs: output [B,T,D*H or H merged], h_n [L*D,B,H],
c_n (LSTM) and last [B, D*H or H merged] (the top layer's final h, directions merged).

Where PyTorch has the variant (nn.RNN tanh/relu, nn.LSTM and nn.GRU with their default gates) the
numbers come from the nn module, run on packed sequences for ragged batches. Variants PyTorch
lacks (relu candidates in LSTM/GRU, hard_sigmoid gates = clamp(0.2x + 0.5, 0, 1), GRU with
linear_before_reset=0, i.e. n = act(W_in x + b_in + W_hn (r*h) + b_hn)) are written out by hand in
torch (float64) below; for every case PyTorch has, the hand-written cell is checked against the nn
module first, so the hand-written one is trusted only where it was seen to agree.
"""
import json
import sys

import torch

torch.set_grad_enabled(False)
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def act(x, kind):
    return torch.tanh(x) if kind == "tanh" else torch.relu(x)


def ract(x, kind):
    return torch.sigmoid(x) if kind == "sigmoid" else torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


def step(c, x, h, cs, w, a, ra, lbr):
    """one timestep of one direction: x [B,I], h/cs [B,H] -> new h, c"""
    W_ih, W_hh, b_ih, b_hh = w
    gi = x @ W_ih.T + b_ih
    if c == "RNN":
        return act(gi + h @ W_hh.T + b_hh, a), cs
    H = h.shape[1]
    if c == "LSTM":
        g = gi + h @ W_hh.T + b_hh
        i, f, gg, o = ract(g[:, :H], ra), ract(g[:, H:2 * H], ra), act(g[:, 2 * H:3 * H], a), ract(g[:, 3 * H:], ra)
        cs = f * cs + i * gg
        return o * act(cs, a), cs
    gh = h @ W_hh.T + b_hh
    r = ract(gi[:, :H] + gh[:, :H], ra)
    z = ract(gi[:, H:2 * H] + gh[:, H:2 * H], ra)
    if lbr:
        n = act(gi[:, 2 * H:] + r * gh[:, 2 * H:], a)
    else:
        n = act(gi[:, 2 * H:] + (r * h) @ W_hh[2 * H:].T + b_hh[2 * H:], a)
    return (1 - z) * n + z * h, cs


def by_hand(case, sd, x, h0, c0, lengths):
    """the stacked, maybe bidirectional layer run row by row over its real steps (float64)"""
    c, H, L, D = case["cell"], case["H"], case["L"], 2 if case["bidirectional"] else 1
    a = case.get("nonlinearity") if c == "RNN" else case.get("activation", "tanh")
    a = a or "tanh"
    ra, lbr = case.get("recurrent_activation", "sigmoid"), case.get("linear_before_reset", True)
    B, T = x.shape[0], x.shape[1]
    G = GATES[c]
    d64 = lambda t: t.double()
    inp = d64(x)
    hN, cN = [], []
    for l in range(L):
        outs = []
        for d in range(D):
            sfx = "_reverse" if d == 1 else ""
            w = [d64(sd[f"weight_ih_l{l}{sfx}"]), d64(sd[f"weight_hh_l{l}{sfx}"])]
            w += [d64(sd[f"bias_ih_l{l}{sfx}"]), d64(sd[f"bias_hh_l{l}{sfx}"])] if case["bias"] else [torch.zeros(G * H, dtype=torch.float64)] * 2
            y = torch.zeros(B, T, H, dtype=torch.float64)
            hs, css = torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64)
            for b in range(B):
                h = d64(h0[l * D + d, b:b + 1]) if h0 is not None else torch.zeros(1, H, dtype=torch.float64)
                cs = d64(c0[l * D + d, b:b + 1]) if c0 is not None else torch.zeros(1, H, dtype=torch.float64)
                n = lengths[b]
                for t in (range(n - 1, -1, -1) if d == 1 else range(n)):
                    h, cs = step(c, inp[b:b + 1, t], h, cs, w, a, ra, lbr)
                    y[b, t] = h[0]
                hs[b], css[b] = h[0], cs[0]
            outs.append(y)
            hN.append(hs)
            cN.append(css)
        inp = torch.cat(outs, dim=2)
    return inp, torch.stack(hN), torch.stack(cN)


def native(case):
    c = case["cell"]
    if c == "RNN":
        return True
    return case.get("activation", "tanh") == "tanh" and case.get("recurrent_activation", "sigmoid") == "sigmoid" and (c == "LSTM" or case.get("linear_before_reset", True))


def by_torch(case, mod, x, h0, c0, lengths):
    B, T = x.shape[0], x.shape[1]
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    state = None if h0 is None else ((h0, c0) if case["cell"] == "LSTM" else h0)
    y, st = mod(packed, state)
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=T)
    hN, cN = (st if case["cell"] == "LSTM" else (st, None))
    return y.double(), hN.double(), None if cN is None else cN.double()


def merge(x, H, mode):
    if mode == "concat":
        return x
    f, r = x[..., :H], x[..., H:]
    return {"concat": x, "sum": f + r, "mul": f * r, "ave": 0.5 * (f + r)}[mode]


def tj(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def run(case):
    torch.manual_seed(case["seed"])
    c, I, H, L, B, T = case["cell"], case["I"], case["H"], case["L"], case["B"], case["T"]
    D = 2 if case["bidirectional"] else 1
    kw = dict(input_size=I, hidden_size=H, num_layers=L, bias=case["bias"], batch_first=True, bidirectional=case["bidirectional"])
    if c == "RNN":
        kw["nonlinearity"] = case.get("nonlinearity") or "tanh"
    mod = getattr(torch.nn, c)(**kw)
    # weights away from PyTorch's small init, so a wrong gate or activation shows
    for p in mod.parameters():
        p.uniform_(-0.8, 0.8)
    sd = {k: v.detach().clone() for k, v in mod.state_dict().items()}
    out = {"weights": {k: tj(v) for k, v in sd.items()}}
    lengths = case.get("lengths") or [T] * B
    if case.get("lengths"):
        V = case["vocab"]
        emb = torch.randn(V, I)
        emb[0] = 0  # the <pad> row (padding_idx 0)
        ids = torch.zeros(B, T, dtype=torch.long)
        for b in range(B):
            ids[b, :lengths[b]] = torch.randint(4, V, (lengths[b],))
        x = torch.nn.functional.embedding(ids, emb)
        out["embedding"] = tj(emb)
        out["tokens"] = {"shape": [B, T], "data": ids.reshape(-1).tolist()}
    else:
        x = torch.randn(B, T, I)
        out["x"] = tj(x)
    h0 = c0 = None
    if case["initial"]:
        h0 = torch.randn(L * D, B, H) * 0.5
        out["h0"] = tj(h0)
        if c == "LSTM":
            c0 = torch.randn(L * D, B, H) * 0.5
            out["c0"] = tj(c0)
    y, hN, cN = by_hand(case, sd, x, h0, c0, lengths)
    if native(case):
        yt, hNt, cNt = by_torch(case, mod, x, h0, c0, lengths)
        worst = max(float((y - yt).abs().max()), float((hN - hNt).abs().max()), float((cN - cNt).abs().max()) if cNt is not None else 0.0)
        if worst > 1e-5:
            raise SystemExit(f"{case['name']}: the hand-written cell differs from torch.nn.{c} by {worst}")
        y, hN, cN = yt, hNt, cNt
        out["source"] = f"torch.nn.{c}"
    else:
        out["source"] = "by hand (torch, float64)"
    mode = case.get("merge_mode", "concat") if D == 2 else "concat"
    top = hN[(L - 1) * D:(L - 1) * D + D]  # [D,B,H]
    last = torch.cat([top[d] for d in range(D)], dim=1)
    out["output"] = tj(merge(y, H, mode))
    out["h_n"] = tj(hN)
    if c == "LSTM":
        out["c_n"] = tj(cN)
    out["last"] = tj(merge(last, H, mode))
    return out


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({c["name"]: run(c) for c in cases}, sys.stdout)


if __name__ == "__main__":
    main()
