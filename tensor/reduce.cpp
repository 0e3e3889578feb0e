// Reduction kernels: one pass over the input in its memory order, accumulating into the output
// read through strides that are 0 on the reduced dims.
#include <focus/tensor/reduce.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/loop.h>

#include <cmath>
#include <limits>

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

// Output strides as seen from the input's index space: 0 on reduced dims.
Strides reduced_strides(const Shape& out_shape, const DimMask& mask) {
  Strides st = contiguous_strides(out_shape);
  for (int i = 0; i < out_shape.size(); ++i)
    if (mask[i]) st[i] = 0;
  return st;
}

template <class T, class Acc>
void sum_kernel(const Tensor& x, const Tensor& acc, const DimMask& mask) {
  Acc* po = acc.data_ptr<Acc>();
  const T* px = static_cast<const T*>(x.storage()->data());
  strided_loop<2>(x.shape(), {reduced_strides(acc.shape(), mask), x.strides()}, {0, x.offset()},
                  [&](std::int64_t n, auto off, auto st) {
                    Acc* o = po + off[0];
                    const T* a = px + off[1];
                    if (st[0] == 0) {
                      Acc s = 0;
                      if (st[1] == 1)
                        for (std::int64_t i = 0; i < n; ++i) s += a[i];
                      else
                        for (std::int64_t i = 0; i < n; ++i) s += a[i * st[1]];
                      *o += s;
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
        for (std::int64_t j = 1; j < n && bv == bv; ++j) {
          const T v = p[j * step];
          if (v != v || (is_max ? v > bv : v < bv)) {
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

}  // namespace focus::kernel
