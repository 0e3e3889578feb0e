# Reference numbers for tests/test_pooling.cpp and tests/test_batch_norm.cpp, from PyTorch (Debian's
# python3-torch 1.13): run with /usr/bin/python3 tests/reference/pool_norm_ref.py.
# Inputs are formulas both sides compute: x[i] = 2 sin(0.37 i + 0.1) in row-major order, the
# output gradient g[i] = cos(0.5 i), weight[c] = 1 + 0.1 c, bias[c] = 0.05 c - 0.1. Each result is
# printed as its first values and a checksum sum_i v[i] cos(0.3 i), all in float64.
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def formula(shape, f):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)]).reshape(shape)


def x_of(shape):
    return formula(shape, lambda i: 2 * math.sin(0.37 * i + 0.1)).requires_grad_()


def g_of(shape):
    return formula(shape, lambda i: math.cos(0.5 * i))


def show(name, t):
    v = t.detach().flatten()
    check = sum(float(v[i]) * math.cos(0.3 * i) for i in range(v.numel()))
    first = ", ".join(f"{float(a):.17g}" for a in v[:4])
    print(f"{name}: shape={list(t.shape)} first=[{first}] checksum={check:.17g}")


def pool_case(name, fn, shape):
    x = x_of(shape)
    y = fn(x)
    y.backward(g_of(y.shape))
    show(name + " y", y)
    show(name + " dx", x.grad)


shape = [2, 3, 7, 6]
pool_case("max_pool2d k3 s2 p1", lambda x: F.max_pool2d(x, 3, 2, 1), shape)
pool_case("max_pool2d k[2,3] s[1,2] p[1,0]", lambda x: F.max_pool2d(x, (2, 3), (1, 2), (1, 0)), shape)
pool_case("avg_pool2d k3 s2 p1", lambda x: F.avg_pool2d(x, 3, 2, 1), shape)
pool_case("avg_pool2d k[3,2] s[2,1] p[1,0]", lambda x: F.avg_pool2d(x, (3, 2), (2, 1), (1, 0)), shape)
pool_case("adaptive_avg_pool2d [3,4]", lambda x: F.adaptive_avg_pool2d(x, (3, 4)), shape)
pool_case("adaptive_avg_pool2d [1,1]", lambda x: F.adaptive_avg_pool2d(x, 1), shape)

for training in (True, False):
    x = x_of([4, 3, 5, 2])
    w = formula([3], lambda c: 1 + 0.1 * c).requires_grad_()
    b = formula([3], lambda c: 0.05 * c - 0.1).requires_grad_()
    rm = formula([3], lambda c: 0.2 * c - 0.1)
    rv = formula([3], lambda c: 0.5 + 0.25 * c)
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1, eps=1e-5)
    y.backward(g_of(y.shape))
    name = "batch_norm " + ("training" if training else "eval")
    show(name + " y", y)
    show(name + " dx", x.grad)
    show(name + " dweight", w.grad)
    show(name + " dbias", b.grad)
    show(name + " running_mean", rm)
    show(name + " running_var", rv)
