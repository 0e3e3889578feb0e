// Tensor's differentiable view and copy methods. The layout rules are in tensor/view.cpp; here
// each gets its backward. Views that only rearrange the same elements (view, reshape, squeeze,
// unsqueeze, flatten) send the gradient back through reshape; permute through the inverse
// permutation; expand through sum_to; slice by writing the gradient into zeros of the input's
// shape (slice_backward, itself differentiable so that create_graph works).
#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/view.h>

#include <algorithm>

namespace focus {

namespace {

// Records a view whose gradient is reshaped back to the input's shape.
Tensor reshaping_view(const char* name, const Tensor& x, Tensor out) {
  if (!needs_grad(x)) return out;
  return record(name, out, {x}, [xs = x.shape()](const Tensor& g) -> Grads { return {g.reshape(xs)}; });
}

// zeros(input_shape) with g written into the slice [start:end:step] of dim.
Tensor slice_backward(const Tensor& g, const Shape& input_shape, int dim, std::int64_t start, std::int64_t end,
                      std::int64_t step) {
  Tensor out = Tensor::empty(input_shape, g.dtype());
  kernel::fill_(out, 0);
  kernel::copy_into(kernel::slice(out, dim, start, end, step), g);
  if (!needs_grad(g)) return out;
  return record("slice_backward", out, {g}, [=](const Tensor& gg) -> Grads { return {gg.slice(dim, start, end, step)}; });
}

}  // namespace

// y = x viewed as shape;  dx = reshape(g, x.shape)
Tensor Tensor::view(const Shape& shape) const {
  const Shape s = kernel::infer_shape("view", shape, numel(), this->shape());
  Tensor out = kernel::try_view(*this, s);
  if (!out.defined())
    throw ShapeError("view: the tensor's strides do not allow this view (use reshape, which copies); got shape=" +
                     focus::to_string(this->shape()) + ", strides=" + focus::to_string(strides()) +
                     ", target=" + focus::to_string(s));
  return reshaping_view("view", *this, out);
}

// y = x in a new shape, a view when strides allow, else a copy;  dx = reshape(g, x.shape)
Tensor Tensor::reshape(const Shape& shape) const {
  const Shape s = kernel::infer_shape("reshape", shape, numel(), this->shape());
  if (s == this->shape()) return *this;
  Tensor out = kernel::try_view(*this, s);
  if (!out.defined()) out = kernel::try_view(kernel::clone(*this), s);
  return reshaping_view("reshape", *this, out);
}

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int s = wrap_dim("flatten", start_dim, dim()), e = wrap_dim("flatten", end_dim, dim());
  if (s > e)
    throw IndexError("flatten: start_dim must not come after end_dim; got start_dim=" + std::to_string(start_dim) +
                     ", end_dim=" + std::to_string(end_dim));
  Shape ns;
  for (int i = 0; i < s; ++i) ns.push_back(shape()[i]);
  std::int64_t m = 1;
  for (int i = s; i <= e; ++i) m *= shape()[i];
  ns.push_back(m);
  for (int i = e + 1; i < dim(); ++i) ns.push_back(shape()[i]);
  return reshape(ns);
}

// y = x with dims reordered;  dx = permute(g, inverse)
Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const {
  Tensor out = kernel::permute(*this, dims);
  if (!needs_grad(*this)) return out;
  std::vector<std::int64_t> inverse(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) inverse[dims[i] < 0 ? dims[i] + dim() : dims[i]] = std::int64_t(i);
  return record("permute", out, {*this}, [inverse](const Tensor& g) -> Grads { return {g.permute(inverse)}; });
}

Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  const int a = wrap_dim("transpose", d0, dim()), b = wrap_dim("transpose", d1, dim());
  if (dim() == 0) return *this;  // dims 0 and -1 of a scalar name nothing to swap
  std::vector<std::int64_t> p(dim());
  for (int i = 0; i < dim(); ++i) p[i] = i;
  std::swap(p[a], p[b]);
  return permute(p);
}

