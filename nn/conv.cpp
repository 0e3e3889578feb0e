// Conv2d.
#include <focus/nn/conv.h>

#include <focus/tensor/factory.h>

#include <cmath>
#include <string>

namespace focus::nn {

namespace {

std::string pair_str(const std::array<std::int64_t, 2>& a) {
  return "[" + std::to_string(a[0]) + ", " + std::to_string(a[1]) + "]";
}

}  // namespace

Conv2d::Conv2d(const Conv2dConfig& c, DType dtype) : Module("Conv2d"), config_(c) {
  if (c.in_channels <= 0 || c.out_channels <= 0 || c.kernel_size[0] <= 0 || c.kernel_size[1] <= 0 || c.groups <= 0)
    throw ValueError("Conv2d: in_channels, out_channels, kernel_size and groups must be positive; got in_channels=" +
                     std::to_string(c.in_channels) + ", out_channels=" + std::to_string(c.out_channels) +
                     ", kernel_size=" + pair_str(c.kernel_size) + ", groups=" + std::to_string(c.groups));
  if (c.in_channels % c.groups != 0 || c.out_channels % c.groups != 0)
    throw ValueError("Conv2d: in_channels and out_channels must be divisible by groups; got in_channels=" +
                     std::to_string(c.in_channels) + ", out_channels=" + std::to_string(c.out_channels) +
                     ", groups=" + std::to_string(c.groups));
  const std::int64_t fan_in = c.in_channels / c.groups * c.kernel_size[0] * c.kernel_size[1];
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  weight = register_parameter(
      "weight", uniform({c.out_channels, c.in_channels / c.groups, c.kernel_size[0], c.kernel_size[1]}, -bound, bound,
                        dtype));
  if (c.bias) bias = register_parameter("bias", uniform({c.out_channels}, -bound, bound, dtype));
}

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size, std::int64_t stride,
               std::int64_t padding, bool has_bias, DType dtype)
    : Conv2d(Conv2dConfig{in_channels, out_channels, {kernel_size, kernel_size}, {stride, stride},
                          {padding, padding}, {1, 1}, 1, has_bias},
             dtype) {}

Conv2dOptions Conv2d::options() const {
  return {config_.stride, config_.padding, config_.dilation, config_.groups};
}

Tensor Conv2d::forward(const Tensor& input) const {
  return with_module_path([&] { return conv2d(input, weight, bias, options()); });
}

// As torch prints it: dilation and groups only when not the default.
std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(config_.in_channels) + ", " + std::to_string(config_.out_channels) +
                  ", kernel_size=" + pair_str(config_.kernel_size) + ", stride=" + pair_str(config_.stride) +
                  ", padding=" + pair_str(config_.padding);
  if (config_.dilation != std::array<std::int64_t, 2>{1, 1}) s += ", dilation=" + pair_str(config_.dilation);
  if (config_.groups != 1) s += ", groups=" + std::to_string(config_.groups);
  return s + ", bias=" + (bias.defined() ? "true" : "false");
}

}  // namespace focus::nn
