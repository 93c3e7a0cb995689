"""A seq2seq decoder written in PyTorch from seqgraph's Decoder weights, with greedy decoding,
beam search and exhaustive search, as an oracle for the runtime's Decoder node.

The decoder is the PyTorch tutorials' (nn.Embedding, nn.RNNCell/LSTMCell/GRUCell stacked per
layer, attention, nn.Linear + log_softmax): Bahdanau style attends with the previous top h and
feeds [embedding; context] to the cell, reading [h; context]; Luong style attends with the new h
and reads tanh(concat([context; h])) — or tanh(concat([h; context])) for concat_order h_context,
the chatbot tutorial's `torch.cat((rnn_output, context), 1)`. Nothing here is shared with the
runtime: only the weights (PyTorch state_dict names) and the inputs come from the test.

stdin: {"cases": [{name, cell, H, L, attention, style, concat_order, vocab_size, bos, eos, pad,
max_len, weights: {name: {shape, data}}, memory?: {shape, data}, code: {shape, data},
beams: [{K, alpha, early}], exhaustive: {alphas: [...]}?}]}
stdout: per case: greedy {tokens, logprobs}, beams [{tokens, score}], exhaustive {logp: {"i j k": lp}, best: {alpha: [seq per row]}}
"""
import json
import math
import sys

import torch
import torch.nn.functional as F

torch.set_grad_enabled(False)
DT = torch.float64


def T(x):
    return torch.tensor(x["data"], dtype=DT).reshape(x["shape"])


