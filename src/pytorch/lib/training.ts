// The parts of train.py that read no setting of the training section, only whether it uses
// truncated BPTT: loss helpers, the BPTT cutting, one optimiser step, the batch loop, and
// checkpoint resumption (train.ts writes the rest around them).

export const LOSS_HELPERS = `
def by_position(x, y, lengths, ignore_index):
    """Scores [B, (T,) C] and class ids [B, (T)] -> one row per position, with the steps past a
    row's length counted as ignore_index (padding is not scored)."""
    if x.dim() == 3:
        if y.shape != x.shape[:2]:
            raise ValueError(f"targets {list(y.shape)} do not fit outputs {list(x.shape)}")
        if lengths is not None:
            y = y.masked_fill(~step_mask(lengths, y.shape[1]), ignore_index)
        return x.reshape(-1, x.shape[-1]), y.reshape(-1)
    return x, y


def masked_mse(x, y, lengths, reduction):
    """MSELoss over the real steps of a sequence output (all of them without lengths)"""
    if lengths is None or x.dim() < 3:
        return F.mse_loss(x, y, reduction=reduction)
    mask = step_mask(lengths, x.shape[1])[:, :, None].expand_as(x)
    total = ((x - y) ** 2)[mask].sum()
    return total / mask.sum() if reduction == "mean" else total
`;

export const BPTT_CHUNKS = `

def chunks(feeds, targets):
    """Truncated BPTT, as seqgraph cuts a batch: the timed input and the per-step targets in pieces
    of BPTT_STEPS steps. Each piece is one optimiser step; the recurrent state is carried from one
    piece into the next, the gradient is not."""
    T = feeds[TIMED_INPUT].shape[1]
    if T <= BPTT_STEPS:
        return [(feeds, targets)]
    pieces = []
    for t0 in range(0, T, BPTT_STEPS):
        part = {k: v[:, t0:t0 + BPTT_STEPS] if k == TIMED_INPUT else v for k, v in feeds.items()}
        cut = {k: v[:, t0:t0 + BPTT_STEPS] if k in PER_STEP and v.dim() > 1 and v.shape[1] == T else v
               for k, v in targets.items()}
        pieces.append((part, cut))
    return pieces


def detached(states):
    return {k: tuple(x.detach() for x in v) if isinstance(v, tuple) else v.detach()
            for k, v in states.items()}
`;

export function stepCode(bptt: boolean): string {
  return `def train_step(net, model, optimizer, scheduler, feeds, targets${bptt ? ', states' : ''}):
    """one optimiser step: forward, the losses, backward, clipping, the update, the schedule"""
    optimizer.zero_grad(set_to_none=True)  # weights no loss reaches keep no gradient
${bptt ? `    outputs, logits, lengths, states = net(*[feeds[name] for name in INPUTS], for_loss=True,
                                           states=states)` : '    outputs, logits, lengths = net(*[feeds[name] for name in INPUTS], for_loss=True)'}
    loss, losses = compute_loss(outputs, logits, lengths, targets)
    loss.backward()
    clip_gradients(model)
    lr = optimizer.param_groups[0]["lr"]
    optimizer.step()
    if scheduler is not None and SCHEDULE_PER == "step":
        scheduler.step()
    return loss.detach(), losses, lr${bptt ? ', detached(states)' : ''}
`;
}

export function loopCode(bptt: boolean): string {
  const step = `step += 1
record = {"epoch": epoch + 1, "step": step, "batch": batch + 1, "lr": lr,
          "losses": {k: float(v) for k, v in losses.items()}}
log_step(log, rank, world, record, loss)
if args.steps and step >= args.steps:
    done = True
    break`;
  const ind = (n: number, t: string) => t.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
  const head = `        for batch, (feeds, targets) in enumerate(loader):
            feeds, targets = to(device, feeds, targets)`;
  if (!bptt) return `${head}
            loss, losses, lr = train_step(net, model, optimizer, scheduler, feeds, targets)
${ind(12, step)}`;
  // a batch is cut into as many pieces as it has steps: under torchrun the processes may then take
  // different numbers of optimiser steps, which DistributedDataParallel's join() allows
  return `        with net.join() if world > 1 else contextlib.nullcontext():
${ind(4, head)}
                states = None
                for piece in chunks(feeds, targets):
                    loss, losses, lr, states = train_step(net, model, optimizer, scheduler, *piece, states)
${ind(20, step)}
                if done:
                    break`;
}

export const RESUME = `def rng_states(world):
    """every process's random generator state (dropout masks, scheduled sampling), so that a
    resumed run draws what the uninterrupted one would"""
    cuda = torch.cuda.get_rng_state() if torch.cuda.is_initialized() else None
    mine = (torch.get_rng_state(), cuda)
    if world == 1:
        return [mine]
    states = [None] * world
    dist.all_gather_object(states, mine)
    return states


def resume(path, model, optimizer, scheduler, rank, world, device):
    """loads a checkpoint of train.py into the model, optimiser and schedule (and the random
    generator, with as many processes as wrote it); -> (epoch, batches of it done, steps done).
    Another number of processes takes the rest of the epoch's batches in the same order."""
    state = torch.load(path, map_location=device)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(state["scheduler"])
    if state.get("world") == world:
        cpu, cuda = state["rng"][rank]
        torch.set_rng_state(cpu)
        if cuda is not None and device.type == "cuda":
            torch.cuda.set_rng_state(cuda)
    elif rank == 0:
        print(f"{path}: written by {state.get('world')} processes, resumed by {world}: "
              "the batches continue where they stopped, the random draws do not", flush=True)
    return state["epoch"], state.get("batch", 0), state["step"]`;
