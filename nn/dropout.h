// Dropout: zeroes elements with probability p while training (scaling the rest by 1/(1-p)); the
// identity in eval mode. Draws from the default generator unless given one.
#pragma once

#include <focus/nn/module.h>
#include <focus/tensor/random.h>

namespace focus::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) const;
  std::string extra_repr() const override;
  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_;
};

}  // namespace focus::nn
