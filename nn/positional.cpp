// Positional encodings.
#include <focus/nn/positional.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/tensor/factory.h>

#include <cmath>

namespace focus::nn {

namespace {
// x [B, T, D] plus rows offset..offset+T of table [max_len, D].
Tensor add_positions(const char* op, const Tensor& x, const Tensor& table, std::int64_t offset) {
  const std::int64_t max_len = table.size(0), d = table.size(1);
  if (x.dim() != 3 || x.size(-1) != d)
    throw ShapeError(std::string(op) + ": input must be [B, T, " + std::to_string(d) + "]; got " + to_string(x.shape()));
  if (offset < 0 || offset + x.size(1) > max_len)
    throw IndexError(std::string(op) + ": positions must lie below max_len; got positions " + std::to_string(offset) +
                     ".." + std::to_string(offset + x.size(1) - 1) + ", max_len=" + std::to_string(max_len));
  return x + table.slice(0, offset, offset + x.size(1));
}
}  // namespace

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(std::int64_t d_model, std::int64_t max_len, DType dtype)
    : Positions("SinusoidalPositionalEncoding"), d_model_(d_model), max_len_(max_len) {
  if (d_model <= 0 || max_len <= 0)
    throw ValueError("SinusoidalPositionalEncoding: d_model and max_len must be positive; got d_model=" +
                     std::to_string(d_model) + ", max_len=" + std::to_string(max_len));
  Tensor pe = zeros({max_len, d_model}, kFloat64);
  double* p = pe.data_ptr<double>();
  for (std::int64_t pos = 0; pos < max_len; ++pos)
    for (std::int64_t i = 0; i < d_model; ++i) {
      const double angle = static_cast<double>(pos) / std::pow(10000.0, static_cast<double>(i - i % 2) / d_model);
      p[pos * d_model + i] = i % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
  pe_ = register_buffer("pe", pe.to(dtype), false);
}

Tensor SinusoidalPositionalEncoding::forward(const Tensor& x, std::int64_t offset) const {
  return with_module_path([&] { return add_positions("SinusoidalPositionalEncoding", x, pe_, offset); });
}

std::string SinusoidalPositionalEncoding::extra_repr() const {
  return "d_model=" + std::to_string(d_model_) + ", max_len=" + std::to_string(max_len_);
}

LearnedPositionalEncoding::LearnedPositionalEncoding(std::int64_t max_len, std::int64_t d_model, DType dtype)
    : Positions("LearnedPositionalEncoding"), max_len_(max_len), d_model_(d_model) {
  if (d_model <= 0 || max_len <= 0)
    throw ValueError("LearnedPositionalEncoding: d_model and max_len must be positive; got max_len=" +
                     std::to_string(max_len) + ", d_model=" + std::to_string(d_model));
  weight = register_parameter("weight", normal({max_len, d_model}, 0.0, 0.02, dtype));
}

Tensor LearnedPositionalEncoding::forward(const Tensor& x, std::int64_t offset) const {
  return with_module_path([&] { return add_positions("LearnedPositionalEncoding", x, weight, offset); });
}

std::string LearnedPositionalEncoding::extra_repr() const {
  return "max_len=" + std::to_string(max_len_) + ", d_model=" + std::to_string(d_model_);
}

}  // namespace focus::nn
