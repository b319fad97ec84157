"""Golden learning rates for Tests/SeqNNTests/ScheduleTests.swift.

transformers' schedulers (LambdaLR over torch.optim.SGD) give the rate of the update made
after `step` completed updates; fairseq is not installed in the reference venv, so its
inverse_sqrt `step_update` is written out below from fairseq/optim/lr_scheduler/
inverse_square_root_schedule.py (same arithmetic, Python floats).

    /root/.cache/seq-ref/venv/bin/python bench/golden/schedule_golden.py
"""
import torch
import transformers
from transformers import (get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup,
                          get_linear_schedule_with_warmup)

PEAK = 5e-4
STEPS = [0, 1, 5, 9, 10, 11, 30, 55, 99, 100, 101, 150]


def hf(make):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=PEAK)
    sched = make(opt)
    out = {}
    for step in range(max(STEPS) + 1):
        if step in STEPS:
            out[step] = opt.param_groups[0]["lr"]
        opt.step()
        sched.step()
    return out


def fairseq_inverse_sqrt(lr, warmup_updates, warmup_init_lr=-1):
    if warmup_init_lr < 0:
        warmup_init_lr = 0 if warmup_updates > 0 else lr
    lr_step = (lr - warmup_init_lr) / warmup_updates
    decay_factor = lr * warmup_updates ** 0.5

    def step_update(num_updates):
        if num_updates < warmup_updates:
            return warmup_init_lr + num_updates * lr_step
        return decay_factor * num_updates ** -0.5
    return {s: step_update(s) for s in STEPS}


print("// transformers %s, torch %s; peak %r" % (transformers.__version__, torch.__version__, PEAK))
print("steps", STEPS)
print("constantWarmup10", [repr(v) for v in hf(lambda o: get_constant_schedule_with_warmup(o, 10)).values()])
print("linear10of100", [repr(v) for v in hf(lambda o: get_linear_schedule_with_warmup(o, 10, 100)).values()])
print("cosine10of100", [repr(v) for v in hf(lambda o: get_cosine_schedule_with_warmup(o, 10, 100)).values()])
print("cosine10of100cycles1.5", [repr(v) for v in hf(lambda o: get_cosine_schedule_with_warmup(o, 10, 100, num_cycles=1.5)).values()])
print("inverseSqrt10", [repr(v) for v in fairseq_inverse_sqrt(PEAK, 10).values()])
print("inverseSqrt10init1e-7", [repr(v) for v in fairseq_inverse_sqrt(PEAK, 10, 1e-7).values()])
