// Python: attention as seqgraph computes it (runtime/kernels/attention.ts). Keys at or past a
// row's length get weight exactly 0 (a row with no key: all 0, where a plain softmax gives NaN);
// padded query steps get weights and context 0. Parameter names are the graph's (W; W_query,
// W_key, v; attn.*, combine.*; nn.MultiheadAttention's own), so state_dicts load unchanged.

export const MASKED_SOFTMAX = `
def masked_softmax(scores, lengths=None):
    """softmax over the last axis, over the first lengths[b] positions of each row only; the
    other positions get weight 0 (a row with none: all 0)."""
    if lengths is None:
        return torch.softmax(scores, dim=-1)
    valid = step_mask(lengths, scores.shape[-1])
    valid = valid.view(valid.shape[0], *[1] * (scores.dim() - 2), valid.shape[1])
    weights = torch.softmax(scores.masked_fill(~valid, -math.inf), dim=-1)
    return weights.masked_fill(~valid, 0.0)
`;

export const SCORE_ATTENTION = `
class ScoreAttention(nn.Module):
    """Attention by a score rule: weights = softmax_s(score(q, k_s)) over the real keys,
    context = sum_s weights_s * v_s. Subclasses give the rule; keys are projected once per
    call (project_keys), then every query is scored against them (score)."""

    def forward(self, query, keys, values, key_lengths=None, query_lengths=None):
        """query [B, Dq] or [B, T, Dq], keys [B, S, Dk], values [B, S, Dv]
        -> context [B, (T,) Dv], weights [B, (T,) S]"""
        return self.attend(query, self.project_keys(keys), values, key_lengths, query_lengths)

    def attend(self, query, keys, values, key_lengths=None, query_lengths=None):
        """as forward, with keys already projected"""
        vector = query.dim() == 2
        q = query[:, None] if vector else query
        weights = masked_softmax(self.score(q, keys), key_lengths)
        if query_lengths is not None:
            weights = weights * step_mask(query_lengths, q.shape[1])[:, :, None]
        context = weights @ values
        return (context[:, 0], weights[:, 0]) if vector else (context, weights)

    def project_keys(self, keys):
        return keys
`;

export const DOT_ATTENTION = `
class DotAttention(ScoreAttention):
    """score(q, k) = q . k  (scaled: q . k / sqrt(Dk))"""

    def __init__(self, scaled=False):
        super().__init__()
        self.scaled = scaled

    def score(self, query, keys):
        scores = query @ keys.transpose(1, 2)
        return scores / math.sqrt(keys.shape[-1]) if self.scaled else scores
`;

export const GENERAL_ATTENTION = `
class GeneralAttention(ScoreAttention):
    """score(q, k) = q^T W k  (Luong's "general"), W [Dq, Dk]"""

    def __init__(self, query_size, key_size):
        super().__init__()
        self.W = nn.Parameter(torch.empty(query_size, key_size))
        nn.init.uniform_(self.W, -1 / math.sqrt(key_size), 1 / math.sqrt(key_size))

    def project_keys(self, keys):
        return keys @ self.W.t()  # W k for every key

    def score(self, query, keys):
        return query @ keys.transpose(1, 2)
`;

export const ADDITIVE_ATTENTION = `
class AdditiveAttention(ScoreAttention):
    """score(q, k) = v^T tanh(W_query q + W_key k)  (Bahdanau)
    W_query [A, Dq], W_key [A, Dk], v [A]"""

    def __init__(self, query_size, key_size, attention_size):
        super().__init__()
        self.W_query = nn.Parameter(torch.empty(attention_size, query_size))
        self.W_key = nn.Parameter(torch.empty(attention_size, key_size))
        self.v = nn.Parameter(torch.empty(attention_size))
        fan_ins = [(self.W_query, query_size), (self.W_key, key_size), (self.v, attention_size)]
        for p, fan_in in fan_ins:
            nn.init.uniform_(p, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def project_keys(self, keys):
        return keys @ self.W_key.t()  # W_key k for every key

    def score(self, query, keys):
        q = query @ self.W_query.t()
        return torch.tanh(q[:, :, None, :] + keys[:, None, :, :]) @ self.v
`;

export const CONCAT_ATTENTION = `
class ConcatAttention(nn.Module):
    """The PyTorch seq2seq tutorial's attention (AttnDecoderRNN):
    weights = softmax(attn([query; hidden])) over max_length positions,
    context = weights . values (positions past the values count as zero vectors),
    combined = combine([query; context])."""

    def __init__(self, query_size, hidden_size, value_size, max_length):
        super().__init__()
        self.attn = nn.Linear(query_size + hidden_size, max_length)
        self.combine = nn.Linear(query_size + value_size, query_size)

    def forward(self, query, values, hidden=None, key_lengths=None, query_lengths=None):
        """-> context [B, (T,) Dv], weights [B, (T,) max_length], combined [B, (T,) Dq]"""
        vector = query.dim() == 2
        q = query[:, None] if vector else query
        x = q if hidden is None else torch.cat([q, hidden[:, None] if vector else hidden], dim=-1)
        # without key lengths every position counts, as in the tutorial
        weights = masked_softmax(self.attn(x), key_lengths)
        context = weights[..., : values.shape[1]] @ values
        combined = self.combine(torch.cat([q, context], dim=-1))
        if query_lengths is not None:
            mask = step_mask(query_lengths, q.shape[1])[:, :, None]
            weights, context, combined = weights * mask, context * mask, combined * mask
        if vector:
            return context[:, 0], weights[:, 0], combined[:, 0]
        return context, weights, combined
`;

export const MULTI_HEAD = `
def multi_head_attention(mha, query, keys, values, key_lengths=None, query_lengths=None):
    """nn.MultiheadAttention(batch_first=True) with a key padding mask from key_lengths
    -> output [B, T, E] and the per-head weights [B, heads, T, S]; padded query steps read 0."""
    padding = None if key_lengths is None else ~step_mask(key_lengths, keys.shape[1])
    out, weights = mha(query, keys, values, key_padding_mask=padding, need_weights=True,
                       average_attn_weights=False)
    if query_lengths is not None:
        mask = step_mask(query_lengths, query.shape[1])
        out, weights = out * mask[:, :, None], weights * mask[:, None, :, None]
    return out, weights
`;
