// Fused nn kernels (see nn_kernels.h for the contracts). The softmax family walks the slices
// along one dim with for_each_slice, a strided_loop over every other dim, so any layout works
// without a copy; the losses and layer norm read rows of a 2-D view.
#include <focus/tensor/nn_kernels.h>

#include <focus/tensor/counter_random.h>
#include <focus/tensor/fast_math.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/loop.h>
#include <focus/tensor/parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace focus::kernel {

namespace {

template <class T>
T* base(const Tensor& t) {
  return static_cast<T*>(t.storage()->data());
}

// A rank-0 tensor read as [1], so "along dim 0" has a dim to walk.
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? as_strided(t, {1}, {1}, t.offset()) : t; }

// Calls row(offsets) once per slice of `shape` along dim; offsets[k] is where operand k's slice
// starts in its storage, and the slice steps by operand k's stride of dim. Slices are independent:
// large tensors share them across focus's threads, each slice computed the same way on any thread.
template <std::size_t N, class Row>
void for_each_slice(const Shape& shape, int dim, const std::array<Strides, N>& strides,
                    const std::array<std::int64_t, N>& offsets, Row&& row) {
  Shape outer = shape;
  outer[dim] = 1;
  parallel_strided_loop<N>(outer, strides, offsets, [&](std::int64_t n, auto off, auto st) {
    std::array<std::int64_t, N> o;
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < N; ++k) o[k] = off[k] + i * st[k];
      row(o);
    }
  }, shape[dim]);
}

// One contiguous float row of (log-)softmax on fast_math's vectorised max and exp (the float64
// path below keeps libm, so gradient checks stay exact). A NaN anywhere makes the row NaN.
void softmax_row_float(const float* a, float* b, std::int64_t n, bool log) {
  const float m = rows::max(a, n);
  std::copy(a, a + n, b);
  const float s = rows::exp_shifted_sum(b, n, m);
  if (log) {
    const float log_s = std::log(s);
    for (std::int64_t j = 0; j < n; ++j) b[j] = (a[j] - m) - log_s;
  } else {
    const float inv = 1.0f / s;
    for (std::int64_t j = 0; j < n; ++j) b[j] *= inv;
  }
}

// Shapes: x [.., n, ..] with n along dim; y the same, contiguous.
// Both variants find the max first (NaN propagates), so exp never overflows.
template <class T>
void softmax_kernel(const Tensor& x, const Tensor& y, int dim, bool log) {
  const std::int64_t n = x.shape()[dim];
  const std::int64_t sx = x.strides()[dim], sy = y.strides()[dim];
  const T* px = base<T>(x);
  T* py = base<T>(y);
  for_each_slice<2>(x.shape(), dim, {x.strides(), y.strides()}, {x.offset(), y.offset()}, [&](const auto& o) {
    const T* a = px + o[0];
    T* b = py + o[1];
    if constexpr (std::is_same_v<T, float>) {
      if (sx == 1 && sy == 1) return softmax_row_float(a, b, n, log);
    }
    T m = -std::numeric_limits<T>::infinity();
    for (std::int64_t j = 0; j < n; ++j) {
      const T v = a[j * sx];
      if (v > m || v != v) m = v;
      if (m != m) break;
    }
    double s = 0;
    if (log) {
      for (std::int64_t j = 0; j < n; ++j) s += std::exp(a[j * sx] - m);
      const T log_s = static_cast<T>(std::log(s));
      for (std::int64_t j = 0; j < n; ++j) b[j * sy] = (a[j * sx] - m) - log_s;
    } else {
      for (std::int64_t j = 0; j < n; ++j) {
        const T e = std::exp(a[j * sx] - m);
        b[j * sy] = e;
        s += e;
      }
      const T inv = static_cast<T>(1.0 / s);
      for (std::int64_t j = 0; j < n; ++j) b[j * sy] *= inv;
    }
  });
}

