// RMSNorm: the function composed from differentiable ops, and the module holding its weight.
#include <focus/nn/rms_norm.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/tensor/factory.h>

#include <sstream>

namespace focus::nn {

// y = x * rsqrt(mean(x^2 over the last k dims) + eps) * weight
// x [.., N1..Nk], weight [N1..Nk] -> [.., N1..Nk]
// backward: each op's own (mul, mean, add, rsqrt); weight's gradient sums over the leading dims.
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, double eps) {
  check_floating("rms_norm", x);
  const int k = normalized_shape.size();
  bool fits = k >= 1 && x.dim() >= k;
  for (int i = 0; fits && i < k; ++i) fits = x.shape()[x.dim() - k + i] == normalized_shape[i];
  if (!fits)
    throw ShapeError("rms_norm: normalized_shape must be non-empty and match the trailing dims of x; got x=" +
                     to_string(x.shape()) + ", normalized_shape=" + to_string(normalized_shape));
  if (weight.defined()) {
    check_same_dtype("rms_norm", x, weight);
    if (!(weight.shape() == normalized_shape))
      throw ShapeError("rms_norm: weight must have normalized_shape; got weight=" + to_string(weight.shape()) +
                       ", normalized_shape=" + to_string(normalized_shape));
  }
  if (!(eps >= 0)) throw ValueError("rms_norm: eps must be >= 0; got eps=" + std::to_string(eps));
  Dims dims;
  for (int i = 0; i < k; ++i) dims.push_back(x.dim() - k + i);
  const Tensor y = x * rsqrt(mean(x * x, dims, true) + eps);
  return weight.defined() ? y * weight : y;
}

RMSNorm::RMSNorm(const Shape& normalized_shape, double eps, bool affine, DType dtype)
    : Norm("RMSNorm"), normalized_shape_(normalized_shape), eps_(eps) {
  if (normalized_shape.empty()) throw ValueError("RMSNorm: normalized_shape must not be empty; got []");
  // A zero-size shape would average over no elements (0 / 0).
  if (checked_numel("RMSNorm", normalized_shape) == 0)
    throw ValueError("RMSNorm: normalized_shape must have no zero dims; got " + focus::to_string(normalized_shape));
  if (!(eps >= 0)) throw ValueError("RMSNorm: eps must be >= 0; got eps=" + std::to_string(eps));
  if (affine) weight = register_parameter("weight", ones(normalized_shape, dtype));
}

Tensor RMSNorm::forward(const Tensor& x) const {
  return with_module_path([&] { return rms_norm(x, normalized_shape_, weight, eps_); });
}

std::string RMSNorm::extra_repr() const {
  std::ostringstream os;
  os << "normalized_shape=" << focus::to_string(normalized_shape_) << ", eps=" << eps_
     << ", elementwise_affine=" << (weight.defined() ? "true" : "false");
  return os.str();
}

}  // namespace focus::nn
