"""A graph file's `training` section (src/doc/training.ts) as the torch.optim objects it stands for.

Shared by the reference scripts: optim_reference.py (optimisers, schedules, clipping, losses on
given numbers) and train_parity.py (whole models trained step for step). Written from PyTorch's
documented API only, so it checks seqgraph's reading of the section, not seqgraph's code.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

OPTIMIZER_DEFAULTS = {
    'SGD': dict(lr=1e-3, momentum=0, dampening=0, nesterov=False, weight_decay=0),
    'Adam': dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False),
    'AdamW': dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False),
    'RMSprop': dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False),
    'Adagrad': dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10),
}


def make_optimizer(params, settings):
    s = dict(settings)
    kind = s.pop('type')
    args = dict(OPTIMIZER_DEFAULTS[kind])
    args.update(s)
    if 'betas' in args:
        args['betas'] = tuple(args['betas'])
    return getattr(torch.optim, kind)(params, **args)


def _main_scheduler(opt, s):
    sched = torch.optim.lr_scheduler
    t = s['type']
    if t == 'StepLR':
        return sched.StepLR(opt, step_size=s['step_size'], gamma=s.get('gamma', 0.1))
    if t == 'ExponentialLR':
        return sched.ExponentialLR(opt, gamma=s['gamma'])
    if t == 'CosineAnnealingLR':
        return sched.CosineAnnealingLR(opt, T_max=s['T_max'], eta_min=s.get('eta_min', 0))
    if t == 'LinearLR':
        return sched.LinearLR(opt, start_factor=s.get('start_factor', 1 / 3), end_factor=s.get('end_factor', 1.0),
                              total_iters=s.get('total_iters', 5))
    raise ValueError(t)


def make_scheduler(opt, s):
    """None without a schedule; a warm-up is SequentialLR([LinearLR, main], [total_iters])."""
    if not s:
        return None
    sched = torch.optim.lr_scheduler
    warm = s.get('warmup')
    if not warm:
        return _main_scheduler(opt, s)
    w = sched.LinearLR(opt, start_factor=warm.get('start_factor', 1 / 3), end_factor=1.0, total_iters=warm['total_iters'])
    main = _main_scheduler(opt, s)
    return sched.SequentialLR(opt, [w, main], milestones=[warm['total_iters']])


def clip(params, training):
    """clip_grad_value_ then clip_grad_norm_ as the section says; the L2 norm before and after."""
    grads = [p.grad for p in params if p.grad is not None]
    before = torch.norm(torch.stack([torch.norm(g) for g in grads])).item()
    if training.get('clip_grad_value'):
        torch.nn.utils.clip_grad_value_(params, training['clip_grad_value']['clip_value'])
    if training.get('clip_grad_norm'):
        c = training['clip_grad_norm']
        nt = c.get('norm_type', 2)
        torch.nn.utils.clip_grad_norm_(params, c['max_norm'], norm_type=float('inf') if nt == 'inf' else nt)
    after = torch.norm(torch.stack([torch.norm(g) for g in grads])).item()
    return before, after


def loss_fn(spec, value, target):
    """One loss entry of the section on an output value ([B,C] / [B,T,C] / floats) and its target."""
    kind = spec['loss']
    red = spec.get('reduction', 'mean')
    if kind == 'MSELoss':
        return F.mse_loss(value, target, reduction=red)
    C = value.shape[-1]
    flat = value.reshape(-1, C)
    tgt = target.reshape(-1).long()
    ii = spec.get('ignore_index', -100)
    if kind == 'CrossEntropyLoss':
        return F.cross_entropy(flat, tgt, ignore_index=ii, label_smoothing=spec.get('label_smoothing', 0.0), reduction=red)
    return F.nll_loss(flat, tgt, ignore_index=ii, reduction=red)


def tensor(j, dtype=torch.float32):
    return torch.tensor(j['data'], dtype=dtype).reshape(j['shape'])


def out(t):
    t = t.detach()
    return {'shape': list(t.shape), 'data': t.reshape(-1).tolist()}


def read_input():
    return json.load(sys.stdin)


def write_output(obj):
    json.dump(obj, sys.stdout)
