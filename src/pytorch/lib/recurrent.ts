// Python: recurrent layers written out step by step, for the options nn.LSTM / nn.GRU lack
// (hard_sigmoid gates, a relu candidate, GRU with linear_before_reset off or the paper's update
// gate, LSTM peepholes) and for the cell PyTorch has no module for (the minimal gated unit). They
// keep PyTorch's parameter names, shapes, gate order (LSTM i, f, g, o; GRU r, z, n; MGU f, n) and
// packed-sequence semantics, so their state_dict is the one nn.LSTM / nn.GRU would have (plus the
// peepholes' weight_peephole_l*). The cell maths is seqgraph's (runtime/kernels/cells.ts).

export const EXPLICIT_RECURRENT = `
class ExplicitRecurrent(nn.Module):
    """A stacked, optionally bidirectional recurrent layer written out step by step.

    Parameters are named and shaped as nn.LSTM / nn.GRU name them (weight_ih_l0,
    weight_hh_l0_reverse, bias_ih_l1, ...), so a state_dict moves between the two unchanged.
    Padded steps (t >= lengths[b]) leave the state alone and read 0, as packed sequences do.
    Subclasses give the number of gates, the cell and any extra per-layer weights.
    """

    gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, bidirectional=False,
                 dropout=0.0, activation=torch.tanh, recurrent_activation=torch.sigmoid,
                 extra_weights=None):
        super().__init__()
        # per layer and direction beyond nn.LSTM's: name -> size in hidden units
        self.extra_weights = extra_weights or {}
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.directions = 2 if bidirectional else 1
        self.dropout = dropout
        self.activation = activation
        self.recurrent_activation = recurrent_activation
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            size = input_size if layer == 0 else hidden_size * self.directions
            for sfx in ["", "_reverse"][: self.directions]:
                shapes = {"weight_ih": (rows, size), "weight_hh": (rows, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(rows,), bias_hh=(rows,))
                shapes.update({name: (k * hidden_size,) for name, k in self.extra_weights.items()})
                for name, shape in shapes.items():
                    p = nn.Parameter(torch.empty(shape))
                    self.register_parameter(f"{name}_l{layer}{sfx}", p)
        bound = 1 / math.sqrt(hidden_size)  # as nn.LSTM / nn.GRU initialise
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x, lengths=None, state=None):
        """x [B, T, I] -> output [B, T, D*H] and the final state [L*D, B, H] (h, or (h, c))."""
        B, T, _ = x.shape
        if lengths is None:
            lengths = torch.full((B,), T, dtype=torch.long, device=x.device)
        zeros = x.new_zeros(self.num_layers * self.directions, B, self.hidden_size)
        h0, c0 = state if isinstance(state, tuple) else (state, None)
        h0 = zeros if h0 is None else h0
        c0 = zeros if c0 is None else c0
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d, sfx in enumerate(["", "_reverse"][: self.directions]):
                i = layer * self.directions + d
                out, h, c = self.run_direction(x, lengths, h0[i], c0[i], layer, sfx, reverse=d == 1)
                outs.append(out)
                hs.append(h)
                cs.append(c)
            x = torch.cat(outs, dim=2)
            if self.dropout > 0 and layer < self.num_layers - 1:
                # between layers, as nn.LSTM(dropout=...) does
                x = F.dropout(x, self.dropout, self.training)
        return x, self.final_state(torch.stack(hs), torch.stack(cs))

    def final_state(self, h, c):
        return h

    def run_direction(self, x, lengths, h, c, layer, sfx, reverse):
        """One direction of one layer over every step -> its output [B, T, H], final h and c."""
        w_ih = getattr(self, f"weight_ih_l{layer}{sfx}")
        w_hh = getattr(self, f"weight_hh_l{layer}{sfx}")
        b_ih = getattr(self, f"bias_ih_l{layer}{sfx}", None)
        b_hh = getattr(self, f"bias_hh_l{layer}{sfx}", None)
        extra = [getattr(self, f"{name}_l{layer}{sfx}") for name in self.extra_weights]
        projected = F.linear(x, w_ih, b_ih)  # every step's input projection at once
        T = x.shape[1]
        out = [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            live = (t < lengths)[:, None]
            h_new, c_new = self.cell(projected[:, t], h, c, w_hh, b_hh, *extra)
            h = torch.where(live, h_new, h)
            c = torch.where(live, c_new, c)
            out[t] = torch.where(live, h_new, torch.zeros_like(h_new))
        return torch.stack(out, dim=1), h, c
`;

export const EXPLICIT_LSTM = `
class ExplicitLSTM(ExplicitRecurrent):
    """nn.LSTM with a choice of activation (g and the output) and recurrent_activation (i, f, o):
    i, f, o = ra(W_i* x + b_i* + W_h* h + b_h*); g = a(...); c = f*c + i*g; h = o*a(c).
    peephole=True adds weight_peephole_l<k> [3H] (i, f, o; ONNX LSTM's P): i and f also see
    p_i*c and p_f*c of the old cell state, o sees p_o*c of the new one."""

    gates = 4

    def __init__(self, *args, peephole=False, output_activation=None, input_forget=False, **kwargs):
        extra = {"weight_peephole": 3} if peephole else None  # [3H]: i, f, o
        super().__init__(*args, extra_weights=extra, **kwargs)
        # the activation of c in h = o*act(c) (ONNX's h; default: activation, as nn.LSTM)
        self.output_activation = output_activation
        # ONNX's input_forget: f = 1 - i (the f rows of the weights are unused)
        self.input_forget = input_forget

    def cell(self, x, h, c, w_hh, b_hh, peephole=None):
        i, f, g, o = (x + F.linear(h, w_hh, b_hh)).chunk(4, dim=1)
        ra = self.recurrent_activation
        if peephole is not None:
            p_i, p_f, p_o = peephole.chunk(3)
            i, f = i + p_i * c, f + p_f * c
        i = ra(i)
        f = 1 - i if self.input_forget else ra(f)
        c = f * c + i * self.activation(g)
        if peephole is not None:
            o = o + p_o * c
        return ra(o) * (self.output_activation or self.activation)(c), c

    def final_state(self, h, c):
        return h, c
`;

