// Matrix products on BLAS (sgemm/dgemm), with NumPy's matmul semantics: 1-D operands are promoted
// to a matrix and the added dim removed; leading (batch) dims broadcast.
#pragma once

#include <focus/tensor/tensor.h>

namespace focus {

[[nodiscard]] Tensor matmul(const Tensor& a, const Tensor& b);
// x @ weight^T + bias: the affine map of nn::Linear, weight [out, in], bias [out] or undefined.
// One GEMM with the weight read transposed in place, not copied.
[[nodiscard]] Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace focus
