// Differentiable shape ops beyond the view methods on Tensor (view, reshape, permute, transpose,
// slice, narrow, select, unsqueeze, squeeze, expand, contiguous, clone, to): joining, splitting,
// triangles and index-based gathers. Backward of every gather scatters and adds, so repeated
// indices receive the sum of their gradients.
#pragma once

#include <vector>

#include <focus/tensor/tensor.h>

namespace focus {

[[nodiscard]] Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
[[nodiscard]] Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
// Pieces of split_size along dim (the last may be smaller); views of x.
[[nodiscard]] std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim = 0);
// `chunks` pieces of (nearly) equal size along dim, as torch.chunk; views of x.
[[nodiscard]] std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim = 0);

// Lower / upper triangle of the last two dims; the rest set to 0. diagonal shifts the edge.
[[nodiscard]] Tensor tril(const Tensor& x, std::int64_t diagonal = 0);
[[nodiscard]] Tensor triu(const Tensor& x, std::int64_t diagonal = 0);

// out[i][j] = x[index[i][j]][j] for dim 0 (and so on): index is int64 with x's rank, no larger
// than x in any dim but dim, its values in [0, x.size(dim)).
[[nodiscard]] Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
// x with src added at index: out[index[i][j]][j] += src[i][j] for dim 0 (and so on). index and
// src share a shape, as gather's index and output do: this is gather's backward.
[[nodiscard]] Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
// Rows (or slices along dim) of x picked by a 1-D int64 index.
[[nodiscard]] Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
// x with slice i of src added to slice index[i] along dim; src is x's shape with dim of size
// index.numel(). index_select's backward.
[[nodiscard]] Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
// weight[ids]: ids is int64 of any shape, weight is [V, D]; the result is ids.shape + [D].
// Rows of padding_idx (if >= 0) receive no gradient.
[[nodiscard]] Tensor embedding(const Tensor& weight, const Tensor& ids, std::int64_t padding_idx = -1);

}  // namespace focus
