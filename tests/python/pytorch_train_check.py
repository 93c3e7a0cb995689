"""Runs the train.py of exported PyTorch packages for a few steps, in one process.

argv: --steps N, then export folders (each with model.py, train.py, weights, data.json, data/).
Each folder's train.py is imported as its own module (its `model` import pointed at that
folder's model.py) and its main() runs on CPU with --steps N; prints JSON
{folder: {"steps": [{"step", "loss", "lr", "losses"} per optimiser step]}} read from its
--log, or {folder: {"error": traceback}} when it fails.
"""
import contextlib
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path

import torch

torch.set_num_threads(1)
os.environ["SEQGRAPH_CPU"] = "1"


def main():
    steps = int(sys.argv[2])
    report = {}
    for index, folder in enumerate(sys.argv[3:]):
        folder = Path(folder)
        sys.modules.pop("model", None)
        sys.path.insert(0, str(folder))
        try:
            spec = importlib.util.spec_from_file_location(f"exported_train_{index}", folder / "train.py")
            train = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(train)
            log = folder / "log.jsonl"
            if log.exists():
                log.unlink()
            with contextlib.redirect_stdout(sys.stderr):  # stdout carries the report
                train.main(["--data", str(folder / "data"), "--steps", str(steps), "--log", str(log),
                            "--out", str(folder / "runs")])
            report[str(folder)] = {"steps": [json.loads(line) for line in log.read_text().splitlines()]}
        except Exception:  # a broken package is that case's failure, not the whole report's
            report[str(folder)] = {"error": traceback.format_exc()}
        finally:
            sys.path.pop(0)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
