// The blockwise attention kernels (contract in attention_kernel.h, the algorithm in
// docs/attention_kernel.md). Each batch slice is a set of row-major matrices that BLAS reads in
// place; the work is cut into tiles of kRows query rows x kKeys keys, and the only scratch is two
// such tiles plus a few numbers per query row.
#include <focus/tensor/attention_kernel.h>

#include <focus/tensor/counter_random.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/fast_math.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/parallel.h>

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

namespace focus::kernel {

namespace {

// Tile sizes: a kRows x kKeys score tile (32 KB in float32) stays in L2 while its GEMMs and the
// exp pass run, and the GEMMs are large enough for BLAS to run near its peak.
constexpr std::int64_t kRows = 64;
constexpr std::int64_t kKeys = 128;
// A call with at most this many query rows (cached decoding: one new position) computes its tiles
// by dot products and row updates (rows::dots, rows::add_weighted_rows): for so few rows BLAS
// spends longer packing the operands than multiplying. W3 (decode, 1 thread), alternated on a busy
// machine: 1.61 and 1.74 s a step on BLAS, 1.25 to 1.35 s this way (session 13).
constexpr std::int64_t kFewRows = 4;

// Row-major C = alpha op(A) op(B) + beta C, in the element type.
void gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, float alpha, const float* A,
          std::int64_t lda, const float* B, std::int64_t ldb, float beta, float* C, std::int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}
void gemm(bool ta, bool tb, std::int64_t M, std::int64_t N, std::int64_t K, double alpha, const double* A,
          std::int64_t lda, const double* B, std::int64_t ldb, double beta, double* C, std::int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K),
              alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

// One operand [batch.., rows, cols] as BLAS reads it: where each batch slice starts and the
// stride between rows. Layouts BLAS cannot read (columns not adjacent) are copied once, here.
struct Operand {
  Tensor t;                           // the tensor read (the input, or its contiguous copy)
  std::vector<std::int64_t> offsets;  // element offset of each slice in t's storage
  std::int64_t ld = 0;                // leading dimension: elements between rows
};

// Element offset in t's storage where each batch slice (all dims but the last two) starts.
std::vector<std::int64_t> slice_offsets(const Tensor& t) {
  const int nb = t.dim() - 2;
  std::int64_t n = 1;
  for (int d = 0; d < nb; ++d) n *= t.shape()[d];
  std::vector<std::int64_t> offsets(n);
  std::int64_t idx[kMaxRank] = {};
  for (std::int64_t s = 0; s < n; ++s) {
    std::int64_t off = t.offset();
    for (int d = 0; d < nb; ++d) off += idx[d] * t.strides()[d];
    offsets[s] = off;
    for (int d = nb - 1; d >= 0; --d) {
      if (++idx[d] < t.shape()[d]) break;
      idx[d] = 0;
    }
  }
  return offsets;
}

Operand operand(const Tensor& in) {
  const int r = in.dim();
  const std::int64_t rows = in.shape()[r - 2], cols = in.shape()[r - 1];
  const std::int64_t rs = in.strides()[r - 2], cs = in.strides()[r - 1];
  const bool readable = (cols == 1 || cs == 1) && (rows == 1 || rs >= cols);
  Operand o;
  o.t = readable ? in : contiguous(in);
  o.ld = rows == 1 ? std::max<std::int64_t>(cols, 1) : o.t.strides()[r - 2];
  o.offsets = slice_offsets(o.t);
  return o;
}

template <class T>
const T* slice_of(const Operand& o, std::int64_t s) {
  return static_cast<const T*>(o.t.storage()->data()) + o.offsets[s];
}

// The mask and the bias as the tile loops read them, per batch slice. In key coordinates query i sits at
// p = i + shift; causal hides keys after p, a window hides keys before p - window (and, when not
// causal, after p + window), key lengths hide keys from key_end on. The first three give each
// query tile a range of keys and each key block a range of query rows; only tiles inside both are
// visited, so with a window the work per query is O(window), not O(Tk).
struct MaskReader {
  bool causal = false;
  std::int64_t shift = 0;               // Tk - Tq: query i sits at key position i + shift
  std::int64_t window = 0;              // 0: no window
  std::vector<std::int64_t> key_end;    // per slice: keys at >= key_end are hidden (Tk if none)
  const bool* keep = nullptr;           // bool mask base, or null
  std::vector<std::int64_t> keep_offsets;
  std::int64_t keep_rs = 0, keep_cs = 0;
  const void* bias = nullptr;           // the bias's storage (the element type), or null
  std::vector<std::int64_t> bias_offsets;
  std::int64_t bias_rs = 0, bias_cs = 0;

