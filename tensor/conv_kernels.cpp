// Convolution through GEMM. Per sample and group, im2col lays the receptive fields out as the
// columns of a [K, L] matrix (K = C/G kH kW, L = Ho Wo), so the convolution is w_g [O/G, K] @ col;
// the input gradient is w_g^T @ dy_g scattered back by col2im, the weight gradient dy_g @ col^T.
// The col scratch is one focus Tensor per thread range (the caching allocator hands back the same
// block every step). A 1x1 kernel with stride 1 and no padding skips im2col: col is the input.
//
// Threads: the batch is shared out with parallel::for_ranges. Forward and the input gradient
// compute each sample alone, so any split gives the same bits. The weight gradient sums over the
// batch: it is cut into kWeightChunks chunks fixed by B alone, each chunk sums its samples into its
// own partial in sample order, and the partials are added in chunk order. Measured on [128, 32, 28,
// 28] 3x3, one thread: the 128 per-sample [32, 288] x [288, 784] products took 20 ms against 38-50 ms
// for one [32, 288] x [288, 128 784] product (OpenBLAS SkylakeX kernels; about equal on its generic
// Prescott ones), and the batch-wide one needs a [K, B L] scratch (115 MB here) and a transpose.
#include <focus/tensor/conv_kernels.h>

#include <focus/tensor/kernel.h>
#include <focus/tensor/matmul.h>
#include <focus/tensor/parallel.h>

#include <algorithm>

namespace focus::kernel {

namespace {

constexpr std::int64_t kWeightChunks = 8;

bool is_pointwise(const Conv2dGeometry& s) {
  return s.kH == 1 && s.kW == 1 && s.sH == 1 && s.sW == 1 && s.pH == 0 && s.pW == 0;
}

// The output columns ow whose input column ow sW + off lies in [0, W): [lo, hi).
void valid_columns(std::int64_t off, std::int64_t W, std::int64_t sW, std::int64_t Wo, std::int64_t& lo,
                   std::int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + sW - 1) / sW;
  hi = W - 1 - off < 0 ? 0 : (W - 1 - off) / sW + 1;
  hi = std::min(hi, Wo);
  lo = std::min(lo, hi);
}

// col [Cg kH kW, Ho Wo] from the Cg channels of one sample starting at x ([Cg, H, W], contiguous).
// Row (c, i, j) holds x[c, oh sH - pH + i dH, ow sW - pW + j dW] over (oh, ow), 0 off the image.
template <class T>
void im2col(const T* x, std::int64_t Cg, const Conv2dGeometry& s, T* col) {
  const std::int64_t L = s.Ho * s.Wo;
  for (std::int64_t c = 0; c < Cg; ++c)
    for (std::int64_t i = 0; i < s.kH; ++i)
      for (std::int64_t j = 0; j < s.kW; ++j) {
        T* row = col + ((c * s.kH + i) * s.kW + j) * L;
        const std::int64_t off_w = j * s.dW - s.pW;
        std::int64_t lo, hi;
        valid_columns(off_w, s.W, s.sW, s.Wo, lo, hi);
        for (std::int64_t oh = 0; oh < s.Ho; ++oh) {
          T* r = row + oh * s.Wo;
          const std::int64_t ih = oh * s.sH - s.pH + i * s.dH;
          if (ih < 0 || ih >= s.H) {
            std::fill(r, r + s.Wo, T(0));
            continue;
          }
          const T* xr = x + (c * s.H + ih) * s.W + off_w;
          std::fill(r, r + lo, T(0));
          if (s.sW == 1) std::copy(xr + lo, xr + hi, r + lo);
          else
            for (std::int64_t ow = lo; ow < hi; ++ow) r[ow] = xr[ow * s.sW];
          std::fill(r + hi, r + s.Wo, T(0));
        }
      }
}

// The adjoint of im2col: dx[c, ih, iw] += every col entry that im2col read from there.
template <class T>
void col2im_add(const T* col, std::int64_t Cg, const Conv2dGeometry& s, T* dx) {
  const std::int64_t L = s.Ho * s.Wo;
  for (std::int64_t c = 0; c < Cg; ++c)
    for (std::int64_t i = 0; i < s.kH; ++i)
      for (std::int64_t j = 0; j < s.kW; ++j) {
        const T* row = col + ((c * s.kH + i) * s.kW + j) * L;
        const std::int64_t off_w = j * s.dW - s.pW;
        std::int64_t lo, hi;
        valid_columns(off_w, s.W, s.sW, s.Wo, lo, hi);
        for (std::int64_t oh = 0; oh < s.Ho; ++oh) {
          const std::int64_t ih = oh * s.sH - s.pH + i * s.dH;
          if (ih < 0 || ih >= s.H) continue;
          const T* r = row + oh * s.Wo;
          T* xr = dx + (c * s.H + ih) * s.W + off_w;
          if (s.sW == 1)
            for (std::int64_t ow = lo; ow < hi; ++ow) xr[ow] += r[ow];
          else
            for (std::int64_t ow = lo; ow < hi; ++ow) xr[ow * s.sW] += r[ow];
        }
      }
}

// A [rows, cols] row-major matrix starting `offset` elements into t's storage.
Tensor matrix(const Tensor& t, std::int64_t offset, std::int64_t rows, std::int64_t cols) {
  return as_strided(t, {rows, cols}, {cols, 1}, t.offset() + offset);
}

}  // namespace

