// Python: weights files (safetensors, read and written here when the safetensors package is
// missing, as on Debian; torch.save .pt), the vocabularies, seqgraph's feeds/outputs JSON, and
// model.py's command line. Every model.py ends with these.

export const WEIGHTS_IO = `
SAFETENSORS_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16,
                      "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    """The tensors of a .safetensors file by name. Uses the safetensors package when it is
    installed; otherwise reads the format here: an 8-byte little-endian header length, a JSON
    header {name: {dtype, shape, data_offsets}}, then the raw little-endian data."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        pass
    else:
        return load_file(str(path))
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = SAFETENSORS_DTYPES[info["dtype"]]
        if begin == end:
            tensors[name] = torch.zeros(info["shape"], dtype=dtype)
        else:
            flat = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype)
            tensors[name] = flat.reshape(info["shape"])
    return tensors


def write_safetensors(tensors, path, metadata=None):
    """Write float32 tensors as a .safetensors file (the safetensors package when installed)."""
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in tensors.items()}
    try:
        from safetensors.torch import save_file
    except ImportError:
        pass
    else:
        save_file(tensors, str(path), metadata=metadata)
        return
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        raw = tensor_bytes(t)
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def tensor_bytes(t):
    """a contiguous CPU tensor's raw little-endian bytes"""
    try:
        return t.numpy().tobytes()
    except (ImportError, RuntimeError):  # PyTorch without numpy
        return bytes(t.reshape(-1).view(torch.uint8).tolist())


def load_weights(model, path):
    """Load a weights file (.safetensors, or a torch.save'd .pt state_dict) into the model.
    The names are the graph's: "<node name>.<weight name>", as model.state_dict() names them."""
    path = str(path)
    if path.endswith(".safetensors"):
        state = read_safetensors(path)
    else:
        state = torch.load(path, map_location="cpu")
        state = state.get("model", state) if isinstance(state, dict) else state
    model.load_state_dict(state)
    return model


def save_weights(model, path):
    """Write the model's weights as .safetensors (or .pt) with the graph's names."""
    state = {k: v for k, v in model.state_dict().items()}
    if str(path).endswith(".safetensors"):
        write_safetensors(state, path, metadata={"format": "pt", "producer": "seqgraph-export"})
    else:
        torch.save(state, path)
`;

export const FEEDS_IO = `
def tensor_from_json(t):
    """seqgraph's feeds format {"dtype", "shape", "data"} -> a tensor"""
    dtype = torch.long if t["dtype"] == "int64" else torch.float32
    return torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])


def tensor_to_json(t):
    t = t.detach().cpu()
    return {"dtype": "int64" if t.dtype == torch.long else "float32", "shape": list(t.shape),
            "data": t.reshape(-1).tolist()}


def load_vocab(path=HERE / "vocab.json"):
    """The vocabularies and labels:
    {"inputs": {name: tokeniser settings}, "outputs": {name: labels}, "decoders": {...}}"""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def encode_texts(texts, spec):
    """Texts -> token ids [B, T] as seqgraph tokenises them for an input (spec: its entry
    in vocab.json): characters or words, unknown symbols as unk, <s> and </s> added as the
    input says, rows padded at the end."""
    index = {s: i for i, s in enumerate(spec["vocab"])}
    rows = []
    for text in texts:
        text = text.lower() if spec["lowercase"] else text
        symbols = text.split() if spec["tokenizer"] == "words" else list(text)
        ids = []
        for s in symbols:
            if s not in index and spec.get("unk") is None:
                raise ValueError(f"{s!r} is not in the vocabulary, which has no unk symbol")
            ids.append(index.get(s, spec.get("unk")))
        if spec["add_bos"] and spec.get("bos") is not None:
            ids.insert(0, spec["bos"])
        if spec["add_eos"] and spec.get("eos") is not None:
            ids.append(spec["eos"])
        rows.append(ids)
    width = max(len(r) for r in rows)
    pad = spec.get("pad")
    if pad is None and any(len(r) != width for r in rows):
        raise ValueError("the input has no padding, so every text needs the same number of tokens")
    return torch.tensor([r + [pad] * (width - len(r)) for r in rows], dtype=torch.long)
`;

export function modelMain(cls: string): string {
  return `
def main(argv=None):
    """python model.py [feeds.json] [-o outputs.json] [--weights weights.safetensors]

    Runs the model as \`seqgraph run\` does: on feeds in seqgraph's JSON format (default: the
    graph's first sample, from samples.json) and prints the outputs in the same format.
    """
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("feeds", nargs="?", help="feeds JSON (default: the first sample)")
    parser.add_argument("-o", "--output", help="write the outputs here instead of stdout")
    parser.add_argument("--weights", default=str(HERE / "weights.safetensors"))
    args = parser.parse_args(argv)
    if args.feeds:
        with open(args.feeds, encoding="utf-8") as f:
            feeds = json.load(f)
    else:
        with open(HERE / "samples.json", encoding="utf-8") as f:
            feeds = json.load(f)[0]["feeds"]
    model = load_weights(${cls}(), args.weights).eval()
    with torch.no_grad():
        outputs = model(*[tensor_from_json(feeds[name]) for name in INPUTS])
    text = json.dumps({name: tensor_to_json(t) for name, t in outputs.items()})
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text + "\\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
`;
}