// Shapes: y, g, dx all [.., n, ..]; dx contiguous.
template <class T>
void softmax_backward_kernel(const Tensor& y, const Tensor& g, const Tensor& dx, int dim, bool log) {
  const std::int64_t n = y.shape()[dim];
  const std::int64_t sy = y.strides()[dim], sg = g.strides()[dim], sd = dx.strides()[dim];
  const T* py = base<T>(y);
  const T* pg = base<T>(g);
  T* pd = base<T>(dx);
  for_each_slice<3>(y.shape(), dim, {y.strides(), g.strides(), dx.strides()}, {y.offset(), g.offset(), dx.offset()},
                    [&](const auto& o) {
                      const T* yr = py + o[0];
                      const T* gr = pg + o[1];
                      T* d = pd + o[2];
                      if constexpr (std::is_same_v<T, float>) {
                        if (sy == 1 && sg == 1 && sd == 1) {
                          if (log) return rows::log_softmax_grad(d, gr, yr, n, static_cast<float>(rows::sum(gr, n)));
                          std::copy(gr, gr + n, d);
                          return rows::softmax_grad(d, yr, n, static_cast<float>(rows::dot(gr, yr, n)));
                        }
                      }
                      double s = 0;  // softmax: sum(g * y); log_softmax: sum(g)
                      if (log) {
                        for (std::int64_t j = 0; j < n; ++j) s += gr[j * sg];
                        const T sum_g = static_cast<T>(s);
                        for (std::int64_t j = 0; j < n; ++j) d[j * sd] = gr[j * sg] - std::exp(yr[j * sy]) * sum_g;
                      } else {
                        for (std::int64_t j = 0; j < n; ++j) s += static_cast<double>(gr[j * sg]) * yr[j * sy];
                        const T dot = static_cast<T>(s);
                        for (std::int64_t j = 0; j < n; ++j) d[j * sd] = yr[j * sy] * (gr[j * sg] - dot);
                      }
                    });
}

Tensor softmax_forward(const Tensor& x_in, int dim, bool log) {
  const Tensor x = at_least_1d(x_in);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_floating(log ? "log_softmax" : "softmax", x.dtype(), [&]<class T>() { softmax_kernel<T>(x, y, dim, log); });
  return x_in.dim() == 0 ? as_strided(y, {}, {}, 0) : y;
}

Tensor softmax_grad(const Tensor& y_in, const Tensor& g_in, int dim, bool log) {
  const Tensor y = at_least_1d(y_in), g = at_least_1d(g_in);
  Tensor dx = Tensor::empty(y.shape(), y.dtype());
  dispatch_floating(log ? "log_softmax_backward" : "softmax_backward", y.dtype(),
                    [&]<class T>() { softmax_backward_kernel<T>(y, g, dx, dim, log); });
  return y_in.dim() == 0 ? as_strided(dx, {}, {}, 0) : dx;
}

// The smoothed target distribution of one row: q[c] = off + (c == t ? on - off : 0).
struct Smoothing {
  double on, off;  // q at the target class, q elsewhere
  Smoothing(double e, std::int64_t C) : on(1 - e + e / static_cast<double>(C)), off(e / static_cast<double>(C)) {}
};

}  // namespace

Tensor softmax(const Tensor& x, int dim) { return softmax_forward(x, dim, false); }
Tensor log_softmax(const Tensor& x, int dim) { return softmax_forward(x, dim, true); }
Tensor softmax_backward(const Tensor& y, const Tensor& g, int dim) { return softmax_grad(y, g, dim, false); }
Tensor log_softmax_backward(const Tensor& y, const Tensor& g, int dim) { return softmax_grad(y, g, dim, true); }

// ---- cross-entropy and nll ------------------------------------------------------------------------

namespace {
// fn(i0, i1) over row ranges of [0, N): across focus's threads when N x C is large. Each row is
// computed alone, so the rows' results do not depend on the thread count.
template <class Fn>
void for_row_ranges(std::int64_t N, std::int64_t C, Fn&& fn) {
  if (N * C < kParallelElements) return fn(0, N);
  parallel::for_ranges(N, fn);
}
}  // namespace