Tensor conv2d_forward(const Tensor& x_in, const Tensor& w_in, const Tensor& bias, const Conv2dGeometry& s) {
  const Tensor x = contiguous(x_in), w = contiguous(w_in);
  const Tensor b = bias.defined() ? contiguous(bias) : Tensor();
  Tensor y = Tensor::empty({s.B, s.O, s.Ho, s.Wo}, x.dtype());
  const std::int64_t G = s.groups, Cg = s.C / G, Og = s.O / G, K = Cg * s.kH * s.kW, L = s.Ho * s.Wo;
  const bool pointwise = is_pointwise(s);
  dispatch_floating("conv2d", x.dtype(), [&]<class T>() {
    parallel::for_ranges(s.B, [&](std::int64_t begin, std::int64_t end) {
      const Tensor col = pointwise ? Tensor() : Tensor::empty({K, L}, x.dtype());
      for (std::int64_t n = begin; n < end; ++n)
        for (std::int64_t g = 0; g < G; ++g) {
          const std::int64_t x_at = (n * s.C + g * Cg) * s.H * s.W;
          if (!pointwise) im2col(x.data_ptr<T>() + x_at, Cg, s, col.data_ptr<T>());
          gemm(matrix(w, g * Og * K, Og, K), false, pointwise ? matrix(x, x_at, K, L) : col, false,
               matrix(y, (n * s.O + g * Og) * L, Og, L));
        }
      if (!b.defined()) return;
      const T* bp = b.data_ptr<T>();
      for (std::int64_t n = begin; n < end; ++n)
        for (std::int64_t o = 0; o < s.O; ++o) {
          T* row = y.data_ptr<T>() + (n * s.O + o) * L;
          for (std::int64_t l = 0; l < L; ++l) row[l] += bp[o];
        }
    });
  });
  return y;
}

Tensor conv2d_backward_input(const Tensor& dy_in, const Tensor& w_in, const Conv2dGeometry& s) {
  const Tensor dy = contiguous(dy_in), w = contiguous(w_in);
  const std::int64_t G = s.groups, Cg = s.C / G, Og = s.O / G, K = Cg * s.kH * s.kW, L = s.Ho * s.Wo;
  const bool pointwise = is_pointwise(s);
  // Pointwise: each group's product is the whole of its dx rows, so no zero fill is needed.
  const Tensor dx = Tensor::empty({s.B, s.C, s.H, s.W}, dy.dtype());
  if (!pointwise) fill_(dx, 0);
  dispatch_floating("conv2d", dy.dtype(), [&]<class T>() {
    parallel::for_ranges(s.B, [&](std::int64_t begin, std::int64_t end) {
      const Tensor dcol = pointwise ? Tensor() : Tensor::empty({K, L}, dy.dtype());
      for (std::int64_t n = begin; n < end; ++n)
        for (std::int64_t g = 0; g < G; ++g) {
          const std::int64_t x_at = (n * s.C + g * Cg) * s.H * s.W;
          // dcol [K, L] = w_g^T [K, Og] @ dy_g [Og, L]
          gemm(matrix(w, g * Og * K, Og, K), true, matrix(dy, (n * s.O + g * Og) * L, Og, L), false,
               pointwise ? matrix(dx, x_at, K, L) : dcol);
          if (!pointwise) col2im_add(dcol.data_ptr<T>(), Cg, s, dx.data_ptr<T>() + x_at);
        }
    });
  });
  return dx;
}

