// RMSNorm (Zhang and Sennrich 2019), as torch 2.x's nn.RMSNorm: y = x / sqrt(mean(x^2) + eps) * weight
// over the trailing normalized_shape dims; no centring and no bias, so it is cheaper than LayerNorm
// and is the norm of LLaMA-style blocks. rms_norm is the function, RMSNorm the module around it.
#pragma once

#include <focus/nn/norm.h>

namespace focus::nn {

// x [.., *normalized_shape] -> same shape; weight (normalized_shape, or undefined) scales after.
// Composed from differentiable ops (mul, mean, rsqrt), not fused: its backward is exact by
// construction; fuse it only when a profile says it matters.
// eps is a fixed number (default 1e-6, LLaMA's and T5's), not torch's eps=None rule (the dtype's
// machine epsilon): with one number a model computes the same function in float32 and float64,
// and a float64 gradcheck checks the function that trains. Pass torch's value to match it exactly.
[[nodiscard]] Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                              double eps = 1e-6);

class RMSNorm : public Norm {
 public:
  RMSNorm(const Shape& normalized_shape, double eps = 1e-6, bool elementwise_affine = true, DType dtype = kFloat32);
  explicit RMSNorm(std::int64_t d_model, double eps = 1e-6) : RMSNorm(Shape{d_model}, eps) {}
  Tensor forward(const Tensor& x) const override;
  std::string extra_repr() const override;

  Tensor weight;  // ones(normalized_shape); undefined without elementwise_affine

 private:
  Shape normalized_shape_;
  double eps_;
};

}  // namespace focus::nn
