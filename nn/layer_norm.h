// LayerNorm over the trailing normalized_shape dims, with a learned elementwise scale (weight,
// ones) and shift (bias, zeros), as torch.nn.LayerNorm.
#pragma once

#include <focus/nn/norm.h>

namespace focus::nn {

class LayerNorm : public Norm {
 public:
  LayerNorm(const Shape& normalized_shape, double eps = 1e-5, bool elementwise_affine = true, DType dtype = kFloat32);
  explicit LayerNorm(std::int64_t d_model, double eps = 1e-5) : LayerNorm(Shape{d_model}, eps) {}
  Tensor forward(const Tensor& x) const override;
  std::string extra_repr() const override;

  Tensor weight, bias;  // undefined without elementwise_affine

 private:
  Shape normalized_shape_;
  double eps_;
};

}  // namespace focus::nn
