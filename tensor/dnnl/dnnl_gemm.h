// The oneDNN backend for matrix products, built only with -DFOCUS_WITH_DNNL=ON (Debian's
// libdnnl-dev). tensor/matmul.cpp calls it for float32 products (oneDNN's sgemm) and, under
// MatmulPrecision::bf16, for bf16 x bf16 -> float32 products (oneDNN's matmul primitive).
// Row-major operands with a transpose flag and leading dimension, as cblas_sgemm takes them;
// C = alpha op(A) op(B) + beta C. Every call runs on the calling thread alone: focus's pool
// shares the pieces of a product out (tensor/matmul.cpp), so oneDNN's OpenMP team is held to one.
#pragma once

#include <cstdint>
#include <string>

namespace focus::kernel::dnnl {

// "" when bf16 products run here: the CPU has AVX512_BF16 (the bf16 dot-product instructions)
// and oneDNN makes a bf16 product for it (ONEDNN_MAX_CPU_ISA can forbid that). Else why not.
// Worked out once per process.
std::string bf16_unavailable_reason();

void sgemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
           std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc);

// A and B hold bfloat16 bit patterns (the upper half of a float32).
void bf16_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
               const std::uint16_t* A, std::int64_t lda, const std::uint16_t* B, std::int64_t ldb, float beta,
               float* C, std::int64_t ldc);

}  // namespace focus::kernel::dnnl
