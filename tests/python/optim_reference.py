"""torch.optim, its lr schedulers, gradient clipping and the losses on numbers a test gives.

stdin:  {"optim": [{"training": {optimizer, schedule?, clip_grad_norm?, clip_grad_value?},
                    "params": [tensor], "grads": [[tensor per param] per step]}],
         "schedules": [{"lr": float, "schedule": {...}, "steps": int}],
         "losses": [{"spec": {loss, ...}, "value": tensor, "target": tensor}],
         "clips": [{"training": {clip_grad_norm?, clip_grad_value?}, "grads": [tensor]}]}
stdout: {"optim": [{"steps": [{"norm": float|null, "params": [tensor]}], "state": [{name: tensor}]}],
         "schedules": [[lr per step]],
         "losses": [{"loss": float, "grad": tensor}],
         "clips": [{"norm": float, "grads": [tensor]}]}
Everything is float32, as the trainer is.
"""
import torch

from seqgraph_torch import clip, loss_fn, make_optimizer, make_scheduler, out, read_input, tensor, write_output


def run_optim(case):
    tr = case['training']
    params = [torch.nn.Parameter(tensor(p)) for p in case['params']]
    opt = make_optimizer(params, tr['optimizer'])
    sched = make_scheduler(opt, tr.get('schedule'))
    steps = []
    for grads in case['grads']:
        for p, g in zip(params, grads):
            p.grad = tensor(g)
        norm = None
        if tr.get('clip_grad_norm') or tr.get('clip_grad_value'):
            norm, _ = clip(params, tr)
        lr = opt.param_groups[0]['lr']
        opt.step()
        if sched is not None:
            sched.step()
        steps.append({'norm': norm, 'lr': lr, 'params': [out(p) for p in params]})
    state = []
    for p in params:
        s = opt.state[p]
        state.append({k: out(v) for k, v in s.items() if torch.is_tensor(v) and v.numel() == p.numel()})
    return {'steps': steps, 'state': state}


def run_schedule(case):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=case['lr'])
    sched = make_scheduler(opt, case['schedule'])
    lrs = []
    for _ in range(case['steps']):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        sched.step()
    return lrs


def run_loss(case):
    spec = case['spec']
    value = tensor(case['value']).requires_grad_(True)
    target = tensor(case['target'], torch.float32 if spec['loss'] == 'MSELoss' else torch.long)
    loss = loss_fn(spec, value, target)
    loss.backward()
    return {'loss': loss.item(), 'grad': out(value.grad)}


def run_clip(case):
    params = [torch.nn.Parameter(torch.zeros(g['shape'])) for g in case['grads']]
    for p, g in zip(params, case['grads']):
        p.grad = tensor(g)
    tr = case['training']
    norm = None
    if tr.get('clip_grad_value'):
        torch.nn.utils.clip_grad_value_(params, tr['clip_grad_value']['clip_value'])
    if tr.get('clip_grad_norm'):
        c = tr['clip_grad_norm']
        nt = c.get('norm_type', 2)
        norm = torch.nn.utils.clip_grad_norm_(params, c['max_norm'], norm_type=float('inf') if nt == 'inf' else nt).item()
    return {'norm': norm, 'grads': [out(p.grad) for p in params]}


def main():
    import warnings
    warnings.simplefilter('ignore')  # PyTorch warns about scheduler call order on SequentialLR
    data = read_input()
    write_output({
        'optim': [run_optim(c) for c in data.get('optim', [])],
        'schedules': [run_schedule(c) for c in data.get('schedules', [])],
        'losses': [run_loss(c) for c in data.get('losses', [])],
        'clips': [run_clip(c) for c in data.get('clips', [])],
    })


if __name__ == '__main__':
    main()
