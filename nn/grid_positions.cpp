// 2-D sinusoidal positions for a grid of patches behind a class token.
#include <focus/nn/grid_positions.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/tensor/factory.h>

#include <cmath>

namespace focus::nn {

GridSinusoidalPositions::GridSinusoidalPositions(std::int64_t d_model, std::int64_t max_len, DType dtype)
    : Positions("GridSinusoidalPositions"), d_model_(d_model), max_len_(max_len), grid_(0) {
  while ((grid_ + 1) * (grid_ + 1) <= max_len - 1) ++grid_;
  if (d_model <= 0 || d_model % 4 != 0 || max_len < 2 || grid_ * grid_ != max_len - 1)
    throw ValueError("GridSinusoidalPositions: d_model must be a positive multiple of 4 and max_len - 1 a square "
                     "(the class token, then a g x g grid); got d_model=" +
                     std::to_string(d_model) + ", max_len=" + std::to_string(max_len));
  const std::int64_t half = d_model / 2;
  Tensor table = zeros({max_len, d_model}, kFloat64);
  double* t = table.data_ptr<double>();
  for (std::int64_t pos = 1; pos < max_len; ++pos) {
    const std::int64_t coord[2] = {(pos - 1) / grid_, (pos - 1) % grid_};  // row, column
    for (int axis = 0; axis < 2; ++axis)
      for (std::int64_t i = 0; i < half; ++i) {
        const double angle = static_cast<double>(coord[axis]) / std::pow(10000.0, static_cast<double>(i - i % 2) / static_cast<double>(half));
        t[pos * d_model + axis * half + i] = i % 2 == 0 ? std::sin(angle) : std::cos(angle);
      }
  }
  table_ = register_buffer("table", table.to(dtype), false);
}

Tensor GridSinusoidalPositions::embed(const Tensor& x, std::int64_t offset) const {
  return with_module_path([&] {
    if (x.dim() != 3 || x.size(-1) != d_model_)
      throw ShapeError("GridSinusoidalPositions: input must be [B, T, " + std::to_string(d_model_) + "]; got " + focus::to_string(x.shape()));
    if (offset < 0 || offset + x.size(1) > max_len_)
      throw IndexError("GridSinusoidalPositions: positions must lie below max_len; got positions " + std::to_string(offset) + ".." +
                       std::to_string(offset + x.size(1) - 1) + ", max_len=" + std::to_string(max_len_));
    return x + table_.slice(0, offset, offset + x.size(1));
  });
}

std::string GridSinusoidalPositions::extra_repr() const {
  return "d_model=" + std::to_string(d_model_) + ", grid=" + std::to_string(grid_) + "x" + std::to_string(grid_);
}

}  // namespace focus::nn
