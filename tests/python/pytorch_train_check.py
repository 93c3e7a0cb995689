"""Runs the train.py of exported PyTorch packages for a few steps, in one process.

argv: --steps N, then export folders (each with model.py, train.py, weights, data.json, data/).
Each folder's train.py is imported as its own module (its `model` import pointed at that
folder's model.py) and its main() runs on CPU with --steps N; prints JSON
{folder: {"steps": [{"step", "loss", "lr", "losses"} per optimiser step]}} read from its
--log, or {folder: {"error": traceback}} when it fails.
A folder with resume.json ({"stops": [a, b, ...]}) also trains again from the start, stopping
after a steps, then resuming from the last checkpoint up to b steps, and so on; its log is
reported as "resumed" (the same records, to compare with the uninterrupted run).
The first folder's train.py is also pointed at a folder with no data: "no_data" is its message.
"""
import contextlib
import importlib.util
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

import torch

torch.set_num_threads(1)
os.environ["SEQGRAPH_CPU"] = "1"


def read_log(log):
    return [json.loads(line) for line in log.read_text().splitlines()]


def no_data(train, folder):
    empty = Path(tempfile.mkdtemp()) / "empty"  # nor a data.json in its parent
    empty.mkdir()
    try:
        train.main(["--data", str(empty)])
    except SystemExit as e:
        return str(e)
    return None


def resumed(train, folder):
    """train.py stopped by --steps and resumed from its checkpoint, stop after stop"""
    stops = json.loads((folder / "resume.json").read_text())["stops"]
    out, log = folder / "runs-resumed", folder / "resumed.jsonl"
    for i, stop in enumerate(stops):
        more = ["--resume", str(out / "checkpoints" / "last.pt")] if i else []
        with contextlib.redirect_stdout(sys.stderr):
            train.main(["--data", str(folder / "data"), "--steps", str(stop), "--log", str(log),
                        "--out", str(out), *more])
    return read_log(log)


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
            report[str(folder)] = {"steps": read_log(log)}
            if index == 0:
                report[str(folder)]["no_data"] = no_data(train, folder)
            if (folder / "resume.json").exists():
                report[str(folder)]["resumed"] = resumed(train, folder)
        except Exception:  # a broken package is that case's failure, not the whole report's
            report[str(folder)] = {"error": traceback.format_exc()}
        finally:
            sys.path.pop(0)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
