// GEMM dispatch: turn strided 2-D views into (transpose flag, leading dimension) pairs that
// cblas_?gemm accepts, fold batch dims into rows where the layout allows one big GEMM, and loop
// over broadcast batch dims otherwise. Under MatmulPrecision::bf16 (tensor/precision.h) float32
// operands are rounded to bf16 once per call and multiplied by oneDNN into float32.
#include <focus/tensor/matmul.h>
#include <focus/tensor/fast_math.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/loop.h>
#include <focus/tensor/parallel.h>
#include <focus/tensor/precision.h>

#include <cblas.h>
#if FOCUS_WITH_DNNL
#include <focus/tensor/dnnl/dnnl_gemm.h>
#endif

#include <algorithm>
#include <vector>

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

// One BLAS product C = alpha op(A) op(B) + beta C on raw buffers; leading dims in elements.
// bf16: A and B hold bf16 bit patterns (2 bytes an element), C is float32.
struct GemmCall {
  DType dtype;
  bool bf16;
  bool ta, tb;
  std::int64_t M, N, K;
  double alpha, beta;
  const char *a, *b;  // element 0 of each operand (bytes, so one struct serves both dtypes)
  char* c;
  std::int64_t lda, ldb, ldc;
};

std::size_t operand_size(const GemmCall& g) { return g.bf16 ? 2 : element_size(g.dtype); }

// Below 2^17 multiply-adds OpenBLAS's float32 is as fast as oneDNN's bf16 and faster than its
// sgemm (measured, 1 thread: 32x64x32 at 72, 74 and 50 GFLOP/s; 16x32x16 at 39, 15 and 18), since
// oneDNN's per-call cost dominates: such products stay on OpenBLAS in float32, whatever the precision.
[[maybe_unused]] constexpr double kBackendMinMacs = 131072;

bool on_backend(const GemmCall& g) {
#if FOCUS_WITH_DNNL
  return double(g.M) * double(g.N) * double(g.K) >= kBackendMinMacs;
#else
  (void)g;
  return false;
#endif
}

void blas(const GemmCall& g, std::int64_t row0, std::int64_t rows, std::int64_t col0, std::int64_t cols) {
  const std::size_t es = element_size(g.dtype), os = operand_size(g);
  // Row r of op(A) starts at r * lda (or column r of the stored A when transposed); likewise columns of op(B).
  const char* a = g.a + static_cast<std::size_t>(g.ta ? row0 : row0 * g.lda) * os;
  const char* b = g.b + static_cast<std::size_t>(g.tb ? col0 * g.ldb : col0) * os;
  char* c = g.c + static_cast<std::size_t>(row0 * g.ldc + col0) * es;
#if FOCUS_WITH_DNNL
  if (g.bf16)
    return dnnl::bf16_gemm(g.ta, g.tb, rows, cols, g.K, float(g.alpha), reinterpret_cast<const std::uint16_t*>(a), g.lda,
                           reinterpret_cast<const std::uint16_t*>(b), g.ldb, float(g.beta), reinterpret_cast<float*>(c),
                           g.ldc);
  if (g.dtype == kFloat32 && on_backend(g))
    return dnnl::sgemm(g.ta, g.tb, rows, cols, g.K, float(g.alpha), reinterpret_cast<const float*>(a), g.lda,
                       reinterpret_cast<const float*>(b), g.ldb, float(g.beta), reinterpret_cast<float*>(c), g.ldc);
#endif
  const auto fa = g.ta ? CblasTrans : CblasNoTrans, fb = g.tb ? CblasTrans : CblasNoTrans;
  if (g.dtype == kFloat32)
    cblas_sgemm(CblasRowMajor, fa, fb, int(rows), int(cols), int(g.K), float(g.alpha), reinterpret_cast<const float*>(a),
                int(g.lda), reinterpret_cast<const float*>(b), int(g.ldb), float(g.beta), reinterpret_cast<float*>(c),
                int(g.ldc));
  else
    cblas_dgemm(CblasRowMajor, fa, fb, int(rows), int(cols), int(g.K), g.alpha, reinterpret_cast<const double*>(a),
                int(g.lda), reinterpret_cast<const double*>(b), int(g.ldb), g.beta, reinterpret_cast<double*>(c),
                int(g.ldc));
}

