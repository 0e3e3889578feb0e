// Linear: y = x W^T + b, weight [out_features, in_features] as in PyTorch, so checkpoints map one
// to one. Dense(in_features, units) is the same layer under the Keras name the seed article uses.
#pragma once

#include <focus/nn/module.h>

namespace focus::nn {

class Linear : public Module {
 public:
  // Initialised as torch: weight and bias uniform in +-1/sqrt(in_features).
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true, DType dtype = kFloat32);
  // [.., in_features] -> [.., out_features]
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;

  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  Tensor weight;
  Tensor bias;  // undefined without bias

 private:
  std::int64_t in_features_, out_features_;
};

// The seed article's Keras layer name: Dense(in_features, units) == Linear(in_features, units).
class Dense : public Linear {
 public:
  Dense(std::int64_t in_features, std::int64_t units, bool bias = true, DType dtype = kFloat32);
};

}  // namespace focus::nn