// Shapes: logits [N, C] (any strides), targets [N]. Per row: m = max, s = sum exp(x - m); then
//   loss = log s + m - sum_c q[c] x[c] = log s + (1 - e)(m - x[t]) + (e / C) sum_c (m - x[c]),
// written with (m - x) so that large logits do not cancel. Caches lse = m + log s.
CrossEntropyForward cross_entropy_forward(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index,
                                          double label_smoothing) {
  const std::int64_t N = logits.shape()[0], C = logits.shape()[1];
  CrossEntropyForward out{Tensor::empty({N}, logits.dtype()), Tensor::empty({N}, logits.dtype())};
  dispatch_floating("cross_entropy", logits.dtype(), [&]<class T>() {
    const T* px = base<T>(logits) + logits.offset();
    const std::int64_t* pt = base<std::int64_t>(targets) + targets.offset();
    const std::int64_t s0 = logits.strides()[0], s1 = logits.strides()[1], st = targets.strides()[0];
    T* loss = out.losses.data_ptr<T>();
    T* lse = out.lse.data_ptr<T>();
    const double e = label_smoothing;
    for_row_ranges(N, C, [&](std::int64_t i0, std::int64_t i1) {
      std::vector<float> scratch;  // float rows: exp(x - m) on fast_math's vectorised exp
      for (std::int64_t i = i0; i < i1; ++i) {
        const std::int64_t t = pt[i * st];
        if (t == ignore_index) {
          loss[i] = 0;
          lse[i] = 0;
          continue;
        }
        const T* x = px + i * s0;
        T m = -std::numeric_limits<T>::infinity();
        double s = 0, spread = 0;  // spread = sum_c (m - x[c]), needed only when smoothing
        if constexpr (std::is_same_v<T, float>) {
          if (s1 == 1) {
            m = rows::max(x, C);
            scratch.assign(x, x + C);
            s = rows::exp_shifted_sum(scratch.data(), C, m);
          }
        }
        if (!(std::is_same_v<T, float> && s1 == 1)) {
          for (std::int64_t c = 0; c < C; ++c)
            if (x[c * s1] > m || x[c * s1] != x[c * s1]) m = x[c * s1];
          for (std::int64_t c = 0; c < C; ++c) s += std::exp(x[c * s1] - m);
        }
        if (e != 0)
          for (std::int64_t c = 0; c < C; ++c) spread += static_cast<double>(m) - x[c * s1];
        const double log_s = std::log(s);
        double l = log_s + (1 - e) * (static_cast<double>(m) - x[t * s1]);
        if (e != 0) l += e / static_cast<double>(C) * spread;
        loss[i] = static_cast<T>(l);
        lse[i] = static_cast<T>(m + log_s);
      }
    });
  });
  return out;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& dloss,
                              std::int64_t ignore_index, double label_smoothing) {
  const std::int64_t N = logits.shape()[0], C = logits.shape()[1];
  Tensor dlogits = Tensor::empty({N, C}, logits.dtype());
  dispatch_floating("cross_entropy_backward", logits.dtype(), [&]<class T>() {
    const T* px = base<T>(logits) + logits.offset();
    const std::int64_t* pt = base<std::int64_t>(targets) + targets.offset();
    const T* pl = base<T>(lse) + lse.offset();
    const T* pg = base<T>(dloss) + dloss.offset();
    const std::int64_t s0 = logits.strides()[0], s1 = logits.strides()[1];
    const std::int64_t st = targets.strides()[0], sl = lse.strides()[0], sg = dloss.strides()[0];
    T* d = dlogits.data_ptr<T>();
    const Smoothing q(label_smoothing, C);
    for_row_ranges(N, C, [&](std::int64_t i0, std::int64_t i1) {
      for (std::int64_t i = i0; i < i1; ++i) {
        T* drow = d + i * C;
        const std::int64_t t = pt[i * st];
        if (t == ignore_index) {
          for (std::int64_t c = 0; c < C; ++c) drow[c] = 0;
          continue;
        }
        const T* x = px + i * s0;
        const T l = pl[i * sl], g = pg[i * sg];
        const T off = static_cast<T>(q.off);
        bool done = false;
        if constexpr (std::is_same_v<T, float>) {
          if (s1 == 1) {  // exp(x - lse) on fast_math's vectorised exp
            std::copy(x, x + C, drow);
            rows::exp_shifted(drow, C, l);
            for (std::int64_t c = 0; c < C; ++c) drow[c] = g * (drow[c] - off);
            done = true;
          }
        }
        if (!done)
          for (std::int64_t c = 0; c < C; ++c) drow[c] = g * (std::exp(x[c * s1] - l) - off);
        drow[t] -= g * static_cast<T>(q.on - q.off);
      }
    });
  });
  return dlogits;
}

