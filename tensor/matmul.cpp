// GEMM dispatch: turn strided 2-D views into (transpose flag, leading dimension) pairs that
// cblas_?gemm accepts, fold batch dims into rows where the layout allows one big GEMM, and loop
// over broadcast batch dims otherwise.
#include <focus/tensor/matmul.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/loop.h>
#include <focus/tensor/threads.h>

#include <cblas.h>

#include <algorithm>

namespace focus::kernel {

namespace {

struct BlasView {
  const void* data;
  bool transposed;  // BLAS reads the matrix as the transpose of a row-major one
  int ld;
};

// How BLAS can read a [rows, cols] matrix with strides (rs, cs), if it can without a copy.
bool blas_layout(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs, bool& transposed,
                 std::int64_t& ld) {
  const std::int64_t r1 = std::max<std::int64_t>(rows, 1), c1 = std::max<std::int64_t>(cols, 1);
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= c1)) {
    transposed = false;
    ld = rows == 1 ? c1 : std::max(rs, c1);
    return true;
  }
  if ((rows == 1 || rs == 1) && (cols == 1 || cs >= r1)) {
    transposed = true;
    ld = cols == 1 ? r1 : std::max(cs, r1);
    return true;
  }
  return false;
}

// Keeps any copy alive while BLAS reads it.
BlasView blas_view(const Tensor& m, Tensor& keep) {
  bool tr = false;
  std::int64_t ld = 0;
  keep = m;
  if (!blas_layout(m.shape()[0], m.shape()[1], m.strides()[0], m.strides()[1], tr, ld)) {
    keep = clone(m);
    tr = false;
    ld = std::max<std::int64_t>(m.shape()[1], 1);
  }
  const char* base = static_cast<const char*>(keep.storage()->data());
  return {base + keep.offset() * element_size(keep.dtype()), tr, static_cast<int>(ld)};
}

// C = op(A) op(B) (alpha 1, beta 0) on raw buffers; offsets and leading dims in elements.
void raw_gemm(DType dt, bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, const void* a,
              std::int64_t oa, std::int64_t lda, const void* b, std::int64_t ob, std::int64_t ldb, void* c,
              std::int64_t oc, std::int64_t ldc) {
  const auto fa = ta ? CblasTrans : CblasNoTrans, fb = tb ? CblasTrans : CblasNoTrans;
  if (dt == kFloat32)
    cblas_sgemm(CblasRowMajor, fa, fb, int(M), int(N), int(K), 1.0f, static_cast<const float*>(a) + oa, int(lda),
                static_cast<const float*>(b) + ob, int(ldb), 0.0f, static_cast<float*>(c) + oc, int(ldc));
  else
    cblas_dgemm(CblasRowMajor, fa, fb, int(M), int(N), int(K), 1.0, static_cast<const double*>(a) + oa, int(lda),
                static_cast<const double*>(b) + ob, int(ldb), 0.0, static_cast<double*>(c) + oc, int(ldc));
}

}  // namespace