  // Keys [key_begin_for(i0), key_end_for(s, i1)) hold every key that some query row in [i0, i1)
  // of slice s may attend.
  std::int64_t key_begin_for(std::int64_t i0) const {
    return window > 0 ? std::max<std::int64_t>(i0 + shift - window, 0) : 0;
  }
  std::int64_t key_end_for(std::int64_t s, std::int64_t i1) const {
    const std::int64_t end = key_end[s];
    if (causal) return std::clamp<std::int64_t>(i1 + shift, 0, end);
    if (window > 0) return std::clamp<std::int64_t>(i1 + shift + window, 0, end);
    return end;
  }
  // Query rows [first_row_for(j0), row_end_for(j1, tq)) hold every row that may attend some key
  // in [j0, j1).
  std::int64_t first_row_for(std::int64_t j0) const {
    if (causal) return std::max<std::int64_t>(j0 - shift, 0);
    if (window > 0) return std::max<std::int64_t>(j0 - shift - window, 0);
    return 0;
  }
  std::int64_t row_end_for(std::int64_t j1, std::int64_t tq) const {
    return window > 0 ? std::clamp<std::int64_t>(j1 - shift + window, 0, tq) : tq;
  }

  // Turns the tile S = scale Q K^T (row i0 + r, key j0 + c at S[r * ld + c]) into the scores the
  // softmax reads: adds the bias, then sets -inf where the causal rule, the window or the bool
  // mask hides a key, as the composed path's masked_fill does after its addition (so a hidden key
  // stays hidden whatever its bias). Key lengths are handled by the callers' key ranges.
  template <class T>
  void apply(T* S, std::int64_t ld, std::int64_t s, std::int64_t i0, std::int64_t rows, std::int64_t j0,
             std::int64_t cols) const {
    constexpr T kNegInf = -std::numeric_limits<T>::infinity();
    if (bias) {
      const T* base = static_cast<const T*>(bias) + bias_offsets[s];
      for (std::int64_t r = 0; r < rows; ++r) {
        const T* b = base + (i0 + r) * bias_rs + j0 * bias_cs;
        T* row = S + r * ld;
        if (bias_cs == 1) {  // the usual layout: a plain loop the compiler vectorises
          for (std::int64_t c = 0; c < cols; ++c) row[c] += b[c];
        } else {
          for (std::int64_t c = 0; c < cols; ++c) row[c] += b[c * bias_cs];
        }
      }
    }
    const std::int64_t p0 = i0 + shift;  // key position of the tile's first row
    if (causal && j0 + cols - 1 > p0) {
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t first_hidden = std::max<std::int64_t>(p0 + r + 1 - j0, 0);
        for (std::int64_t c = first_hidden; c < cols; ++c) S[r * ld + c] = kNegInf;
      }
    }
    if (window > 0 && j0 < p0 + rows - 1 - window) {  // some row's window starts after j0
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t first_seen = std::min<std::int64_t>(p0 + r - window - j0, cols);
        for (std::int64_t c = 0; c < first_seen; ++c) S[r * ld + c] = kNegInf;
      }
    }
    if (window > 0 && !causal && j0 + cols - 1 > p0 + window) {  // some row's window ends before the tile's
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t first_hidden = std::max<std::int64_t>(p0 + r + window + 1 - j0, 0);
        for (std::int64_t c = first_hidden; c < cols; ++c) S[r * ld + c] = kNegInf;
      }
    }
    if (keep) {
      const bool* base = keep + keep_offsets[s];
      for (std::int64_t r = 0; r < rows; ++r) {
        const bool* row = base + (i0 + r) * keep_rs + j0 * keep_cs;
        for (std::int64_t c = 0; c < cols; ++c)
          if (!row[c * keep_cs]) S[r * ld + c] = kNegInf;
      }
    }
  }
};

