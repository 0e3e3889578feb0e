# Reference values for tests/test_nn_functional.cpp, from PyTorch in float64.
# Run: /usr/bin/python3 tests/reference/nn_functional_ref.py  (prints C++ initializer lists)
# The inputs are hard-coded here and in the test; change both together.
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def show(name, t):
    values = ", ".join("%.12g" % v for v in t.detach().reshape(-1).tolist())
    print("%s %s: {%s}" % (name, list(t.shape), values))


X = torch.tensor([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.5], [3.0, -2.0, 1.0, 0.0]])

show("softmax dim=1", F.softmax(X, dim=1))
show("softmax dim=0", F.softmax(X, dim=0))
show("log_softmax dim=1", F.log_softmax(X, dim=1))
show("log_softmax dim=0", F.log_softmax(X, dim=0))

# cross_entropy: the middle target (1) is ignored, targets 3 and 0 count.
T = torch.tensor([3, 1, 0])
for reduction in ["mean", "sum", "none"]:
    x = X.clone().requires_grad_()
    loss = F.cross_entropy(x, T, ignore_index=1, label_smoothing=0.1, reduction=reduction)
    show("cross_entropy ignore_index=1 label_smoothing=0.1 %s" % reduction, loss)
    if reduction == "mean":
        loss.backward()
        show("  d/dlogits", x.grad)
show("cross_entropy plain mean", F.cross_entropy(X, T))
show("cross_entropy unbatched X[1], target 2, label_smoothing=0.2", F.cross_entropy(X[1], torch.tensor(2), label_smoothing=0.2))
x = X.clone().requires_grad_()
loss = F.cross_entropy(x, torch.tensor([1, 1, 1]), ignore_index=1, label_smoothing=0.1)
loss.backward()
show("cross_entropy all ignored mean", loss)
show("  d/dlogits", x.grad)

# layer_norm over the last dim with weight and bias, gradients under upstream gradient G.
W = torch.tensor([0.5, 1.0, -1.0, 2.0])
B = torch.tensor([0.1, 0.0, -0.2, 0.3])
G = torch.tensor([[0.3, -0.1, 0.2, 0.5], [1.0, 0.0, -0.5, 0.25], [-0.3, 0.7, 0.1, -0.2]])
x, w, b = X.clone().requires_grad_(), W.clone().requires_grad_(), B.clone().requires_grad_()
y = F.layer_norm(x, [4], w, b, eps=1e-5)
(y * G).sum().backward()
show("layer_norm [4]", y)
show("  dx", x.grad)
show("  dweight", w.grad)
show("  dbias", b.grad)
show("layer_norm [3, 4] no affine", F.layer_norm(X, [3, 4]))
