"""Runs exported PyTorch packages (seqgraph export --format pytorch) on their samples.

argv: export folders. Each holds model.py, weights.safetensors (or weights.pt), samples.json
and expected.json (seqgraph run's outputs for every sample, written by the test). Imports each
model.py as a fresh module, loads the weights with load_state_dict (strict), runs every sample
and prints JSON: per folder, per sample and output, the shape PyTorch gave and the largest
absolute difference from seqgraph's numbers (integer outputs: the count of differing ids).
`python model.py` (its main(), on the first sample) is checked the same way.
"""
import importlib.util
import json
import sys
import traceback
from pathlib import Path

import torch

torch.set_num_threads(1)


def load_module(folder, index):
    spec = importlib.util.spec_from_file_location(f"exported_model_{index}", Path(folder) / "model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    report = {}
    for index, folder in enumerate(sys.argv[1:]):
        try:
            report[folder] = check(Path(folder), index)
        except Exception:  # a broken package is that graph's failure, not the whole report's
            report[folder] = [{"error": traceback.format_exc()}]
    print(json.dumps(report))


def check(folder, index):
    """one package: a row per sample and output"""
    mod = load_module(folder, index)
    cls = getattr(mod, json.loads((folder / "class.json").read_text())["class"])
    weights = folder / "weights.safetensors"
    if not weights.exists():
        weights = folder / "weights.pt"
    model = mod.load_weights(cls(), weights).eval()
    samples = json.loads((folder / "samples.json").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    rows = []
    for sample, want in zip(samples, expected):
        with torch.no_grad():
            got = model(*[mod.tensor_from_json(sample["feeds"][n]) for n in mod.INPUTS])
        rows += [compare(sample["name"], name, got.get(name), w) for name, w in want.items()]
    # python model.py: the first sample, written as seqgraph run writes it
    printed = folder / "printed.json"
    mod.main(["-o", str(printed), "--weights", str(weights)])
    got = json.loads(printed.read_text())
    for name, w in expected[0].items() if expected else []:
        t = mod.tensor_from_json(got[name]) if name in got else None
        rows.append(compare("python model.py", name, t, w))
    return rows


# one part in a million: ~8 float32 ulps. A log-probability of -21.7 (a very unlikely token of a
# trained model) holds only ~7 digits, and two correct float32 computations that sum in another
# order differ there by a few ulps (1.1e-5 measured): over an absolute 1e-5, inside this.
RTOL = 1e-6


def compare(sample, name, t, w):
    row = {"sample": sample, "output": name, "shape": None if t is None else list(t.shape),
           "want_shape": w["shape"]}
    if t is not None and list(t.shape) == w["shape"]:
        ref = torch.tensor(w["data"], dtype=torch.float64).reshape(w["shape"])
        diff = (t.double() - ref).abs()
        row["max_abs"] = float(diff.max()) if diff.numel() else 0.0
        # what is left of each difference after float32's share of the value itself (RTOL·|ref|):
        # the test holds this to its absolute 1e-5 (numpy's allclose form)
        row["max_beyond_rel"] = float((diff - RTOL * ref.abs()).max()) if diff.numel() else 0.0
        row["dtype"] = "int64" if t.dtype == torch.long else "float32"
    return row


if __name__ == "__main__":
    main()
