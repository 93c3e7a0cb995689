// train.py: the graph file's `training` section as a PyTorch script — its losses (on the logits
// before a final Softmax, padded steps not counted), optimiser, schedule (per step or per epoch,
// with warm-up), clipping (clip_grad_value_ then clip_grad_norm_, as seqgraph), teacher forcing —
// on the exported data in seqgraph's batch order, truncated BPTT as seqgraph cuts batches; one
// process on CPU or GPU, or many under torchrun with DistributedDataParallel and a
// DistributedSampler; checkpoints (every epoch, and where --steps stops) that --resume continues
// exactly, and a final weights.safetensors. The setting-free parts live in lib/training.ts.
import type { GraphDoc } from '../doc/schema';
import { TrainingSchema, type LossSettings, type OptimizerSettings, type ScheduleSettings, type TrainingSettings } from '../doc/training';
import type { Program } from '../ir/program';
import { planLosses } from '../train/plan';
import { timedInputs } from '../train/bptt';
import { PyTorchExportError } from './context';
import { BATCHING } from './lib/batching';
import { BPTT_CHUNKS, LOSS_HELPERS, loopCode, RESUME, stepCode } from './lib/training';
import type { ModelSource } from './model';
import { fit, pyBool, pyNum, pyStr, wrap } from './py';

function optimizerCode(o: OptimizerSettings): string {
  const num = (x: number) => pyNum(x, true);
  switch (o.type) {
    case 'SGD':
      return `torch.optim.SGD(params, lr=${num(o.lr)}, momentum=${num(o.momentum)}, dampening=${num(o.dampening)}, weight_decay=${num(o.weight_decay)}, nesterov=${pyBool(o.nesterov)})`;
    case 'Adam':
    case 'AdamW':
      return `torch.optim.${o.type}(params, lr=${num(o.lr)}, betas=(${num(o.betas[0])}, ${num(o.betas[1])}), eps=${num(o.eps)}, weight_decay=${num(o.weight_decay)}, amsgrad=${pyBool(o.amsgrad)})`;
    case 'RMSprop':
      return `torch.optim.RMSprop(params, lr=${num(o.lr)}, alpha=${num(o.alpha)}, eps=${num(o.eps)}, weight_decay=${num(o.weight_decay)}, momentum=${num(o.momentum)}, centered=${pyBool(o.centered)})`;
    case 'Adagrad':
      return `torch.optim.Adagrad(params, lr=${num(o.lr)}, lr_decay=${num(o.lr_decay)}, weight_decay=${num(o.weight_decay)}, initial_accumulator_value=${num(o.initial_accumulator_value)}, eps=${num(o.eps)})`;
  }
}

function scheduleCode(s: ScheduleSettings | undefined): string[] {
  const num = (x: number) => pyNum(x, true);
  if (!s) return ['return None'];
  const main = (() => {
    switch (s.type) {
      case 'StepLR':
        return `lr_scheduler.StepLR(optimizer, step_size=${s.step_size}, gamma=${num(s.gamma)})`;
      case 'ExponentialLR':
        return `lr_scheduler.ExponentialLR(optimizer, gamma=${num(s.gamma)})`;
      case 'CosineAnnealingLR':
        return `lr_scheduler.CosineAnnealingLR(optimizer, T_max=${s.T_max}, eta_min=${num(s.eta_min)})`;
      case 'LinearLR':
        return `lr_scheduler.LinearLR(optimizer, start_factor=${num(s.start_factor)}, end_factor=${num(s.end_factor)}, total_iters=${s.total_iters})`;
    }
  })();
  if (!s.warmup) return [`return ${main}`];
  const w = s.warmup;
  return [
    `warmup = lr_scheduler.LinearLR(optimizer, start_factor=${num(w.start_factor)}, end_factor=1.0, total_iters=${w.total_iters})`,
    `main = ${main}`,
    `return lr_scheduler.SequentialLR(optimizer, [warmup, main], milestones=[${w.total_iters}])`,
  ];
}