Tensor Tensor::t() const {
  if (dim() > 2)
    throw ShapeError("t: expects a tensor of rank <= 2 (use transpose or mT); got shape " + focus::to_string(shape()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::mT() const {
  if (dim() < 2) throw ShapeError("mT: expects rank >= 2; got shape " + focus::to_string(shape()));
  return transpose(-2, -1);
}

// y = x[start:end:step] along dim;  dx = zeros with g in that slice
Tensor Tensor::slice(std::int64_t dim_, std::int64_t start, std::int64_t end, std::int64_t step) const {
  Tensor out = kernel::slice(*this, dim_, start, end, step);
  if (!needs_grad(*this)) return out;
  const int d = wrap_sized_dim("slice", dim_, dim());
  const std::int64_t n = shape()[d];
  // Resolve Python-style bounds once, as kernel::slice did, so backward sees plain ones.
  const std::int64_t s = std::clamp<std::int64_t>(start < 0 ? start + n : start, 0, n);
  const std::int64_t e = s + out.shape()[d] * step;
  return record("slice", out, {*this}, [xs = shape(), d, s, e, step](const Tensor& g) -> Grads {
    return {slice_backward(g, xs, d, s, std::min(e, xs[d]), step)};
  });
}

Tensor Tensor::narrow(std::int64_t dim_, std::int64_t start, std::int64_t length) const {
  const int d = wrap_sized_dim("narrow", dim_, dim());
  const std::int64_t n = shape()[d];
  if (start < 0) start += n;
  if (start < 0 || length < 0 || start + length > n)
    throw IndexError("narrow: start and length must lie inside the dim; got start=" + std::to_string(start) +
                     ", length=" + std::to_string(length) + ", size=" + std::to_string(n));
  return slice(d, start, start + length);
}

Tensor Tensor::select(std::int64_t dim_, std::int64_t index) const {
  const int d = wrap_sized_dim("select", dim_, dim());
  const std::int64_t n = shape()[d];
  if (index < -n || index >= n)
    throw IndexError("select: index out of range; got index=" + std::to_string(index) + " for dim " +
                     std::to_string(d) + " of size " + std::to_string(n));
  if (index < 0) index += n;
  return slice(d, index, index + 1).squeeze(d);
}

Tensor Tensor::unsqueeze(std::int64_t d) const { return reshaping_view("unsqueeze", *this, kernel::unsqueeze(*this, d)); }

Tensor Tensor::squeeze(std::int64_t d) const {
  const int w = wrap_dim("squeeze", d, dim());  // a 0-dim tensor squeezes to itself
  if (dim() == 0 || shape()[w] != 1) return *this;
  return reshaping_view("squeeze", *this, kernel::squeeze(*this, d));
}

Tensor Tensor::squeeze() const {
  Shape s;
  for (auto v : shape())
    if (v != 1) s.push_back(v);
  if (s.size() == dim()) return *this;
  return reshape(s);
}

// y = x broadcast to shape (stride 0, no copy);  dx = sum_to(g, x.shape)
Tensor Tensor::expand(const Shape& shape_) const {
  Tensor out = kernel::expand(*this, shape_);
  if (out.shape() == shape()) return *this;
  if (!needs_grad(*this)) return out;
  return record("expand", out, {*this}, [xs = shape()](const Tensor& g) -> Grads { return {sum_to(g, xs)}; });
}

// y = x laid out contiguously;  dx = g
Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

// y = copy of x;  dx = g
Tensor Tensor::clone() const {
  Tensor out = kernel::clone(*this);
  if (!needs_grad(*this)) return out;
  return record("clone", out, {*this}, [](const Tensor& g) -> Grads { return {g}; });
}

// y = x converted;  dx = g converted back (floating to floating only; other targets end the graph)
Tensor Tensor::to(DType dt) const {
  if (dt == dtype()) return *this;
  Tensor out = kernel::to_dtype(*this, dt);
  if (!is_floating(dt) || !needs_grad(*this)) return out;
  return record("to", out, {*this}, [src = dtype()](const Tensor& g) -> Grads { return {g.to(src)}; });
}

// ---- op methods ---------------------------------------------------------------------------------
Tensor Tensor::sum() const { return focus::sum(*this); }
Tensor Tensor::sum(const std::vector<std::int64_t>& dims, bool keepdim) const { return focus::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return focus::mean(*this); }
Tensor Tensor::mean(const std::vector<std::int64_t>& dims, bool keepdim) const { return focus::mean(*this, dims, keepdim); }
Tensor Tensor::exp() const { return focus::exp(*this); }
Tensor Tensor::log() const { return focus::log(*this); }
Tensor Tensor::pow(Scalar exponent) const { return focus::pow(*this, exponent); }
Tensor Tensor::matmul(const Tensor& other) const { return focus::matmul(*this, other); }

}  // namespace focus
