// Pooling and flattening layers, as torch.nn's MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and Flatten:
// no parameters, each forward one call of autograd/ops_pool.h (or Tensor::flatten).
#pragma once

#include <focus/autograd/ops_pool.h>
#include <focus/nn/module.h>

namespace focus::nn {

// What MaxPool2d and AvgPool2d share: options checked once, at construction, and their printing.
class Pool2d : public Module {
 public:
  Pool2d(std::string type_name, const Pool2dOptions& options);
  std::string extra_repr() const override;
  const Pool2dOptions& options() const { return options_; }

 protected:
  Pool2dOptions options_;  // stride resolved: never 0
};

// [B, C, H, W] -> [B, C, OH, OW], OH = (H + 2 padding - kernel_size) / stride + 1; stride 0 = kernel_size.
class MaxPool2d : public Pool2d {
 public:
  explicit MaxPool2d(std::int64_t kernel_size, std::int64_t stride = 0, std::int64_t padding = 0);
  explicit MaxPool2d(const Pool2dOptions& options) : Pool2d("MaxPool2d", options) {}
  Tensor forward(const Tensor& x) const;
};

class AvgPool2d : public Pool2d {
 public:
  explicit AvgPool2d(std::int64_t kernel_size, std::int64_t stride = 0, std::int64_t padding = 0);
  explicit AvgPool2d(const Pool2dOptions& options) : Pool2d("AvgPool2d", options) {}
  Tensor forward(const Tensor& x) const;
};

// [B, C, H, W] -> [B, C, output_size]; AdaptiveAvgPool2d(1) is global average pooling.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(std::array<std::int64_t, 2> output_size);
  explicit AdaptiveAvgPool2d(std::int64_t output_size) : AdaptiveAvgPool2d({output_size, output_size}) {}
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

 private:
  std::array<std::int64_t, 2> output_size_;
};

// Joins dims start_dim..end_dim into one: [B, C, H, W] -> [B, C * H * W] with the defaults.
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1);
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

 private:
  std::int64_t start_dim_, end_dim_;
};

}  // namespace focus::nn