MaskReader mask_reader(const FlashMask& mask, const Shape& batch, std::int64_t tq, std::int64_t tk) {
  MaskReader m;
  m.causal = mask.is_causal;
  m.shift = tk - tq;
  m.window = mask.window;
  const std::int64_t n = numel_of(batch);
  m.key_end.assign(n, tk);
  if (mask.key_lengths.defined()) {
    const std::vector<std::int64_t> len = mask.key_lengths.to_vector<std::int64_t>();
    const std::int64_t per_b = batch.size() == 0 || batch[0] == 0 ? 1 : n / batch[0];
    for (std::int64_t s = 0; s < n; ++s) {
      const std::int64_t b = len.size() == 1 ? 0 : s / per_b;
      m.key_end[s] = std::clamp<std::int64_t>(len[b], 0, tk);
    }
  }
  if (mask.keep.defined()) {
    m.keep = static_cast<const bool*>(mask.keep.storage()->data());  // read elementwise: any strides
    m.keep_offsets = slice_offsets(mask.keep);
    const int r = mask.keep.dim();
    m.keep_rs = mask.keep.strides()[r - 2];
    m.keep_cs = mask.keep.strides()[r - 1];
  }
  if (mask.bias.defined()) {
    m.bias = mask.bias.storage()->data();  // read elementwise like keep: stride 0 where it broadcasts
    m.bias_offsets = slice_offsets(mask.bias);
    const int r = mask.bias.dim();
    m.bias_rs = mask.bias.strides()[r - 2];
    m.bias_cs = mask.bias.strides()[r - 1];
  }
  return m;
}

// ---- dropout ------------------------------------------------------------------------------------
// The mask of AttentionDropout (attention_kernel.h) as the loops read it: the factors of keys
// [j0, j0 + n) of query row i in slice s, drawn four at a time.
struct DropoutReader {
  std::optional<CounterDropout> rule;  // empty: no dropout

  explicit DropoutReader(const AttentionDropout& dropout) {
    if (!(dropout.p >= 0 && dropout.p < 1))
      throw ValueError("attention dropout: p must be in [0, 1); got p=" + std::to_string(dropout.p));
    if (dropout.p > 0) rule.emplace(dropout.p, dropout.key);
  }
  explicit operator bool() const { return rule.has_value(); }

  template <class T>
  void factors(std::int64_t s, std::int64_t i, std::int64_t j0, std::int64_t n, T* out) const {
    rule->factors(out, j0, n, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(s),
                  static_cast<std::uint32_t>(std::uint64_t(s) >> 32));
  }
};

Shape batch_of(const Tensor& t) {
  Shape b;
  for (int d = 0; d < t.dim() - 2; ++d) b.push_back(t.shape()[d]);
  return b;
}

// The loops read the bias's storage as q's element type with the scores' shape, so anything else
// would read wrong memory: the caller (ops_attention.cpp) broadcasts it; this only guards.
void check_bias(const char* op, const FlashMask& mask, const Tensor& q, const Shape& scores) {
  if (!mask.bias.defined()) return;
  if (mask.bias.dtype() != q.dtype())
    throw DTypeError(std::string(op) + ": the bias must have q's dtype; got bias=" + std::string(dtype_name(mask.bias.dtype())) +
                     ", q=" + std::string(dtype_name(q.dtype())));
  if (!(mask.bias.shape() == scores))
    throw ShapeError(std::string(op) + ": the bias must be a view of the scores' shape [batch.., Tq, Tk]; got bias=" +
                     to_string(mask.bias.shape()) + ", scores=" + to_string(scores));
}


// Row steps of the softmax inside both passes: float through the vectorised rows:: functions of
// fast_math.h, double in plain loops and libm (its exact gradient checks).
template <class T>
T row_max(const T* row, std::int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return rows::max(row, n);
  } else {
    T m = -std::numeric_limits<T>::infinity();
    for (std::int64_t c = 0; c < n; ++c) m = std::max(m, row[c]);
    return m;
  }
}

template <class T>
double exp_shifted_sum(T* row, std::int64_t n, T shift) {  // row = exp(row - shift); the sum
  if constexpr (std::is_same_v<T, float>) {
    return rows::exp_shifted_sum(row, n, shift);
  } else {
    double sum = 0;
    for (std::int64_t c = 0; c < n; ++c) sum += row[c] = std::exp(row[c] - shift);
    return sum;
  }
}

