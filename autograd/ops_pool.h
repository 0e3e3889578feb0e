// Differentiable 2-D pooling over the last two dims of [B, C, H, W] (or [C, H, W]) input, as
// torch.nn.functional's max_pool2d, avg_pool2d and adaptive_avg_pool2d (no ceil_mode, no
// dilation). Kernels in tensor/pool_kernels.h.
#pragma once

#include <array>

#include <focus/tensor/tensor.h>

namespace focus {

struct Pool2dOptions {
  std::array<std::int64_t, 2> kernel_size{1, 1};
  std::array<std::int64_t, 2> stride{0, 0};  // 0 means "the kernel size", PyTorch's default
  std::array<std::int64_t, 2> padding{0, 0};  // at most half the kernel, as PyTorch
};

// The max of each window; padding counts as -inf. Saves the arg-max (the first, on ties) for backward.
[[nodiscard]] Tensor max_pool2d(const Tensor& input, const Pool2dOptions& options);
// The mean of each window, padding counted as zeros in the divisor (count_include_pad=true).
[[nodiscard]] Tensor avg_pool2d(const Tensor& input, const Pool2dOptions& options);
// The mean over output_size bins: bin i spans [floor(i H / OH), ceil((i + 1) H / OH)), as PyTorch.
[[nodiscard]] Tensor adaptive_avg_pool2d(const Tensor& input, std::array<std::int64_t, 2> output_size);

}  // namespace focus
