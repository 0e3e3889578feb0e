// LayerNorm.
#include <focus/nn/layer_norm.h>

#include <focus/autograd/ops_nn.h>
#include <focus/tensor/factory.h>

#include <sstream>

namespace focus::nn {

LayerNorm::LayerNorm(const Shape& normalized_shape, double eps, bool affine, DType dtype)
    : Module("LayerNorm"), normalized_shape_(normalized_shape), eps_(eps) {
  if (normalized_shape.empty()) throw ValueError("LayerNorm: normalized_shape must not be empty");
  checked_numel("LayerNorm", normalized_shape);
  if (affine) {
    weight = register_parameter("weight", ones(normalized_shape, dtype));
    bias = register_parameter("bias", zeros(normalized_shape, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, normalized_shape_, weight, bias, eps_); }

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << "normalized_shape=" << focus::to_string(normalized_shape_) << ", eps=" << eps_
     << ", elementwise_affine=" << (weight.defined() ? "true" : "false");
  return os.str();
}

}  // namespace focus::nn
