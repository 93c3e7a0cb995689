// Python for train.py: batches in seqgraph's order (src/data/batches.ts batchOrder with
// src/data/split.ts permutation/epochSeed and src/compiler/rng.ts mulberry32), stacked as
// makeBatch stacks them, from the prepared examples the export wrote (data/*.jsonl). With one
// process, train.py sees exactly the batches seqgraph's trainer sees; under torchrun each process
// takes its share of them through a DistributedSampler.

export const BATCHING = `
M32 = 0xFFFFFFFF


def imul(a, b):
    """JavaScript's Math.imul: the low 32 bits of a product"""
    return (a * b) & M32


class SeqgraphRandom:
    """seqgraph's seeded generator (mulberry32), so batches come in the order seqgraph's
    trainer uses for the same seed."""

    def __init__(self, seed):
        self.state = (seed & M32) or 0x9E3779B9

    def next(self):
        """uniform in [0, 1)"""
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return (t ^ (t >> 14)) / 4294967296


def permutation(n, seed):
    """Fisher-Yates over range(n) with seqgraph's generator"""
    rng, p = SeqgraphRandom(seed), list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rng.next() * (i + 1))
        p[i], p[j] = p[j], p[i]
    return p


def epoch_seed(seed, epoch):
    """the seed of one epoch's order: different every epoch, the same for the same (seed, epoch)"""
    return (imul(seed ^ 0x5BD1E995, 0x9E3779B1) + imul(epoch + 1, 0x85EBCA6B)) & M32


def batch_order(examples, info, batch_size, shuffle, seed, epoch):
    """Indices of examples, grouped into batches as seqgraph groups them: each epoch shuffles the
    rows, sorts pools of bucket_pool batches' worth by length (little padding), cuts them into
    batches and shuffles the batches. An input without padding takes rows of one length only."""
    n = len(examples)
    s = epoch_seed(seed, epoch)
    order = permutation(n, s) if shuffle else list(range(n))
    length = lambda i: examples[i]["length"]
    batches = []
    if any(f["kind"] == "tokens" and f["pad"] is None for f in info["feeds"].values()):
        groups = {}
        for i in order:
            groups.setdefault(length(i), []).append(i)
        for k in sorted(groups):
            batches += [groups[k][a:a + batch_size] for a in range(0, len(groups[k]), batch_size)]
    else:
        pool = batch_size * info["bucket_pool"] if shuffle else n
        for p in range(0, n, pool):
            part = sorted(order[p:p + pool], key=length)
            batches += [part[a:a + batch_size] for a in range(0, len(part), batch_size)]
    if shuffle:
        batches = [batches[i] for i in permutation(len(batches), s ^ 0x2545F491)]
    return batches


def collate(examples, info):
    """Prepared examples -> (feeds by input name, targets by output name), as seqgraph's
    makeBatch stacks them: token rows padded at the end, per-step targets with ignore_index."""
    B = len(examples)
    feeds, steps = {}, {}
    for name, f in info["feeds"].items():
        rows = [e["feeds"].get(name) for e in examples]
        if f["kind"] == "tokens":
            T = max(1, max(len(r) for r in rows))
            steps[name] = T
            pad = f["pad"] if f["pad"] is not None else 0
            feeds[name] = torch.tensor([r + [pad] * (T - len(r)) for r in rows], dtype=torch.long)
        elif f["kind"] == "zeros":
            feeds[name] = torch.zeros([B if d == "B" else d for d in f["shape"]])
        elif f["kind"] == "float" and f["sequence"]:
            feeds[name] = torch.tensor(rows, dtype=torch.float32).reshape(B, -1, f["features"])
        else:
            feeds[name] = torch.tensor(rows, dtype=torch.float32).reshape(B, -1)
    targets = {}
    for name, t in info["targets"].items():
        rows = [e["targets"][name] for e in examples]
        if t["kind"] == "class":
            targets[name] = torch.tensor([r[0] for r in rows], dtype=torch.long)
        elif t["kind"] == "float":
            shape = (B, -1, t["features"]) if t["per_step"] else (B, t["features"])
            targets[name] = torch.tensor(rows, dtype=torch.float32).reshape(shape)
        else:
            y = torch.full((B, steps[t["along"]]), info["ignore_index"], dtype=torch.long)
            for b, r in enumerate(rows):
                y[b, :len(r)] = torch.tensor(r, dtype=torch.long)
            targets[name] = y
    return feeds, targets


class Batches(torch.utils.data.Dataset):
    """One epoch's batches (lists of example indices) as a data set of whole batches."""

    def __init__(self, examples, batches, info):
        self.examples, self.batches, self.info = examples, batches, info

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, i):
        return collate([self.examples[j] for j in self.batches[i]], self.info)


def read_examples(path):
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
`;
