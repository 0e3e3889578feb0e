// Differentiable reductions over all dims or the given dims (negative dims count from the end),
// with keepdim as in PyTorch; argmax and topk indices; and sum_to, which undoes broadcasting in
// every backward that needs it.
#pragma once

#include <vector>

#include <focus/tensor/tensor.h>

namespace focus {

using Dims = std::vector<std::int64_t>;

// An empty dims list reduces over every dim.
[[nodiscard]] Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
[[nodiscard]] Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// sum((x - mean)^2) / (n - correction) over dims: correction=1 (the default, as torch) is the
// unbiased estimate, 0 the population variance. n - correction <= 0 divides by 0 (inf or NaN).
[[nodiscard]] Tensor var(const Tensor& x, const Dims& dims = {}, std::int64_t correction = 1, bool keepdim = false);
// log(sum(exp(x))) computed after subtracting the max, so it never overflows; empty dims = all.
[[nodiscard]] Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim = false);

// max/min over everything, or along one dim (floating or int64). The gradient goes to the
// arg-max alone, the first one on ties (torch's max() would split it among ties). NaN wins.
[[nodiscard]] Tensor max(const Tensor& x);
[[nodiscard]] Tensor min(const Tensor& x);
struct ValuesIndices {
  Tensor values;
  Tensor indices;  // int64
};
[[nodiscard]] ValuesIndices max(const Tensor& x, std::int64_t dim, bool keepdim = false);
[[nodiscard]] ValuesIndices min(const Tensor& x, std::int64_t dim, bool keepdim = false);
// int64 indices of the largest (smallest) element, over the flattened tensor or along dim; the
// first one on ties.
[[nodiscard]] Tensor argmax(const Tensor& x);
[[nodiscard]] Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
[[nodiscard]] Tensor argmin(const Tensor& x);
[[nodiscard]] Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);
// The k largest (or smallest) along dim, sorted, ties in index order; values are
// differentiable (the gradient goes back to the picked indices).
[[nodiscard]] ValuesIndices topk(const Tensor& x, std::int64_t k, std::int64_t dim = -1, bool largest = true);

// Sums grad down to `shape`, undoing the broadcast that took an input of `shape` to grad's shape.
[[nodiscard]] Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace focus