template <class T>
void exp_shifted(T* row, std::int64_t n, T shift) {
  if constexpr (std::is_same_v<T, float>) rows::exp_shifted(row, n, shift);
  else
    for (std::int64_t c = 0; c < n; ++c) row[c] = std::exp(row[c] - shift);
}

template <class T>
void softmax_grad_row(T* ds, const T* p, std::int64_t n, T d) {  // ds = p * (ds - d)
  if constexpr (std::is_same_v<T, float>) rows::softmax_grad(ds, p, n, d);
  else
    for (std::int64_t c = 0; c < n; ++c) ds[c] = p[c] * (ds[c] - d);
}

template <class T>
double dot(const T* a, const T* b, std::int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return rows::dot(a, b, n);
  } else {
    double d = 0;
    for (std::int64_t c = 0; c < n; ++c) d += a[c] * b[c];
    return d;
  }
}

// The few-rows tiles: S row = scale q K_j^T, and o += P row V_j.
template <class T>
void dots(T* out, const T* q, const T* k, std::int64_t ldk, std::int64_t count, std::int64_t n, T scale) {
  if constexpr (std::is_same_v<T, float>) {
    rows::dots(out, q, k, ldk, count, n, scale);
  } else {
    for (std::int64_t c = 0; c < count; ++c) out[c] = scale * static_cast<T>(dot(q, k + c * ldk, n));
  }
}

template <class T>
void add_weighted_rows(T* o, const T* p, const T* v, std::int64_t ldv, std::int64_t count, std::int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    rows::add_weighted_rows(o, p, v, ldv, count, n);
  } else {
    for (std::int64_t c = 0; c < count; ++c)
      for (std::int64_t e = 0; e < n; ++e) o[e] += p[c] * v[c * ldv + e];
  }
}

// Asks the CPU to start loading rows x cols elements (rows ld apart) into its caches. Cached
// decoding reads each slice's keys and values once, a few KB from memory, and does little with
// them: the next slice's loads, started while this one is computed, no longer wait in line. W3
// (decode, 1 thread, 3 alternated runs): 440-470 ms a step without, 418-441 with (session 20).
template <class T>
void prefetch_rows(const T* p, std::int64_t rows, std::int64_t ld, std::int64_t cols) {
  constexpr std::int64_t kLine = 64 / std::int64_t(sizeof(T));  // elements in a 64-byte cache line
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t e = 0; e < cols; e += kLine) __builtin_prefetch(p + r * ld + e);
}

// ---- threads ------------------------------------------------------------------------------------
// The slices (batch x heads) are independent, so with several threads (focus::set_num_threads)
// focus's pool (tensor/parallel.h) gives each a contiguous range of them. OpenBLAS always runs on
// one thread inside (the 64 x 128 x Dh tile GEMMs are too small for it to split well: W4 at
// T = 4096 ran slower with 2 BLAS threads than with 1), so nothing process-wide changes here and
// calls from several user threads at once do not disturb each other. Below kParallelFlops per call
// the work stays on the calling thread. Session 9 set it at 64 MFLOP, when a hand-off woke a
// sleeping worker and 4 MFLOP calls ran slower threaded; since the pool's workers poll before they
// sleep (tensor/parallel.cpp), a call of 1 MFLOP (a zh-en batch's 256 slices of 12 x 12 x 32) gains:
// at 2 threads, median of 3 alternated runs on a Zen 4 (session 19), W2 41.7 -> 38.6 ms a step, W3
// 341 -> 249 ms, zh-en's 300 steps 11.4 -> 9.7 s; at 1 thread nothing changes. Each slice is
// computed by the same code either way, so the results do not depend on the threads.
constexpr double kParallelFlops = 1e6;

void for_slices(std::int64_t n, double flops_per_slice, const std::function<void(std::int64_t, std::int64_t)>& work) {
  if (flops_per_slice * double(n) < kParallelFlops) return work(0, n);
  parallel::for_ranges(n, work);
}

// Keys a query row attends at most, for the flop estimates above: a window caps them.
double keys_per_row(const FlashMask& mask, std::int64_t tk) {
  if (mask.window <= 0) return double(tk);
  return double(std::min<std::int64_t>(tk, (mask.is_causal ? 1 : 2) * mask.window + 1));
}