void gemm(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, const Tensor& c, double alpha,
          double beta) {
  const Tensor A = transpose_a ? as_strided(a, {a.shape()[1], a.shape()[0]}, {a.strides()[1], a.strides()[0]}, a.offset()) : a;
  const Tensor B = transpose_b ? as_strided(b, {b.shape()[1], b.shape()[0]}, {b.strides()[1], b.strides()[0]}, b.offset()) : b;
  const std::int64_t M = A.shape()[0], K = A.shape()[1], N = B.shape()[1];
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (beta == 0) fill_(c, 0);
    else binary_(BinaryOp::Mul, c, scalar_tensor(beta, c.dtype()));
    return;
  }
  Tensor ka, kb;
  const BlasView va = blas_view(A, ka), vb = blas_view(B, kb);
  const int ldc = static_cast<int>(std::max<std::int64_t>(c.strides()[0], std::max<std::int64_t>(N, 1)));
  const auto ta = va.transposed ? CblasTrans : CblasNoTrans, tb = vb.transposed ? CblasTrans : CblasNoTrans;
  if (c.dtype() == kFloat32) {
    cblas_sgemm(CblasRowMajor, ta, tb, int(M), int(N), int(K), float(alpha), static_cast<const float*>(va.data), va.ld,
                static_cast<const float*>(vb.data), vb.ld, float(beta), c.data_ptr<float>(), ldc);
  } else {
    cblas_dgemm(CblasRowMajor, ta, tb, int(M), int(N), int(K), alpha, static_cast<const double*>(va.data), va.ld,
                static_cast<const double*>(vb.data), vb.ld, beta, c.data_ptr<double>(), ldc);
  }
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  // Promote 1-D operands to matrices; the added dim is removed at the end.
  const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  const Tensor a = a_vec ? as_strided(a_in, {1, a_in.shape()[0]}, {0, a_in.strides()[0]}, a_in.offset()) : a_in;
  const Tensor b = b_vec ? as_strided(b_in, {b_in.shape()[0], 1}, {b_in.strides()[0], 0}, b_in.offset()) : b_in;
  const int ra = a.dim(), rb = b.dim();
  const std::int64_t M = a.shape()[ra - 2], K = a.shape()[ra - 1], N = b.shape()[rb - 1];

  Shape batch_a, batch_b;
  for (int i = 0; i < ra - 2; ++i) batch_a.push_back(a.shape()[i]);
  for (int i = 0; i < rb - 2; ++i) batch_b.push_back(b.shape()[i]);
  const Shape batch = broadcast_shapes("matmul", batch_a, batch_b);
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = Tensor::empty(out_shape, a.dtype());

  // One GEMM when b is a single matrix and a's batch and row dims collapse into one row dim.
  bool collapsible = rb == 2;
  for (int i = 0; collapsible && i + 2 < ra; ++i)
    collapsible = a.strides()[i] == a.strides()[i + 1] * a.shape()[i + 1];
  if (collapsible && ra > 2) {
    const std::int64_t rows = numel_of(batch) * M;
    const Tensor a2 = as_strided(a, {rows, K}, {a.strides()[ra - 2], a.strides()[ra - 1]}, a.offset());
    gemm(a2, false, b, false, as_strided(out, {rows, N}, {N, 1}, 0));
  } else {
    const Strides sa = broadcast_strides(batch_a, Strides(std::vector<std::int64_t>(a.strides().begin(), a.strides().end() - 2)), batch);
    const Strides sb = broadcast_strides(batch_b, Strides(std::vector<std::int64_t>(b.strides().begin(), b.strides().end() - 2)), batch);
    const std::int64_t nb = numel_of(batch);
    // Every batch entry has the same matrix strides, so one layout check serves them all; then
    // each entry is one BLAS call on an offset pointer (small products, as attention's per-head
    // [T, Dh] matrices, would otherwise spend more time making views than multiplying).
    bool ta = false, tb = false;
    std::int64_t lda = 0, ldb = 0;
    const bool direct = M > 0 && N > 0 && K > 0 && (a.dtype() == kFloat32 || a.dtype() == kFloat64) &&
                        blas_layout(M, K, a.strides()[ra - 2], a.strides()[ra - 1], ta, lda) &&
                        blas_layout(K, N, b.strides()[rb - 2], b.strides()[rb - 1], tb, ldb);
    Shape idx = Shape::filled(batch.size(), 0);
    for (std::int64_t n = 0; n < nb; ++n) {
      std::int64_t oa = a.offset(), ob = b.offset();
      for (int d = 0; d < batch.size(); ++d) {
        oa += idx[d] * sa[d];
        ob += idx[d] * sb[d];
      }
      if (direct)
        raw_gemm(a.dtype(), ta, tb, M, N, K, a.storage()->data(), oa, lda, b.storage()->data(), ob, ldb,
                 out.storage()->data(), n * M * N, N);
      else
        gemm(as_strided(a, {M, K}, {a.strides()[ra - 2], a.strides()[ra - 1]}, oa), false,
             as_strided(b, {K, N}, {b.strides()[rb - 2], b.strides()[rb - 1]}, ob), false,
             as_strided(out, {M, N}, {N, 1}, n * M * N));
      for (int d = batch.size() - 1; d >= 0; --d) {
        if (++idx[d] < batch[d]) break;
        idx[d] = 0;
      }
    }
  }
  if (a_vec && b_vec) return as_strided(out, {}, {}, 0);
  if (a_vec) {
    Shape s = batch;
    s.push_back(N);
    return as_strided(out, s, contiguous_strides(s), 0);
  }
  if (b_vec) {
    Shape s = batch;
    s.push_back(M);
    return as_strided(out, s, contiguous_strides(s), 0);
  }
  return out;
}

}  // namespace focus::kernel

namespace focus {

void set_num_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int get_num_threads() { return openblas_get_num_threads(); }

}  // namespace focus
