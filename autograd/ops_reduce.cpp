// Differentiable reductions. The backward of a reduction over dims re-inserts those dims as
// size 1 (reshape to the keepdim shape) and broadcasts back to the input (expand), a view.
// Reductions that pick elements (max, min, topk) send the gradient back to the picked indices
// with scatter_add, whose own backward is gather, so second derivatives flow.
#include <focus/autograd/ops_reduce.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/reduce.h>

#include <algorithm>

namespace focus {

namespace {

// Wraps dims and rejects repeats; an empty list stays empty (all dims).
std::vector<int> wrap_dims(const char* op, const Dims& dims, int rank) {
  std::vector<int> out;
  for (auto d : dims) {
    const int w = wrap_dim(op, d, rank);
    for (int o : out)
      if (o == w) throw IndexError(std::string(op) + ": dims must not repeat; got dim " + std::to_string(w) + " twice");
    out.push_back(w);
  }
  return out;
}

// A keepdim-layout result with the reduced dims dropped (a view), unless keepdim.
Tensor finish(const Tensor& kept, const kernel::DimMask& mask, bool keepdim) {
  if (keepdim) return kept;
  Shape s;
  for (int i = 0; i < kept.dim(); ++i)
    if (!mask[i]) s.push_back(kept.shape()[i]);
  return as_strided(kept, s, contiguous_strides(s), kept.offset());
}

std::int64_t reduced_count(const Shape& shape, const kernel::DimMask& mask) {
  std::int64_t n = 1;
  for (int i = 0; i < shape.size(); ++i)
    if (mask[i]) n *= shape[i];
  return n;
}

// max, min, argmax, argmin and topk order elements: floating or int64, not bool.
void check_numeric(const char* op, const Tensor& x) {
  if (x.dtype() == kBool)
    throw DTypeError(std::string(op) + ": expected a numeric dtype (float32, float64 or int64); got bool");
}

// Layout-only views for the kernels (never recorded): a rank-0 tensor as one element along dim 0,
// as torch treats it in ops along a dim; any tensor as a contiguous 1-D run (copied if need be).
Tensor at_least_1d(const Tensor& x) { return x.dim() == 0 ? as_strided(x, {1}, {1}, x.offset()) : x; }
Tensor flat(const Tensor& x) {
  const Tensor c = kernel::contiguous(x);
  return as_strided(c, {c.numel()}, {1}, c.offset());
}
Tensor rank0(const Tensor& one) { return as_strided(one, {}, {}, one.offset()); }

// The gradient of an op that picked elements of x (seen as x1_shape) along dim at `index`:
// zeros with g added at the picked positions, then x's own shape.
Tensor grad_at_indices(const Tensor& g, const Shape& x_shape, const Shape& x1_shape, int dim, const Tensor& index) {
  return scatter_add(zeros(x1_shape, g.dtype()), dim, index, g.reshape(index.shape())).reshape(x_shape);
}

// Max (or min) along one dim, in keepdim layout, of x seen as at least 1-D.
struct AlongDim {
  Tensor values, indices;
  int dim = 0;
  Shape x1_shape;
};
AlongDim extreme_along(const char* op, bool is_max, const Tensor& x, std::int64_t dim) {
  check_numeric(op, x);
  AlongDim r;
  const Tensor x1 = at_least_1d(x);
  r.dim = wrap_dim(op, dim, x.dim());
  r.x1_shape = x1.shape();
  if (x1.shape()[r.dim] == 0)
    throw ValueError(std::string(op) + ": cannot reduce an empty dim; got dim=" + std::to_string(r.dim) +
                     ", shape=" + to_string(x.shape()));
  kernel::arg_reduce(is_max, x1, r.dim, r.values, r.indices);
  return r;
}

// Max (or min) of all elements, with its flat index.
void extreme_all(const char* op, bool is_max, const Tensor& x, Tensor& values, Tensor& indices) {
  check_numeric(op, x);
  if (x.numel() == 0)
    throw ValueError(std::string(op) + ": cannot reduce an empty tensor; got shape " + to_string(x.shape()));
  kernel::arg_reduce(is_max, flat(x), 0, values, indices);
}

// y = max (min) of all elements;  [..] -> [];  dx = g at the first arg-max, 0 elsewhere
Tensor extreme(const char* op, bool is_max, const Tensor& x) {
  Tensor values, indices;
  extreme_all(op, is_max, x, values, indices);
  Tensor out = rank0(values);
  if (!needs_grad(x)) return out;
  return record(op, out, {x}, [indices, xs = x.shape()](const Tensor& g) -> Grads {
    return {grad_at_indices(g, xs, {numel_of(xs)}, 0, indices)};
  });
}

// y, i = max (min) along dim;  [.., n, ..] -> [.., ..];  dx = g at the arg-max of each slice
ValuesIndices extreme(const char* op, bool is_max, const Tensor& x, std::int64_t dim, bool keepdim) {
  const AlongDim r = extreme_along(op, is_max, x, dim);
  const auto mask = kernel::dim_mask({r.dim}, r.x1_shape.size());
  keepdim = keepdim && x.dim() > 0;
  ValuesIndices out{finish(r.values, mask, keepdim), finish(r.indices, mask, keepdim)};
  if (!needs_grad(x)) return out;
  out.values = record(op, out.values, {x},
                      [op, xs = x.shape(), x1s = r.x1_shape, d = r.dim, index = save(r.indices)](
                          const Tensor& g) -> Grads { return {grad_at_indices(g, xs, x1s, d, index.get(op))}; });
  return out;
}

}  // namespace

// y = sum of x over dims;  [..] -> [..] without dims;  dx = g broadcast back to x.shape
Tensor sum(const Tensor& x_in, const Dims& dims, bool keepdim) {
  const Tensor x = x_in.dtype() == kBool ? kernel::to_dtype(x_in, kInt64) : x_in;  // counting a mask
  const auto mask = kernel::dim_mask(wrap_dims("sum", dims, x.dim()), x.dim());
  Tensor kept = kernel::reduce(kernel::ReduceOp::Sum, x, mask);
  Tensor out = finish(kept, mask, keepdim);
  if (!needs_grad(x)) return out;
  return record("sum", out, {x}, [xs = x.shape(), ks = kept.shape()](const Tensor& g) -> Grads {
    return {g.reshape(ks).expand(xs)};
  });
}

// y = sum(x) / n over dims;  dx = g / n broadcast back
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  check_floating("mean", x);
  const auto mask = kernel::dim_mask(wrap_dims("mean", dims, x.dim()), x.dim());
  const std::int64_t n = reduced_count(x.shape(), mask);
  return div(sum(x, dims, keepdim), static_cast<Scalar>(n));
}