// Shapes: log_probs [N, C], targets [N]. loss = -(1 - e) lp[t] - (e / C) sum_c lp[c]; the sum is
// skipped without smoothing so that a -inf log-probability elsewhere does not make 0 * inf.
Tensor nll_loss_forward(const Tensor& log_probs, const Tensor& targets, std::int64_t ignore_index,
                        double label_smoothing) {
  const std::int64_t N = log_probs.shape()[0], C = log_probs.shape()[1];
  Tensor losses = Tensor::empty({N}, log_probs.dtype());
  dispatch_floating("nll_loss", log_probs.dtype(), [&]<class T>() {
    const T* px = base<T>(log_probs) + log_probs.offset();
    const std::int64_t* pt = base<std::int64_t>(targets) + targets.offset();
    const std::int64_t s0 = log_probs.strides()[0], s1 = log_probs.strides()[1], st = targets.strides()[0];
    T* loss = losses.data_ptr<T>();
    const double e = label_smoothing;
    for (std::int64_t i = 0; i < N; ++i) {
      const std::int64_t t = pt[i * st];
      if (t == ignore_index) {
        loss[i] = 0;
        continue;
      }
      const T* x = px + i * s0;
      double l = -(1 - e) * x[t * s1];
      if (e != 0) {
        double sum = 0;
        for (std::int64_t c = 0; c < C; ++c) sum += x[c * s1];
        l -= e / static_cast<double>(C) * sum;
      }
      loss[i] = static_cast<T>(l);
    }
  });
  return losses;
}

Tensor nll_loss_backward(const Tensor& targets, const Tensor& dloss, std::int64_t num_classes, DType dtype,
                         std::int64_t ignore_index, double label_smoothing) {
  const std::int64_t N = targets.shape()[0], C = num_classes;
  Tensor dlp = Tensor::empty({N, C}, dtype);
  dispatch_floating("nll_loss_backward", dtype, [&]<class T>() {
    const std::int64_t* pt = base<std::int64_t>(targets) + targets.offset();
    const T* pg = base<T>(dloss) + dloss.offset();
    const std::int64_t st = targets.strides()[0], sg = dloss.strides()[0];
    T* d = dlp.data_ptr<T>();
    const Smoothing q(label_smoothing, C);
    for (std::int64_t i = 0; i < N; ++i) {
      T* drow = d + i * C;
      const std::int64_t t = pt[i * st];
      const T g = t == ignore_index ? T(0) : pg[i * sg];
      for (std::int64_t c = 0; c < C; ++c) drow[c] = -g * static_cast<T>(q.off);
      if (t != ignore_index) drow[t] = -g * static_cast<T>(q.on);
    }
  });
  return dlp;
}

std::int64_t count_not_ignored(const Tensor& targets, std::int64_t ignore_index) {
  const Tensor t = contiguous(targets);
  const std::int64_t* p = t.data_ptr<std::int64_t>();
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) n += p[i] != ignore_index;
  return n;
}

// ---- layer norm -----------------------------------------------------------------------------------

// Row blocks of a large layer-norm backward: fixed, so dweight and dbias are summed the same way at
// any thread count.
constexpr std::int64_t kBackwardBlocks = 8;

// Shapes: x [R, M] contiguous, weight/bias [M] or null, y [R, M], mean/rstd [R].
// Two passes per row (mean, then the squared deviations) so the variance never goes negative.
template <class T>
[[gnu::always_inline]] inline void layer_norm_kernel(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd,
                                                     std::int64_t R, std::int64_t M, double eps) {
  for (std::int64_t r = 0; r < R; ++r) {
    const T* xr = x + r * M;
    T* yr = y + r * M;
    const double mu = sum_by_lanes(M, [&](std::int64_t c) { return static_cast<double>(xr[c]); }) / static_cast<double>(M);
    const double v = sum_by_lanes(M, [&](std::int64_t c) {
      const double d = xr[c] - mu;
      return d * d;
    });
    const double rs = 1.0 / std::sqrt(v / static_cast<double>(M) + eps);
    for (std::int64_t c = 0; c < M; ++c) {
      T out = static_cast<T>((xr[c] - mu) * rs);
      if (w) out *= w[c];
      if (b) out += b[c];
      yr[c] = out;
    }
    mean[r] = static_cast<T>(mu);
    rstd[r] = static_cast<T>(rs);
  }
}

