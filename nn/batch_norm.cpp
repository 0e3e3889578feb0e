// BatchNorm2d.
#include <focus/nn/batch_norm.h>

#include <focus/autograd/ops_nn.h>
#include <focus/tensor/factory.h>

#include <sstream>

namespace focus::nn {

BatchNorm2d::BatchNorm2d(std::int64_t num_features, double eps, double momentum, bool affine,
                         bool track_running_stats, DType dtype)
    : Module("BatchNorm2d"), num_features_(num_features), eps_(eps), momentum_(momentum) {
  if (num_features <= 0)
    throw ValueError("BatchNorm2d: num_features must be positive; got num_features=" + std::to_string(num_features));
  if (!(eps >= 0)) throw ValueError("BatchNorm2d: eps must be >= 0; got eps=" + std::to_string(eps));
  if (affine) {
    weight = register_parameter("weight", ones({num_features}, dtype));
    bias = register_parameter("bias", zeros({num_features}, dtype));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}, dtype));
    running_var = register_buffer("running_var", ones({num_features}, dtype));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

Tensor BatchNorm2d::forward(const Tensor& x) const {
  return with_module_path([&] {
    if (x.dim() != 4 || x.shape()[1] != num_features_)
      throw ShapeError("BatchNorm2d: input must be [B, C, H, W] with C = num_features; got input=" +
                       focus::to_string(x.shape()) + ", num_features=" + std::to_string(num_features_));
    const bool batch_stats = is_training() || !running_mean.defined();
    Tensor y = batch_norm(x, running_mean, running_var, weight, bias, batch_stats, momentum_, eps_);
    if (is_training() && num_batches_tracked.defined()) Tensor(num_batches_tracked).add_(1.0);
    return y;
  });
}

std::string BatchNorm2d::extra_repr() const {
  std::ostringstream os;
  os << "num_features=" << num_features_ << ", eps=" << eps_ << ", momentum=" << momentum_
     << ", affine=" << (weight.defined() ? "true" : "false")
     << ", track_running_stats=" << (running_mean.defined() ? "true" : "false");
  return os.str();
}

}  // namespace focus::nn
