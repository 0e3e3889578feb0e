// Differentiable reductions. The backward of a reduction over dims re-inserts those dims as
// size 1 (reshape to the keepdim shape) and broadcasts back to the input (expand), a view.
#include <focus/autograd/ops_reduce.h>

#include <focus/autograd/function.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/tensor/kernel.h>
#include <focus/tensor/reduce.h>

namespace focus {

namespace {

// Wraps dims and rejects repeats; an empty list stays empty (all dims).
std::vector<int> wrap_dims(const char* op, const Dims& dims, int rank) {
  std::vector<int> out;
  for (auto d : dims) {
    const int w = wrap_dim(op, d, rank);
    for (int o : out)
      if (o == w) throw IndexError(std::string(op) + ": dim " + std::to_string(w) + " appears more than once");
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
