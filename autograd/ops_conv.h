// 2-D convolution as torch.nn.functional.conv2d: stride, padding (zeros), dilation, groups and an
// optional bias, on float32 or float64. The kernels (tensor/conv_kernels.h) run im2col + GEMM; the
// backward is written with conv's own gradient ops so that create_graph can differentiate it again.
#pragma once

#include <array>
#include <cstdint>

#include <focus/tensor/tensor.h>

namespace focus {

struct Conv2dOptions {
  std::array<std::int64_t, 2> stride{1, 1};    // (height, width), each >= 1
  std::array<std::int64_t, 2> padding{0, 0};   // zeros added on both sides, each >= 0
  std::array<std::int64_t, 2> dilation{1, 1};  // spacing of the kernel's taps, each >= 1
  std::int64_t groups = 1;                     // channels split into this many independent convolutions
};

// input [B, C_in, H, W], weight [C_out, C_in / groups, kH, kW], bias [C_out] or undefined
// -> [B, C_out, H_out, W_out], H_out = (H + 2 pH - dH (kH - 1) - 1) / sH + 1 (likewise W_out).
// Output channel o sees only the input channels of its group, o / (C_out / groups).
[[nodiscard]] Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                            const Conv2dOptions& options = {});

}  // namespace focus