class Decoder:
    def __init__(self, c):
        self.c = c
        w = {k: T(v) for k, v in c["weights"].items()}
        self.w = w
        H, L = c["H"], c["L"]
        self.emb = w["embedding.weight"]
        cls = {"RNN": torch.nn.RNNCell, "LSTM": torch.nn.LSTMCell, "GRU": torch.nn.GRUCell}[c["cell"]]
        self.cells = []
        for l in range(L):
            I = w[f"rnn.weight_ih_l{l}"].shape[1]
            cell = cls(I, H).to(DT)
            cell.weight_ih.copy_(w[f"rnn.weight_ih_l{l}"])
            cell.weight_hh.copy_(w[f"rnn.weight_hh_l{l}"])
            cell.bias_ih.copy_(w[f"rnn.bias_ih_l{l}"])
            cell.bias_hh.copy_(w[f"rnn.bias_hh_l{l}"])
            self.cells.append(cell)
        self.memory = T(c["memory"]) if c.get("memory") else None
        self.banned = {c["pad"]} if c["pad"] >= 0 else set()
        if c["bos"] != c["eos"]:
            self.banned.add(c["bos"])

    def initial(self, b):
        """(h, c) per layer for batch row b: every layer's h0 is the code vector, c0 = 0"""
        H = self.c["H"]
        code = T(self.c["code"])[b:b + 1]
        return [(code.clone(), torch.zeros(1, H, dtype=DT)) for _ in range(self.c["L"])]

    def attend(self, q, b):
        m = self.memory[b]  # [S, Dm]
        a = self.c["attention"]
        if a == "dot":
            s = m @ q[0]
        elif a == "scaled_dot":
            s = (m @ q[0]) / math.sqrt(m.shape[1])
        elif a == "general":
            s = m @ (self.w["attn.W"].T @ q[0])  # q^T W k
        elif a == "additive":
            s = torch.tanh(q @ self.w["attn.W_query"].T + m @ self.w["attn.W_key"].T) @ self.w["attn.v"]
        else:
            raise ValueError(a)
        wts = torch.softmax(s, dim=0)
        return (wts @ m).unsqueeze(0)

    def step(self, prev, state, b):
        """log-probabilities [V] after token `prev`, and the new state (the old one is untouched)"""
        c = self.c
        x = self.emb[prev].unsqueeze(0)
        rules = c["attention"] != "none"
        bahdanau = rules and c["style"] == "bahdanau"
        if bahdanau:
            ctx = self.attend(state[-1][0], b)
            x = torch.cat([x, ctx], dim=1)
        new = []
        for l, cell in enumerate(self.cells):
            h, cs = state[l]
            if c["cell"] == "LSTM":
                h, cs = cell(x, (h, cs))
            else:
                h = cell(x, h)
            new.append((h, cs))
            x = h
        top = new[-1][0]
        if rules and not bahdanau:
            ctx = self.attend(top, b)
            cat = torch.cat([top, ctx], dim=1) if c.get("concat_order") == "h_context" else torch.cat([ctx, top], dim=1)
            feat = torch.tanh(cat @ self.w["concat.weight"].T + self.w["concat.bias"])
        elif bahdanau:
            feat = torch.cat([top, ctx], dim=1)
        else:
            feat = top
        logits = feat @ self.w["out.weight"].T + self.w["out.bias"]
        return F.log_softmax(logits, dim=1)[0], new

    def greedy(self, b):
        c = self.c
        state, prev, toks, lps = self.initial(b), c["bos"], [], []
        for _ in range(c["max_len"]):
            lp, state = self.step(prev, state, b)
            masked = lp.clone()
            for v in self.banned:
                masked[v] = -math.inf
            y = int(torch.argmax(masked))  # the first maximum: the lowest id on ties
            toks.append(y)
            lps.append(lp.tolist())
            prev = y
            if y == c["eos"]:
                break
        return toks, lps

    def beam(self, b, K, alpha, early):
        """fairseq / Hugging Face style: top 2K continuations, </s> ones among the top K finish"""
        c = self.c
        maxlen, eos = c["max_len"], c["eos"]
        live = [(0.0, [], self.initial(b))]
        best, n_finished = None, 0
        for t in range(maxlen):
            cands = []
            for k, (s, toks, st) in enumerate(live):
                lp, new = self.step(toks[-1] if toks else c["bos"], st, b)
                for v in range(lp.shape[0]):
                    if v not in self.banned:
                        cands.append((s + float(lp[v]), k, v, toks, new))
            cands.sort(key=lambda x: (-x[0], x[1], x[2]))
            cands = cands[:2 * K]
            nxt = []
            for r, (s, k, v, toks, new) in enumerate(cands):
                if v == eos:
                    if r < K:
                        n_finished += 1
                        norm = s / (t + 1) ** alpha
                        if best is None or norm > best[0]:
                            best = (norm, toks + [v], s)
                    continue
                if len(nxt) < K:
                    nxt.append((s, toks + [v], new))
            if t == maxlen - 1:
                for s, toks, _ in nxt:
                    n_finished += 1
                    norm = s / (t + 1) ** alpha
                    if best is None or norm > best[0]:
                        best = (norm, toks, s)
                break
            if not nxt:
                break
            if early:
                if n_finished >= K:
                    break
            elif best is not None:
                bound = nxt[0][0] / maxlen ** alpha if alpha > 0 else nxt[0][0]
                if best[0] >= bound:
                    break
            live = nxt
        return best[1], best[2]

    def exhaustive(self, b):
        """every sequence the decoder may write (ending in </s>, or max_len long): its log-probability"""
        c = self.c
        out = {}

        def walk(prev, state, toks, s):
            lp, new = self.step(prev, state, b)
            for v in range(lp.shape[0]):
                if v in self.banned:
                    continue
                seq, total = toks + [v], s + float(lp[v])
                if v == c["eos"] or len(seq) == c["max_len"]:
                    out[" ".join(map(str, seq))] = total
                else:
                    walk(v, new, seq, total)

        walk(c["bos"], self.initial(b), [], 0.0)
        return out


def run(c):
    d = Decoder(c)
    B = c["code"]["shape"][0]
    res = {"greedy": [d.greedy(b) for b in range(B)], "beams": []}
    for spec in c.get("beams", []):
        res["beams"].append([d.beam(b, spec["K"], spec["alpha"], spec["early"]) for b in range(B)])
    if c.get("exhaustive"):
        tables = [d.exhaustive(b) for b in range(B)]
        best = {}
        for alpha in c["exhaustive"]["alphas"]:
            rows = []
            for tab in tables:
                ranked = sorted(tab.items(), key=lambda kv: -kv[1] / len(kv[0].split()) ** alpha)
                (s0, l0), (s1, l1) = ranked[0], ranked[1]
                gap = l0 / len(s0.split()) ** alpha - l1 / len(s1.split()) ** alpha
                rows.append({"seq": [int(v) for v in s0.split()], "gap": gap})
            best[str(alpha)] = rows
        res["exhaustive"] = {"logp": tables, "best": best}
    return res


def main():
    cases = json.load(sys.stdin)["cases"]
    json.dump({c["name"]: run(c) for c in cases}, sys.stdout)


if __name__ == "__main__":
    main()