// The float kernels are built as vector clones (fast_math.h): compiled for the baseline alone,
// their row loops ran two doubles at a time, and forward and backward were 8.9% of W2's step on
// the oneDNN build (4.9% as clones; docs/performance.md, session 18).
namespace {
FOCUS_VECTOR_CLONES void layer_norm_float(const float* x, const float* w, const float* b, float* y, float* mean,
                                          float* rstd, std::int64_t R, std::int64_t M, double eps) {
  layer_norm_kernel<float>(x, w, b, y, mean, rstd, R, M, eps);
}

template <class T>
void layer_norm_rows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, std::int64_t R, std::int64_t M,
                     double eps) {
  if constexpr (std::is_same_v<T, float>) layer_norm_float(x, w, b, y, mean, rstd, R, M, eps);
  else layer_norm_kernel<T>(x, w, b, y, mean, rstd, R, M, eps);
}

}  // namespace

LayerNormForward layer_norm_forward(const Tensor& x_in, std::int64_t M, const Tensor& weight, const Tensor& bias,
                                    double eps) {
  const Tensor x = contiguous(x_in);
  const std::int64_t R = M == 0 ? 0 : x.numel() / M;
  LayerNormForward out{Tensor::empty(x.shape(), x.dtype()), Tensor::empty({R}, x.dtype()),
                       Tensor::empty({R}, x.dtype())};
  dispatch_floating("layer_norm", x.dtype(), [&]<class T>() {
    const Tensor w = weight.defined() ? contiguous(weight) : Tensor();
    const Tensor b = bias.defined() ? contiguous(bias) : Tensor();
    // Rows are independent: large inputs are cut into row ranges across focus's threads.
    const T* px = x.data_ptr<T>();
    const T* pw = w.defined() ? w.data_ptr<T>() : nullptr;
    const T* pb = b.defined() ? b.data_ptr<T>() : nullptr;
    T *py = out.y.data_ptr<T>(), *pmean = out.mean.data_ptr<T>(), *prstd = out.rstd.data_ptr<T>();
    auto rows = [&](std::int64_t r0, std::int64_t r1) {
      layer_norm_rows<T>(px + r0 * M, pw, pb, py + r0 * M, pmean + r0, prstd + r0, r1 - r0, M, eps);
    };
    if (R * M < kParallelElements) rows(0, R);
    else parallel::for_ranges(R, rows);
  });
  return out;
}

// Shapes: g, x [R, M] contiguous; w [M] or null; dx [R, M] or null; dw, db [M] double
// accumulators (the sums run over all R rows) or null.
// Per row, with xhat = (x - mean) * rstd and dnorm = g * w:
//   1. the two row means of dnorm and dnorm * xhat, and dw += g * xhat, db += g;
//   2. dx = rstd * (dnorm - mean(dnorm) - xhat * mean(dnorm * xhat)).
template <class T>
[[gnu::always_inline]] inline void layer_norm_backward_kernel(const T* g, const T* x, const T* mean, const T* rstd,
                                                              const T* w, T* dx, double* dw, double* db, std::int64_t R,
                                                              std::int64_t M) {
  for (std::int64_t r = 0; r < R; ++r) {
    const T* gr = g + r * M;
    const T* xr = x + r * M;
    const double mu = mean[r], rs = rstd[r];
    auto dnorm_at = [&](std::int64_t c) { return w ? static_cast<double>(gr[c]) * w[c] : static_cast<double>(gr[c]); };
    const double sum_dnorm = sum_by_lanes(M, dnorm_at);
    const double sum_dnorm_xhat = sum_by_lanes(M, [&](std::int64_t c) { return dnorm_at(c) * ((xr[c] - mu) * rs); });
    if (dw)
      for (std::int64_t c = 0; c < M; ++c) dw[c] += gr[c] * ((xr[c] - mu) * rs);
    if (db)
      for (std::int64_t c = 0; c < M; ++c) db[c] += gr[c];
    if (!dx) continue;
    const double mean_dnorm = sum_dnorm / static_cast<double>(M);
    const double mean_dnorm_xhat = sum_dnorm_xhat / static_cast<double>(M);
    T* dr = dx + r * M;
    for (std::int64_t c = 0; c < M; ++c) {
      const double xhat = (xr[c] - mu) * rs;
      const double dnorm = w ? static_cast<double>(gr[c]) * w[c] : gr[c];
      dr[c] = static_cast<T>(rs * (dnorm - mean_dnorm - xhat * mean_dnorm_xhat));
    }
  }
}