// ---- pieces and threads ----
// OpenBLAS's value for an output element depends on how the rows and columns were grouped into
// calls (measured: computing a 640x64x64 product as two 320-row calls changes 3,325 of its 40,960
// outputs, by up to 2.6e-6), so a large product is cut into pieces whose boundaries depend on
// (M, N, K) alone; the pool's threads then share out whole pieces. Results are the same at any
// thread count. A piece is at least kPieceFlops, so OpenBLAS runs near its peak on each, and is
// cut along the longer of M and N at multiples of 16 rows or columns (OpenBLAS's register tiles).
// Each piece repacks the other operand: one 1024 x 512 x 128 product as 2, 4, 8 and 16 one-thread
// calls took 1%, 2%, 4% and 9% longer than as one, so at most 4 pieces (2 threads get 2 each).
// 4 MFLOP (session 19; it was 16) splits the d_model x d_model projections of a few hundred rows
// (512 x 128 x 128: 17 MFLOP), most of a zh-en step's products: they had run on one thread while
// the other waited. zh-en, 300 steps at 2 threads on a Zen 4: products took 7.4 s (142 GFLOP/s)
// with 16 MFLOP pieces, 5.5 s (193 GFLOP/s) with 4; the step 12.2 -> 9.9 s. At 1 thread W2 and W3
// do not move, but W1's 500 x 128 x 64 projections (8.2 MFLOP) now run as two pieces and W1 took
// 4.5% longer (0.990 against 0.947 ms, 5 alternated runs, oneDNN build); at 2 MFLOP W1 took 20%.
constexpr double kPieceFlops = 4e6;
constexpr std::int64_t kMaxPieces = 4;
constexpr std::int64_t kAlign = 16;

std::int64_t pieces_of(const GemmCall& g) {
  const double flops = 2.0 * double(g.M) * double(g.N) * double(g.K);
  const std::int64_t longer = std::max(g.M, g.N);
  return std::max<std::int64_t>(1, std::min({kMaxPieces, static_cast<std::int64_t>(flops / kPieceFlops), longer / kAlign}));
}

void blas_piece(const GemmCall& g, std::int64_t piece, std::int64_t pieces) {
  const bool by_rows = g.M >= g.N;
  const std::int64_t len = by_rows ? g.M : g.N;
  const auto bound = [&](std::int64_t i) { return i == pieces ? len : i * len / pieces / kAlign * kAlign; };
  const std::int64_t lo = bound(piece), hi = bound(piece + 1);
  if (by_rows) blas(g, lo, hi - lo, 0, g.N);
  else blas(g, 0, g.M, lo, hi - lo);
}

// Runs `count` products of one shape (a batch; operand n starts a_offsets[n] / b_offsets[n]
// elements past first.a / first.b, output n right after output n - 1), each cut into its pieces,
// the (product, piece) pairs shared across focus's threads. No offsets: the one product `first`.
void run_gemms(const GemmCall& first, std::int64_t count, const std::vector<std::int64_t>& a_offsets,
               const std::vector<std::int64_t>& b_offsets) {
  const std::int64_t pieces = pieces_of(first);
  const std::size_t es = element_size(first.dtype), os = operand_size(first);
  const auto run = [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t n = item / pieces;
      GemmCall g = first;
      if (!a_offsets.empty()) {
        g.a += static_cast<std::size_t>(a_offsets[n]) * os;
        g.b += static_cast<std::size_t>(b_offsets[n]) * os;
        g.c += static_cast<std::size_t>(n * g.M * g.ldc) * es;
      }
      blas_piece(g, item % pieces, pieces);
    }
  };
  const std::int64_t items = count * pieces;
  // Handing work to the pool costs microseconds: small totals stay on the calling thread.
  if (items < 2 || 2.0 * double(first.M) * double(first.N) * double(first.K) * double(count) < 2 * kPieceFlops)
    return run(0, items);
  parallel::for_ranges(items, run);
}