export const EXPLICIT_GRU = `
class ExplicitGRU(ExplicitRecurrent):
    """nn.GRU with a choice of activation (n), recurrent_activation (r, z) and where the reset
    gate applies: r, z = ra(W_i* x + b_i* + W_h* h + b_h*);
    linear_before_reset: n = a(W_in x + b_in + r*(W_hn h + b_hn))   (PyTorch, cuDNN)
    otherwise:           n = a(W_in x + b_in + W_hn (r*h) + b_hn)    (the paper, ONNX's default)
    update_gate "pytorch": h = (1 - z)*n + z*h   (nn.GRU, cuDNN, ONNX, Keras: z keeps the old state)
                "paper":   h = z*n + (1 - z)*h   (Chung et al. 2014: z lets the candidate in)"""

    gates = 3

    def __init__(self, *args, linear_before_reset=True, update_gate="pytorch", **kwargs):
        super().__init__(*args, **kwargs)
        self.linear_before_reset = linear_before_reset
        self.update_gate = update_gate

    def cell(self, x, h, c, w_hh, b_hh):
        ra = self.recurrent_activation
        x_r, x_z, x_n = x.chunk(3, dim=1)
        if self.linear_before_reset:
            h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, dim=1)
            r, z = ra(x_r + h_r), ra(x_z + h_z)
            n = self.activation(x_n + r * h_n)
        else:
            w_r, w_z, w_n = w_hh.chunk(3, dim=0)
            b_r, b_z, b_n = b_hh.chunk(3, dim=0) if b_hh is not None else (None, None, None)
            r = ra(x_r + F.linear(h, w_r, b_r))
            z = ra(x_z + F.linear(h, w_z, b_z))
            n = self.activation(x_n + F.linear(r * h, w_n, b_n))
        if self.update_gate == "paper":
            return z * n + (1 - z) * h, c
        return (1 - z) * n + z * h, c
`;

export const EXPLICIT_RNN = `
class ExplicitRNN(ExplicitRecurrent):
    """nn.RNN with any activation: h = a(W_ih x + b_ih + W_hh h + b_hh)."""

    gates = 1

    def cell(self, x, h, c, w_hh, b_hh):
        return self.activation(x + F.linear(h, w_hh, b_hh)), c
`;

/**
 * ONNX's activations with alpha/beta and its clip, as Python callables the Explicit* classes take
 * (runtime/kernels/activations.ts states the same maths).
 */
export const ONNX_ACTIVATION = `
def onnx_activation(name, alpha=None, beta=None, clip=None):
    """ONNX's RNN activation \`name\` (snake_case) with its alpha/beta (None: ONNX's default); with
    clip, its input is first clamped to [-clip, clip], as ONNX's clip does to every gate."""
    alphas = {"hard_sigmoid": 0.2, "affine": 1.0, "leaky_relu": 0.01, "thresholded_relu": 1.0,
              "scaled_tanh": 1.0, "elu": 1.0}
    betas = {"hard_sigmoid": 0.5, "affine": 0.0, "scaled_tanh": 1.0}
    a = alphas.get(name, 0.0) if alpha is None else alpha
    b = betas.get(name, 0.0) if beta is None else beta
    fns = {
        "tanh": torch.tanh,
        "relu": torch.relu,
        "sigmoid": torch.sigmoid,
        "hard_sigmoid": lambda x: torch.clamp(a * x + b, min=0.0, max=1.0),
        "affine": lambda x: a * x + b,
        "leaky_relu": lambda x: torch.where(x >= 0, x, a * x),
        "thresholded_relu": lambda x: torch.where(x > a, x, torch.zeros_like(x)),
        "scaled_tanh": lambda x: a * torch.tanh(b * x),
        "elu": lambda x: torch.where(x >= 0, x, a * (torch.exp(x) - 1)),
        "softsign": lambda x: x / (1 + torch.abs(x)),
        "softplus": F.softplus,
    }
    fn = fns[name]
    if clip is None:
        return fn
    return lambda x: fn(torch.clamp(x, -clip, clip))
`;

export const MGU = `
class MGU(ExplicitRecurrent):
    """The minimal gated unit (Zhou et al. 2016): one gate f, laid out as nn.GRU with two row
    blocks (f, n) in weight_ih_l<k> [2H, I], weight_hh_l<k> [2H, H] and the biases [2H]:
    f = ra(W_if x + b_if + W_hf h + b_hf); n = a(W_in x + b_in + W_hn (f*h) + b_hn);
    h = (1 - f)*h + f*n."""

    gates = 2

    def cell(self, x, h, c, w_hh, b_hh):
        x_f, x_n = x.chunk(2, dim=1)
        w_f, w_n = w_hh.chunk(2, dim=0)
        b_f, b_n = b_hh.chunk(2, dim=0) if b_hh is not None else (None, None)
        f = self.recurrent_activation(x_f + F.linear(h, w_f, b_f))
        n = self.activation(x_n + F.linear(f * h, w_n, b_n))
        return (1 - f) * h + f * n, c
`;