function lossLines(l: LossSettings, hasLogits: boolean): string[] {
  const name = pyStr(l.output);
  const red = pyStr(l.reduction);
  if (l.loss === 'MSELoss') return [`x, y = outputs[${name}], targets[${name}]`, `losses[${name}] = masked_mse(x, y, lengths.get(${name}), reduction=${red})`];
  const x = l.loss === 'CrossEntropyLoss' && hasLogits ? `logits[${name}]` : `outputs[${name}]`;
  const lines = [`x, y = by_position(${x}, targets[${name}], lengths.get(${name}), ignore_index=${l.ignore_index})`];
  if (l.loss === 'NLLLoss') lines.push(`losses[${name}] = F.nll_loss(x, y, ignore_index=${l.ignore_index}, reduction=${red})`);
  else lines.push(`losses[${name}] = F.cross_entropy(x, y, ignore_index=${l.ignore_index}, label_smoothing=${pyNum(l.label_smoothing, true)}, reduction=${red})`);
  return lines;
}


/** nodes with weights no loss reaches: DistributedDataParallel must be told to expect unused parameters */
function unusedWeights(doc: GraphDoc, program: Program, lossOutputs: string[]): boolean {
  const outNodes = program.outputs.filter((o) => lossOutputs.includes(o.name)).map((o) => o.node);
  const seen = new Set<string>(outNodes);
  const stack = [...outNodes];
  while (stack.length) {
    const id = stack.pop()!;
    for (const e of doc.edges) if (e.target.node === id && !seen.has(e.source.node)) seen.add(e.source.node), stack.push(e.source.node);
  }
  return Object.values(program.weightRefs).some((w) => !seen.has(w.node));
}

