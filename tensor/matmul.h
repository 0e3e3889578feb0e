// Matrix-product kernels on BLAS (the attention kernel is the only other BLAS caller). Views whose
// rows or columns are contiguous go to BLAS as they are, with a transpose flag and leading
// dimension, never copied; only other layouts are made contiguous. Large products are cut into
// pieces that depend on the shape alone and shared across focus's threads (tensor/parallel.h).
#pragma once

#include <focus/tensor/tensor.h>

namespace focus::kernel {

// a @ b with NumPy semantics; the caller has checked shapes and dtypes (float32/float64).
Tensor matmul(const Tensor& a, const Tensor& b);

// c = alpha * op(a) @ op(b) + beta * c for 2-D a, b, c, where op transposes when asked.
// c must have contiguous rows (stride 1 in its last dim).
void gemm(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, const Tensor& c,
          double alpha = 1.0, double beta = 0.0);

}  // namespace focus::kernel