// ---- forward ------------------------------------------------------------------------------------
// Per query tile: m (running max of the scores seen), l (running sum of exp(score - m)) and the
// unnormalised output acc = sum_j exp(s_ij - m) v_j. A new key block with a larger max rescales
// l and acc by exp(m_old - m_new). At the end out = acc / l and lse = m + log(l).
template <class T>
void forward_slices(const Operand& q, const Operand& k, const Operand& v, const MaskReader& mask,
                    const DropoutReader& drop, T* out, T* lse, T* weights, std::int64_t s_begin, std::int64_t s_end,
                    std::int64_t tq, std::int64_t tk, std::int64_t dh, std::int64_t dv, T scale) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  const bool few_rows = tq <= kFewRows;
  std::vector<T> S(kRows * kKeys), Z(drop ? kKeys : 0);
  std::vector<T> m(kRows);
  std::vector<double> l(kRows);
  for (std::int64_t s = s_begin; s < s_end; ++s) {
    const T *Q = slice_of<T>(q, s), *K = slice_of<T>(k, s), *V = slice_of<T>(v, s);
    T* O = out + s * tq * dv;
    T* L = lse + s * tq;
    T* W = weights ? weights + s * tq * tk : nullptr;
    if (few_rows && s + 1 < s_end) {
      prefetch_rows(slice_of<T>(k, s + 1), tk, k.ld, dh);
      prefetch_rows(slice_of<T>(v, s + 1), tk, v.ld, dv);
    }
    for (std::int64_t i0 = 0; i0 < tq; i0 += kRows) {
      const std::int64_t rows = std::min(kRows, tq - i0);
      // Keys outside [key_begin, key_end) are hidden from every row. key_begin is rounded down to a
      // block so the key blocks are the backward's (and one block starts at 0 when Tk <= kKeys).
      const std::int64_t key_begin = mask.key_begin_for(i0) / kKeys * kKeys;
      const std::int64_t key_end = mask.key_end_for(s, i0 + rows);
      std::fill(m.begin(), m.end(), kNegInf);
      std::fill(l.begin(), l.end(), 0.0);
      std::fill(O + i0 * dv, O + (i0 + rows) * dv, T(0));
      for (std::int64_t j0 = key_begin; j0 < key_end; j0 += kKeys) {
        const std::int64_t cols = std::min(kKeys, key_end - j0);
        // S = scale Q_i K_j^T + bias  [rows, cols], hidden keys -inf
        if (few_rows) {
          for (std::int64_t r = 0; r < rows; ++r)
            dots(S.data() + r * kKeys, Q + (i0 + r) * q.ld, K + j0 * k.ld, k.ld, cols, dh, scale);
        } else {
          gemm(false, true, rows, cols, dh, scale, Q + i0 * q.ld, q.ld, K + j0 * k.ld, k.ld, T(0), S.data(), kKeys);
        }
        mask.apply(S.data(), kKeys, s, i0, rows, j0, cols);
        for (std::int64_t r = 0; r < rows; ++r) {
          T* row = S.data() + r * kKeys;
          const T m_new = std::max(m[r], row_max(row, cols));
          if (m_new == kNegInf) {  // every key so far hidden: P = 0, nothing to add
            std::fill(row, row + cols, T(0));
            continue;
          }
          const double sum = exp_shifted_sum(row, cols, m_new);
          if (m_new != m[r]) {
            const T correction = std::exp(m[r] - m_new);  // 0 on the first visible block
            l[r] *= correction;
            T* o = O + (i0 + r) * dv;
            for (std::int64_t c = 0; c < dv; ++c) o[c] *= correction;
            m[r] = m_new;
          }
          l[r] += sum;
        }
        if (W) {  // one key block (tk <= kKeys, from key 0): P before dropout, normalised below
          for (std::int64_t r = 0; r < rows; ++r)
            std::copy(S.data() + r * kKeys, S.data() + r * kKeys + cols, W + (i0 + r) * tk + j0);
        }
        if (drop) {  // l summed P before dropout; the output sums the kept weights, scaled up
          for (std::int64_t r = 0; r < rows; ++r) {
            drop.factors(s, i0 + r, j0, cols, Z.data());
            T* row = S.data() + r * kKeys;
            for (std::int64_t c = 0; c < cols; ++c) row[c] *= Z[c];
          }
        }
        // acc_i += P V_j  [rows, dv]
        if (few_rows) {
          for (std::int64_t r = 0; r < rows; ++r)
            add_weighted_rows(O + (i0 + r) * dv, S.data() + r * kKeys, V + j0 * v.ld, v.ld, cols, dv);
        } else {
          gemm(false, false, rows, dv, cols, T(1), S.data(), kKeys, V + j0 * v.ld, v.ld, T(1), O + i0 * dv, dv);
        }
      }
      if (W) {  // the one block's P over l is the weights (bias included); hidden keys weigh 0
        for (std::int64_t r = 0; r < rows; ++r) {
          T* w = W + (i0 + r) * tk;
          const std::int64_t seen = l[r] == 0 ? 0 : std::max<std::int64_t>(key_end, 0);
          const T inv = l[r] == 0 ? T(0) : static_cast<T>(1.0 / l[r]);
          for (std::int64_t c = 0; c < seen; ++c) w[c] *= inv;
          std::fill(w + seen, w + tk, T(0));
        }
      }
      for (std::int64_t r = 0; r < rows; ++r) {
        T* o = O + (i0 + r) * dv;
        if (l[r] == 0) {  // no visible key: softmax of all -inf is NaN, and so is its output
          std::fill(o, o + dv, std::numeric_limits<T>::quiet_NaN());
          L[i0 + r] = kNegInf;  // log of an empty sum
          continue;
        }
        const T inv = static_cast<T>(1.0 / l[r]);
        for (std::int64_t c = 0; c < dv; ++c) o[c] *= inv;
        L[i0 + r] = static_cast<T>(m[r] + std::log(l[r]));
      }
    }
  }
}

