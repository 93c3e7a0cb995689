// Python: seqgraph's Decoder node as an nn.Module (the maths of runtime/kernels/decoder.ts and
// beam.ts). One class serves every Decoder of a graph; only the branches the graph's decoders
// use are written (a GRU decoder without attention gets no Luong or beam-search code).
// Parameter names are the node's: embedding, rnn (an nn.RNN/LSTM/GRU), attn, attn_combine,
// concat, out, bridge.

export interface DecoderFeatures {
  lstm: boolean;
  /** score-rule attention attending before the cell (Bahdanau) / after it (Luong) */
  bahdanau: boolean;
  luong: boolean;
  /** the tutorial's concat attention */
  concat: boolean;
  beam: boolean;
  /** a target can be fed (forced decoding, teacher forcing in training) */
  forced: boolean;
  bridge: boolean;
}

const when = (cond: boolean, text: string): string => (cond ? text : '');

export function decoderClass(f: DecoderFeatures): string {
  const rules = f.bahdanau || f.luong;
  // beam search replays its winners as forced decoding
  const forcing = f.forced || f.beam;
  const attends = rules || f.concat;
  return `
Decoded = namedtuple("Decoded", "tokens logprobs attention lengths score")


class Decoder(nn.Module):
    """seqgraph's Decoder: writes a token sequence, one token per step.

    Each step embeds the previous token (<s> first),${attends ? ' attends over the memory (the encoder\'s output),' : ''}
    steps the stacked cell and scores the vocabulary: logp = log_softmax(out(feat)).${rules ? `
    Bahdanau attends before the cell with the previous top h and reads feat = [h; context];
    Luong attends after it with the new h and reads feat = tanh(concat([context; h]))
    ([h; context] with concat_order "h_context").` : ''}${f.concat ? `
    "concat" is the PyTorch tutorial's AttnDecoderRNN: softmax(attn([embedded; h])) over
    max_source_len positions, cell input relu(attn_combine([embedded; context])).` : ''}
    Greedy decoding takes the most likely token (lowest id on ties)${f.beam ? ', beam search keeps\n    beam_width hypotheses' : ''}; <pad> and <s> are
    never written. A row ends at eos (kept as a real token) or max_len; later steps read fill.${f.forced ? `
    With a target the decoder is forced along it (teacher forcing; in training, with
    teacher_forcing_ratio < 1, a step feeds the model's own choice instead with 1 - ratio).` : ''}
    """

    def __init__(self, cell, vocab_size, embedding_dim, hidden_size, num_layers,
                 cell_input_size, out_features, bos, eos, pad, max_len, attn=None, style=None,
                 concat_order="context_h", memory_size=0, max_source_len=0, bridge_size=0,
                 strategy="greedy", beam_width=1, length_penalty=1.0, early_stopping=False):
        super().__init__()
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.style, self.concat_order = style, concat_order
        self.bos, self.eos, self.max_len = bos, eos, max_len
        self.fill = pad if pad >= 0 else eos if eos >= 0 else 0  # what a row reads after its end
        self.strategy, self.beam_width = strategy, beam_width
        self.length_penalty, self.early_stopping = length_penalty, early_stopping
        self.teacher_forcing_ratio = 1.0
        self.embedding = nn.Embedding(vocab_size, embedding_dim,
                                      padding_idx=pad if pad >= 0 else None)
        rnn = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[cell]
        self.rnn = rnn(cell_input_size, hidden_size, num_layers)
        self.attn = attn${when(f.concat, `
        if style == "concat":
            self.attn = nn.Linear(embedding_dim + hidden_size, max_source_len)
            self.attn_combine = nn.Linear(embedding_dim + memory_size, hidden_size)`)}${when(f.luong, `
        if style == "luong":
            self.concat = nn.Linear(memory_size + hidden_size, hidden_size)`)}
        self.out = nn.Linear(out_features, vocab_size)${when(f.bridge, `
        if bridge_size:
            self.bridge = nn.Linear(bridge_size, num_layers * hidden_size)`)}
        # never written: <pad>, and <s> unless it is also eos
        banned = torch.zeros(vocab_size, dtype=torch.bool)
        if pad >= 0:
            banned[pad] = True
        if bos != eos:
            banned[bos] = True
        self.register_buffer("banned", banned, persistent=False)

    def forward(self, batch_size, memory=None, memory_lengths=None, state=None, target=None,
                target_lengths=None):
        """Decodes batch_size rows -> Decoded(tokens [B, M], logprobs [B, M, V],
        attention [B, M, S], lengths [B] (steps per row, eos included), score [B, 1])

        memory: the encoder's output [B, S, Dm]. state: the initial state, a State
        [num_layers, B, H] (h, or (h, c)) used as it is, or a vector [B, D]${f.bridge ? ' (bridged to\n        every layer\'s h0 when D is not hidden_size)' : ',\n        every layer\'s h0'}; none: zeros.
        """
        like = memory if memory is not None else self.out.weight
        h, c = self.initial_state(state, batch_size, like)
        keys = ${rules ? 'self.attn.project_keys(memory) if self.style in ("bahdanau", "luong") else None' : 'None'}${f.forced ? `
        if target is not None:
            return self.decode(h, c, memory, keys, memory_lengths, target, target_lengths)` : ''}${f.beam ? `
        if self.strategy == "beam":
            return self.beam_search(h, c, memory, keys, memory_lengths)` : ''}
        return self.decode(h, c, memory, keys, memory_lengths)

    def initial_state(self, state, batch_size, like):
        """h0, c0 [num_layers, B, H]"""
        zeros = like.new_zeros(self.num_layers, batch_size, self.hidden_size)
        if state is None:
            return zeros, zeros
        if isinstance(state, tuple):
            return state[0], state[1] if state[1] is not None else zeros
        if state.dim() == 3:
            return state, zeros${when(f.bridge, `
        if hasattr(self, "bridge"):
            # tanh(bridge(x)) split into every layer's h0
            h = torch.tanh(self.bridge(state)).view(batch_size, self.num_layers, self.hidden_size)
            return h.transpose(0, 1).contiguous(), zeros`)}
        return state[None].expand(self.num_layers, -1, -1).contiguous(), zeros

    def step(self, prev, h, c, memory, keys, memory_lengths):
        """One step for n rows: previous tokens [n], state [L, n, H]
        -> log-probabilities [n, V], the new state, attention weights [n, S] (or None)"""
        x = self.embedding(prev)
        weights = None${when(f.bahdanau, `
        if self.style == "bahdanau":  # attend with the previous top h; the context feeds the cell
            context, weights = self.attn.attend(h[-1], keys, memory, memory_lengths)
            x = torch.cat([x, context], dim=1)`)}${when(f.concat, `
        if self.style == "concat":
            weights = masked_softmax(self.attn(torch.cat([x, h[-1]], dim=1)), memory_lengths)
            context = (weights[:, None, : memory.shape[1]] @ memory)[:, 0]
            x = torch.relu(self.attn_combine(torch.cat([x, context], dim=1)))`)}
${f.lstm ? `        if self.cell == "LSTM":
            out, (h, c) = self.rnn(x[None], (h, c))
        else:
            out, h = self.rnn(x[None], h)` : `        out, h = self.rnn(x[None], h)`}
        top = out[0]
        feat = top${when(f.luong, `
        if self.style == "luong":  # attend with the new top h
            context, weights = self.attn.attend(top, keys, memory, memory_lengths)
            parts = [top, context] if self.concat_order == "h_context" else [context, top]
            feat = torch.tanh(self.concat(torch.cat(parts, dim=1)))`)}${when(f.bahdanau, `
        if self.style == "bahdanau":
            feat = torch.cat([top, context], dim=1)`)}
        return torch.log_softmax(self.out(feat), dim=-1), h, c, weights

    def decode(self, h, c, memory, keys, memory_lengths, target=None, target_lengths=None):
        """Greedy decoding${forcing ? ',\n        or forced decoding along target [B, T] (its first target_lengths[b] tokens)' : ''}."""
        B = h.shape[1]
        device = h.device
        forced = target is not None
        steps = target.shape[1] if forced else self.max_len
        if forced and target_lengths is None:
            target_lengths = torch.full((B,), steps, dtype=torch.long, device=device)
        prev = torch.full((B,), self.bos, dtype=torch.long, device=device)
        done = target_lengths == 0 if forced else torch.zeros(B, dtype=torch.bool, device=device)
        lengths = torch.zeros(B, dtype=torch.long, device=device)
        score = torch.zeros(B, dtype=torch.float64, device=device)
        tokens, logprobs, attention = [], [], []
        for t in range(steps):
            if bool(done.all()):
                break
            logp, h, c, weights = self.step(prev, h, c, memory, keys, memory_lengths)
            choice = logp.masked_fill(self.banned, -math.inf).argmax(dim=1)
            y = choice${forcing ? `
            if forced:
                y = target[:, t]` : ''}${f.forced ? `
                if self.training and self.teacher_forcing_ratio < 1:
                    feed = torch.rand(B, device=device) < self.teacher_forcing_ratio
                    y = torch.where(feed, y, choice)` : ''}
            live = ~done
            tokens.append(torch.where(live, y, torch.full_like(y, self.fill)))
            logprobs.append(logp.masked_fill(done[:, None], 0.0))
            if weights is not None:
                attention.append(weights.masked_fill(done[:, None], 0.0))
            picked = logp.gather(1, y[:, None])[:, 0].double()
            score = score + torch.where(live, picked, torch.zeros_like(picked))
            lengths = torch.where(live, torch.full_like(lengths, t + 1), lengths)
            done = done | (t + 1 >= target_lengths if forced else y == self.eos)
            prev = y
        if not tokens:  # every target empty: one step of fill
            tokens.append(torch.full((B,), self.fill, dtype=torch.long, device=device))
            logprobs.append(h.new_zeros(B, self.out.out_features))
        tokens, logprobs = torch.stack(tokens, dim=1), torch.stack(logprobs, dim=1)
        if attention:
            attention = torch.stack(attention, dim=1)
        else:
            attention = h.new_zeros(B, tokens.shape[1], 0)
        return Decoded(tokens, logprobs, attention, lengths, score.float()[:, None])
${f.beam ? beamSearch() : ''}`;
}

function beamSearch(): string {
  return `
    def beam_search(self, h, c, memory, keys, memory_lengths):
        """Beam search: each batch row keeps K = beam_width hypotheses, all stepped together.

        At every step the top 2K continuations of a row (by total log-probability; ties to the
        lower hypothesis, then the lower token id) are read in order: one ending in eos finishes if
        it ranks among the top K, with score / len**length_penalty (len counts its tokens, eos
        included); the first K others live on. A row stops once no live hypothesis can beat its
        best finished one (log-probabilities are <= 0, so a live total s can end at best with
        s / max_len**length_penalty) or, with early_stopping, at K finished; at max_len the live
        ones finish. The best finished hypothesis of each row is then replayed as forced
        decoding, which gives its log-probabilities, attention and score.
        """
        K, B = self.beam_width, h.shape[1]
        V = self.out.out_features
        alpha = self.length_penalty
        h0, c0 = h, c
        h, c = h.repeat_interleave(K, dim=1), c.repeat_interleave(K, dim=1)
        rows = lambda x: None if x is None else x.repeat_interleave(K, dim=0)
        memory_k, keys_k, lengths_k = rows(memory), rows(keys), rows(memory_lengths)
        total = torch.full((B, K), -math.inf, dtype=torch.float64, device=h.device)
        total[:, 0] = 0.0  # one live hypothesis per row to start with
        prev = torch.full((B * K,), self.bos, dtype=torch.long, device=h.device)
        history = [[[] for _ in range(K)] for _ in range(B)]  # tokens of each live hypothesis
        best = [None] * B  # (normalised score, tokens) of each row's best finished hypothesis
        finished = [0] * B
        row_done = [False] * B
        for t in range(self.max_len):
            if all(row_done):
                break
            logp, h, c, _ = self.step(prev, h, c, memory_k, keys_k, lengths_k)
            totals = total[:, :, None] + logp.double().view(B, K, V)
            totals = totals.masked_fill(self.banned, -math.inf)
            parent = torch.arange(B * K, device=h.device)
            last = t == self.max_len - 1
            for b in range(B):
                if row_done[b]:
                    continue
                ranked, order = torch.sort(totals[b].flatten(), descending=True, stable=True)
                live = []  # (total, hypothesis it extends, token)
                for r in range(min(2 * K, int((ranked > -math.inf).sum()))):
                    k, v = divmod(int(order[r]), V)
                    s = float(ranked[r])
                    if v == self.eos:
                        if r < K:  # ranked below K it lost to K better ones
                            finished[b] += 1
                            self.keep_best(best, b, s / (t + 1) ** alpha, history[b][k] + [v])
                    elif len(live) < K:
                        live.append((s, k, v))
                if last:
                    for s, k, v in live:
                        self.keep_best(best, b, s / (t + 1) ** alpha, history[b][k] + [v])
                if self.early_stopping:
                    settled = finished[b] >= K
                else:  # the first live hypothesis has the highest total and the highest bound
                    bound = lambda s: s / self.max_len ** alpha if alpha > 0 else s
                    settled = best[b] is not None and (not live or best[b][0] >= bound(live[0][0]))
                if last or not live or settled:
                    row_done[b] = True
                    live = []
                history[b] = [history[b][k] + [v] for _, k, v in live]
                total[b] = -math.inf
                for slot, (s, k, v) in enumerate(live):
                    total[b, slot] = s
                    parent[b * K + slot] = b * K + k
                    prev[b * K + slot] = v
            h, c = h[:, parent], c[:, parent]  # every survivor takes its parent's state
        winners = [tokens for _, tokens in best]
        T = max(len(w) for w in winners)
        target = torch.full((B, T), self.fill, dtype=torch.long, device=h.device)
        for b, w in enumerate(winners):
            target[b, : len(w)] = torch.tensor(w, dtype=torch.long)
        lengths = torch.tensor([len(w) for w in winners], dtype=torch.long, device=h.device)
        return self.decode(h0, c0, memory, keys, memory_lengths, target, lengths)

    @staticmethod
    def keep_best(best, b, score, tokens):
        if best[b] is None or score > best[b][0]:
            best[b] = (score, tokens)
`;
}