// y = sum((x - mean)^2) / (n - c) over dims;  dx = g * 2 (x - mean) / (n - c)
Tensor var(const Tensor& x, const Dims& dims, std::int64_t correction, bool keepdim) {
  check_floating("var", x);
  if (correction < 0)
    throw ValueError("var: correction must be non-negative; got correction=" + std::to_string(correction));
  const auto mask = kernel::dim_mask(wrap_dims("var", dims, x.dim()), x.dim());
  Tensor kept = kernel::var(x, mask, correction);
  Tensor out = finish(kept, mask, keepdim);
  if (!needs_grad(x)) return out;
  const double scale = 2.0 / std::max<std::int64_t>(reduced_count(x.shape(), mask) - correction, 0);
  return record("var", out, {x}, [x = save(x), dims, ks = kept.shape(), scale](const Tensor& g) -> Grads {
    const Tensor& xv = x.get("var");
    return {(xv - mean(xv, dims, true)) * (g.reshape(ks) * scale)};
  });
}

// y = log(sum(exp(x))) over dims;  dx = g * exp(x - y), the softmax of x over dims times g
Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim) {
  check_floating("logsumexp", x);
  const auto mask = kernel::dim_mask(wrap_dims("logsumexp", dims, x.dim()), x.dim());
  Tensor kept = kernel::logsumexp(x, mask);
  Tensor out = finish(kept, mask, keepdim);
  if (!needs_grad(x)) return out;
  // Under create_graph y is recomputed from x so that the softmax is itself differentiable.
  return record("logsumexp", out, {x}, [x = save(x), y = save_output(kept), dims](const Tensor& g) -> Grads {
    const Tensor& xv = x.get("logsumexp");
    const Tensor yk = GradMode::is_enabled() ? logsumexp(xv, dims, true) : y.get("logsumexp");
    return {g.reshape(yk.shape()) * exp(xv - yk)};
  });
}

