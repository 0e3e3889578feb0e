// The 2-D convolution kernels behind autograd/ops_conv: forward, and the three gradients, each an
// im2col (or col2im) per sample and one BLAS product per group through kernel::gemm. Plain functions
// on tensors, no autograd; the caller checks shapes and dtypes and fills in the geometry. Float32 and
// float64. Results are bitwise the same at any thread count (see conv_kernels.cpp for how).
#pragma once

#include <focus/tensor/tensor.h>

namespace focus::kernel {

// The sizes of one convolution, as the caller computed and checked them.
// input [B, C, H, W], weight [O, C / groups, kH, kW], output [B, O, Ho, Wo] with
// Ho = (H + 2 pH - dH (kH - 1) - 1) / sH + 1 (likewise Wo).
struct Conv2dGeometry {
  std::int64_t B, C, H, W;
  std::int64_t O, kH, kW;
  std::int64_t sH, sW, pH, pW, dH, dW, groups;
  std::int64_t Ho, Wo;
};

// y[b, o] = bias[o] + sum_{c, i, j} w[o, c, i, j] x[b, g C/G + c, oh sH - pH + i dH, ow sW - pW + j dW]
// (o in group g; x read as 0 outside the image). bias may be undefined. Any strides; y contiguous.
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dGeometry& s);
// dx = the adjoint of conv2d_forward in x applied to dy [B, O, Ho, Wo]: [B, C, H, W], contiguous.
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Conv2dGeometry& s);
// dw = the adjoint of conv2d_forward in w: sum over the batch of dy_b im2col(x_b)^T, [O, C/G, kH, kW].
Tensor conv2d_backward_weight(const Tensor& x, const Tensor& dy, const Conv2dGeometry& s);
// dbias[o] = sum of dy[b, o, :, :] over b and the image: [O].
Tensor conv2d_backward_bias(const Tensor& dy, const Conv2dGeometry& s);

}  // namespace focus::kernel