// ---- bf16 ----
// Elements [0, extent) past an operand's first element hold every element a product reads:
// [rows, cols] row-major with leading dim ld, or its transpose (stored [cols, rows]).
std::int64_t extent(std::int64_t rows, std::int64_t cols, bool transposed, std::int64_t ld) {
  return transposed ? (cols - 1) * ld + rows : (rows - 1) * ld + cols;
}

// One operand rounded to bf16: the storage span from the lowest offset to the end of the highest
// operand, converted once in fixed 2^16-element chunks on the pool. Offsets become relative to it.
const char* round_operand(const char* base, std::vector<std::int64_t>& offsets, std::int64_t span,
                          std::vector<std::uint16_t>& rounded) {
  const auto [lo_it, hi_it] = std::minmax_element(offsets.begin(), offsets.end());
  const std::int64_t lo = *lo_it, n = *hi_it - lo + span;
  rounded.resize(static_cast<std::size_t>(n));
  const float* from = reinterpret_cast<const float*>(base) + lo;
  parallel::for_chunks(n, std::int64_t(1) << 16, 2,
                       [&](std::int64_t a, std::int64_t b) { rows::to_bf16(rounded.data() + a, from + a, b - a); });
  for (auto& o : offsets) o -= lo;
  return reinterpret_cast<const char*>(rounded.data());
}

// Runs the products of run_gemms, first rounding float32 operands to bf16 when the precision asks.
void run_products(GemmCall g, std::int64_t count, std::vector<std::int64_t> a_offsets,
                  std::vector<std::int64_t> b_offsets) {
  if (g.dtype != kFloat32 || get_matmul_precision() != MatmulPrecision::bf16 || !on_backend(g))
    return run_gemms(g, count, a_offsets, b_offsets);
  // A single product is a batch of one at offset 0 while rounding, and no batch again after it.
  const bool batched = !a_offsets.empty();
  if (!batched) a_offsets = b_offsets = {0};
  std::vector<std::uint16_t> ra, rb;
  g.a = round_operand(g.a, a_offsets, extent(g.M, g.K, g.ta, g.lda), ra);
  g.b = round_operand(g.b, b_offsets, extent(g.K, g.N, g.tb, g.ldb), rb);
  g.bf16 = true;
  if (!batched) a_offsets.clear(), b_offsets.clear();
  run_gemms(g, count, a_offsets, b_offsets);
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
  const std::int64_t ldc = std::max<std::int64_t>(c.strides()[0], std::max<std::int64_t>(N, 1));
  const std::size_t es = element_size(c.dtype());
  const GemmCall g{c.dtype(), false, va.transposed, vb.transposed, M, N, K, alpha, beta,
                   static_cast<const char*>(va.data), static_cast<const char*>(vb.data),
                   static_cast<char*>(c.storage()->data()) + static_cast<std::size_t>(c.offset()) * es,
                   va.ld, vb.ld, ldc};
  run_products(g, 1, {}, {});
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
    std::vector<std::int64_t> a_offsets(static_cast<std::size_t>(nb)), b_offsets(static_cast<std::size_t>(nb));
    Shape idx = Shape::filled(batch.size(), 0);
    for (std::int64_t n = 0; n < nb; ++n) {
      std::int64_t oa = a.offset(), ob = b.offset();
      for (int d = 0; d < batch.size(); ++d) {
        oa += idx[d] * sa[d];
        ob += idx[d] * sb[d];
      }
      a_offsets[n] = oa;
      b_offsets[n] = ob;
      if (!direct)
        gemm(as_strided(a, {M, K}, {a.strides()[ra - 2], a.strides()[ra - 1]}, oa), false,
             as_strided(b, {K, N}, {b.strides()[rb - 2], b.strides()[rb - 1]}, ob), false,
             as_strided(out, {M, N}, {N, 1}, n * M * N));
      for (int d = batch.size() - 1; d >= 0; --d) {
        if (++idx[d] < batch[d]) break;
        idx[d] = 0;
      }
    }
    if (direct) {
      const GemmCall g{a.dtype(), false, ta, tb, M, N, K, 1.0, 0.0, static_cast<const char*>(a.storage()->data()),
                       static_cast<const char*>(b.storage()->data()), static_cast<char*>(out.storage()->data()),
                       lda, ldb, N};
      run_products(g, nb, std::move(a_offsets), std::move(b_offsets));
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