// ---- backward -----------------------------------------------------------------------------------
// P_ij = exp(s_ij - lse_i) rebuilds the weights tile by tile (s with the bias). With
// D_i = rowsum(dO_i * O_i):
//   dV_j += P^T dO_i,  dP = dO_i V_j^T,  dS = P * (dP - D_i),
//   dQ_i += scale dS K_j,  dK_j += scale dS^T Q_i,  dBias_ij = dS (when asked: dbias not null).
// Key blocks are the outer loop so dK_j and dV_j are finished one block at a time. Each (slice,
// tile) is visited once, so dBias's tiles are written, not accumulated.
template <class T>
void backward_slices(const Operand& q, const Operand& k, const Operand& v, const T* out, const T* lse,
                     const T* weights, const Operand& dout, const MaskReader& mask, const DropoutReader& drop, T* dq,
                     T* dk, T* dv_out, T* dbias, std::int64_t s_begin, std::int64_t s_end, std::int64_t tq,
                     std::int64_t tk, std::int64_t dh, std::int64_t dv, T scale) {
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  std::vector<T> P(kRows * kKeys), dS(kRows * kKeys), D(tq);
  std::vector<T> Z(drop ? kRows * kKeys : 0), PZ(drop ? kRows * kKeys : 0);  // the factors, and P times them
  for (std::int64_t s = s_begin; s < s_end; ++s) {
    const T *Q = slice_of<T>(q, s), *K = slice_of<T>(k, s), *V = slice_of<T>(v, s), *dO = slice_of<T>(dout, s);
    const T* O = out + s * tq * dv;
    const T* L = lse + s * tq;
    T* dQ = dq + s * tq * dh;
    T* dK = dk + s * tk * dh;
    T* dV = dv_out + s * tk * dv;
    T* dB = dbias ? dbias + s * tq * tk : nullptr;

    bool dead_row = false;  // a row with no visible key (lse -inf): it adds nothing to dq and dk
    for (std::int64_t i = 0; i < tq; ++i) {
      if (L[i] == kNegInf) dead_row = true;
      D[i] = L[i] == kNegInf ? T(0) : static_cast<T>(dot(dO + i * dout.ld, O + i * dv, dv));
    }

    const std::int64_t key_end = mask.key_end[s];
    for (std::int64_t j0 = 0; j0 < key_end; j0 += kKeys) {
      const std::int64_t block_cols = std::min(kKeys, key_end - j0);
      const std::int64_t row_end = mask.row_end_for(j0 + block_cols, tq);
      for (std::int64_t i0 = mask.first_row_for(j0) / kRows * kRows; i0 < row_end; i0 += kRows) {
        const std::int64_t rows = std::min(kRows, tq - i0);
        const std::int64_t cols = std::min(block_cols, mask.key_end_for(s, i0 + rows) - j0);
        if (cols <= 0) continue;
        // P [rows, cols]: the forward's weights when it kept them, else recomputed as
        // exp(scale Q_i K_j^T - lse_i); hidden scores are -inf, so P = 0 there
        const T* Pt = P.data();
        std::int64_t ldp = kKeys;
        if (weights) {
          Pt = weights + (s * tq + i0) * tk + j0;
          ldp = tk;
        } else {
          gemm(false, true, rows, cols, dh, scale, Q + i0 * q.ld, q.ld, K + j0 * k.ld, k.ld, T(0), P.data(), kKeys);
          mask.apply(P.data(), kKeys, s, i0, rows, j0, cols);
          for (std::int64_t r = 0; r < rows; ++r) {
            T* row = P.data() + r * kKeys;
            const T lse_r = L[i0 + r];
            if (lse_r == kNegInf)  // a row that sees no key: P = 0, so dS = 0 (masked_fill's gradient)
              std::fill(row, row + cols, T(0));
            else
              exp_shifted(row, cols, lse_r);
          }
        }
        // With dropout the output read P Z (Z: the factors), so dV takes P Z and dP is (dO V^T) Z;
        // D_i = rowsum(dO_i O_i) is still rowsum(dP P), as O = (P Z) V.
        const T* PV = Pt;  // what multiplied V in the forward
        std::int64_t ldpv = ldp;
        if (drop) {
          for (std::int64_t r = 0; r < rows; ++r) {
            T* z = Z.data() + r * kKeys;
            drop.factors(s, i0 + r, j0, cols, z);
            const T* p = Pt + r * ldp;
            T* pz = PZ.data() + r * kKeys;
            for (std::int64_t c = 0; c < cols; ++c) pz[c] = p[c] * z[c];
          }
          PV = PZ.data();
          ldpv = kKeys;
        }
        // dV_j += (P Z)^T dO_i  [cols, dv]
        gemm(true, false, cols, dv, rows, T(1), PV, ldpv, dO + i0 * dout.ld, dout.ld, T(1), dV + j0 * dv, dv);
        // dP = dO_i V_j^T (times Z)  [rows, cols], then dS = P * (dP - D_i) in place
        gemm(false, true, rows, cols, dv, T(1), dO + i0 * dout.ld, dout.ld, V + j0 * v.ld, v.ld, T(0), dS.data(), kKeys);
        for (std::int64_t r = 0; r < rows; ++r) {
          T* ds = dS.data() + r * kKeys;
          if (drop) {
            const T* z = Z.data() + r * kKeys;
            for (std::int64_t c = 0; c < cols; ++c) ds[c] *= z[c];
          }
          softmax_grad_row(ds, Pt + r * ldp, cols, D[i0 + r]);
        }
        // dBias_ij = dS  [rows, cols]: the bias enters the scores with factor 1
        if (dB) {
          for (std::int64_t r = 0; r < rows; ++r)
            std::copy(dS.data() + r * kKeys, dS.data() + r * kKeys + cols, dB + (i0 + r) * tk + j0);
        }
        // dQ_i += scale dS K_j  [rows, dh];  dK_j += scale dS^T Q_i  [cols, dh]
        gemm(false, false, rows, dh, cols, scale, dS.data(), kKeys, K + j0 * k.ld, k.ld, T(1), dQ + i0 * dh, dh);
        gemm(true, false, cols, dh, rows, scale, dS.data(), kKeys, Q + i0 * q.ld, q.ld, T(1), dK + j0 * dh, dh);
      }
    }

    // The composed path's NaN weights reach every key's dv (dv = P^T dO), while masked_fill's
    // gradient stops them before dq and dk.
    if (dead_row) std::fill(dV, dV + tk * dv, std::numeric_limits<T>::quiet_NaN());
  }
}

}  // namespace