Tensor max(const Tensor& x) { return extreme("max", true, x); }
Tensor min(const Tensor& x) { return extreme("min", false, x); }
ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim) { return extreme("max", true, x, dim, keepdim); }
ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim) { return extreme("min", false, x, dim, keepdim); }

Tensor argmax(const Tensor& x) {
  Tensor values, indices;
  extreme_all("argmax", true, x, values, indices);
  return rank0(indices);
}

Tensor argmin(const Tensor& x) {
  Tensor values, indices;
  extreme_all("argmin", false, x, values, indices);
  return rank0(indices);
}

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  const AlongDim r = extreme_along("argmax", true, x, dim);
  return finish(r.indices, kernel::dim_mask({r.dim}, r.x1_shape.size()), keepdim && x.dim() > 0);
}

Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) {
  const AlongDim r = extreme_along("argmin", false, x, dim);
  return finish(r.indices, kernel::dim_mask({r.dim}, r.x1_shape.size()), keepdim && x.dim() > 0);
}

// y, i = the k largest (smallest) along dim, sorted;  [.., n, ..] -> [.., k, ..];  dx = g at i
ValuesIndices topk(const Tensor& x, std::int64_t k, std::int64_t dim, bool largest) {
  check_numeric("topk", x);
  const Tensor x1 = at_least_1d(x);
  const int d = wrap_dim("topk", dim, x.dim());
  const std::int64_t n = x1.shape()[d];
  if (k < 0 || k > n)
    throw ValueError("topk: k must lie in [0, " + std::to_string(n) + "] (the size of dim " + std::to_string(d) +
                     "); got k=" + std::to_string(k) + ", shape=" + to_string(x.shape()));
  Tensor values, indices;
  kernel::topk(x1, k, d, largest, values, indices);
  ValuesIndices out{values, indices};
  if (x.dim() == 0 && k == 1) out = {rank0(values), rank0(indices)};
  if (!needs_grad(x)) return out;
  out.values = record("topk", out.values, {x},
                      [xs = x.shape(), x1s = x1.shape(), d, index = save(indices)](const Tensor& g) -> Grads {
                        return {grad_at_indices(g, xs, x1s, d, index.get("topk"))};
                      });
  return out;
}

// Sums the broadcast dims of grad away: leading extra dims, and dims where shape has size 1.
Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const int lead = grad.dim() - shape.size();
  if (lead < 0)
    throw ShapeError("sum_to: target rank must not exceed the gradient's; got grad=" + to_string(grad.shape()) +
                     ", target=" + to_string(shape));
  Dims dims;
  for (int i = 0; i < grad.dim(); ++i) {
    if (i < lead) {
      dims.push_back(i);
    } else if (shape[i - lead] != grad.shape()[i]) {
      if (shape[i - lead] != 1)
        throw ShapeError("sum_to: target must broadcast to the gradient's shape; got grad=" + to_string(grad.shape()) +
                         ", target=" + to_string(shape));
      dims.push_back(i);
    }
  }
  return sum(grad, dims, true).reshape(shape);
}

}  // namespace focus