namespace {
FOCUS_VECTOR_CLONES void layer_norm_backward_float(const float* g, const float* x, const float* mean, const float* rstd,
                                                   const float* w, float* dx, double* dw, double* db, std::int64_t R,
                                                   std::int64_t M) {
  layer_norm_backward_kernel<float>(g, x, mean, rstd, w, dx, dw, db, R, M);
}

template <class T>
void layer_norm_backward_rows(const T* g, const T* x, const T* mean, const T* rstd, const T* w, T* dx, double* dw,
                              double* db, std::int64_t R, std::int64_t M) {
  if constexpr (std::is_same_v<T, float>) layer_norm_backward_float(g, x, mean, rstd, w, dx, dw, db, R, M);
  else layer_norm_backward_kernel<T>(g, x, mean, rstd, w, dx, dw, db, R, M);
}
}  // namespace

LayerNormGrads layer_norm_backward(const Tensor& g_in, const Tensor& x_in, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& weight, bool need_dx, bool need_dweight, bool need_dbias) {
  const Tensor x = contiguous(x_in), g = contiguous(g_in);
  const std::int64_t R = mean.numel(), M = R == 0 ? 0 : x.numel() / R;
  const std::int64_t width = weight.defined() ? weight.numel() : M;  // M, also when R is 0
  LayerNormGrads out;
  dispatch_floating("layer_norm_backward", x.dtype(), [&]<class T>() {
    const Tensor w = weight.defined() ? contiguous(weight) : Tensor();
    if (need_dx) out.dx = Tensor::empty(x.shape(), x.dtype());
    // Large inputs: the rows are cut into kBackwardBlocks fixed blocks (by shape alone), each with
    // its own dw/db partial sums, spread across focus's threads; the partials are then added in
    // block order. So the result depends on the shape, never on the thread count; small inputs
    // (one block) sum in plain row order.
    const std::int64_t blocks = R * M < kParallelElements ? 1 : std::min<std::int64_t>(R, kBackwardBlocks);
    std::vector<double> dw_parts(need_dweight ? blocks * width : 0, 0.0), db_parts(need_dbias ? blocks * width : 0, 0.0);
    const T *pg = g.data_ptr<T>(), *px = x.data_ptr<T>(), *pw = w.defined() ? w.data_ptr<T>() : nullptr;
    const Tensor mean_c = contiguous(mean), rstd_c = contiguous(rstd);
    const T *pmean = mean_c.data_ptr<T>(), *prstd = rstd_c.data_ptr<T>();
    T* pdx = need_dx ? out.dx.data_ptr<T>() : nullptr;
    auto run_blocks = [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t blk = b0; blk < b1; ++blk) {
        const std::int64_t r0 = blk * R / blocks, r1 = (blk + 1) * R / blocks;
        layer_norm_backward_rows<T>(pg + r0 * M, px + r0 * M, pmean + r0, prstd + r0, pw,
                                      pdx ? pdx + r0 * M : nullptr,
                                      need_dweight ? dw_parts.data() + blk * width : nullptr,
                                      need_dbias ? db_parts.data() + blk * width : nullptr, r1 - r0, M);
      }
    };
    if (blocks == 1) run_blocks(0, 1);
    else parallel::for_ranges(blocks, run_blocks);
    auto add_blocks = [&](const std::vector<double>& parts) {
      if (parts.empty()) return std::vector<double>();
      std::vector<double> acc(parts.begin(), parts.begin() + width);
      for (std::int64_t blk = 1; blk < blocks; ++blk)
        for (std::int64_t c = 0; c < width; ++c) acc[c] += parts[blk * width + c];
      return acc;
    };
    const std::vector<double> dw = add_blocks(dw_parts), db = add_blocks(db_parts);
    auto to_tensor = [&](const std::vector<double>& acc) {
      Tensor t = Tensor::empty({width}, x.dtype());
      T* p = t.data_ptr<T>();
      for (std::int64_t c = 0; c < width; ++c) p[c] = static_cast<T>(acc[c]);
      return t;
    };
    if (need_dweight) out.dweight = to_tensor(dw);
    if (need_dbias) out.dbias = to_tensor(db);
  });
  return out;
}

