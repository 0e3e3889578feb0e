// The 2-D pooling kernels behind autograd/ops_pool: max and average over windows of the last two
// dims, and their backwards. Every leading dim is a plane ([B, C, H, W] is B*C planes of H x W);
// planes are split across threads, each computed the same way wherever it lands. Float32 and
// float64, any input strides; outputs contiguous. Callers check shapes and name the op in errors.
#pragma once

#include <focus/tensor/tensor.h>

#include <vector>

namespace focus::kernel {

// One axis of a pooling: output i reads input positions [begin[i], end[i]) (already clipped to
// the input) and an average divides by count[i], the window's length including any padding.
struct PoolWindows {
  std::vector<std::int64_t> begin, end, count;
  std::int64_t size() const { return static_cast<std::int64_t>(begin.size()); }
};
// Sliding windows: start i * stride - padding, length kernel; (n + 2 padding - kernel) / stride + 1
// of them (n + 2 padding >= kernel: the caller checks).
PoolWindows sliding_windows(std::int64_t n, std::int64_t kernel, std::int64_t stride, std::int64_t padding);
// Adaptive bins as PyTorch: [floor(i n / out), ceil((i + 1) n / out)), each counted as its length.
PoolWindows adaptive_windows(std::int64_t n, std::int64_t out);

struct MaxPool2dForward {
  Tensor y;        // [.., OH, OW]
  Tensor indices;  // int64 [.., OH, OW]: where each max sits in its plane, h * W + w (PyTorch's form)
};
// x [.., H, W] -> the max of each window; a NaN wins (the last one); ties keep the first in row-major order.
MaxPool2dForward max_pool2d_forward(const Tensor& x, const PoolWindows& rows, const PoolWindows& cols);
// dx [input_shape] = zeros with each g added at its plane's index (summed where windows share a max).
Tensor max_pool2d_backward(const Tensor& g, const Tensor& indices, const Shape& input_shape);

// x [.., H, W] -> sum of each window / (count_row * count_col).
Tensor avg_pool2d_forward(const Tensor& x, const PoolWindows& rows, const PoolWindows& cols);
// dx [input_shape]: each g / (count_row * count_col) added over its window (avg's adjoint).
Tensor avg_pool2d_backward(const Tensor& g, const Shape& input_shape, const PoolWindows& rows,
                           const PoolWindows& cols);

}  // namespace focus::kernel
