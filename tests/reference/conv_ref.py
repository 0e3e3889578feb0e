# Reference numbers for tests/test_conv.cpp ("conv2d: matches PyTorch ..."): one conv2d with groups,
# an uneven stride, padding and dilation, in float64, on inputs both sides compute from the same
# formulas; prints the output's and the three gradients' sum, sum of squares and first values.
# Run: /usr/bin/python3 tests/reference/conv_ref.py   (PyTorch 1.13)
import math

import torch

torch.set_default_dtype(torch.float64)


def pattern(shape, f):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)]).reshape(shape)


x = pattern([2, 4, 5, 6], lambda i: math.sin(0.11 * i + 0.5)).requires_grad_()
w = pattern([6, 2, 3, 2], lambda i: 0.2 * math.sin(0.37 * i + 1.3)).requires_grad_()
b = pattern([6], lambda i: 0.1 * math.cos(0.7 * i)).requires_grad_()
y = torch.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=(1, 1), dilation=(1, 2), groups=2)
c = pattern(list(y.shape), lambda i: math.cos(0.05 * i))
(y * c).sum().backward()


def show(name, t):
    v = t.detach().flatten()
    first = ", ".join(f"{e:.15g}" for e in v[:6].tolist())
    print(f"{name}: shape={list(t.shape)} sum={v.sum().item():.15g} sumsq={(v * v).sum().item():.15g} first={{{first}}}")


show("y", y)
show("dx", x.grad)
show("dw", w.grad)
show("db", b.grad)
