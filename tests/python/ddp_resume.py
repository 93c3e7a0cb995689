"""Run under torchrun in an exported package's folder, after `train.py --epochs 2 --steps 2`
stopped there: its train.py twice in the same processes (one launch, as starting PyTorch is the
slow part): 5 steps never stopped into whole/, then runs/ resumed from runs/checkpoints/last.pt
up to step 5. Then bptt/'s train.py (truncated BPTT) for 6 steps. The process group is set up
here once; train.main() leaves one it did not create.
"""
import importlib.util
import os
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, os.getcwd())
import train  # noqa: E402  (the export's train.py, from the working folder)

torch.set_num_threads(1)
dist.init_process_group("gloo")
common = ["--epochs", "2"]
train.main([*common, "--steps", "5", "--out", "whole"])
train.main([*common, "--steps", "5", "--resume", "runs/checkpoints/last.pt"])

sys.modules.pop("model", None)  # bptt/train.py imports its own model.py
sys.path.insert(0, os.path.abspath("bptt"))
spec = importlib.util.spec_from_file_location("bptt_train", "bptt/train.py")
bptt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bptt)
bptt.main(["--steps", "6", "--epochs", "1", "--log", "bptt/log.jsonl"])  # rank 0 logs
if dist.get_rank() == 0:
    print(f"bptt: {len(open('bptt/log.jsonl').read().splitlines())} steps logged", flush=True)
print("bptt: done", flush=True)
dist.barrier()  # as train.py does: no process tears the group down while another still works
dist.destroy_process_group()