Shape with_rows(const Shape& batch, std::int64_t rows, std::int64_t cols) {
  Shape s = batch;
  s.push_back(rows);
  s.push_back(cols);
  return s;
}

Tensor attention_dropout_mask(const AttentionDropout& dropout, const Shape& scores, DType dtype) {
  const DropoutReader drop(dropout);
  if (scores.size() < 2) throw ShapeError("attention dropout: the scores need rank >= 2; got " + to_string(scores));
  Tensor mask = Tensor::empty(scores, dtype);
  const std::int64_t tq = scores[scores.size() - 2], tk = scores[scores.size() - 1];
  const std::int64_t slices = tq * tk == 0 ? 0 : numel_of(scores) / (tq * tk);
  dispatch_floating("attention dropout", dtype, [&]<class T>() {
    T* m = mask.data_ptr<T>();
    if (!drop) return std::fill(m, m + mask.numel(), T(1));
    for (std::int64_t s = 0; s < slices; ++s)
      for (std::int64_t i = 0; i < tq; ++i) drop.factors(s, i, 0, tk, m + (s * tq + i) * tk);
  });
  return mask;
}

FlashForward flash_attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const FlashMask& mask,
                                     double scale, bool keep_weights, const AttentionDropout& dropout) {
  const Shape batch = batch_of(q);
  const std::int64_t tq = q.size(-2), tk = k.size(-2), dh = q.size(-1), dv = v.size(-1);
  check_bias("flash_attention_forward", mask, q, with_rows(batch, tq, tk));
  const Operand Q = operand(q), K = operand(k), V = operand(v);
  const MaskReader m = mask_reader(mask, batch, tq, tk);
  const DropoutReader drop(dropout);
  FlashForward f;
  f.out = Tensor::empty(with_rows(batch, tq, dv), q.dtype());
  Shape lse_shape = batch;
  lse_shape.push_back(tq);
  f.lse = Tensor::empty(lse_shape, q.dtype());
  if (keep_weights && tk <= kKeys) f.weights = Tensor::empty(with_rows(batch, tq, tk), q.dtype());
  dispatch_floating("scaled_dot_product_attention", q.dtype(), [&]<class T>() {
    T* weights = f.weights.defined() ? f.weights.data_ptr<T>() : nullptr;
    const double flops = 4.0 * double(tq) * keys_per_row(mask, tk) * double(dh);
    for_slices(numel_of(batch), flops, [&](std::int64_t begin, std::int64_t end) {
      forward_slices<T>(Q, K, V, m, drop, f.out.data_ptr<T>(), f.lse.data_ptr<T>(), weights, begin, end, tq, tk, dh, dv,
                        static_cast<T>(scale));
    });
  });
  return f;
}

