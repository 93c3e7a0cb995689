"""An attention seq2seq in plain torch.nn, built from a spec so train_parity.py can train it beside
seqgraph's graph of the same model (tests/helpers/train-seq2seq.ts): Embedding(padding_idx=0) ->
RNN/LSTM/GRU encoder over packed sequences -> a decoder written from the textbook formulas, not
from seqgraph's code:

  step t:  x = embedding(y_{t-1})            (y_{-1} = <s>; then the target or the model's argmax)
           bahdanau: c, w = attend(h_top(t-1)); x = [x; c]
           h(t) = cell(x, h(t-1))             nn.RNN/LSTM/GRU with num_layers, one step
           luong:    c, w = attend(h_top(t)); f = tanh(concat([c; h]) or concat([h; c]))
           bahdanau: f = [h_top(t); c];  none: f = h_top(t)
           logp(t) = log_softmax(out(f))
  attend(q): scores dot q·k, scaled_dot q·k/sqrt(Dm), general q·(W k), additive v·tanh(W_query q +
           W_key k); padded source steps get -inf; w = softmax; c = sum_s w_s k_s.
The decoder starts from the encoder's final state (same layers and size). Submodules are named by
the graph's node ids and the Decoder's weight names (embedding, rnn, attn.W / attn.W_query /
attn.W_key / attn.v, concat, out), so state_dict keys are the graph's "<node>.<weight>".
"""
import math

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {'RNN': nn.RNN, 'LSTM': nn.LSTM, 'GRU': nn.GRU}


class Attn(nn.Module):
    def __init__(self, rule, H, Dm, A):
        super().__init__()
        self.rule = rule
        if rule == 'general':
            self.W = nn.Parameter(torch.zeros(H, Dm))
        if rule == 'additive':
            self.W_query = nn.Parameter(torch.zeros(A, H))
            self.W_key = nn.Parameter(torch.zeros(A, Dm))
            self.v = nn.Parameter(torch.zeros(A))

    def forward(self, q, mem, valid):
        if self.rule in ('dot', 'scaled_dot'):
            e = (mem @ q[:, :, None]).squeeze(-1)
            if self.rule == 'scaled_dot':
                e = e / math.sqrt(mem.shape[-1])
        elif self.rule == 'general':
            e = ((mem @ self.W.T) @ q[:, :, None]).squeeze(-1)
        else:
            e = torch.tanh((q @ self.W_query.T)[:, None, :] + mem @ self.W_key.T) @ self.v
        w = torch.softmax(e.masked_fill(~valid, float('-inf')), -1)
        return (w[:, :, None] * mem).sum(1), w


class Decoder(nn.Module):
    def __init__(self, m, Dm):
        super().__init__()
        self.m = m
        H, E, V, A = m['hidden'], m['emb'], m['tgt_vocab'], m.get('attention_dim') or m['hidden']
        self.bahdanau = m['style'] == 'bahdanau'
        self.embedding = nn.Embedding(V, E)
        self.rnn = CELLS[m['cell']](E + Dm if self.bahdanau else E, H, num_layers=m['layers'], batch_first=True)
        self.attn = Attn(m['attention'], H, Dm, A)
        if not self.bahdanau:
            self.concat = nn.Linear(Dm + H, H)
        self.out = nn.Linear(H + Dm if self.bahdanau else H, V)

    def forward(self, mem, valid, state, target, ratio):
        m = self.m
        B, T = target.shape
        banned = torch.zeros(self.out.out_features, dtype=torch.bool)
        banned[m['pad']] = True
        banned[m['bos']] = True
        prev = torch.full((B,), m['bos'], dtype=torch.long)
        top = lambda s: (s[0] if isinstance(s, tuple) else s)[-1]
        outs = []
        for t in range(T):
            x = self.embedding(prev)
            if self.bahdanau:
                c, _ = self.attn(top(state), mem, valid)
                x = torch.cat([x, c], 1)
            y, state = self.rnn(x[:, None, :], state)
            h = y[:, 0]
            if self.bahdanau:
                f = torch.cat([h, c], 1)
            else:
                c, _ = self.attn(h, mem, valid)
                f = torch.tanh(self.concat(torch.cat([h, c] if m['concat_order'] == 'h_context' else [c, h], 1)))
            lp = torch.log_softmax(self.out(f), -1)
            outs.append(lp)
            # the fed token is an integer: no gradient flows through the choice
            prev = target[:, t] if ratio >= 1 else lp.detach().masked_fill(banned, float('-inf')).argmax(-1)
        return torch.stack(outs, 1)


class Seq2SeqModel(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m
        ids = m['ids']
        setattr(self, ids['emb'], nn.Embedding(m['src_vocab'], m['emb'], padding_idx=0))
        setattr(self, ids['enc'], CELLS[m['cell']](m['emb'], m['hidden'], num_layers=m['layers'], batch_first=True))
        setattr(self, ids['dec'], Decoder(m, m['hidden']))

    def forward(self, feeds, state=None):
        m, ids = self.m, self.m['ids']
        if m['ratio'] not in (0, 1):
            raise ValueError('parity needs a deterministic teacher_forcing_ratio (0 or 1)')
        src = feeds[m['src']].long()
        lengths = (src != 0).sum(1)
        packed = pack_padded_sequence(getattr(self, ids['emb'])(src), lengths, batch_first=True, enforce_sorted=False)
        y, enc_state = getattr(self, ids['enc'])(packed)
        mem, _ = pad_packed_sequence(y, batch_first=True, total_length=src.shape[1])
        valid = torch.arange(src.shape[1])[None, :] < lengths[:, None]
        logp = getattr(self, ids['dec'])(mem, valid, enc_state, feeds[m['tgt']].long(), m['ratio'])
        return {m['output']: logp}, torch.zeros(0)