// ---- batch norm ----------------------------------------------------------------------------------

namespace {

// x [N, C, ..] read as [N, C, S]: channel c's values are the N rows x + (n C + c) S, each S long.
struct ChannelRows {
  std::int64_t N, C, S;
  explicit ChannelRows(const Tensor& x) : N(x.shape()[0]), C(x.shape()[1]), S(1) {
    for (int d = 2; d < x.dim(); ++d) S *= x.shape()[d];
  }
  double count() const { return static_cast<double>(N * S); }
  template <class Fn>  // fn(c) for every channel, split across threads when the tensor is large
  void for_each_channel(Fn&& fn) const {
    auto run = [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t c = b; c < e; ++c) fn(c);
    };
    if (N * C * S < (1 << 15)) return run(0, C);
    parallel::for_ranges(C, run);
  }
  // The sum over channel c's values of term(row pointer offset, i), in double.
  template <class Term>
  double channel_sum(std::int64_t c, Term&& term) const {
    double s = 0;
    for (std::int64_t n = 0; n < N; ++n) {
      const std::int64_t row = (n * C + c) * S;
      s += sum_by_lanes(S, [&](std::int64_t i) { return term(row + i); });
    }
    return s;
  }
};

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

}  // namespace

BatchNormStats batch_norm_stats(const Tensor& x_in) {
  const Tensor x = contiguous(x_in);
  const ChannelRows r(x);
  BatchNormStats out{Tensor::empty({r.C}, x.dtype()), Tensor::empty({r.C}, x.dtype())};
  dispatch_floating("batch_norm", x.dtype(), [&]<class T>() {
    const T* px = x.data_ptr<T>();
    T *pm = out.mean.data_ptr<T>(), *pv = out.var.data_ptr<T>();
    r.for_each_channel([&](std::int64_t c) {
      const double mu = r.channel_sum(c, [&](std::int64_t i) { return static_cast<double>(px[i]); }) / r.count();
      const double var = r.channel_sum(c, [&](std::int64_t i) {
        const double d = px[i] - mu;
        return d * d;
      });
      pm[c] = static_cast<T>(mu);
      pv[c] = static_cast<T>(var / r.count());
    });
  });
  return out;
}

Tensor batch_norm_apply(const Tensor& x_in, const Tensor& mean_in, const Tensor& var_in, const Tensor& weight_in,
                        const Tensor& bias_in, double eps) {
  const Tensor x = contiguous(x_in), mean = contiguous(mean_in), var = contiguous(var_in);
  const Tensor weight = weight_in.defined() ? contiguous(weight_in) : Tensor();
  const Tensor bias = bias_in.defined() ? contiguous(bias_in) : Tensor();
  const ChannelRows r(x);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_floating("batch_norm", x.dtype(), [&]<class T>() {
    const T *px = x.data_ptr<T>(), *pm = mean.data_ptr<T>(), *pv = var.data_ptr<T>();
    const T *pw = data_or_null<T>(weight), *pb = data_or_null<T>(bias);
    T* py = y.data_ptr<T>();
    r.for_each_channel([&](std::int64_t c) {
      // y = (x - mean) scale + bias: subtracting first keeps float32 exact when |mean| >> std
      const double rs = 1.0 / std::sqrt(static_cast<double>(pv[c]) + eps);
      const T m = pm[c], sc = static_cast<T>(pw ? pw[c] * rs : rs), sh = pb ? pb[c] : T(0);
      for (std::int64_t n = 0; n < r.N; ++n) {
        const std::int64_t row = (n * r.C + c) * r.S;
        for (std::int64_t i = row; i < row + r.S; ++i) py[i] = (px[i] - m) * sc + sh;
      }
    });
  });
  return y;
}

