// Reduction kernels: one pass over the input in its memory order, accumulating into the output
// read through strides that are 0 on the reduced dims.
#include <focus/tensor/reduce.h>
#include <focus/tensor/fast_math.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/loop.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace focus::kernel {

DimMask dim_mask(const std::vector<int>& dims, int rank) {
  DimMask m{};
  if (dims.empty())
    for (int i = 0; i < rank; ++i) m[i] = true;
  for (int d : dims) m[d] = true;
  return m;
}

Shape keepdim_shape(const Shape& shape, const DimMask& mask) {
  Shape s = shape;
  for (int i = 0; i < s.size(); ++i)
    if (mask[i]) s[i] = 1;
  return s;
}

namespace {

// NaN test that also compiles quietly for int64 (where v != v draws a self-comparison warning).
template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Output strides as seen from the input's index space: 0 on reduced dims.
Strides reduced_strides(const Shape& out_shape, const DimMask& mask) {
  Strides st = contiguous_strides(out_shape);
  for (int i = 0; i < out_shape.size(); ++i)
    if (mask[i]) st[i] = 0;
  return st;
}

// The sum of a[0 .. n): float through rows::sum (interleaved partial sums in double, vectorised
// for the CPU; a single running sum is one long chain of dependent adds), other types in a plain
// loop (float64 is the gradient-check dtype, where speed matters less than exactness).
template <class Acc, class T>
Acc contiguous_sum(const T* a, std::int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return rows::sum(a, n);
  } else {
    Acc s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
}

template <class T, class Acc>
void sum_kernel(const Tensor& x, const Tensor& acc, const DimMask& mask) {
  Acc* po = acc.data_ptr<Acc>();
  const T* px = static_cast<const T*>(x.storage()->data());
  strided_loop<2>(x.shape(), {reduced_strides(acc.shape(), mask), x.strides()}, {0, x.offset()},
                  [&](std::int64_t n, auto off, auto st) {
                    Acc* o = po + off[0];
                    const T* a = px + off[1];
                    if (st[0] == 0 && st[1] == 1) {
                      *o += contiguous_sum<Acc>(a, n);
                    } else if (st[0] == 0) {
                      Acc s = 0;
                      for (std::int64_t i = 0; i < n; ++i) s += a[i * st[1]];
                      *o += s;
                    } else if (st[0] == 1 && st[1] == 1) {  // summing rows: one vector add per row
                      if constexpr (std::is_same_v<T, float>) rows::accumulate(o, a, n);
                      else
                        for (std::int64_t i = 0; i < n; ++i) o[i] += a[i];
                    } else {
                      for (std::int64_t i = 0; i < n; ++i) o[i * st[0]] += a[i * st[1]];
                    }
                  });
}

template <class T, class Better>
void extreme_kernel(const Tensor& x, const Tensor& out, const DimMask& mask, Better better) {
  T* po = out.data_ptr<T>();
  const T* px = static_cast<const T*>(x.storage()->data());
  strided_loop<2>(x.shape(), {reduced_strides(out.shape(), mask), x.strides()}, {0, x.offset()},
                  [&](std::int64_t n, auto off, auto st) {
                    for (std::int64_t i = 0; i < n; ++i) {
                      T& o = po[off[0] + i * st[0]];
                      const T v = px[off[1] + i * st[1]];
                      if (better(v, o)) o = v;
                    }
                  });
}

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& x, const DimMask& mask) {
  const Shape out_shape = keepdim_shape(x.shape(), mask);
  if (op == ReduceOp::Sum) {
    return dispatch_numeric("sum", x.dtype(), [&]<class T>() {
      using Acc = std::conditional_t<std::is_same_v<T, float>, double, T>;
      Tensor acc = Tensor::empty(out_shape, dtype_of_v<Acc>);
      fill_(acc, 0);
      sum_kernel<T, Acc>(x, acc, mask);
      return to_dtype(acc, x.dtype());
    });
  }
  if (x.numel() == 0)
    throw ValueError(std::string(op == ReduceOp::Max ? "max" : "min") +
                     ": cannot reduce an empty tensor; got shape " + to_string(x.shape()));
  Tensor out = Tensor::empty(out_shape, x.dtype());
  dispatch_numeric(op == ReduceOp::Max ? "max" : "min", x.dtype(), [&]<class T>() {
    // Start from the first element of each output slot: copy x's [0] slice along reduced dims.
    Shape first = x.shape();
    for (int i = 0; i < first.size(); ++i)
      if (mask[i]) first[i] = 1;
    copy_into(out, as_strided(x, first, x.strides(), x.offset()));
    // NaN propagates: a NaN candidate always wins, and nothing replaces a NaN.
    if (op == ReduceOp::Max)
      extreme_kernel<T>(x, out, mask, [](T v, T o) { return o == o && (v > o || v != v); });
    else
      extreme_kernel<T>(x, out, mask, [](T v, T o) { return o == o && (v < o || v != v); });
  });
  return out;
}

