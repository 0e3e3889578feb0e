// ScaleNorm (Nguyen and Salazar 2019, "Transformers without Tears: Improving the Normalization of
// Self-Attention"), written outside focus as a norm: y = g * x / max(||x||, eps), the L2 norm over
// the last dim and one learned scalar g in place of LayerNorm's 2 D parameters.
// docs/extending.md, "A new norm", walks through this file and scale_norm.cpp.
#pragma once

#include <focus/nn/norm.h>

#include <cstdint>
#include <string>

namespace custom {

// y = g * x / max(||x||, eps), ||x|| over the last dim;  x [.., D], g [] (a scalar) -> [.., D]
// backward (each op's own): through mul, div, sqrt, clamp_min and sum; g's gradient sums over
// every element.
[[nodiscard]] focus::Tensor scale_norm(const focus::Tensor& x, const focus::Tensor& g, double eps);

class ScaleNorm : public focus::nn::Norm {
 public:
  // g starts at sqrt(d_model), the paper's: a unit-length row scaled back to the typical length of
  // a row of d_model unit-variance numbers.
  explicit ScaleNorm(std::int64_t d_model, double eps = 1e-5, focus::DType dtype = focus::kFloat32);
  // x [.., d_model] -> the same shape: Norm's one virtual, what a Transformer block calls.
  focus::Tensor forward(const focus::Tensor& x) const override;
  std::string extra_repr() const override;

  focus::Tensor g;  // []

 private:
  std::int64_t d_model_;
  double eps_;
};

}  // namespace custom