// Per channel: 1. sum(g) and sum(g (x - mean)), giving dbias and dweight = rstd sum(g (x - mean));
// 2. dx = k1 g + k2 (x - mean) + k3, the header's formula expanded into per-channel constants.
BatchNormGrads batch_norm_backward(const Tensor& g_in, const Tensor& x_in, const Tensor& mean_in,
                                   const Tensor& var_in, const Tensor& weight_in, double eps, bool batch_stats,
                                   bool need_dx, bool need_dweight, bool need_dbias) {
  const Tensor g = contiguous(g_in), x = contiguous(x_in), mean = contiguous(mean_in), var = contiguous(var_in);
  const Tensor weight = weight_in.defined() ? contiguous(weight_in) : Tensor();
  const ChannelRows r(x);
  BatchNormGrads out;
  if (need_dx) out.dx = Tensor::empty(x.shape(), x.dtype());
  if (need_dweight) out.dweight = Tensor::empty({r.C}, x.dtype());
  if (need_dbias) out.dbias = Tensor::empty({r.C}, x.dtype());
  dispatch_floating("batch_norm_backward", x.dtype(), [&]<class T>() {
    const T *pg = g.data_ptr<T>(), *px = x.data_ptr<T>(), *pm = mean.data_ptr<T>(), *pv = var.data_ptr<T>();
    const T* pw = data_or_null<T>(weight);
    T* pdx = need_dx ? out.dx.data_ptr<T>() : nullptr;
    r.for_each_channel([&](std::int64_t c) {
      const double mu = pm[c], rs = 1.0 / std::sqrt(static_cast<double>(pv[c]) + eps), w = pw ? pw[c] : 1.0;
      const double sum_g = r.channel_sum(c, [&](std::int64_t i) { return static_cast<double>(pg[i]); });
      const double sum_g_xhat = rs * r.channel_sum(c, [&](std::int64_t i) { return pg[i] * (px[i] - mu); });
      if (need_dbias) out.dbias.data_ptr<T>()[c] = static_cast<T>(sum_g);
      if (need_dweight) out.dweight.data_ptr<T>()[c] = static_cast<T>(sum_g_xhat);
      if (!pdx) return;
      const double k1 = w * rs, k2 = batch_stats ? -k1 * rs * sum_g_xhat / r.count() : 0.0;
      const double k3 = batch_stats ? -k1 * sum_g / r.count() : 0.0;
      const T a = static_cast<T>(k1), b = static_cast<T>(k2), d = static_cast<T>(k3), m = pm[c];
      for (std::int64_t n = 0; n < r.N; ++n) {
        const std::int64_t row = (n * r.C + c) * r.S;
        for (std::int64_t i = row; i < row + r.S; ++i) pdx[i] = a * pg[i] + b * (px[i] - m) + d;
      }
    });
  });
  return out;
}

// ---- dropout --------------------------------------------------------------------------------------

Tensor dropout_mask(const Shape& shape, double p, DType dtype, Generator& gen) {
  Tensor mask = Tensor::empty(shape, dtype);
  const CounterDropout rule(p, draw_key(gen));
  const std::int64_t n = mask.numel();
  // Segments of 2^14 elements: each is one call below, on whichever thread; the mask depends only
  // on the key and each element's index, so any split gives the same bits. From 4 segments the
  // pool shares them (a zh-en residual mask, [64, 12, 128], is 6; with 2^16 it stayed on one thread).
  constexpr std::int64_t kSegment = std::int64_t(1) << 14;
  dispatch_floating("dropout", dtype, [&]<class T>() {
    T* m = mask.data_ptr<T>();
    parallel::for_chunks(n, kSegment, 4, [&](std::int64_t a, std::int64_t b) {
      const std::uint64_t high = std::uint64_t(a) >> 34;  // e / 2^34: counter word 1 (a segment never crosses 2^34)
      rule.factors(m + a, a - static_cast<std::int64_t>(high << 34), b - a, static_cast<std::uint32_t>(high), 0, 0);
    });
  });
  return mask;
}

}  // namespace focus::kernel
