// Pooling kernels (contracts in pool_kernels.h). Each reads a contiguous copy of its input as P
// planes of H x W and walks the windows the PoolWindows tables give, so padding costs nothing: a
// window is clipped to the input once, when the table is built.
#include <focus/tensor/pool_kernels.h>

#include <focus/tensor/kernel.h>
#include <focus/tensor/parallel.h>

#include <limits>

namespace focus::kernel {

namespace {

// Shapes of a pooling: P planes of H x W in, OH x OW out.
struct Planes {
  std::int64_t P, H, W, OH, OW;
  Shape out_shape;
};

Planes planes_of(const Shape& in, std::int64_t OH, std::int64_t OW) {
  const int r = in.size();
  Planes p{1, in[r - 2], in[r - 1], OH, OW, in};
  for (int d = 0; d < r - 2; ++d) p.P *= in[d];
  p.out_shape[r - 2] = OH;
  p.out_shape[r - 1] = OW;
  return p;
}

// Runs plane(p) for every p in [0, P), across threads when the work is worth handing out (a
// plane's result never depends on which thread computes it).
template <class Fn>
void for_each_plane(std::int64_t P, std::int64_t work, Fn&& plane) {
  auto run = [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t p = b; p < e; ++p) plane(p);
  };
  if (work < (1 << 15)) return run(0, P);
  parallel::for_ranges(P, run);
}

}  // namespace

PoolWindows sliding_windows(std::int64_t n, std::int64_t kernel, std::int64_t stride, std::int64_t padding) {
  PoolWindows w;
  for (std::int64_t start = -padding; start + kernel <= n + padding; start += stride) {
    w.begin.push_back(std::max<std::int64_t>(start, 0));
    w.end.push_back(std::min(start + kernel, n));
    w.count.push_back(kernel);  // count_include_pad: the window never reaches past n + padding
  }
  return w;
}

PoolWindows adaptive_windows(std::int64_t n, std::int64_t out) {
  PoolWindows w;
  for (std::int64_t i = 0; i < out; ++i) {
    w.begin.push_back(i * n / out);
    w.end.push_back(((i + 1) * n + out - 1) / out);
    w.count.push_back(w.end.back() - w.begin.back());
  }
  return w;
}

MaxPool2dForward max_pool2d_forward(const Tensor& x_in, const PoolWindows& rows, const PoolWindows& cols) {
  const Tensor x = contiguous(x_in);
  const Planes s = planes_of(x.shape(), rows.size(), cols.size());
  MaxPool2dForward out{Tensor::empty(s.out_shape, x.dtype()), Tensor::empty(s.out_shape, kInt64)};
  dispatch_floating("max_pool2d", x.dtype(), [&]<class T>() {
    const T* px = x.data_ptr<T>();
    T* py = out.y.data_ptr<T>();
    std::int64_t* pi = out.indices.data_ptr<std::int64_t>();
    for_each_plane(s.P, x.numel(), [&](std::int64_t p) {
      const T* a = px + p * s.H * s.W;
      for (std::int64_t i = 0; i < s.OH; ++i) {
        const std::int64_t h0 = rows.begin[i], h1 = rows.end[i];  // locals: pi's stores may alias the tables
        for (std::int64_t j = 0; j < s.OW; ++j) {
          const std::int64_t w0 = cols.begin[j], w1 = cols.end[j];
          T m = -std::numeric_limits<T>::infinity();
          std::int64_t at = h0 * s.W + w0;
          for (std::int64_t h = h0; h < h1; ++h)
            for (std::int64_t w = w0; w < w1; ++w) {
              const T v = a[h * s.W + w];
              if (!(v <= m)) m = v, at = h * s.W + w;  // greater, or NaN (as PyTorch: a NaN wins)
            }
          const std::int64_t o = (p * s.OH + i) * s.OW + j;
          py[o] = m;
          pi[o] = at;
        }
      }
    });
  });
  return out;
}

Tensor max_pool2d_backward(const Tensor& g_in, const Tensor& indices_in, const Shape& input_shape) {
  const Tensor g = contiguous(g_in), idx = contiguous(indices_in);
  const Planes s = planes_of(input_shape, g.shape()[g.dim() - 2], g.shape()[g.dim() - 1]);
  Tensor dx = Tensor::empty(input_shape, g.dtype());
  dispatch_floating("max_pool2d_backward", g.dtype(), [&]<class T>() {
    const T* pg = g.data_ptr<T>();
    const std::int64_t* pi = idx.data_ptr<std::int64_t>();
    T* pd = dx.data_ptr<T>();
    for_each_plane(s.P, dx.numel(), [&](std::int64_t p) {
      T* d = pd + p * s.H * s.W;
      std::fill(d, d + s.H * s.W, T(0));
      for (std::int64_t o = p * s.OH * s.OW; o < (p + 1) * s.OH * s.OW; ++o) d[pi[o]] += pg[o];
    });
  });
  return dx;
}

Tensor avg_pool2d_forward(const Tensor& x_in, const PoolWindows& rows, const PoolWindows& cols) {
  const Tensor x = contiguous(x_in);
  const Planes s = planes_of(x.shape(), rows.size(), cols.size());
  Tensor y = Tensor::empty(s.out_shape, x.dtype());
  dispatch_floating("avg_pool2d", x.dtype(), [&]<class T>() {
    const T* px = x.data_ptr<T>();
    T* py = y.data_ptr<T>();
    for_each_plane(s.P, x.numel(), [&](std::int64_t p) {
      const T* a = px + p * s.H * s.W;
      for (std::int64_t i = 0; i < s.OH; ++i)
        for (std::int64_t j = 0; j < s.OW; ++j) {
          double sum = 0;
          for (std::int64_t h = rows.begin[i]; h < rows.end[i]; ++h)
            for (std::int64_t w = cols.begin[j]; w < cols.end[j]; ++w) sum += a[h * s.W + w];
          py[(p * s.OH + i) * s.OW + j] = static_cast<T>(sum / static_cast<double>(rows.count[i] * cols.count[j]));
        }
    });
  });
  return y;
}

Tensor avg_pool2d_backward(const Tensor& g_in, const Shape& input_shape, const PoolWindows& rows,
                           const PoolWindows& cols) {
  const Tensor g = contiguous(g_in);
  const Planes s = planes_of(input_shape, rows.size(), cols.size());
  Tensor dx = Tensor::empty(input_shape, g.dtype());
  dispatch_floating("avg_pool2d_backward", g.dtype(), [&]<class T>() {
    const T* pg = g.data_ptr<T>();
    T* pd = dx.data_ptr<T>();
    for_each_plane(s.P, dx.numel(), [&](std::int64_t p) {
      T* d = pd + p * s.H * s.W;
      std::fill(d, d + s.H * s.W, T(0));
      for (std::int64_t i = 0; i < s.OH; ++i)
        for (std::int64_t j = 0; j < s.OW; ++j) {
          const T share = static_cast<T>(pg[(p * s.OH + i) * s.OW + j] / static_cast<double>(rows.count[i] * cols.count[j]));
          for (std::int64_t h = rows.begin[i]; h < rows.end[i]; ++h)
            for (std::int64_t w = cols.begin[j]; w < cols.end[j]; ++w) d[h * s.W + w] += share;
        }
    });
  });
  return dx;
}

}  // namespace focus::kernel
