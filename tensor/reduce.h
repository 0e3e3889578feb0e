// Reduction kernels. A reduction takes a mask of the dims to reduce and returns the result in
// keepdim layout (reduced dims kept with size 1, contiguous); callers squeeze as asked.
#pragma once

#include <array>

#include <focus/tensor/tensor.h>

namespace focus::kernel {

using DimMask = std::array<bool, kMaxRank>;

// The mask for dims (already wrapped); an empty list means every dim.
DimMask dim_mask(const std::vector<int>& dims, int rank);
// x's shape with masked dims set to 1.
Shape keepdim_shape(const Shape& shape, const DimMask& mask);

enum class ReduceOp { Sum, Max, Min };
// Sums accumulate in double for float32 inputs, so long sums keep their precision.
Tensor reduce(ReduceOp op, const Tensor& x, const DimMask& mask);

// Values and int64 indices of the max (or min) along one dim, keepdim layout; the first index
// wins on ties; NaN counts as the largest (and smallest), as in torch.
void arg_reduce(bool is_max, const Tensor& x, int dim, Tensor& values, Tensor& indices);

// Variance over the masked dims: sum((x - mean)^2) / max(n - correction, 0), floating x. Two
// passes (mean first, then squared deviations), which keeps precision when |mean| >> std.
Tensor var(const Tensor& x, const DimMask& mask, std::int64_t correction);

// log(sum(exp(x))) over the masked dims, floating x. The max m is subtracted first so exp never
// overflows: m + log(sum(exp(x - m))); an infinite m is not subtracted (it would make inf - inf).
// An empty reduction gives -inf, the log of an empty sum.
Tensor logsumexp(const Tensor& x, const DimMask& mask);

// The k largest (or smallest) elements along dim, sorted, and their int64 indices: x's shape with
// dim of size k, contiguous. Ties keep the lower index first; NaN counts as the largest, as in
// torch. 0 <= k <= x.size(dim) (checked by the caller).
void topk(const Tensor& x, std::int64_t k, int dim, bool largest, Tensor& values, Tensor& indices);

}  // namespace focus::kernel
