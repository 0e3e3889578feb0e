// Differentiable matrix products. Transposes in the backward are views (mT), which the GEMM
// kernel reads with a transpose flag, so no gradient step copies a matrix.
#include <focus/autograd/ops_matmul.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/matmul.h>
#include <focus/tensor/view.h>

namespace focus {

namespace {

void check_matmul(const Tensor& a, const Tensor& b) {
  check_same_dtype("matmul", a, b);
  check_floating("matmul", a);
  if (a.dim() == 0 || b.dim() == 0)
    throw ShapeError("matmul: both operands need at least 1 dim; got a=" + to_string(a.shape()) + ", b=" +
                     to_string(b.shape()));
  const std::int64_t k_a = a.shape()[a.dim() - 1];
  const std::int64_t k_b = b.dim() == 1 ? b.shape()[0] : b.shape()[b.dim() - 2];
  if (k_a != k_b)
    throw ShapeError("matmul: inner dims must match (a's last, b's second-to-last); got a=" + to_string(a.shape()) +
                     ", b=" + to_string(b.shape()));
  // Batch dims (all but the last two) broadcast, aligned from the right.
  for (int i = 3; i <= a.dim() && i <= b.dim(); ++i) {
    const std::int64_t da = a.shape()[a.dim() - i], db = b.shape()[b.dim() - i];
    if (da != db && da != 1 && db != 1)
      throw ShapeError("matmul: batch dims must broadcast (equal or 1 in each dim); got a=" + to_string(a.shape()) +
                       ", b=" + to_string(b.shape()));
  }
}

// The product for rank >= 2 operands.
// y = a @ b;  [.., M, K] @ [.., K, N] -> [.., M, N];  da = sum_to(g @ b^T), db = sum_to(a^T @ g)
Tensor matmul_2d_up(const Tensor& a, const Tensor& b) {
  Tensor out = kernel::matmul(a, b);
  if (!needs_grad(a, b)) return out;
  return record("matmul", out, {a, b},
                [a = save(a), b = save(b), na = a.requires_grad(), nb = b.requires_grad()](const Tensor& g) -> Grads {
                  const Tensor& av = a.get("matmul");
                  const Tensor& bv = b.get("matmul");
                  Tensor da, db;
                  if (na) da = sum_to(matmul(g, bv.mT()), av.shape());
                  if (nb) {
                    if (bv.dim() == 2 && av.dim() > 2) {  // fold the batch into one GEMM
                      const std::int64_t K = av.shape()[av.dim() - 1], N = g.shape()[g.dim() - 1];
                      db = matmul(av.reshape({-1, K}).mT(), g.reshape({-1, N}));
                    } else {
                      db = sum_to(matmul(av.mT(), g), bv.shape());
                    }
                  }
                  return {da, db};
                });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_matmul(a, b);
  // 1-D operands: promote with a view, multiply, drop the added dim (all differentiable views).
  if (a.dim() == 1 && b.dim() == 1) return matmul_2d_up(a.unsqueeze(0), b.unsqueeze(1)).reshape({});
  if (a.dim() == 1) return matmul_2d_up(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return matmul_2d_up(a, b.unsqueeze(1)).squeeze(-1);
  return matmul_2d_up(a, b);
}

// y = x @ W^T + b;  [.., in] x [out, in] -> [.., out];
// dx = g @ W, dW = g^T @ x (batch folded into rows), db = sum of g over all but the last dim
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_same_dtype("linear", x, weight);
  check_floating("linear", x);
  if (weight.dim() != 2 || x.dim() == 0 || x.shape()[x.dim() - 1] != weight.shape()[1])
    throw ShapeError("linear: input's last dim must equal weight's in_features (weight is [out, in]); got input=" +
                     to_string(x.shape()) + ", weight=" + to_string(weight.shape()));
  const std::int64_t in = weight.shape()[1], out_f = weight.shape()[0];
  if (bias.defined()) {
    check_same_dtype("linear", x, bias);
    if (bias.dim() != 1 || bias.shape()[0] != out_f)
      throw ShapeError("linear: bias must be [out_features]; got bias=" + to_string(bias.shape()) + ", weight=" +
                       to_string(weight.shape()));
  }
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] = out_f;
  Tensor out = Tensor::empty(out_shape, x.dtype());
  std::int64_t rows = 1;
  for (int i = 0; i + 1 < x.dim(); ++i) rows *= x.shape()[i];
  Tensor xr = kernel::try_view(x, {rows, in});  // the batch folded into rows, a view when strides allow
  if (!xr.defined()) xr = kernel::try_view(kernel::clone(x), {rows, in});
  const Tensor o2 = as_strided(out, {rows, out_f}, {out_f, 1}, 0);
  double beta = 0;
  if (bias.defined()) {  // start from the bias in every row, then accumulate the product (beta = 1)
    kernel::copy_into(o2, bias);
    beta = 1;
  }
  kernel::gemm(xr, false, weight, true, o2, 1.0, beta);
  if (!needs_grad(x, weight, bias)) return out;
  return record("linear", out, {x, weight, bias},
                [x = save(x), w = save(weight), nx = x.requires_grad(),
                 nw = weight.requires_grad(), nbias = bias.defined() && bias.requires_grad()](const Tensor& g) -> Grads {
                  const Tensor& xv = x.get("linear");
                  const Tensor& wv = w.get("linear");
                  const std::int64_t O = wv.shape()[0], I = wv.shape()[1];
                  const Tensor g2 = g.reshape({-1, O});
                  Tensor dx, dw, db;
                  if (nx) dx = matmul(g2, wv).reshape(xv.shape());
                  if (nw) dw = matmul(g2.mT(), xv.reshape({-1, I}));
                  if (nbias) db = sum(g2, {0});
                  return {dx, dw, db};
                });
}

}  // namespace focus
