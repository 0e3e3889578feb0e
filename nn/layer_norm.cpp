// LayerNorm.
#include <focus/nn/layer_norm.h>

#include <focus/autograd/ops_nn.h>
#include <focus/tensor/factory.h>

#include <sstream>

namespace focus::nn {

LayerNorm::LayerNorm(const Shape& normalized_shape, double eps, bool affine, DType dtype)
    : Norm("LayerNorm"), normalized_shape_(normalized_shape), eps_(eps) {
  if (normalized_shape.empty()) throw ValueError("LayerNorm: normalized_shape must not be empty");
  // A zero-size shape would normalise over no elements (0 / 0), a negative eps divide by zero.
  if (checked_numel("LayerNorm", normalized_shape) == 0)
    throw ValueError("LayerNorm: normalized_shape must have no zero dims; got " + focus::to_string(normalized_shape));
  if (!(eps >= 0)) throw ValueError("LayerNorm: eps must be >= 0; got eps=" + std::to_string(eps));
  if (affine) {
    weight = register_parameter("weight", ones(normalized_shape, dtype));
    bias = register_parameter("bias", zeros(normalized_shape, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return with_module_path([&] { return layer_norm(x, normalized_shape_, weight, bias, eps_); });
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << "normalized_shape=" << focus::to_string(normalized_shape_) << ", eps=" << eps_
     << ", elementwise_affine=" << (weight.defined() ? "true" : "false");
  return os.str();
}

}  // namespace focus::nn