void arg_reduce(bool is_max, const Tensor& x, int dim, Tensor& values, Tensor& indices) {
  const char* name = is_max ? "argmax" : "argmin";
  const std::int64_t n = x.shape()[dim];
  if (n == 0)
    throw ValueError(std::string(name) + ": cannot reduce an empty dim; got shape " + to_string(x.shape()));
  Shape out_shape = x.shape();
  out_shape[dim] = 1;
  values = Tensor::empty(out_shape, x.dtype());
  indices = Tensor::empty(out_shape, kInt64);
  dispatch_numeric(name, x.dtype(), [&]<class T>() {
    T* pv = values.data_ptr<T>();
    std::int64_t* pi = indices.data_ptr<std::int64_t>();
    const T* px = static_cast<const T*>(x.storage()->data());
    const std::int64_t step = x.strides()[dim];
    // Walk the output positions; for each, scan the reduced dim.
    Strides in_st = x.strides();
    in_st[dim] = 0;
    std::int64_t pos = 0;
    strided_loop<1>(out_shape, {in_st}, {x.offset()}, [&](std::int64_t cnt, auto off, auto st) {
      for (std::int64_t i = 0; i < cnt; ++i, ++pos) {
        const T* p = px + off[0] + i * st[0];
        std::int64_t best = 0;
        T bv = p[0];
        for (std::int64_t j = 1; j < n && !is_nan(bv); ++j) {
          const T v = p[j * step];
          if (is_nan(v) || (is_max ? v > bv : v < bv)) {
            bv = v;
            best = j;
          }
        }
        pv[pos] = bv;
        pi[pos] = best;
      }
    });
  });
}

Tensor var(const Tensor& x, const DimMask& mask, std::int64_t correction) {
  std::int64_t n = 1;
  for (int i = 0; i < x.dim(); ++i)
    if (mask[i]) n *= x.shape()[i];
  const Tensor mean = binary(BinaryOp::Div, reduce(ReduceOp::Sum, x, mask), static_cast<Scalar>(n));
  const Tensor centered = binary(BinaryOp::Sub, x, mean);
  const Tensor squares = reduce(ReduceOp::Sum, binary(BinaryOp::Mul, centered, centered), mask);
  return binary(BinaryOp::Div, squares, static_cast<Scalar>(std::max<std::int64_t>(n - correction, 0)));
}

Tensor logsumexp(const Tensor& x, const DimMask& mask) {
  if (x.numel() == 0) {
    Tensor out = Tensor::empty(keepdim_shape(x.shape(), mask), x.dtype());
    fill_(out, -std::numeric_limits<double>::infinity());
    return out;
  }
  Tensor m = reduce(ReduceOp::Max, x, mask);
  const Tensor infinite = binary(BinaryOp::Eq, unary(UnaryOp::Abs, m), std::numeric_limits<double>::infinity());
  m = where(infinite, scalar_tensor(0, x.dtype()), m);
  const Tensor sums = reduce(ReduceOp::Sum, unary(UnaryOp::Exp, binary(BinaryOp::Sub, x, m)), mask);
  return binary(BinaryOp::Add, unary(UnaryOp::Log, sums), m);
}

void topk(const Tensor& x, std::int64_t k, int dim, bool largest, Tensor& values, Tensor& indices) {
  Shape out_shape = x.shape();
  out_shape[dim] = k;
  values = Tensor::empty(out_shape, x.dtype());
  indices = Tensor::empty(out_shape, kInt64);
  if (values.numel() == 0) return;
  const std::int64_t n = x.shape()[dim];
  // One row per position of the other dims; each is sorted by index through `order`.
  Shape rows = x.shape();
  rows[dim] = 1;
  const Strides out_st = values.strides();
  dispatch_numeric("topk", x.dtype(), [&]<class T>() {
    const T* px = static_cast<const T*>(x.storage()->data());
    T* pv = values.data_ptr<T>();
    std::int64_t* pi = indices.data_ptr<std::int64_t>();
    const std::int64_t step = x.strides()[dim], out_step = out_st[dim];
    // Does a sort ahead of b? NaN counts as the largest value.
    auto ahead = [largest](T a, T b) {
      const bool a_nan = is_nan(a), b_nan = is_nan(b);
      if (a_nan || b_nan) return largest ? a_nan && !b_nan : !a_nan && b_nan;
      return largest ? a > b : a < b;
    };
    std::vector<std::int64_t> order(n);
    strided_loop<2>(rows, {x.strides(), out_st}, {x.offset(), 0}, [&](std::int64_t cnt, auto off, auto st) {
      for (std::int64_t r = 0; r < cnt; ++r) {
        const T* p = px + off[0] + r * st[0];
        const std::int64_t o = off[1] + r * st[1];
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](std::int64_t a, std::int64_t b) {
          const T va = p[a * step], vb = p[b * step];
          if (ahead(va, vb)) return true;
          if (ahead(vb, va)) return false;
          return a < b;  // ties: lower index first
        });
        for (std::int64_t j = 0; j < k; ++j) {
          pv[o + j * out_step] = p[order[j] * step];
          pi[o + j * out_step] = order[j];
        }
      }
    });
  });
}

}  // namespace focus::kernel