/** train.py for a graph with a training section */
export function generateTrain(doc: GraphDoc, program: Program, model: ModelSource): string {
  if (!doc.training) throw new PyTorchExportError('train.py is written from the graph\'s training section, and the graph has none');
  const s: TrainingSettings = TrainingSchema.parse(doc.training);
  try {
    planLosses(program, s.losses);
  } catch (e) {
    throw new PyTorchExportError(`training.losses: ${(e as Error).message}`);
  }
  const bptt = s.bptt_steps !== undefined;
  const cls = model.className;
  const hasDecoderTarget = doc.nodes.some((n) => n.type === 'Decoder' && doc.edges.some((e) => e.target.node === n.id && e.target.port === 'target'));
  const summary = s.losses.map((l) => `${l.loss} on "${l.output}"${l.loss_weight !== 1 ? ` x ${l.loss_weight}` : ''}`).join(' + ');
  const clip: string[] = [];
  if (s.clip_grad_value) clip.push(`torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=${pyNum(s.clip_grad_value.clip_value, true)})`);
  if (s.clip_grad_norm) clip.push(`torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=${pyNum(s.clip_grad_norm.max_norm, true)}, norm_type=${s.clip_grad_norm.norm_type === 'inf' ? 'math.inf' : '2.0'})`);
  const perEpoch = s.schedule?.interval === 'epoch';
  const lossBody = s.losses.flatMap((l) => lossLines(l, model.logits[l.output]));
  const total = s.losses.map((l) => `${pyNum(l.loss_weight, true)} * losses[${pyStr(l.output)}]`).join(' + ');
  // statements indented by n and wrapped to 96 columns
  const ind = (n: number, ls: string[]) => ls.flatMap((l) => fit(l, 96 - n)).map((l) => ' '.repeat(n) + l).join('\n');
  const about = wrap(
    `Loss: ${summary}. Optimiser: ${s.optimizer.type}${s.schedule ? `, schedule ${s.schedule.type}${s.schedule.warmup ? ' after a warm-up' : ''} (per ${s.schedule.interval})` : ''}` +
      `${s.clip_grad_norm ? `, gradients clipped to norm ${s.clip_grad_norm.max_norm}` : ''}${s.clip_grad_value ? `, to value ${s.clip_grad_value.clip_value}` : ''}. ` +
      `Batches of ${s.batch_size} in seqgraph's order (seed ${s.seed}), ${s.epochs} epochs.`,
    92,
  ).join('\n');
  return `"""Train ${doc.name} as its graph file's training section says.

${about}

    python train.py                                  # one process, GPU when there is one
    torchrun --nproc_per_node=4 train.py             # DistributedDataParallel, 4 processes
    python train.py --resume runs/checkpoints/last.pt

Every epoch (and a stop by --steps) writes a checkpoint (--out/checkpoints/) that --resume
continues from exactly; the end writes --out/weights.safetensors, which
\`seqgraph weights load graph.json weights.safetensors\` brings back into the graph.
"""
import argparse
import contextlib
import json
import math
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, DistributedSampler

from model import HERE, INPUTS, ${cls}, load_weights, step_mask, write_safetensors${hasDecoderTarget ? '\nfrom model import Decoder' : ''}

EPOCHS = ${s.epochs}
BATCH_SIZE = ${s.batch_size}  # per process
SEED = ${s.seed}
TEACHER_FORCING_RATIO = ${pyNum(s.teacher_forcing_ratio, true)}
SCHEDULE_PER = ${pyStr(perEpoch ? 'epoch' : 'step')}${bptt ? `
BPTT_STEPS = ${s.bptt_steps}  # truncated BPTT: one optimiser step per this many time steps
TIMED_INPUT = ${pyStr(timedInputs(program)[0])}  # the input cut along time
PER_STEP = [${planLosses(program, s.losses).filter((p) => p.perStep).map((p) => pyStr(p.output.name)).join(', ')}]  # the targets cut with it` : ''}


def make_optimizer(params):
${ind(4, [`return ${optimizerCode(s.optimizer)}`])}


def make_scheduler(optimizer):
${ind(4, scheduleCode(s.schedule))}


def compute_loss(outputs, logits, lengths, targets):
    """-> (the total loss, each loss by output name)"""
    losses = {}
${ind(4, lossBody)}
${ind(4, [`return ${total}, losses`])}


def clip_gradients(model):
${ind(4, clip.length ? clip : ['pass  # the training section clips nothing'])}

${LOSS_HELPERS}${bptt ? BPTT_CHUNKS : ''}
${BATCHING}

${stepCode(bptt)}

def log_step(log, rank, world, record, loss):
    """prints and logs (rank 0) a step's loss${bptt ? '' : ', the mean over the processes under torchrun'}"""
    value = loss.clone()
${bptt ? `    # with truncated BPTT the processes may take different numbers of steps: rank 0's loss` : `    if world > 1:
        dist.all_reduce(value)
        value /= world`}
    if rank != 0:
        return
    record["loss"] = float(value)
    if log:
        log.write(json.dumps(record) + "\\n")
        log.flush()
    print(f"epoch {record['epoch']} step {record['step']} loss {record['loss']:.6f} "
          f"lr {record['lr']:.3g}", flush=True)


${RESUME}


def setup():
    """(rank, world size, device): torchrun sets RANK and WORLD_SIZE; DistributedDataParallel
    then runs on NCCL between GPUs, on gloo between CPU processes."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = torch.cuda.is_available() and not os.environ.get("SEQGRAPH_CPU")
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():  # (unless a caller of main() already has)
        dist.init_process_group("nccl" if cuda else "gloo")
    return rank, world, device


def to(device, feeds, targets):
    feeds = {k: v.to(device) for k, v in feeds.items()}
    return feeds, {k: v.to(device) for k, v in targets.items()}


def evaluate(model, examples, info, device):
    """mean loss over the batches of a split (no dropout, no teacher forcing ratio)"""
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for batch in batch_order(examples, info, BATCH_SIZE, shuffle=False, seed=SEED, epoch=0):
            feeds, targets = to(device, *collate([examples[i] for i in batch], info))
${bptt ? `            states, pieces = None, chunks(feeds, targets)
            for feeds, targets in pieces:
                outputs, logits, lengths, states = model(*[feeds[name] for name in INPUTS],
                                                         for_loss=True, states=states)
                loss = compute_loss(outputs, logits, lengths, targets)[0]
                total += float(loss) * len(batch) / len(pieces)` : `            outputs, logits, lengths = model(*[feeds[name] for name in INPUTS], for_loss=True)
            total += float(compute_loss(outputs, logits, lengths, targets)[0]) * len(batch)`}
            n += len(batch)
    model.train()
    return total / max(n, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(HERE / "data"),
                        help="the folder of train.jsonl and validation.jsonl")
    parser.add_argument("--weights", default=str(HERE / "weights.safetensors"),
                        help="start from these weights")
    parser.add_argument("--out", default=str(HERE / "runs"),
                        help="where checkpoints/ and the final weights.safetensors go")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--steps", type=int, default=0,
                        help="stop after this many optimiser steps (0: run every epoch)")
    parser.add_argument("--resume", help="a checkpoint to continue from")
    parser.add_argument("--log", help="write every step as a JSON line here")
    args = parser.parse_args(argv)

    own_group = not dist.is_initialized()
    rank, world, device = setup()
    torch.manual_seed(SEED + rank)
    data = Path(args.data)
    info_file = data / "data.json" if (data / "data.json").exists() else data.parent / "data.json"
    if not info_file.exists():
        raise SystemExit(f"{data}: no data.json beside it or in it: export the graph with its data "
                         "(seqgraph export graph.json --format pytorch --data ...), see README.md")
    info = json.loads(info_file.read_text())
    train = read_examples(data / "train.jsonl")
    validation = read_examples(data / "validation.jsonl")
    if not train:
        raise SystemExit(f"{data / 'train.jsonl'}: no training examples")

    model = load_weights(${cls}(), args.weights).to(device)${hasDecoderTarget ? `
    for m in model.modules():
        if isinstance(m, Decoder):
            m.teacher_forcing_ratio = TEACHER_FORCING_RATIO` : ''}
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer)
    epoch0, skip, step = 0, 0, 0
    if args.resume:
        epoch0, skip, step = resume(args.resume, model, optimizer, scheduler, rank, world, device)
    net = model
    if world > 1:
        devices = [device.index] if device.type == "cuda" else None
        net = DistributedDataParallel(model, device_ids=devices, find_unused_parameters=${pyBool(unusedWeights(doc, program, s.losses.map((l) => l.output)))})
    out = Path(args.out)
    log = open(args.log, "a", encoding="utf-8") if args.log and rank == 0 else None
    model.train()
    done = False
    for epoch in range(epoch0, args.epochs):
        order = batch_order(train, info, BATCH_SIZE, shuffle=True, seed=SEED, epoch=epoch)
        if epoch == epoch0:
            order = order[skip:]  # the batches done before the checkpoint resumed from
        batches = Batches(train, order, info)
        # the epoch's batches are already in seqgraph's seeded order: each process takes its share
        sampler = None
        if world > 1:
            sampler = DistributedSampler(batches, num_replicas=world, rank=rank, shuffle=False)
        # its own generator: each iterator draws a seed, which must not move the one dropout
        # draws from (a resumed run then draws the masks an unbroken one does)
        generator = torch.Generator()
        loader = DataLoader(batches, batch_size=None, sampler=sampler, generator=generator)
        started = time.time()
${loopCode(bptt)}
        # --steps may stop inside an epoch: the checkpoint then says how far it got
        # (its batches done by all processes together: each took every world-th)
        taken = min(len(order), (batch + 1) * world) if done else len(order)
        finished = taken == len(order)
        if scheduler is not None and SCHEDULE_PER == "epoch" and finished:
            scheduler.step()
        rng = rng_states(world)  # every process's, gathered before rank 0 saves
        if rank == 0:
            summary = f"epoch {epoch + 1}{'' if finished else f' (to batch {batch + 1})'}: "
            summary += f"{time.time() - started:.1f}s"
            if validation:
                summary += f", validation loss {evaluate(model, validation, info, device):.6f}"
            print(summary, flush=True)
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "scheduler": scheduler.state_dict() if scheduler is not None else None,
                     "epoch": epoch + 1 if finished else epoch,
                     "batch": 0 if finished else (skip if epoch == epoch0 else 0) + taken,
                     "step": step, "world": world, "rng": rng}
            (out / "checkpoints").mkdir(parents=True, exist_ok=True)
            name = f"epoch-{epoch + 1}.pt" if finished else f"step-{step}.pt"
            torch.save(state, out / "checkpoints" / name)
            torch.save(state, out / "checkpoints" / "last.pt")
        if done:
            break
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        meta = {"format": "pt", "producer": "seqgraph-export train.py", "steps": str(step)}
        write_safetensors(model.state_dict(), out / "weights.safetensors", metadata=meta)
        print(f"wrote {out / 'weights.safetensors'}", flush=True)
    if world > 1 and own_group:
        # every process waits here for the others (rank 0 is still evaluating and saving): one
        # that tears its gloo group down while a peer works now and then hangs on its way out
        # (PyTorch 1.13 on CPU, about one launch in four without this)
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
}
