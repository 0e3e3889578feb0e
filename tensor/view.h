// Views: new shape/strides/offset over the same storage, no copy. These are the layout rules;
// the differentiable Tensor methods in autograd/ops_view.cpp wrap them. Each checks its
// arguments and throws with the op's name.
#pragma once

#include <vector>

#include <focus/tensor/tensor.h>

namespace focus::kernel {

// Resolves one -1 in `shape` from numel; checks the element counts agree.
Shape infer_shape(const char* op, const Shape& shape, std::int64_t numel, const Shape& from);
// A view with the new shape if x's strides allow one (always when contiguous); else undefined.
Tensor try_view(const Tensor& x, const Shape& shape);
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
// Python-style bounds: negative start/end count from the end and are clamped; step > 0.
Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step);
Tensor expand(const Tensor& x, const Shape& shape);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor squeeze(const Tensor& x, std::int64_t dim);

}  // namespace focus::kernel