FlashGrads flash_attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                                    const Tensor& lse, const Tensor& weights, const Tensor& dout, const FlashMask& mask,
                                    double scale, bool want_dbias, const AttentionDropout& dropout) {
  const Shape batch = batch_of(q);
  const std::int64_t tq = q.size(-2), tk = k.size(-2), dh = q.size(-1), dv = v.size(-1);
  check_bias("flash_attention_backward", mask, q, with_rows(batch, tq, tk));
  const Operand Q = operand(q), K = operand(k), V = operand(v), dO = operand(dout);
  const Tensor O = contiguous(out), L = contiguous(lse), W = weights.defined() ? contiguous(weights) : weights;
  const MaskReader m = mask_reader(mask, batch, tq, tk);
  const DropoutReader drop(dropout);
  FlashGrads g;
  g.dq = zeros(with_rows(batch, tq, dh), q.dtype());
  g.dk = zeros(with_rows(batch, tk, dh), q.dtype());
  g.dv = zeros(with_rows(batch, tk, dv), q.dtype());
  if (want_dbias) g.dbias = zeros(with_rows(batch, tq, tk), q.dtype());
  dispatch_floating("scaled_dot_product_attention_backward", q.dtype(), [&]<class T>() {
    const T* kept = weights.defined() ? W.data_ptr<T>() : nullptr;
    T* dbias = want_dbias ? g.dbias.data_ptr<T>() : nullptr;
    const double flops = 10.0 * double(tq) * keys_per_row(mask, tk) * double(dh);
    for_slices(numel_of(batch), flops, [&](std::int64_t begin, std::int64_t end) {
      backward_slices<T>(Q, K, V, O.data_ptr<T>(), L.data_ptr<T>(), kept, dO, m, drop, g.dq.data_ptr<T>(), g.dk.data_ptr<T>(),
                         g.dv.data_ptr<T>(), dbias, begin, end, tq, tk, dh, dv, static_cast<T>(scale));
    });
  });
  return g;
}

}  // namespace focus::kernel
