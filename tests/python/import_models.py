"""Models made with real PyTorch, for the import tests (tests/unit/import-pytorch.test.ts).

Usage: import_models.py <out_dir>   (also writes import_helper_models.py's models there)

Builds four small models with Debian's PyTorch (1.13), exports each with torch.onnx.export (the
TorchScript exporter, at several opsets), saves its state_dict with torch.save (.pt) and as
safetensors (written here by hand when the package is missing: an 8-byte little-endian header
length, a JSON header, raw little-endian data), runs it on a batch that holds token id 0 and
ragged rows (padded with 0, which these models read as a real token: none uses padding_idx or
packing), and prints the inputs and PyTorch's outputs as JSON.
"""
import json
import struct
import sys

import torch
import torch.nn as nn

torch.manual_seed(1234)
V, E, H = 13, 6, 5


class LSTMClassifier(nn.Module):
    """bidirectional 2-layer LSTM; the top layer's final states of both directions -> Linear"""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        self.lstm = nn.LSTM(E, H, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * H, 3)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.emb(tokens))
        return torch.log_softmax(self.fc(torch.cat([h[-2], h[-1]], dim=1)), dim=-1)


class GRUClassifier(nn.Module):
    """GRU; the last step and the mean over time side by side -> Linear -> softmax"""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        self.gru = nn.GRU(E, H, batch_first=True)
        self.fc = nn.Linear(2 * H, 4)

    def forward(self, tokens):
        out, _ = self.gru(self.emb(tokens))
        return torch.softmax(self.fc(torch.cat([out[:, -1], out.mean(dim=1)], dim=1)), dim=-1)


class RNNTagger(nn.Module):
    """2-layer RNN with relu; a tag distribution at every step"""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        self.rnn = nn.RNN(E, H, num_layers=2, nonlinearity='relu', batch_first=True)
        self.fc = nn.Linear(H, 4)

    def forward(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return torch.log_softmax(self.fc(out), dim=-1)


class Seq2SeqStep(nn.Module):
    """GRU encoder; one step of a GRU decoder with Luong (dot) attention, as the PyTorch chatbot tutorial"""

    def __init__(self):
        super().__init__()
        self.enc_emb = nn.Embedding(V, E)
        self.encoder = nn.GRU(E, H, batch_first=True)
        self.dec_emb = nn.Embedding(V, E)
        self.decoder = nn.GRU(E, H, batch_first=True)
        self.concat = nn.Linear(2 * H, H)
        self.out = nn.Linear(H, V)

    def forward(self, src, prev):
        enc_out, h = self.encoder(self.enc_emb(src))
        dec_out, h = self.decoder(self.dec_emb(prev), h)
        weights = torch.softmax(torch.bmm(dec_out, enc_out.transpose(1, 2)), dim=-1)
        context = torch.bmm(weights, enc_out)
        combined = torch.tanh(self.concat(torch.cat([dec_out, context], dim=2)))
        return torch.log_softmax(self.out(combined), dim=-1).squeeze(1), weights, h


def write_safetensors(path, state):
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def tensor(t):
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}


def main():
    out_dir = sys.argv[1]
    # ragged rows padded with 0 (a real token for these models), and 0 mid-row; traced on another length
    trace_tokens = torch.randint(0, V, (2, 7))
    tokens = torch.tensor([[3, 0, 7, 12, 5, 1, 9, 2, 4], [0, 4, 4, 11, 0, 0, 0, 0, 0], [6, 2, 0, 0, 0, 0, 0, 0, 0]])
    prev = torch.tensor([[0], [5], [12]])
    result = {}
    models = [
        ('lstm_classifier', LSTMClassifier(), 13, ('tokens',), ('logprobs',)),
        ('gru_classifier', GRUClassifier(), 17, ('tokens',), ('probs',)),
        ('rnn_tagger', RNNTagger(), 9, ('tokens',), ('tags',)),
        ('seq2seq_step', Seq2SeqStep(), 14, ('src', 'prev'), ('logprobs', 'attention', 'hidden')),
    ]
    for name, model, opset, ins, outs in models:
        model.eval()
        args = (tokens,) if len(ins) == 1 else (tokens, prev)
        trace = (trace_tokens,) if len(ins) == 1 else (trace_tokens, prev[:2])
        dyn = {'tokens': {0: 'B', 1: 'T'}, 'src': {0: 'B', 1: 'S'}, 'prev': {0: 'B'}}
        torch.onnx.export(model, trace, f'{out_dir}/{name}.onnx', input_names=list(ins), output_names=list(outs),
                          dynamic_axes={k: v for k, v in dyn.items() if k in ins}, opset_version=opset)
        torch.save(model.state_dict(), f'{out_dir}/{name}.pt')
        write_safetensors(f'{out_dir}/{name}.safetensors', model.state_dict())
        with torch.no_grad():
            y = model(*args)
        y = y if isinstance(y, tuple) else (y,)
        result[name] = {
            'opset': opset,
            'inputs': {k: {'shape': list(a.shape), 'data': a.reshape(-1).tolist()} for k, a in zip(ins, args)},
            'outputs': {k: tensor(t) for k, t in zip(outs, y)},
            'state_dict': sorted(model.state_dict().keys()),
        }
    # one SGD step of the LSTM classifier (NLLLoss on its log-probabilities), from the exported weights:
    # the imported graph must train as the PyTorch model does
    model = models[0][1]
    model.train()
    targets = torch.tensor([0, 2, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    opt.zero_grad()
    loss = nn.functional.nll_loss(model(tokens), targets)
    loss.backward()
    opt.step()
    model.eval()
    with torch.no_grad():
        after = model(tokens)
    result['lstm_classifier_sgd'] = {
        'targets': targets.tolist(), 'lr': 0.5, 'loss': loss.item(),
        'weights': {k: tensor(v) for k, v in model.state_dict().items()},
        'outputs_after': tensor(after),
    }
    # views that are not contiguous (a transpose, a slice at an offset), other dtypes, a checkpoint around a state_dict
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 7
    views = {'transposed': base.t(), 'sliced': base[1:3, 2:5], 'half': (base[0] * 3).half(), 'double': base[1].double(), 'steps': torch.arange(5)}
    torch.save({'epoch': 3, 'model_state_dict': views}, f'{out_dir}/views.pt')
    result['views'] = {k: tensor(v.float()) for k, v in views.items()}
    # the other exporters' styles, built with the onnx helper API (one Python process for both)
    import import_helper_models as other
    result['keras_gru'] = other.keras_gru(out_dir)
    result['keras_lstm'] = other.keras_lstm(out_dir)
    result['dynamo_lstm'] = other.dynamo_lstm(out_dir)
    print(json.dumps(result))


if __name__ == '__main__':
    main()
