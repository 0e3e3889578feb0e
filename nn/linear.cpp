// Linear and Dense.
#include <focus/nn/linear.h>

#include <focus/autograd/ops_matmul.h>
#include <focus/nn/init.h>
#include <focus/tensor/factory.h>

#include <cmath>

namespace focus::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool has_bias, DType dtype)
    : Module("Linear"), in_features_(in_features), out_features_(out_features) {
  if (in_features <= 0 || out_features <= 0)
    throw ValueError("Linear: in_features and out_features must be positive; got in_features=" +
                     std::to_string(in_features) + ", out_features=" + std::to_string(out_features));
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight = register_parameter("weight", uniform({out_features, in_features}, -bound, bound, dtype));
  if (has_bias) bias = register_parameter("bias", uniform({out_features}, -bound, bound, dtype));
}

Tensor Linear::forward(const Tensor& x) const {
  return with_module_path([&] { return linear(x, weight, bias); });
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) + ", out_features=" + std::to_string(out_features_) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

Dense::Dense(std::int64_t in_features, std::int64_t units, bool has_bias, DType dtype)
    : Linear(in_features, units, has_bias, dtype) {}

}  // namespace focus::nn
