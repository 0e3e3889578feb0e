#!/usr/bin/env python3
"""Reference values for focus's optimizers and schedules (tests/test_optim.cpp, "optim: ...").

Two parameters, a [2, 2] and b [3], start at fixed values; the loss
    loss = sum(a * ca) + sum(a^2) + sum(b * cb) + sum(b^2)
gives the gradients ca + 2a and cb + 2b, recomputed by backward at every step. Each case runs a
few steps of a torch.optim optimizer (optionally with clip_grad_norm_ and an lr scheduler, whose
step() follows optimizer.step()) and prints, as C++ initialisers to paste into the test:
the parameters after each step (a row-major, then b), and where they apply the clip norms and the
learning rates (the one at construction, then after each scheduler.step()).
Everything is float64 except the case named float32. Run: /usr/bin/python3 tests/reference/optim_ref.py
"""
import math

import torch

A0 = [[0.5, -1.0], [1.5, 0.25]]
CA = [[1.0, -2.0], [0.5, 3.0]]
B0 = [-0.75, 2.0, 0.1]
CB = [0.3, -1.2, 4.0]
STEPS = 5


def fmt(values):
    return "{" + ", ".join(repr(float(v)) for v in values) + "}"


def run(name, make_opt, dtype=torch.float64, clip=None, make_sched=None):
    a = torch.tensor(A0, dtype=dtype, requires_grad=True)
    b = torch.tensor(B0, dtype=dtype, requires_grad=True)
    ca = torch.tensor(CA, dtype=dtype)
    cb = torch.tensor(CB, dtype=dtype)
    opt = make_opt(a, b)
    sched = make_sched(opt) if make_sched else None
    trajectory, norms = [], []
    lrs = [sched.get_last_lr()[0]] if sched else []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = (a * ca).sum() + (a * a).sum() + (b * cb).sum() + (b * b).sum()
        loss.backward()
        if clip is not None:
            max_norm, norm_type = clip
            norms.append(float(torch.nn.utils.clip_grad_norm_([a, b], max_norm, norm_type)))
        opt.step()
        if sched:
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        trajectory.append(a.detach().flatten().tolist() + b.detach().tolist())
    print(f"// {name}")
    print(f"const Trajectory k{name} = {{")
    for row in trajectory:
        print(f"    {fmt(row)},")
    print("};")
    if norms:
        print(f"const std::vector<double> k{name}Norms = {fmt(norms)};")
    if lrs:
        print(f"const std::vector<double> k{name}Lrs = {fmt(lrs)};")
    print()


O = torch.optim
S = torch.optim.lr_scheduler

run("SgdPlain", lambda a, b: O.SGD([a, b], lr=0.1))
run("SgdMomentum", lambda a, b: O.SGD([a, b], lr=0.05, momentum=0.9, dampening=0.1))
run("SgdNesterov", lambda a, b: O.SGD([a, b], lr=0.05, momentum=0.9, nesterov=True))
run("SgdWeightDecay", lambda a, b: O.SGD([a, b], lr=0.05, momentum=0.5, weight_decay=0.1))
run("Adam", lambda a, b: O.Adam([a, b], lr=0.1))
run("AdamL2Amsgrad", lambda a, b: O.Adam([a, b], lr=0.1, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1,
                                          amsgrad=True))
run("AdamW", lambda a, b: O.AdamW([a, b], lr=0.1, weight_decay=0.1))
run("AdamWGroups", lambda a, b: O.AdamW([{"params": [a], "lr": 0.1, "weight_decay": 0.1},
                                         {"params": [b], "lr": 0.05, "weight_decay": 0.0}]))
run("AdamFloat32", lambda a, b: O.Adam([a, b], lr=0.1), dtype=torch.float32)
run("SgdClip", lambda a, b: O.SGD([a, b], lr=0.1, momentum=0.9), clip=(1.0, 2.0))
run("AdamClipInf", lambda a, b: O.Adam([a, b], lr=0.1), clip=(2.5, math.inf))
run("AdamClipL1", lambda a, b: O.Adam([a, b], lr=0.1), clip=(3.0, 1.0))

sgd = lambda a, b: O.SGD([a, b], lr=0.1)
run("StepLR", sgd, make_sched=lambda o: S.StepLR(o, step_size=2, gamma=0.5))
run("CosineLR", sgd, make_sched=lambda o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.01))
# focus's LinearWarmup(start_factor, warmup_steps) is LinearLR with end_factor 1.
run("LinearWarmup", sgd, make_sched=lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=3))
# focus's NoamLR(d_model, warmup): lr = base * d_model^-0.5 * min(n^-0.5, n * warmup^-1.5), n = step + 1.
D_MODEL, WARMUP = 16, 3
run("NoamLR", lambda a, b: O.SGD([a, b], lr=2.0),
    make_sched=lambda o: S.LambdaLR(o, lambda e: D_MODEL ** -0.5 * min((e + 1) ** -0.5, (e + 1) * WARMUP ** -1.5)))
run("LambdaLR", sgd, make_sched=lambda o: S.LambdaLR(o, lambda e: 0.8 ** e))
