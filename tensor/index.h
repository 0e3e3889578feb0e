// Index kernels: joining tensors along a dim, picking elements or slices by int64 indices, the
// scatter-adds that undo those picks (repeated indices add up), and triangle masks.
// Callers (autograd/ops_shape.cpp) check ranks, shapes, dtypes and index ranges; these assume
// valid input. Inputs may be any strided view; outputs are fresh and contiguous.
#pragma once

#include <vector>

#include <focus/tensor/tensor.h>

namespace focus::kernel {

// Copies inputs one after another along dim into out, whose shape is theirs with dim summed.
void cat_into(const Tensor& out, const std::vector<Tensor>& inputs, int dim);

// Smallest and largest value of an int64 tensor, so callers can range-check in one pass.
// An empty index gives min > max.
struct IndexBounds {
  std::int64_t min = 0;
  std::int64_t max = -1;
};
IndexBounds index_bounds(const Tensor& index);

// out[i][j] = x[index[i][j]][j] for dim 0 (likewise for other dims); out has index's shape, and
// index is no larger than x in every dim but dim.
Tensor gather(const Tensor& x, int dim, const Tensor& index);
// out[index[i][j]][j] += src[i][j] for dim 0; index and src share a shape. The inverse
// direction of gather, so it is gather's backward.
void scatter_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src);

// Slices of x along dim picked by a 1-D index: out.select(dim, i) = x.select(dim, index[i]).
Tensor index_select(const Tensor& x, int dim, const Tensor& index);
// out.select(dim, index[i]) += src.select(dim, i); index_select's backward.
void index_add_(const Tensor& out, int dim, const Tensor& index, const Tensor& src);

// x with the elements outside a triangle of its last two dims [R, C] set to 0. Element (r, c)
// is kept when c - r <= diagonal (lower) or c - r >= diagonal (upper).
Tensor triangle(const Tensor& x, std::int64_t diagonal, bool lower);

}  // namespace focus::kernel
