// MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten.
#include <focus/nn/pooling.h>

namespace focus::nn {

namespace {

// "2" for a square pair, "[2, 3]" otherwise, as PyTorch prints 2 or (2, 3).
std::string pair_str(std::array<std::int64_t, 2> a) {
  if (a[0] == a[1]) return std::to_string(a[0]);
  return focus::to_string(Shape{a[0], a[1]});
}

Pool2dOptions square(std::int64_t kernel_size, std::int64_t stride, std::int64_t padding) {
  return {{kernel_size, kernel_size}, {stride, stride}, {padding, padding}};
}

}  // namespace

Pool2d::Pool2d(std::string type_name, const Pool2dOptions& options) : Module(type_name), options_(options) {
  const std::string got = "; got kernel_size=" + pair_str(options.kernel_size) + ", stride=" +
                          pair_str(options.stride) + ", padding=" + pair_str(options.padding);
  for (int a = 0; a < 2; ++a) {
    const std::int64_t k = options.kernel_size[a], s = options.stride[a], p = options.padding[a];
    if (k <= 0) throw ValueError(type_name + ": kernel_size must be positive" + got);
    if (s < 0) throw ValueError(type_name + ": stride must be >= 0 (0 means kernel_size)" + got);
    if (p < 0 || 2 * p > k) throw ValueError(type_name + ": padding must be >= 0 and at most half of kernel_size" + got);
    if (s == 0) options_.stride[a] = k;
  }
}

std::string Pool2d::extra_repr() const {
  return "kernel_size=" + pair_str(options_.kernel_size) + ", stride=" + pair_str(options_.stride) +
         ", padding=" + pair_str(options_.padding);
}

MaxPool2d::MaxPool2d(std::int64_t kernel_size, std::int64_t stride, std::int64_t padding)
    : MaxPool2d(square(kernel_size, stride, padding)) {}

Tensor MaxPool2d::forward(const Tensor& x) const {
  return with_module_path([&] { return max_pool2d(x, options_); });
}

AvgPool2d::AvgPool2d(std::int64_t kernel_size, std::int64_t stride, std::int64_t padding)
    : AvgPool2d(square(kernel_size, stride, padding)) {}

Tensor AvgPool2d::forward(const Tensor& x) const {
  return with_module_path([&] { return avg_pool2d(x, options_); });
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(std::array<std::int64_t, 2> output_size)
    : Module("AdaptiveAvgPool2d"), output_size_(output_size) {
  if (output_size[0] <= 0 || output_size[1] <= 0)
    throw ValueError("AdaptiveAvgPool2d: output_size must be positive; got output_size=" + pair_str(output_size));
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) const {
  return with_module_path([&] { return adaptive_avg_pool2d(x, output_size_); });
}

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + pair_str(output_size_); }

Flatten::Flatten(std::int64_t start_dim, std::int64_t end_dim)
    : Module("Flatten"), start_dim_(start_dim), end_dim_(end_dim) {}

Tensor Flatten::forward(const Tensor& x) const {
  return with_module_path([&] { return x.flatten(start_dim_, end_dim_); });
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

}  // namespace focus::nn
