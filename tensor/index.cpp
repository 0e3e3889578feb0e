// Index kernels. gather, scatter_add, index_select and index_add are one loop (index_loop): walk
// a shape over a dense operand, the index, and an indexed operand whose offset along dim comes
// from the index value. index_select and index_add reuse it with the 1-D index viewed as a
// stride-0 broadcast over every dim but dim.
#include <focus/tensor/index.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/loop.h>

#include <algorithm>
#include <limits>

namespace focus::kernel {

namespace {

// Walks `shape` and calls f(dense_offset, indexed_offset) per element, where the indexed offset
// is indexed's offset at the same position with index[position] in place of the position's dim.
// dense and index are laid over `shape`; indexed has the same rank.
template <class F>
void index_loop(const Shape& shape, const Tensor& dense, const Tensor& index, const Tensor& indexed, int dim, F f) {
  Strides st = indexed.strides();
  const std::int64_t step = st[dim];
  st[dim] = 0;
  const std::int64_t* pi = static_cast<const std::int64_t*>(index.storage()->data());
  strided_loop<3>(shape, {dense.strides(), index.strides(), st}, {dense.offset(), index.offset(), indexed.offset()},
                  [&](std::int64_t n, auto off, auto s) {
                    for (std::int64_t i = 0; i < n; ++i)
                      f(off[0] + i * s[0], off[2] + i * s[2] + pi[off[1] + i * s[1]] * step);
                  });
}

// A 1-D index read as a tensor of `shape` whose element at any position is index[position[dim]].
Tensor spread_along(const Tensor& index, const Shape& shape, int dim) {
  Strides st = Shape::filled(shape.size(), 0);
  st[dim] = index.strides()[0];
  return as_strided(index, shape, st, index.offset());
}

template <class T>
T* base_of(const Tensor& t) {
  return static_cast<T*>(t.storage()->data());
}

}  // namespace

void cat_into(const Tensor& out, const std::vector<Tensor>& inputs, int dim) {
  std::int64_t start = 0;
  for (const Tensor& t : inputs) {
    const std::int64_t n = t.shape()[dim];
    if (n == 0) continue;
    Shape s = out.shape();
    s[dim] = n;
    copy_into(as_strided(out, s, out.strides(), out.offset() + start * out.strides()[dim]), t);
    start += n;
  }
}

IndexBounds index_bounds(const Tensor& index) {
  IndexBounds b{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()};
  const std::int64_t* p = base_of<const std::int64_t>(index);
  strided_loop<1>(index.shape(), {index.strides()}, {index.offset()}, [&](std::int64_t n, auto off, auto st) {
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t v = p[off[0] + i * st[0]];
      b.min = std::min(b.min, v);
      b.max = std::max(b.max, v);
    }
  });
  return b;
}

Tensor gather(const Tensor& x, int dim, const Tensor& index) {
  Tensor out = Tensor::empty(index.shape(), x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    T* po = base_of<T>(out);
    const T* px = base_of<const T>(x);
    index_loop(index.shape(), out, index, x, dim, [&](std::int64_t o, std::int64_t xo) { po[o] = px[xo]; });
  });
  return out;
}

void scatter_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  dispatch_numeric("scatter_add", out.dtype(), [&]<class T>() {
    T* po = base_of<T>(out);
    const T* ps = base_of<const T>(src);
    index_loop(index.shape(), src, index, out, dim, [&](std::int64_t s, std::int64_t o) { po[o] += ps[s]; });
  });
}

Tensor index_select(const Tensor& x, int dim, const Tensor& index) {
  Shape shape = x.shape();
  shape[dim] = index.numel();
  Tensor out = Tensor::empty(shape, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    T* po = base_of<T>(out);
    const T* px = base_of<const T>(x);
    index_loop(shape, out, spread_along(index, shape, dim), x, dim,
               [&](std::int64_t o, std::int64_t xo) { po[o] = px[xo]; });
  });
  return out;
}

void index_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src) {
  dispatch_numeric("index_add", out.dtype(), [&]<class T>() {
    T* po = base_of<T>(out);
    const T* ps = base_of<const T>(src);
    index_loop(src.shape(), src, spread_along(index, src.shape(), dim), out, dim,
               [&](std::int64_t s, std::int64_t o) { po[o] += ps[s]; });
  });
}

Tensor triangle(const Tensor& x, std::int64_t diagonal, bool lower) {
  Tensor out = clone(x);
  const std::int64_t R = x.shape()[x.dim() - 2], C = x.shape()[x.dim() - 1];
  if (out.numel() == 0) return out;
  const std::int64_t batch = out.numel() / (R * C);
  diagonal = std::clamp<std::int64_t>(diagonal, -R - 1, C + 1);  // beyond these nothing changes
  dispatch(out.dtype(), [&]<class T>() {
    T* p = out.data_ptr<T>();
    for (std::int64_t b = 0; b < batch; ++b) {
      for (std::int64_t r = 0; r < R; ++r) {
        T* row = p + (b * R + r) * C;
        // Zero the columns [lo, hi): right of the edge for lower, left of it for upper.
        const std::int64_t edge = r + diagonal;
        const std::int64_t lo = lower ? std::clamp<std::int64_t>(edge + 1, 0, C) : 0;
        const std::int64_t hi = lower ? C : std::clamp<std::int64_t>(edge, 0, C);
        std::fill(row + lo, row + hi, T(0));
      }
    }
  });
  return out;
}

}  // namespace focus::kernel
