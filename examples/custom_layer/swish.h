// A layer written outside focus's library, the way docs/extending.md walks through it:
// swish(x, beta) = x * sigmoid(beta * x), a differentiable op with a hand-written backward, and
// Swish, a Module whose learnable beta (one per feature) feeds that op.
#pragma once

#include <focus/focus.h>

namespace custom {

// y = x * sigmoid(beta * x);  x [.., C], beta [C] -> y [.., C]
// dx = g * (s + beta * x * s * (1 - s)),  dbeta = sum over .. of g * x^2 * s * (1 - s),
// where s = sigmoid(beta * x).
[[nodiscard]] focus::Tensor swish(const focus::Tensor& x, const focus::Tensor& beta);

class Swish : public focus::nn::Module {
 public:
  // beta starts at 1 (swish-1, also called SiLU).
  explicit Swish(std::int64_t features, focus::DType dtype = focus::kFloat32);
  // [.., features] -> [.., features]
  focus::Tensor forward(const focus::Tensor& x) const;
  std::string extra_repr() const override;

  focus::Tensor beta;

 private:
  std::int64_t features_;
};

}  // namespace custom
