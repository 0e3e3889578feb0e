// oneDNN calls for tensor/matmul.cpp: sgemm through dnnl_sgemm, bf16 products through matmul
// primitives that each thread keeps by shape (making one costs tens of microseconds, running a
// small one a few).
#include <focus/tensor/dnnl/dnnl_gemm.h>
#include <focus/tensor/error.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <map>
#include <string>
#include <tuple>

namespace focus::kernel::dnnl {

namespace {

namespace dn = ::dnnl;

// oneDNN (Debian builds it on OpenMP) would start a team of omp_get_max_threads() threads in
// every call; the threads calling it are focus's, which already share the work out.
void hold_to_one_thread() {
  thread_local bool held = false;
  if (!held) {
    omp_set_num_threads(1);
    held = true;
  }
}

dn::engine& cpu_engine() {
  static dn::engine engine(dn::engine::kind::cpu, 0);
  return engine;
}

// Row-major [rows, cols] with leading dimension ld, or its transpose stored [cols, rows].
dn::memory::desc matrix_desc(std::int64_t rows, std::int64_t cols, bool transposed, std::int64_t ld,
                             dn::memory::data_type type) {
  const dn::memory::dims strides = transposed ? dn::memory::dims{1, ld} : dn::memory::dims{ld, 1};
  return dn::memory::desc({rows, cols}, type, strides);
}

using Key = std::tuple<bool, bool, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                       float, float>;

struct Bf16Product {
  dn::matmul primitive;
  dn::memory::desc a, b, c;
};

const Bf16Product& bf16_product(const Key& key) {
  thread_local std::map<Key, Bf16Product> products;
  const auto found = products.find(key);
  if (found != products.end()) return found->second;
  // Shapes that keep changing (decoding's growing keys) would otherwise pile up primitives.
  if (products.size() >= 512) products.clear();
  const auto [ta, tb, M, N, K, lda, ldb, ldc, alpha, beta] = key;
  const auto bf16 = dn::memory::data_type::bf16;
  const dn::memory::desc a = matrix_desc(M, K, ta, lda, bf16), b = matrix_desc(K, N, tb, ldb, bf16);
  const dn::memory::desc c({M, N}, dn::memory::data_type::f32, dn::memory::dims{ldc, 1});
  dn::primitive_attr attr;
  if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
  if (beta != 0.0f) {
    dn::post_ops ops;
    ops.append_sum(beta);
    attr.set_post_ops(ops);
  }
  const dn::matmul::primitive_desc pd(dn::matmul::desc(a, b, c), attr, cpu_engine());
  return products.emplace(key, Bf16Product{dn::matmul(pd), a, b, c}).first->second;
}

}  // namespace

std::string bf16_unavailable_reason() {
  static const std::string reason = [] () -> std::string {
#if defined(__x86_64__) && defined(__GNUC__)
    if (!__builtin_cpu_supports("avx512bf16"))
      return "this CPU has no AVX512_BF16 instructions (bf16 products need them; use float32)";
#else
    return "bf16 products need an x86-64 CPU with AVX512_BF16 (use float32)";
#endif
    // The CPU may have them while oneDNN is told not to use them (ONEDNN_MAX_CPU_ISA): ask oneDNN
    // for a small product, as every later one is asked for.
    try {
      (void)bf16_product(Key{false, false, 16, 16, 16, 16, 16, 16, 1.0f, 0.0f});
    } catch (const dn::error& e) {
      return std::string("oneDNN has no bf16 matrix product for this CPU (") + e.what() + "; use float32)";
    }
    return "";
  }();
  return reason;
}

void sgemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
           std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
  hold_to_one_thread();
  const dnnl_status_t status =
      dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (status != dnnl_success)
    throw Error("matmul: oneDNN's sgemm failed; got status " + std::to_string(int(status)) + " for M=" +
                std::to_string(M) + ", N=" + std::to_string(N) + ", K=" + std::to_string(K));
}

void bf16_gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha,
               const std::uint16_t* A, std::int64_t lda, const std::uint16_t* B, std::int64_t ldb, float beta,
               float* C, std::int64_t ldc) {
  hold_to_one_thread();
  const Bf16Product& p = bf16_product(Key{ta, tb, M, N, K, lda, ldb, ldc, alpha, beta});
  thread_local dn::stream stream(cpu_engine());
  // oneDNN takes non-const handles; it only reads A and B.
  dn::memory a(p.a, cpu_engine(), const_cast<std::uint16_t*>(A)), b(p.b, cpu_engine(), const_cast<std::uint16_t*>(B)),
      c(p.c, cpu_engine(), C);
  p.primitive.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
  stream.wait();
}

}  // namespace focus::kernel::dnnl
