"""The decoder's gradient trace for grads.json `seq2seq_teacher_forcing`: d loss / d h_t (the total
derivative, through the output and every later step) of the decoder's GRUCell state after each
step, which the fixture does not hold.

The model is rebuilt from the fixture's weights as its `about` describes it (GRU encoder; decoder
h_0 = the encoder's h_n; e = v·tanh(Wq h_{t-1} + Wk mem); GRUCell on [target embedding; context];
out(Linear [h_t; context]) -> log_softmax; NLL mean over tgt[:, 1:] ignoring pad 0), and its loss is
checked against the fixture's before anything is printed.

argv[1]: tests/fixtures/pytorch/grads.json
stdout: {"loss": float, "dh": {"shape": [B, T, H], "data": [...]}}
"""
import json
import sys

import torch

torch.set_num_threads(1)


def main():
    fx = json.load(open(sys.argv[1]))['seq2seq_teacher_forcing']
    W = {k: torch.tensor(v['data'], dtype=torch.float32).reshape(v['shape']) for k, v in fx['weights'].items()}
    src = torch.tensor(fx['src']['data']).reshape(fx['src']['shape'])
    tgt = torch.tensor(fx['tgt']['data']).reshape(fx['tgt']['shape'])
    H = W['dec.weight_hh'].shape[1]
    enc = torch.nn.GRU(W['src_emb.weight'].shape[1], H, batch_first=True)
    cell = torch.nn.GRUCell(W['dec.weight_ih'].shape[1], H)
    with torch.no_grad():
        for n in ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']:
            getattr(enc, n).copy_(W['enc.' + n])
        for n in ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']:
            getattr(cell, n).copy_(W['dec.' + n])
    mem, hn = enc(W['src_emb.weight'][src])
    h = hn[0]
    inp, out = tgt[:, :-1], tgt[:, 1:]
    hs, lps = [], []
    for t in range(inp.shape[1]):
        e = torch.tanh((h @ W['Wq.weight'].T)[:, None, :] + mem @ W['Wk.weight'].T) @ W['v.weight'].T
        a = torch.softmax(e.squeeze(-1), -1)
        ctx = (a[:, :, None] * mem).sum(1)
        h = cell(torch.cat([W['tgt_emb.weight'][inp[:, t]], ctx], 1), h)
        h.retain_grad()
        hs.append(h)
        lps.append(torch.log_softmax(torch.cat([h, ctx], 1) @ W['out.weight'].T + W['out.bias'], -1))
    lp = torch.stack(lps, 1)
    loss = torch.nn.functional.nll_loss(lp.reshape(-1, lp.shape[-1]), out.reshape(-1), ignore_index=0)
    if abs(loss.item() - fx['loss']) > 1e-5 * abs(fx['loss']):
        raise SystemExit(f'the rebuilt model gives loss {loss.item()}, the fixture {fx["loss"]}: not the fixture\'s model')
    loss.backward()
    dh = torch.stack([x.grad for x in hs], 1)
    json.dump({'loss': loss.item(), 'dh': {'shape': list(dh.shape), 'data': dh.reshape(-1).tolist()}}, sys.stdout)


if __name__ == '__main__':
    main()
