"""Train the same model as seqgraph, from the same initial weights on the same batches, with the
graph file's `training` section read as torch.optim objects; print every step's loss.

stdin:  {"cases": [{"name": str,
                    "model": {"kind": <a key of MODELS>, ...its settings},
                    "init": {"<node id>.<PyTorch weight name>": tensor},   # the graph's weights
                    "training": {losses, optimizer, schedule?, clip_grad_norm?, clip_grad_value?},
                    "batches": [{"feeds": {input name: tensor}, "targets": {output name: tensor}}],
                    "steps": int}]}                                         # batches are cycled
stdout: {"cases": [{"losses": [float per step], "grad_norms": [float per step]}]}

A model kind is a function (model settings) -> nn.Module whose forward(feeds) returns
{output name: value}; its submodules are named by the graph's node ids so that state_dict keys
are "<node id>.<weight name>", the graph's own weight names. Add a kind by adding a builder to
MODELS (and the matching graph builder in tests/helpers/train-models.ts).
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqgraph_torch import clip, loss_fn, make_optimizer, make_scheduler, read_input, tensor, write_output

CELLS = {'RNN': nn.RNN, 'LSTM': nn.LSTM, 'GRU': nn.GRU}


class RecurrentModel(nn.Module):
    """Embedding(padding_idx=0) -> RNN/LSTM/GRU over packed sequences -> Linear, on the top layer's
    final states [fwd; bwd] ("last": N->1) or on every step ("steps": N->N)."""

    def __init__(self, m):
        super().__init__()
        self.m = m
        extra = {'nonlinearity': m.get('nonlinearity', 'tanh')} if m['cell'] == 'RNN' else {}
        D = 2 if m['bidirectional'] else 1
        setattr(self, m['ids']['emb'], nn.Embedding(m['vocab'], m['emb'], padding_idx=0))
        setattr(self, m['ids']['rnn'], CELLS[m['cell']](m['emb'], m['hidden'], num_layers=m['layers'],
                                                         bidirectional=m['bidirectional'], batch_first=True, **extra))
        setattr(self, m['ids']['out'], nn.Linear(D * m['hidden'], m['classes']))

    def forward(self, feeds, state=None):
        """{output name: value}, and the final state (to carry into the next BPTT chunk)"""
        m = self.m
        emb, rnn, out = (getattr(self, m['ids'][k]) for k in ('emb', 'rnn', 'out'))
        tokens = feeds[m['input']].long()
        lengths = (tokens != 0).sum(1)
        packed = pack_padded_sequence(emb(tokens), lengths, batch_first=True, enforce_sorted=False)
        y, state = rnn(packed, state)
        h = state[0] if m['cell'] == 'LSTM' else state
        if m['head'] == 'last':
            D = 2 if m['bidirectional'] else 1
            v = torch.cat([h[-D + d] for d in range(D)], dim=1)
        else:
            v, _ = pad_packed_sequence(y, batch_first=True, total_length=tokens.shape[1])
        return {m['output']: out(v)}, state


from seq2seq_torch import Seq2SeqModel  # noqa: E402  (the attention seq2seq kind)

MODELS = {'recurrent': RecurrentModel, 'seq2seq': Seq2SeqModel}


def run_case(case):
    model = MODELS[case['model']['kind']](case['model'])
    state = model.state_dict()
    for k, v in case['init'].items():
        if k not in state:
            raise KeyError(f'{case["name"]}: the model has no weight {k} (it has {sorted(state)})')
        state[k] = tensor(v)
    model.load_state_dict(state)
    tr = case['training']
    params = [p for p in model.parameters()]
    opt = make_optimizer(params, tr['optimizer'])
    sched = make_scheduler(opt, tr.get('schedule'))
    losses, norms = [], []
    batches = case['batches']
    k = tr.get('bptt_steps')
    for step in range(case['steps']):
        b = batches[step % len(batches)]
        feeds = {n: tensor(v, torch.long if v.get('dtype') == 'int64' else torch.float32) for n, v in b['feeds'].items()}
        targets = {n: tensor(t, torch.long if t.get('dtype') == 'int64' else torch.float32) for n, t in b['targets'].items()}
        T = next(iter(feeds.values())).shape[1]
        # truncated BPTT as PyTorch's word_language_model: a step per chunk, the state detached between
        bounds = [(t0, min(T, t0 + k)) for t0 in range(0, T, k)] if k and T > k else [(0, T)]
        state, total = None, 0.0
        for t0, t1 in bounds:
            f = {n: v[:, t0:t1] for n, v in feeds.items()} if len(bounds) > 1 else feeds
            opt.zero_grad()
            outs, state = model(f, state)
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            loss = 0
            for spec in tr['losses']:
                target = targets[spec['output']]
                if len(bounds) > 1 and target.dim() >= 2:
                    target = target[:, t0:t1]
                loss = loss + spec.get('loss_weight', 1) * loss_fn(spec, outs[spec['output']], target)
            loss.backward()
            before, _ = clip(params, tr)
            opt.step()
            if sched is not None:
                sched.step()
            total += loss.item() / len(bounds)
        losses.append(total)
        norms.append(before)
    return {'losses': losses, 'grad_norms': norms}


def main():
    import warnings
    warnings.simplefilter('ignore')
    write_output({'cases': [run_case(c) for c in read_input()['cases']]})


if __name__ == '__main__':
    main()
