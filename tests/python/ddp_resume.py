"""Run under torchrun in an exported package's folder, after `train.py --epochs 2 --steps 2`
stopped there: its train.py twice in the same processes (one launch, as starting PyTorch is the
slow part): 5 steps never stopped into whole/, then runs/ resumed from runs/checkpoints/last.pt
up to step 5. The process group is set up here once; train.main() leaves one it did not create.
"""
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
dist.destroy_process_group()
