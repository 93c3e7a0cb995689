// Python helpers for padded sequences, as seqgraph's sequence ops compute them (runtime/kernels/
// sequence.ts): a token batch is padded at the end, each row's length travels along, and padded
// steps read 0. model.py includes the ones its graph uses (see lib/index.ts).

export const TOKEN_LENGTHS = `
def token_lengths(tokens, pad, name):
    """Real tokens per row of a batch padded at the end with \`pad\` -> lengths [B].

    Refuses what seqgraph refuses: padding before a real token, and a row of only padding.
    """
    real = tokens != pad
    lengths = real.sum(dim=1)
    if not torch.equal(real, step_mask(lengths, tokens.shape[1])):
        raise ValueError(f"input {name!r}: padding (id {pad}) must be only at the end of a row")
    if bool((lengths == 0).any()):
        raise ValueError(f"input {name!r}: a row is all padding (id {pad}); give every row a token")
    return lengths
`;

export const STEP_MASK = `
def step_mask(lengths, steps):
    """[B, steps] bool: True at the real steps t < lengths[b] of each row."""
    return torch.arange(steps, device=lengths.device)[None, :] < lengths[:, None]
`;

export const MASK_STEPS = `
def mask_steps(x, lengths):
    """x [B, T, ...] with the padded steps (t >= lengths[b]) set to 0."""
    mask = step_mask(lengths, x.shape[1]).view(*x.shape[:2], *[1] * (x.dim() - 2))
    return x.masked_fill(~mask, 0.0)
`;

export const LAST_STEP = `
def last_step(x, lengths):
    """x [B, T, D] -> the last real step of each row [B, D]."""
    return x[torch.arange(x.shape[0], device=x.device), lengths - 1]
`;

export const MEAN_OVER_STEPS = `
def mean_over_steps(x, lengths):
    """x [B, T, D] -> the mean over each row's real steps [B, D]."""
    mask = step_mask(lengths, x.shape[1])[:, :, None]
    return x.masked_fill(~mask, 0.0).sum(dim=1) / lengths[:, None].to(x.dtype)
`;

export const MAX_OVER_STEPS = `
def max_over_steps(x, lengths):
    """x [B, T, D] -> the max over each row's real steps [B, D]."""
    mask = step_mask(lengths, x.shape[1])[:, :, None]
    return x.masked_fill(~mask, -math.inf).amax(dim=1)
`;

export const MERGE_DIRECTIONS = `
def merge_directions(x, mode):
    """A bidirectional result [..., 2H] -> [..., H]: the forward and reverse halves summed,
    multiplied or averaged (Keras' Bidirectional merge_mode)."""
    forward, reverse = x.chunk(2, dim=-1)
    if mode == "sum":
        return forward + reverse
    if mode == "mul":
        return forward * reverse
    return 0.5 * (forward + reverse)
`;

export const STATE_TO_VECTOR = `
def state_to_vector(h):
    """A state [R, B, H] -> its R rows side by side [B, R*H]
    (a bidirectional layer: [h_fwd; h_bwd])."""
    return h.transpose(0, 1).reshape(h.shape[1], -1)
`;

export const HARD_SIGMOID = `
def hard_sigmoid(x):
    """max(0, min(1, 0.2x + 0.5)): the hard sigmoid of Keras and ONNX.

    (torch's F.hardsigmoid is another function: x/6 + 1/2.)
    """
    return torch.clamp(0.2 * x + 0.5, min=0.0, max=1.0)
`;

export const RUN_RNN = `
def run_rnn(rnn, x, lengths=None, state=None):
    """A batch-first nn.RNN / nn.LSTM / nn.GRU over x [B, T, I].

    With lengths, the rows run as packed sequences: padded steps leave the state alone and
    read 0 in the output, and the reverse direction starts at each row's last real step.
    """
    if lengths is None:
        return rnn(x, state)
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, state = rnn(packed, state)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, state
`;