Tensor conv2d_backward_weight(const Tensor& x_in, const Tensor& dy_in, const Conv2dGeometry& s) {
  const Tensor x = contiguous(x_in), dy = contiguous(dy_in);
  const std::int64_t G = s.groups, Cg = s.C / G, Og = s.O / G, K = Cg * s.kH * s.kW, L = s.Ho * s.Wo;
  const bool pointwise = is_pointwise(s);
  const std::int64_t chunks = std::min(s.B, kWeightChunks);
  const Tensor partial = Tensor::empty({chunks, s.O, K}, x.dtype());
  Tensor dw = Tensor::empty({s.O, Cg, s.kH, s.kW}, x.dtype());
  if (chunks == 0) {  // an empty batch
    fill_(dw, 0);
    return dw;
  }
  dispatch_floating("conv2d", x.dtype(), [&]<class T>() {
    // Step 1: chunk c sums dy_g @ col^T over its samples, in order, into partial[c].
    parallel::for_ranges(chunks, [&](std::int64_t begin, std::int64_t end) {
      const Tensor col = pointwise ? Tensor() : Tensor::empty({K, L}, x.dtype());
      for (std::int64_t c = begin; c < end; ++c) {
        const std::int64_t first = c * s.B / chunks, last = (c + 1) * s.B / chunks;
        for (std::int64_t n = first; n < last; ++n)
          for (std::int64_t g = 0; g < G; ++g) {
            const std::int64_t x_at = (n * s.C + g * Cg) * s.H * s.W;
            if (!pointwise) im2col(x.data_ptr<T>() + x_at, Cg, s, col.data_ptr<T>());
            // partial[c]_g [Og, K] (+)= dy_g [Og, L] @ col^T [L, K]
            gemm(matrix(dy, (n * s.O + g * Og) * L, Og, L), false, pointwise ? matrix(x, x_at, K, L) : col, true,
                 matrix(partial, (c * s.O + g * Og) * K, Og, K), 1.0, n == first ? 0.0 : 1.0);
          }
      }
    });
    // Step 2: the partials added in chunk order.
    const std::int64_t size = s.O * K;
    const T* p = partial.data_ptr<T>();
    T* out = dw.data_ptr<T>();
    std::copy(p, p + size, out);
    for (std::int64_t c = 1; c < chunks; ++c)
      for (std::int64_t i = 0; i < size; ++i) out[i] += p[c * size + i];
  });
  return dw;
}

Tensor conv2d_backward_bias(const Tensor& dy_in, const Conv2dGeometry& s) {
  const Tensor dy = contiguous(dy_in);
  Tensor db = Tensor::empty({s.O}, dy.dtype());
  const std::int64_t L = s.Ho * s.Wo;
  dispatch_floating("conv2d", dy.dtype(), [&]<class T>() {
    const T* g = dy.data_ptr<T>();
    for (std::int64_t o = 0; o < s.O; ++o) {
      // In double so that a float32 sum over B Ho Wo terms keeps its precision; eight running sums
      // (a fixed order) so the adds overlap: one chain took 3.6 ms of a 100 ms step on [128, 32, 28, 28].
      double acc[8] = {};
      for (std::int64_t n = 0; n < s.B; ++n) {
        const T* row = g + (n * s.O + o) * L;
        std::int64_t l = 0;
        for (; l + 8 <= L; l += 8)
          for (int k = 0; k < 8; ++k) acc[k] += row[l + k];
        for (; l < L; ++l) acc[l % 8] += row[l];
      }
      double total = 0;
      for (double a : acc) total += a;
      db.data_ptr<T>()[o] = static_cast<T>(total);
    }
  });
  return db;
}

}  // namespace focus::kernel
